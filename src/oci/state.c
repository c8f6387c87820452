/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/state.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_json.h"
#include "util/cleanup.h"

static const char *const status_names[] = {
        [HUSK_STATUS_CREATING] = "creating", [HUSK_STATUS_CREATED] = "created", [HUSK_STATUS_RUNNING] = "running",
        [HUSK_STATUS_PAUSED] = "paused",     [HUSK_STATUS_STOPPED] = "stopped", NULL,
};

/* jansson's own cleanup helper (json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

void husk_state_free(struct husk_state *s)
{
        if (!s)
                return;
        free(s->oci_version);
        free(s->id);
        free(s->bundle);
        for (size_t i = 0; s->annotations && i < s->n_annotations; i++) {
                free(s->annotations[i].key);
                free(s->annotations[i].value);
        }
        free(s->annotations);
        free(s->rootfs);
        free(s->created);
        free(s->cgroup_path);
        free(s->systemd_unit);
        free(s);
}

const char *husk_status_to_string(enum husk_status status)
{
        if ((unsigned) status > HUSK_STATUS_STOPPED)
                return "unknown";
        return status_names[status];
}

/* json_object_set_new that reports allocation failure once, at the end. */
static void set(json_t *obj, const char *key, json_t *v, bool *oom)
{
        if (!v || json_object_set_new(obj, key, v) < 0)
                *oom = true;
}

int husk_state_to_json(const struct husk_state *s, bool include_private, char **ret, struct husk_error *err)
{
        _cleanup_json_ json_t *o = json_object();
        bool oom = !o;
        if (oom)
                return husk_error_errno(err, ENOMEM, "serialise state");
        /* Field order as in runtime.md's example and runc's output. */
        set(o, "ociVersion", json_string(s->oci_version ? s->oci_version : "1.2.0"), &oom);
        set(o, "id", json_string(s->id ? s->id : ""), &oom);
        set(o, "status", json_string(husk_status_to_string(s->status)), &oom);
        if (s->pid > 0)
                set(o, "pid", json_integer(s->pid), &oom);
        set(o, "bundle", json_string(s->bundle ? s->bundle : ""), &oom);
        if (s->n_annotations > 0) {
                json_t *a = json_object();
                for (size_t i = 0; a && i < s->n_annotations; i++)
                        set(a, s->annotations[i].key, json_string(s->annotations[i].value), &oom);
                set(o, "annotations", a, &oom);
        }
        if (include_private) {
                json_t *h = json_object();
                if (h) {
                        set(h, "pid_start_time", json_integer((json_int_t) s->pid_start_time), &oom);
                        if (s->rootfs)
                                set(h, "rootfs", json_string(s->rootfs), &oom);
                        if (s->created)
                                set(h, "created", json_string(s->created), &oom);
                        set(h, "owner", json_integer(s->owner), &oom);
                        set(h, "own_pid_ns", json_boolean(s->own_pid_ns), &oom);
                        if (s->cgroup_path)
                                set(h, "cgroup_path", json_string(s->cgroup_path), &oom);
                        if (s->systemd_unit)
                                set(h, "systemd_unit", json_string(s->systemd_unit), &oom);
                }
                set(o, "husk", h, &oom);
        }
        /* json_string() returns NULL on invalid UTF-8 as well as on ENOMEM. */
        if (oom)
                return husk_error_set(err, EINVAL, "serialise state of %s: out of memory or invalid UTF-8",
                                      s->id ? s->id : "container");
        char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text)
                return husk_error_errno(err, ENOMEM, "serialise state");
        *ret = text;
        return 0;
}

static int parse_private(struct husk_jctx *c, json_t *h, struct husk_state *s)
{
        int r;
        uint32_t owner = 0;
        if ((r = husk_juint64(c, h, "pid_start_time", false, &s->pid_start_time, NULL)) < 0 ||
            (r = husk_jstring(c, h, "rootfs", false, &s->rootfs)) < 0 ||
            (r = husk_jstring(c, h, "created", false, &s->created)) < 0 ||
            (r = husk_juint32(c, h, "owner", false, &owner, NULL)) < 0 ||
            (r = husk_jbool(c, h, "own_pid_ns", &s->own_pid_ns, NULL)) < 0 ||
            (r = husk_jstring(c, h, "cgroup_path", false, &s->cgroup_path)) < 0 ||
            (r = husk_jstring(c, h, "systemd_unit", false, &s->systemd_unit)) < 0)
                return r;
        s->owner = owner;
        return 0;
}

static int parse_state(struct husk_jctx *c, json_t *doc, struct husk_state *s)
{
        int r;
        if (!json_is_object(doc))
                return husk_jfail(c, "must be a JSON object");
        _cleanup_free_ char *status = NULL;
        if ((r = husk_jstring(c, doc, "ociVersion", true, &s->oci_version)) < 0 ||
            (r = husk_jstring(c, doc, "id", true, &s->id)) < 0 ||
            (r = husk_jstring(c, doc, "status", true, &status)) < 0 ||
            (r = husk_jstring(c, doc, "bundle", true, &s->bundle)) < 0)
                return r;
        int st = husk_name_index(status_names, status);
        if (st < 0)
                return husk_jfail_key(c, "status", "unknown status \"%s\"", status);
        s->status = (enum husk_status) st;
        int64_t pid = 0;
        if ((r = husk_jint64(c, doc, "pid", false, 0, INT32_MAX, &pid, NULL)) < 0)
                return r;
        s->pid = (pid_t) pid;
        if ((r = husk_jkv(c, doc, "annotations", &s->annotations, &s->n_annotations)) < 0)
                return r;
        return HUSK_JSECTION(c, doc, "husk", parse_private, s);
}

int husk_state_from_json(const char *data, size_t len, const char *name, struct husk_state **ret,
                         struct husk_error *err)
{
        struct husk_jctx c = { .name = name ? name : "state.json", .err = err };
        json_error_t je;
        if (!data)
                return husk_error_set(err, EINVAL, "%s: no data", c.name);
        _cleanup_json_ json_t *doc = json_loadb(data, len, 0, &je);
        if (!doc)
                return husk_error_set(err, EINVAL, "%s: line %d column %d: %s", c.name, je.line, je.column, je.text);
        struct husk_state *s = calloc(1, sizeof(*s));
        if (!s)
                return husk_error_errno(err, ENOMEM, "%s", c.name);
        _cleanup_(husk_state_freep) struct husk_state *owned = s;
        int r = parse_state(&c, doc, s);
        if (r < 0)
                return r;
        *ret = steal_ptr(owned);
        return 0;
}

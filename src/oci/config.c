/* SPDX-License-Identifier: Apache-2.0 */
/* config.json: the document, root, mounts, hooks, annotations. The sections live in config_*.c. */
#include "oci/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_json.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* jansson's own cleanup helper (json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

static int parse_root(struct husk_jctx *c, json_t *v, struct husk_root *root)
{
        int r = husk_jstring(c, v, "path", true, &root->path);
        if (r < 0)
                return r;
        if (root->path[0] == '\0')
                return husk_jfail_key(c, "path", "must not be empty");
        return husk_jbool(c, v, "readonly", &root->readonly, NULL);
}

static int parse_mount(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_mount *m = elem;
        int r = husk_jstring(c, e, "destination", true, &m->destination);
        if (r < 0)
                return r;
        if (m->destination[0] == '\0')
                return husk_jfail_key(c, "destination", "must not be empty");
        /* runc accepts relative destinations (with a warning) and treats them as relative to the
         * container's root; podman and old Docker versions still emit them. */
        if (m->destination[0] != '/') {
                char *abs = NULL;
                if (asprintf(&abs, "/%s", m->destination) < 0)
                        return husk_error_errno(c->err, ENOMEM, "%s: mounts", c->name);
                free(m->destination);
                m->destination = abs;
        }
        if ((r = husk_jstring(c, e, "source", false, &m->source)) < 0 ||
            (r = husk_jstring(c, e, "type", false, &m->type)) < 0 ||
            (r = husk_jstrv(c, e, "options", NULL, &m->options, &m->n_options)) < 0 ||
            (r = husk_jid_mappings(c, e, "uidMappings", &m->uid_mappings, &m->n_uid_mappings)) < 0 ||
            (r = husk_jid_mappings(c, e, "gidMappings", &m->gid_mappings, &m->n_gid_mappings)) < 0)
                return r;
        /* An idmapped mount needs both maps (mount_setattr takes one user namespace for both). */
        if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
                return husk_jfail(c, "uidMappings and gidMappings must be given together");
        return 0;
}

static int parse_hook(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_hook *h = elem;
        int r = husk_jstring(c, e, "path", true, &h->path);
        if (r < 0)
                return r;
        if (h->path[0] != '/')
                return husk_jfail_key(c, "path", "must be an absolute path");
        if ((r = husk_jstrv(c, e, "args", NULL, &h->args, NULL)) < 0 ||
            (r = husk_jstrv(c, e, "env", NULL, &h->env, NULL)) < 0)
                return r;
        int64_t t;
        if ((r = husk_jint64(c, e, "timeout", false, INT32_MIN, INT32_MAX, &t, &h->has_timeout)) < 0)
                return r;
        if (h->has_timeout && t <= 0)
                return husk_jfail_key(c, "timeout", "must be greater than 0");
        h->timeout = (int) t;
        return 0;
}

static int parse_hook_list(struct husk_jctx *c, json_t *v, const char *key, struct husk_hook_list *l)
{
        return husk_jobject_array(c, v, key, sizeof(*l->hooks), &l->hooks, &l->n, parse_hook, NULL);
}

static int parse_hooks(struct husk_jctx *c, json_t *v, struct husk_hooks *h)
{
        int r;
        if ((r = parse_hook_list(c, v, "prestart", &h->prestart)) < 0 ||
            (r = parse_hook_list(c, v, "createRuntime", &h->create_runtime)) < 0 ||
            (r = parse_hook_list(c, v, "createContainer", &h->create_container)) < 0 ||
            (r = parse_hook_list(c, v, "startContainer", &h->start_container)) < 0 ||
            (r = parse_hook_list(c, v, "poststart", &h->poststart)) < 0 ||
            (r = parse_hook_list(c, v, "poststop", &h->poststop)) < 0)
                return r;
        return 0;
}

static int parse_process_section(struct husk_jctx *c, json_t *v, struct husk_spec *spec)
{
        spec->has_process = true;
        return husk_parse_process(c, v, &spec->process);
}

static int parse_linux_section(struct husk_jctx *c, json_t *v, struct husk_spec *spec)
{
        spec->has_linux = true;
        return husk_parse_linux(c, v, &spec->linux_);
}

static int parse_document(struct husk_jctx *c, json_t *doc, struct husk_spec *spec)
{
        int r;
        if (!json_is_object(doc))
                return husk_jfail(c, "must be a JSON object");
        if ((r = husk_jstring(c, doc, "ociVersion", true, &spec->oci_version)) < 0)
                return r;
        if (spec->oci_version[0] == '\0')
                return husk_jfail_key(c, "ociVersion", "must not be empty");
        json_t *root = NULL;
        if ((r = husk_jobject(c, doc, "root", true, &root)) < 0)
                return r;
        if ((r = HUSK_JSECTION(c, doc, "root", parse_root, &spec->root)) < 0 ||
            (r = HUSK_JSECTION(c, doc, "process", parse_process_section, spec)) < 0 ||
            (r = husk_jstring(c, doc, "hostname", false, &spec->hostname)) < 0 ||
            (r = husk_jstring(c, doc, "domainname", false, &spec->domainname)) < 0 ||
            (r = husk_jobject_array(c, doc, "mounts", sizeof(*spec->mounts), &spec->mounts, &spec->n_mounts,
                                    parse_mount, NULL)) < 0 ||
            (r = HUSK_JSECTION(c, doc, "hooks", parse_hooks, &spec->hooks)) < 0 ||
            (r = husk_jkv(c, doc, "annotations", &spec->annotations, &spec->n_annotations)) < 0 ||
            (r = HUSK_JSECTION(c, doc, "linux", parse_linux_section, spec)) < 0)
                return r;
        return 0;
}

int husk_config_parse(const char *data, size_t len, const char *name, struct husk_spec **ret, struct husk_error *err)
{
        struct husk_jctx c = { .name = name ? name : "config.json", .err = err };
        _cleanup_json_ json_t *doc = NULL;
        int r = husk_jload(&c, data, len, &doc);
        if (r < 0)
                return r;

        struct husk_spec *spec = calloc(1, sizeof(*spec));
        if (!spec)
                return husk_error_errno(err, ENOMEM, "%s", c.name);
        _cleanup_(husk_spec_freep) struct husk_spec *owned = spec;
        r = parse_document(&c, doc, spec);
        if (r < 0)
                return r;
        *ret = steal_ptr(owned);
        return 0;
}

int husk_process_parse(const char *data, size_t len, const char *name, struct husk_process *ret,
                       struct husk_error *err)
{
        struct husk_jctx c = { .name = name ? name : "process.json", .err = err };
        _cleanup_json_ json_t *doc = NULL;
        int r = husk_jload(&c, data, len, &doc);
        if (r < 0)
                return r;
        if (!json_is_object(doc))
                return husk_jfail(&c, "must be a JSON object");
        struct husk_process p = { 0 };
        r = husk_parse_process(&c, doc, &p);
        if (r < 0) {
                husk_process_free_contents(&p);
                return r;
        }
        *ret = p;
        return 0;
}

int husk_config_load(const char *path, struct husk_spec **ret, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = husk_read_file_at(AT_FDCWD, path, &data, &len, err);
        if (r < 0)
                return r;
        return husk_config_parse(data, len, path, ret, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* container.json: the engine's record of a container, as JSON. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

void husk_ctr_config_free_contents(struct husk_ctr_config *cfg)
{
        husk_strv_free(cfg->cmd);
        husk_strv_free(cfg->entrypoint);
        husk_strv_free(cfg->env);
        free(cfg->workdir);
        free(cfg->user);
        free(cfg->hostname);
        free(cfg->network);
        free(cfg->cgroup_parent);
        free(cfg->stop_signal);
        json_decref(cfg->host_config);
        json_decref(cfg->ctr_config);
        memset(cfg, 0, sizeof(*cfg));
        cfg->stop_timeout = -1;
}

void husk_ctr_free_contents(struct husk_ctr *c)
{
        free(c->name);
        free(c->image);
        free(c->rootfs);
        husk_ctr_config_free_contents(&c->cfg);
        husk_strv_free(c->command);
        free(c->error);
        free(c->driver);
        memset(c, 0, sizeof(*c));
        c->cfg.stop_timeout = -1;
}

void husk_ctr_list_free(struct husk_ctr *list, size_t n)
{
        for (size_t i = 0; list && i < n; i++)
                husk_ctr_free_contents(&list[i]);
        free(list);
}

const char *husk_ctr_state_to_string(enum husk_ctr_state s)
{
        switch (s) {
        case HUSK_CTR_CREATED:
                return "created";
        case HUSK_CTR_RUNNING:
                return "running";
        case HUSK_CTR_EXITED:
                return "exited";
        }
        return "unknown";
}

/* NULL-terminated vector as a JSON array; NULL as JSON null. */
static json_t *strv_json(char *const *v)
{
        if (!v)
                return json_null();
        json_t *a = json_array();
        for (char *const *p = v; a && *p; p++)
                if (json_array_append_new(a, json_string(*p)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static json_t *str_json(const char *s)
{
        return s ? json_string(s) : json_null();
}

int husk_ctr_to_json(const struct husk_ctr *c, char **ret, struct husk_error *err)
{
        const struct husk_ctr_config *f = &c->cfg;
        /* json_pack steals every "o" even when it fails, so nothing leaks on ENOMEM. */
        _cleanup_json_ json_t *cfg = json_pack(
                "{s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:b}",
                "cmd", strv_json(f->cmd), "entrypoint", strv_json(f->entrypoint), "has_entrypoint",
                f->has_entrypoint, "env", strv_json(f->env), "workdir", str_json(f->workdir), "user",
                str_json(f->user), "hostname", str_json(f->hostname), "network", str_json(f->network),
                "cgroup_parent", str_json(f->cgroup_parent), "stop_signal", str_json(f->stop_signal),
                "stop_timeout", f->stop_timeout, "auto_remove", f->auto_remove);
        if (cfg && ((f->host_config && json_object_set(cfg, "host_config", f->host_config) < 0) ||
                    (f->ctr_config && json_object_set(cfg, "ctr_config", f->ctr_config) < 0)))
                return husk_error_errno(err, ENOMEM, "container %s: record", c->id);
        if (!cfg)
                return husk_error_errno(err, ENOMEM, "container %s: record", c->id);
        _cleanup_json_ json_t *doc = json_pack(
                "{s:s, s:s, s:s, s:s, s:o, s:O, s:I, s:s, s:i, s:i, s:i, s:I, s:I, s:o, s:o, s:o}",
                "id", c->id, "name", c->name, "image", c->image, "image_id", c->image_id, "rootfs",
                str_json(c->rootfs), "config", cfg,
                "created", (json_int_t) c->created, "state", husk_ctr_state_to_string(c->state), "pid",
                (int) c->pid, "monitor_pid", (int) c->monitor_pid, "exit_code", c->exit_code, "started_at",
                (json_int_t) c->started_at, "finished_at", (json_int_t) c->finished_at, "command",
                strv_json(c->command), "error", str_json(c->error), "driver", str_json(c->driver));
        if (doc && c->paused && json_object_set_new(doc, "paused", json_true()) < 0)
                return husk_error_errno(err, ENOMEM, "container %s: record", c->id);
        if (!doc)
                return husk_error_errno(err, ENOMEM, "container %s: record", c->id);
        char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT);
        if (!text)
                return husk_error_errno(err, ENOMEM, "container %s: record", c->id);
        *ret = text;
        return 0;
}

/* ---- parsing ---- */

static int get_str(json_t *o, const char *key, bool required, char **ret, const char *name, struct husk_error *err)
{
        json_t *v = json_object_get(o, key);
        if (!v || json_is_null(v)) {
                if (required)
                        return husk_error_set(err, EINVAL, "%s: %s: missing", name, key);
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v))
                return husk_error_set(err, EINVAL, "%s: %s: must be a string", name, key);
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "%s", name);
}

static int get_strv(json_t *o, const char *key, char ***ret, const char *name, struct husk_error *err)
{
        json_t *v = json_object_get(o, key);
        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return husk_error_set(err, EINVAL, "%s: %s: must be an array of strings", name, key);
        _cleanup_strv_ char **out = calloc(json_array_size(v) + 1, sizeof(char *));
        if (!out)
                return husk_error_errno(err, ENOMEM, "%s", name);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
                if (!json_is_string(e))
                        return husk_error_set(err, EINVAL, "%s: %s[%zu]: must be a string", name, key, i);
                out[i] = strdup(json_string_value(e));
                if (!out[i])
                        return husk_error_errno(err, ENOMEM, "%s", name);
        }
        *ret = steal_ptr(out);
        return 0;
}

static int64_t get_int(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);
        return json_is_integer(v) ? (int64_t) json_integer_value(v) : 0;
}

static int parse_config(json_t *o, struct husk_ctr_config *f, const char *name, struct husk_error *err)
{
        int r;
        if (!json_is_object(o))
                return husk_error_set(err, EINVAL, "%s: config: must be an object", name);
        if ((r = get_strv(o, "cmd", &f->cmd, name, err)) < 0 ||
            (r = get_strv(o, "entrypoint", &f->entrypoint, name, err)) < 0 ||
            (r = get_strv(o, "env", &f->env, name, err)) < 0 ||
            (r = get_str(o, "workdir", false, &f->workdir, name, err)) < 0 ||
            (r = get_str(o, "user", false, &f->user, name, err)) < 0 ||
            (r = get_str(o, "hostname", false, &f->hostname, name, err)) < 0 ||
            (r = get_str(o, "network", false, &f->network, name, err)) < 0 ||
            (r = get_str(o, "cgroup_parent", false, &f->cgroup_parent, name, err)) < 0 ||
            (r = get_str(o, "stop_signal", false, &f->stop_signal, name, err)) < 0)
                return r;
        f->has_entrypoint = json_is_true(json_object_get(o, "has_entrypoint"));
        f->auto_remove = json_is_true(json_object_get(o, "auto_remove"));
        json_t *t = json_object_get(o, "stop_timeout");
        f->stop_timeout = json_is_integer(t) ? (int) json_integer_value(t) : -1;
        struct {
                const char *key;
                struct json_t **dst;
        } ext[] = { { "host_config", &f->host_config }, { "ctr_config", &f->ctr_config } };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(ext); i++) {
                json_t *v = json_object_get(o, ext[i].key);
                if (v && !json_is_null(v) && !json_is_object(v))
                        return husk_error_set(err, EINVAL, "%s: config.%s: must be an object", name, ext[i].key);
                *ext[i].dst = json_is_object(v) ? json_incref(v) : NULL;
        }
        return 0;
}

int husk_ctr_from_json(const char *data, size_t len, const char *name, struct husk_ctr *ret, struct husk_error *err)
{
        json_error_t jerr;
        _cleanup_json_ json_t *doc = json_loadb(data, len, 0, &jerr);
        if (!doc)
                return husk_error_set(err, EINVAL, "%s: line %d: %s", name, jerr.line, jerr.text);
        if (!json_is_object(doc))
                return husk_error_set(err, EINVAL, "%s: must be a JSON object", name);

        _cleanup_(husk_ctr_done) struct husk_ctr c = { .cfg.stop_timeout = -1 };
        _cleanup_free_ char *id = NULL, *image_id = NULL, *state = NULL;
        int r;
        if ((r = get_str(doc, "id", true, &id, name, err)) < 0 || (r = get_str(doc, "name", true, &c.name, name, err)) < 0 ||
            (r = get_str(doc, "image", true, &c.image, name, err)) < 0 ||
            (r = get_str(doc, "image_id", true, &image_id, name, err)) < 0 ||
            (r = get_str(doc, "rootfs", false, &c.rootfs, name, err)) < 0 ||
            (r = get_str(doc, "state", true, &state, name, err)) < 0 ||
            (r = get_strv(doc, "command", &c.command, name, err)) < 0 ||
            (r = get_str(doc, "error", false, &c.error, name, err)) < 0 ||
            (r = get_str(doc, "driver", false, &c.driver, name, err)) < 0 ||
            (r = parse_config(json_object_get(doc, "config"), &c.cfg, name, err)) < 0)
                return r;
        if (!husk_ctr_id_valid(id))
                return husk_error_set(err, EINVAL, "%s: id: not 64 lowercase hex digits", name);
        if (strlen(image_id) >= sizeof(c.image_id))
                return husk_error_set(err, EINVAL, "%s: image_id: too long", name);
        memcpy(c.id, id, HUSK_CTR_ID_LEN + 1);
        memcpy(c.image_id, image_id, strlen(image_id) + 1);
        if (strcmp(state, "created") == 0)
                c.state = HUSK_CTR_CREATED;
        else if (strcmp(state, "running") == 0)
                c.state = HUSK_CTR_RUNNING;
        else if (strcmp(state, "exited") == 0)
                c.state = HUSK_CTR_EXITED;
        else
                return husk_error_set(err, EINVAL, "%s: state: unknown \"%s\"", name, state);
        c.created = get_int(doc, "created");
        c.pid = (pid_t) get_int(doc, "pid");
        c.monitor_pid = (pid_t) get_int(doc, "monitor_pid");
        c.exit_code = (int) get_int(doc, "exit_code");
        c.started_at = get_int(doc, "started_at");
        c.finished_at = get_int(doc, "finished_at");
        c.paused = json_is_true(json_object_get(doc, "paused"));
        *ret = c;
        memset(&c, 0, sizeof(c));
        return 0;
}

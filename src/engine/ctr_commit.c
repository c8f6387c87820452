/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk commit`: the container's upper layer (less the mount points its start made) handed to the
 * store as a new image (image/commit.h), with the container's own settings as the image's config, as
 * docker commit does: its Cmd, Entrypoint, Env, WorkingDir, User and Labels.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ctr_upper.h"
#include "image/commit.h"
#include "oci/state.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static json_t *strv_json(char **v)
{
        json_t *a = json_array();
        for (char **p = v; a && p && *p; p++)
                if (json_array_append_new(a, json_string(*p)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/* The Config keys the container set; the image's stay where it set none. */
static int container_config(const struct husk_ctr *c, json_t **ret, struct husk_error *err)
{
        _cleanup_json_ json_t *o = json_object();
        const struct husk_ctr_config *cfg = &c->cfg;
        bool ok = o != NULL;

        if (ok && cfg->cmd)
                ok = json_object_set_new(o, "Cmd", strv_json(cfg->cmd)) == 0;
        if (ok && cfg->has_entrypoint)
                ok = json_object_set_new(o, "Entrypoint", cfg->entrypoint && cfg->entrypoint[0]
                                                                  ? strv_json(cfg->entrypoint)
                                                                  : json_null()) == 0;
        if (ok && cfg->env && cfg->env[0])
                ok = json_object_set_new(o, "Env", strv_json(cfg->env)) == 0;
        if (ok && cfg->workdir)
                ok = json_object_set_new(o, "WorkingDir", json_string(cfg->workdir)) == 0;
        if (ok && cfg->user)
                ok = json_object_set_new(o, "User", json_string(cfg->user)) == 0;
        json_t *labels = json_object_get(cfg->ctr_config, "Labels");
        if (ok && json_is_object(labels) && json_object_size(labels))
                ok = json_object_set(o, "Labels", labels) == 0;
        if (!ok)
                return husk_error_errno(err, ENOMEM, "commit %s", c->name);
        *ret = steal_ptr(o);
        return 0;
}

/* The history entry's created_by: the command the container ran, as docker commit records it. */
static char *command_line(char **argv)
{
        size_t len = 1;
        for (char **p = argv; p && *p; p++)
                len += strlen(*p) + 1;
        char *s = calloc(1, len);
        for (char **p = argv; s && p && *p; p++) {
                if (p != argv)
                        strcat(s, " ");
                strcat(s, *p);
        }
        return s;
}

/* A running container frozen while its layer is read (docker commit --pause, the default), so the
 * layer is one moment of it; thawed by the cleanup. One paused by its user stays paused. */
struct frozen {
        const struct husk_runtime *rt;
        const char *id;         /* NULL: nothing to thaw */
};

static void thaw(struct frozen *f)
{
        struct husk_error ignored = { 0 };
        if (f->id)
                (void) husk_container_resume(f->rt, f->id, &ignored);
}

static int freeze(struct husk_engine *e, const struct husk_ctr *c, struct frozen *f, struct husk_error *err)
{
        _cleanup_(husk_state_freep) struct husk_state *st = NULL;
        if (c->state != HUSK_CTR_RUNNING || c->monitor_dead)
                return 0;
        struct husk_error ignored = { 0 };
        if (husk_container_state(&e->rt, c->id, &st, &ignored) < 0 || st->status != HUSK_STATUS_RUNNING)
                return 0; /* gone meanwhile, or paused already */
        int r = husk_container_pause(&e->rt, c->id, err);
        if (r < 0)
                return husk_error_prefix(err, "commit %s: pause: ", c->name);
        f->rt = &e->rt;
        f->id = c->id;
        return 0;
}

int husk_engine_commit(struct husk_engine *e, const char *id, const struct husk_engine_commit_opts *o,
                       char ret_id[static HUSK_DIGEST_LEN], struct husk_error *err)
{
        _cleanup_(husk_ctr_root_close) struct husk_ctr_root root = { .lock_fd = -1, .dirfd = -1, .root_fd = -1 };
        _cleanup_(ctr_upper_close) struct ctr_upper u = { .upper_fd = -1 };
        /* Under the container's lock: no start, exit clean-up or rm changes the upper layer's mounts
         * meanwhile. A running container's processes may still write: see docs/engine.md. */
        int r = husk_ctr_root_hold(e, id, &root, err);
        if (r < 0)
                return r;
        r = ctr_upper_open(e, &root, "commit", &u, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *cc = NULL;
        r = container_config(&root.c, &cc, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *created_by = command_line(root.c.command);
        if (!created_by)
                return husk_error_errno(err, ENOMEM, "commit %s", root.c.name);
        struct husk_store *s = NULL;
        r = husk_engine_store(e, &s, err);
        if (r < 0)
                return r;
        _cleanup_(thaw) struct frozen frozen = { 0 };
        if (o->pause && (r = freeze(e, &root.c, &frozen, err)) < 0)
                return r;
        struct husk_tree_tar_opts tar = { .skip = ctr_upper_skip, .skip_ctx = &u };
        struct husk_commit_opts co = { .name = o->name, .author = o->author, .message = o->message,
                                       .changes = o->changes, .created_by = created_by, .container_config = cc,
                                       .tar = &tar };
        r = husk_image_commit(s, root.c.image_id, u.upper_fd, &co, ret_id, err);
        return r < 0 ? r : 0;
}

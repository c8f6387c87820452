/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run/create's -v, --mount, --tmpfs and --volumes-from: parsed and checked here (engine/mount_spec.h),
 * before anything exists, so a bad one leaves nothing behind; kept in the record by Docker's names.
 * The volumes themselves are made after the record (engine/ctr_volumes.h).
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/husk/run_vol.h"
#include "engine/mount_spec.h"
#include "engine/volume.h"
#include "util/cleanup.h"

/* Report err: Docker's CLI-side parse errors ("invalid argument ...") are usage errors. */
static int report(const struct husk_ctx *ctx, const struct husk_error *err)
{
        if (strncmp(err->msg, "invalid argument", 16) == 0)
                return husk_usage_error(ctx, "%s", err->msg);
        return husk_fail(ctx, err);
}

/* Each destination once: Docker's "Duplicate mount point". */
static int claim(const struct husk_ctx *ctx, json_t *seen, const char *dst)
{
        if (json_object_get(seen, dst))
                return husk_failf(ctx, "Duplicate mount point: %s", dst);
        (void) json_object_set_new(seen, dst, json_true());
        return 0;
}

static json_t *member(json_t *o, const char *key, json_t *(*make)(void))
{
        json_t *v = json_object_get(o, key);
        if (!v && json_object_set_new(o, key, make()) == 0)
                v = json_object_get(o, key);
        return v;
}

static int volumes(const struct husk_ctx *ctx, const struct arg_strings *v, json_t *seen, struct husk_ctr_config *cfg)
{
        for (size_t i = 0; i < v->n; i++) {
                _cleanup_(husk_mount_spec_free_contents) struct husk_mount_spec m = { 0 };
                struct husk_error err = { 0 };
                if (husk_mount_parse_volume(v->v[i], &m, &err) < 0)
                        return report(ctx, &err);
                if (m.type == HUSK_MOUNT_VOLUME && m.source && husk_vol_name_validate(m.source, &err) < 0)
                        return report(ctx, &err);
                int r = claim(ctx, seen, m.target);
                if (r != 0)
                        return r;
                /* -v DST alone is Config.Volumes (an anonymous volume), as Docker keeps it */
                json_t *list = m.source ? member(cfg->host_config, "Binds", json_array)
                                        : member(cfg->ctr_config, "Volumes", json_object);
                if (!list || (m.source ? json_array_append_new(list, json_string(v->v[i]))
                                       : json_object_set_new(list, m.target, json_object())) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        return 0;
}

static int mounts(const struct husk_ctx *ctx, const struct arg_strings *v, json_t *seen, struct husk_ctr_config *cfg)
{
        for (size_t i = 0; i < v->n; i++) {
                _cleanup_(husk_mount_spec_free_contents) struct husk_mount_spec m = { 0 };
                struct husk_error err = { 0 };
                if (husk_mount_parse_mount(v->v[i], &m, &err) < 0)
                        return report(ctx, &err);
                struct stat st;
                /* Unlike -v, --mount never makes a missing bind source */
                if (m.type == HUSK_MOUNT_BIND && stat(m.source, &st) < 0)
                        return husk_failf(ctx, "invalid mount config for type \"bind\": bind source path does not exist: %s",
                                          m.source);
                if (m.type == HUSK_MOUNT_VOLUME && m.source && husk_vol_name_validate(m.source, &err) < 0)
                        return report(ctx, &err);
                int r = claim(ctx, seen, m.target);
                if (r != 0)
                        return r;
                json_t *list = member(cfg->host_config, "Mounts", json_array);
                if (!list || json_array_append_new(list, husk_mount_spec_to_json(&m)) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        return 0;
}

static int tmpfs(const struct husk_ctx *ctx, const struct arg_strings *v, json_t *seen, struct husk_ctr_config *cfg)
{
        for (size_t i = 0; i < v->n; i++) {
                _cleanup_free_ char *dst = NULL, *opts = NULL;
                struct husk_error err = { 0 };
                if (husk_mount_parse_tmpfs(v->v[i], &dst, &opts, &err) < 0)
                        return husk_usage_error(ctx, "%s", err.msg);
                int r = claim(ctx, seen, dst);
                if (r != 0)
                        return r;
                json_t *map = member(cfg->host_config, "Tmpfs", json_object);
                if (!map || json_object_set_new(map, dst, json_string(opts)) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        return 0;
}

static int volumes_from(const struct husk_ctx *ctx, const struct arg_strings *v, struct husk_ctr_config *cfg)
{
        for (size_t i = 0; i < v->n; i++) {
                const char *colon = strchr(v->v[i], ':');
                if (colon == v->v[i] || (colon && strcmp(colon + 1, "ro") != 0 && strcmp(colon + 1, "rw") != 0))
                        return husk_failf(ctx, "invalid mode: %s", colon ? colon + 1 : "");
                json_t *list = member(cfg->host_config, "VolumesFrom", json_array);
                if (!list || json_array_append_new(list, json_string(v->v[i])) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        return 0;
}

int husk_run_vol_flags(const struct husk_ctx *ctx, const struct run_vol_flags *f, struct husk_ctr_config *cfg)
{
        _cleanup_(json_decrefp) json_t *seen = json_object();
        if (!seen)
                return husk_failf(ctx, "out of memory");
        int r = volumes(ctx, &f->volume, seen, cfg);
        if (r == 0)
                r = mounts(ctx, &f->mount, seen, cfg);
        if (r == 0)
                r = tmpfs(ctx, &f->tmpfs, seen, cfg);
        if (r == 0)
                r = volumes_from(ctx, &f->volumes_from, cfg);
        return r;
}

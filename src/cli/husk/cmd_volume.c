/* SPDX-License-Identifier: Apache-2.0 */
/* `husk volume create|ls|inspect|rm|prune`: the engine's volumes (engine/volume.h), Docker's output. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/containers.h"
#include "cli/husk/template.h"
#include "cli/husk/units.h"
#include "engine/ctr_volumes.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

/* The engine (containers: who uses a volume) and its volumes, opened together by every command. */
struct vols {
        struct husk_engine e;
        struct husk_vol_store *vs;
};

static void vols_done(struct vols *v)
{
        husk_vol_store_closep(&v->vs);
        husk_engine_close(&v->e);
}

static int open_volumes(const struct husk_ctx *ctx, struct vols *v)
{
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &v->e, true, &err) < 0 || husk_engine_vol_store(&v->e, true, &v->vs, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

/* KEY=VALUE (or KEY: "") of --label and --opt into o. */
static int key_values(const struct husk_ctx *ctx, const struct arg_strings *v, const char *flag, json_t *o)
{
        for (size_t i = 0; i < v->n; i++) {
                const char *eq = strchr(v->v[i], '=');
                if (eq == v->v[i] || !*v->v[i])
                        return husk_usage_error(ctx, "invalid argument \"%s\" for \"%s\" flag: invalid key", v->v[i], flag);
                char key[256];
                (void) snprintf(key, sizeof(key), "%.*s", (int) (eq ? (size_t) (eq - v->v[i]) : strlen(v->v[i])), v->v[i]);
                struct husk_error err = { 0 };
                if (strcmp(flag, "--opt") == 0 && husk_vol_option_validate(key, &err) < 0)
                        return husk_fail(ctx, &err);
                if (json_object_set_new(o, key, json_string(eq ? eq + 1 : "")) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        return 0;
}

struct create_flags {
        const char *name, *driver;
        struct arg_strings labels, opts;
};

static const struct arg_opt create_opts[] = {
        ARG_OPT("name", NULL, ARG_STRING, struct create_flags, name, "Specify volume name"),
        ARG_OPT("driver", "d", ARG_STRING, struct create_flags, driver, "Specify volume driver name (default \"local\")"),
        ARG_OPT("label", NULL, ARG_STRINGS, struct create_flags, labels, "Set metadata for a volume"),
        ARG_OPT("opt", "o", ARG_STRINGS, struct create_flags, opts,
                "Set driver specific options (type=tmpfs, device=tmpfs, o=size=64m)"),
};

static int run_create(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct create_flags *f = flags;
        const char *name = argc > 0 ? argv[0] : f->name;
        if (argc > 0 && f->name && strcmp(f->name, argv[0]) != 0)
                return husk_usage_error(ctx, "conflicting options: either specify --name or provide positional arg, not both");
        if (f->driver && strcmp(f->driver, "local") != 0)
                return husk_failf(ctx, "create %s: error looking up volume plugin %s: plugin \"%s\" not found",
                                  name ? name : "", f->driver, f->driver);
        _cleanup_json_ json_t *labels = json_object(), *opts = json_object();
        if (!labels || !opts)
                return husk_failf(ctx, "out of memory");
        int r = key_values(ctx, &f->labels, "--label", labels);
        if (r == 0)
                r = key_values(ctx, &f->opts, "--opt", opts);
        if (r != 0)
                return r;
        /* The local driver mounts "device" as "type" with "o": both or neither */
        if (json_object_get(opts, "type") && !json_object_get(opts, "device"))
                return husk_failf(ctx, "create %s: missing device in volume options", name ? name : "");
        if (json_object_get(opts, "device") && !json_object_get(opts, "type"))
                return husk_failf(ctx, "create %s: missing type in volume options", name ? name : "");
        struct husk_error err = { 0 };
        if (name && husk_vol_name_validate(name, &err) < 0)
                return husk_fail(ctx, &err);
        _cleanup_(vols_done) struct vols h = { 0 };
        if ((r = open_volumes(ctx, &h)) != 0)
                return r;
        _cleanup_close_ int lock = husk_vol_store_lock(h.vs, &err);
        _cleanup_(husk_volume_free_contents) struct husk_volume vol = { 0 };
        if (lock < 0 || husk_vol_create(h.vs, name, labels, opts, &vol, NULL, &err) < 0)
                return husk_fail(ctx, &err);
        printf("%s\n", vol.name);
        return 0;
}

/* ---- ls ---- */
struct ls_flags {
        bool quiet;
        const char *format;
        struct arg_strings filters;
};

static const struct arg_opt ls_opts[] = {
        ARG_OPT("quiet", "q", ARG_BOOL, struct ls_flags, quiet, "Only display volume names"),
        ARG_OPT("format", NULL, ARG_STRING, struct ls_flags, format, "Format output using a custom template"),
        ARG_OPT("filter", "f", ARG_STRINGS, struct ls_flags, filters,
                "Provide filter values (dangling=true|false, name=, label=KEY[=VALUE], driver=local)"),
};

static const struct husk_fmt_field vol_fields[] = {
        { "Driver", "DRIVER", false },     { "Name", "VOLUME NAME", false }, { "Scope", "SCOPE", false },
        { "Mountpoint", "MOUNTPOINT", false }, { "Labels", "LABELS", false },  { "CreatedAt", "CREATED", false },
        { "Links", "LINKS", false },       { "Size", "SIZE", false },
};
#define LS_TABLE "table {{.Driver}}\t{{.Name}}"

/* Does the volume pass every filter? (Docker: filters of one key OR, different keys AND.) */
static int filters_match(const struct arg_strings *flt, const struct husk_volume *v, bool used, bool *ret,
                         struct husk_error *err)
{
        static const char *const keys[] = { "dangling", "name", "label", "driver" };
        bool key_seen[4] = { 0 }, key_ok[4] = { 0 };
        for (size_t i = 0; i < flt->n; i++) {
                const char *f = flt->v[i], *eq = strchr(f, '=');
                size_t k;
                for (k = 0; eq && k < HUSK_ARRAY_SIZE(keys); k++)
                        if (strlen(keys[k]) == (size_t) (eq - f) && strncmp(f, keys[k], (size_t) (eq - f)) == 0)
                                break;
                if (!eq || k == HUSK_ARRAY_SIZE(keys))
                        return husk_error_set(err, EINVAL, "invalid filter '%s'", f);
                const char *val = eq + 1;
                bool ok = false;
                if (k == 0) {
                        bool want = strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
                        if (!want && strcmp(val, "false") != 0 && strcmp(val, "0") != 0)
                                return husk_error_set(err, EINVAL, "invalid filter 'dangling=%s'", val);
                        ok = want == !used;
                } else if (k == 1) {
                        ok = strstr(v->name, val) != NULL;
                } else if (k == 2) {
                        const char *veq = strchr(val, '=');
                        char key[256];
                        (void) snprintf(key, sizeof(key), "%.*s", (int) (veq ? (size_t) (veq - val) : strlen(val)), val);
                        const char *have = json_string_value(json_object_get(v->labels, key));
                        ok = have && (!veq || strcmp(have, veq + 1) == 0);
                } else {
                        ok = strcmp(val, "local") == 0;
                }
                key_seen[k] = true;
                key_ok[k] = key_ok[k] || ok;
        }
        *ret = true;
        for (size_t k = 0; k < HUSK_ARRAY_SIZE(keys); k++)
                if (key_seen[k] && !key_ok[k])
                        *ret = false;
        return 0;
}

static char *labels_text(const struct husk_volume *v)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                return NULL;
        const char *k;
        json_t *val;
        bool first = true;
        json_object_foreach (v->labels, k, val) {
                fprintf(f, "%s%s=%s", first ? "" : ",", k, json_string_value(val) ? json_string_value(val) : "");
                first = false;
        }
        (void) fclose(f);
        return text;
}

/* One volume as a row of vol_fields. */
static int add_row(struct husk_format *fmt, const struct husk_vol_store *vs, const struct husk_volume *v,
                   struct husk_error *err)
{
        char mp[4096];
        husk_vol_data_path(vs, v->name, mp, sizeof(mp));
        _cleanup_free_ char *labels = labels_text(v);
        const char *values[] = { "local", v->name, "local", mp, labels, v->created_at, "N/A", "N/A" };
        return husk_format_add(fmt, values, err);
}

static int run_ls(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc, (void) argv;
        const struct ls_flags *f = flags;
        _cleanup_(vols_done) struct vols h = { 0 };
        int r = open_volumes(ctx, &h);
        if (r != 0)
                return r;
        struct husk_error err = { 0 };
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        const char *spec = f->quiet ? "{{.Name}}" : husk_format_is_json(f->format) ? "{{json .}}" : f->format;
        if (husk_format_new(spec, LS_TABLE, vol_fields, HUSK_ARRAY_SIZE(vol_fields), &fmt, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        _cleanup_strv_ char **names = NULL;
        if (husk_vol_list(h.vs, &names, &err) < 0)
                return husk_fail(ctx, &err);
        /* Who uses a volume costs a read of every container's mounts: only for dangling= */
        bool need_users = false;
        for (size_t i = 0; i < f->filters.n; i++)
                need_users = need_users || strncmp(f->filters.v[i], "dangling=", 9) == 0;
        for (char **n = names; *n; n++) {
                _cleanup_(husk_volume_free_contents) struct husk_volume v = { 0 };
                if (husk_vol_get(h.vs, *n, &v, NULL) < 0)
                        continue; /* removed meanwhile */
                _cleanup_strv_ char **users = NULL;
                if (need_users && husk_ctr_vol_users(&h.e, v.name, &users, &err) < 0)
                        return husk_fail(ctx, &err);
                bool ok;
                if (filters_match(&f->filters, &v, users && users[0], &ok, &err) < 0)
                        return husk_usage_error(ctx, "%s", err.msg);
                if (!ok)
                        continue;
                if (add_row(fmt, h.vs, &v, &err) < 0)
                        return husk_fail(ctx, &err);
        }
        if (husk_format_flush(fmt, stdout, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

/* ---- inspect ---- */
struct inspect_flags {
        const char *format;
};

static const struct arg_opt inspect_opts[] = {
        ARG_OPT("format", "f", ARG_STRING, struct inspect_flags, format, "Format output using a custom template"),
};

static int run_inspect(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct inspect_flags *f = flags;
        _cleanup_(vols_done) struct vols h = { 0 };
        int r = open_volumes(ctx, &h);
        if (r != 0)
                return r;
        struct husk_error err = { 0 };
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        if (f->format && husk_format_new(f->format, NULL, vol_fields, HUSK_ARRAY_SIZE(vol_fields), &fmt, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        _cleanup_json_ json_t *all = json_array();
        int rc = 0;
        for (int i = 0; i < argc; i++) {
                _cleanup_(husk_volume_free_contents) struct husk_volume v = { 0 };
                if (husk_vol_get(h.vs, argv[i], &v, &err) < 0) {
                        (void) husk_fail(ctx, &err);
                        rc = 1;
                        continue;
                }
                if (fmt) {
                        if (add_row(fmt, h.vs, &v, &err) < 0)
                                return husk_fail(ctx, &err);
                        continue;
                }
                json_t *o = husk_vol_inspect_json(h.vs, &v);
                if (!o || json_array_append_new(all, o) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        if (fmt)
                return husk_format_flush(fmt, stdout, &err) < 0 ? husk_fail(ctx, &err) : rc;
        _cleanup_free_ char *text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        if (text)
                printf("%s\n", text);
        return rc;
}

/* ---- rm ---- */
struct rm_flags {
        bool force;
};

static const struct arg_opt rm_opts[] = {
        ARG_OPT("force", "f", ARG_BOOL, struct rm_flags, force, "Force the removal of one or more volumes"),
};

static int run_rm(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct rm_flags *f = flags;
        _cleanup_(vols_done) struct vols h = { 0 };
        int r = open_volumes(ctx, &h);
        if (r != 0)
                return r;
        int rc = 0;
        for (int i = 0; i < argc; i++) {
                struct husk_error err = { 0 };
                r = husk_engine_volume_remove(&h.e, h.vs, argv[i], &err);
                if (r == -ENOENT && f->force)
                        continue; /* -f: a missing volume is no error (a volume in use still is) */
                if (r < 0) {
                        (void) husk_fail(ctx, &err);
                        rc = 1;
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return rc;
}

/* ---- prune ---- */
struct prune_flags {
        bool all, force;
        struct arg_strings filters;
};

static const struct arg_opt prune_opts[] = {
        ARG_OPT("all", "a", ARG_BOOL, struct prune_flags, all, "Remove all unused volumes, not just anonymous ones"),
        ARG_OPT("filter", NULL, ARG_STRINGS, struct prune_flags, filters, "Provide filter values (label=KEY[=VALUE])"),
        ARG_OPT("force", "f", ARG_BOOL, struct prune_flags, force, "Do not prompt for confirmation"),
};

static bool confirm(bool all)
{
        fprintf(stderr, "WARNING! This will remove %s local volumes not used by at least one container.\n"
                        "Are you sure you want to continue? [y/N] ",
                all ? "all" : "anonymous");
        (void) fflush(stderr);
        char line[64];
        return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

static int run_prune(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc, (void) argv;
        const struct prune_flags *f = flags;
        for (size_t i = 0; i < f->filters.n; i++)
                if (strncmp(f->filters.v[i], "label=", 6) != 0)
                        return husk_usage_error(ctx, "invalid filter '%s'", f->filters.v[i]);
        if (!f->force && !confirm(f->all))
                return 0;
        _cleanup_(vols_done) struct vols h = { 0 };
        int r = open_volumes(ctx, &h);
        if (r != 0)
                return r;
        struct husk_error err = { 0 };
        _cleanup_strv_ char **names = NULL;
        if (husk_vol_list(h.vs, &names, &err) < 0)
                return husk_fail(ctx, &err);
        int64_t freed = 0;
        bool printed = false;
        for (char **n = names; *n; n++) {
                _cleanup_(husk_volume_free_contents) struct husk_volume v = { 0 };
                bool ok = true;
                if (husk_vol_get(h.vs, *n, &v, NULL) < 0 || (!f->all && !husk_volume_anonymous(&v)))
                        continue;
                if (filters_match(&f->filters, &v, false, &ok, &err) < 0)
                        return husk_usage_error(ctx, "%s", err.msg);
                int64_t size = ok ? husk_vol_size(h.vs, v.name) : 0;
                /* In use: refused under the lock, and not reported (Docker skips them) */
                if (!ok || husk_engine_volume_remove(&h.e, h.vs, v.name, NULL) < 0)
                        continue;
                if (!printed)
                        printf("Deleted Volumes:\n");
                printed = true;
                printf("%s\n", v.name);
                freed += size;
        }
        if (printed)
                putchar('\n');
        char size[32];
        husk_human_size(size, sizeof(size), (double) freed, 4);
        printf("Total reclaimed space: %s\n", size);
        return 0;
}

const struct husk_cmd husk_cmd_volume_create = {
        .names = { "volume create" },
        .summary = "Create a volume",
        .usage = "[OPTIONS] [VOLUME]",
        .opts = create_opts,
        .n_opts = HUSK_ARRAY_SIZE(create_opts),
        .flags_size = sizeof(struct create_flags),
        .min_args = 0,
        .max_args = 1,
        .run = run_create,
};

const struct husk_cmd husk_cmd_volume_ls = {
        .names = { "volume ls", "volume list" },
        .summary = "List volumes",
        .usage = "[OPTIONS]",
        .opts = ls_opts,
        .n_opts = HUSK_ARRAY_SIZE(ls_opts),
        .flags_size = sizeof(struct ls_flags),
        .max_args = 0,
        .run = run_ls,
};

const struct husk_cmd husk_cmd_volume_inspect = {
        .names = { "volume inspect" },
        .summary = "Display detailed information on one or more volumes",
        .usage = "[OPTIONS] VOLUME [VOLUME...]",
        .opts = inspect_opts,
        .n_opts = HUSK_ARRAY_SIZE(inspect_opts),
        .flags_size = sizeof(struct inspect_flags),
        .min_args = 1,
        .max_args = -1,
        .run = run_inspect,
};

const struct husk_cmd husk_cmd_volume_rm = {
        .names = { "volume rm", "volume remove" },
        .summary = "Remove one or more volumes",
        .usage = "[OPTIONS] VOLUME [VOLUME...]",
        .opts = rm_opts,
        .n_opts = HUSK_ARRAY_SIZE(rm_opts),
        .flags_size = sizeof(struct rm_flags),
        .min_args = 1,
        .max_args = -1,
        .run = run_rm,
};

const struct husk_cmd husk_cmd_volume_prune = {
        .names = { "volume prune" },
        .summary = "Remove unused local volumes",
        .usage = "[OPTIONS]",
        .opts = prune_opts,
        .n_opts = HUSK_ARRAY_SIZE(prune_opts),
        .flags_size = sizeof(struct prune_flags),
        .max_args = 0,
        .run = run_prune,
};

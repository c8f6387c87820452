/* SPDX-License-Identifier: Apache-2.0 */
/* `husk rm [-f] CONTAINER...`: records, root (upper layer, mount), runtime state and cgroup gone. */
#include "cli/husk/containers.h"
#include "engine/ctr_volumes.h"
#include "util/cleanup.h"

struct rm_flags {
        bool force, volumes;
};

static const struct arg_opt rm_opts[] = {
        ARG_OPT("force", "f", ARG_BOOL, struct rm_flags, force, "Force the removal of a running container (uses SIGKILL)"),
        ARG_OPT("volumes", "v", ARG_BOOL, struct rm_flags, volumes, "Remove anonymous volumes associated with the container"),
};

static int rm_one(struct husk_engine *e, const char *id, void *ud, struct husk_error *err)
{
        const struct rm_flags *f = ud;
        /* -v: the anonymous volumes, named before the record goes, removed after it (Docker's rule) */
        _cleanup_strv_ char **anon = NULL;
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        if (f->volumes && (husk_ctr_load(e->ctrs, id, &c, err) < 0 || husk_ctr_vol_anonymous(e, &c, &anon, err) < 0))
                return -err->code;
        int r = husk_engine_remove(e, id, f->force, err);
        if (r >= 0)
                husk_ctr_vol_remove_unused(e, anon);
        return r;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct rm_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        struct rm_flags copy = *f;
        return husk_cli_each(ctx, &e, argc, argv, rm_one, &copy);
}

const struct husk_cmd husk_cmd_rm = {
        .names = { "rm", "container rm", "container remove" },
        .summary = "Remove one or more containers",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .opts = rm_opts,
        .n_opts = HUSK_ARRAY_SIZE(rm_opts),
        .flags_size = sizeof(struct rm_flags),
        .min_args = 1,
        .max_args = -1,
        .run = run,
};

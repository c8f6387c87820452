/* SPDX-License-Identifier: Apache-2.0 */
/* `husk rm [-f] CONTAINER...`: records, root (upper layer, mount), runtime state and cgroup gone. */
#include "cli/husk/containers.h"
#include "util/cleanup.h"

struct rm_flags {
        bool force;
};

static const struct arg_opt rm_opts[] = {
        ARG_OPT("force", "f", ARG_BOOL, struct rm_flags, force, "Force the removal of a running container (uses SIGKILL)"),
};

static int rm_one(struct husk_engine *e, const char *id, void *ud, struct husk_error *err)
{
        return husk_engine_remove(e, id, *(const bool *) ud, err);
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct rm_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        bool force = f->force;
        return husk_cli_each(ctx, &e, argc, argv, rm_one, &force);
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

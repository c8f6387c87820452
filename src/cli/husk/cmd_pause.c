/* SPDX-License-Identifier: Apache-2.0 */
/* `husk pause` and `husk unpause`: freeze and thaw every process of containers (engine/ctr_pause.c). */
#include "cli/husk/containers.h"
#include "engine/ctr_exec.h"
#include "util/cleanup.h"

static int pause_one(struct husk_engine *e, const char *id, void *ud, struct husk_error *err)
{
        (void) ud;
        return husk_engine_pause(e, id, err);
}

static int unpause_one(struct husk_engine *e, const char *id, void *ud, struct husk_error *err)
{
        (void) ud;
        return husk_engine_unpause(e, id, err);
}

static int run_each(struct husk_ctx *ctx, int argc, char **argv,
                    int (*fn)(struct husk_engine *e, const char *id, void *ud, struct husk_error *err))
{
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        return husk_cli_each(ctx, &e, argc, argv, fn, NULL);
}

static int run_pause(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        return run_each(ctx, argc, argv, pause_one);
}

static int run_unpause(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        return run_each(ctx, argc, argv, unpause_one);
}

const struct husk_cmd husk_cmd_pause = {
        .names = { "pause", "container pause" },
        .summary = "Pause all processes within one or more containers",
        .usage = "CONTAINER [CONTAINER...]",
        .description = "Pause all processes within one or more containers: their cgroup is frozen (the\n"
                       "cgroup v1 freezer, or cgroup.freeze on cgroup v2) until unpause.",
        .min_args = 1,
        .max_args = -1,
        .run = run_pause,
};

const struct husk_cmd husk_cmd_unpause = {
        .names = { "unpause", "container unpause" },
        .summary = "Unpause all processes within one or more containers",
        .usage = "CONTAINER [CONTAINER...]",
        .min_args = 1,
        .max_args = -1,
        .run = run_unpause,
};

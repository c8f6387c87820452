/* SPDX-License-Identifier: Apache-2.0 */
/* `husk container healthcheck ID`: one probe of the container's health check, recorded in
 * State.Health (engine/life.h); husk-monitor runs it every interval. */
#include "cli/husk/containers.h"
#include "engine/life.h"
#include "util/cleanup.h"

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        (void) argc;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        if (husk_cli_engine_open(ctx, &e, false, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0 ||
            husk_engine_healthcheck(&e, id, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

const struct husk_cmd husk_cmd_healthcheck = {
        .names = { "container healthcheck" },
        .hidden = true,
        .summary = "Run a container's health check once and record the result (run by its monitor)",
        .usage = "CONTAINER",
        .min_args = 1,
        .max_args = 1,
        /* It enters the container (libhusk's exec). */
        .seal_exe = true,
        .run = run,
};

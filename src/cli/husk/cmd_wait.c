/* SPDX-License-Identifier: Apache-2.0 */
/* `husk wait CONTAINER...`: block until each stops, print its exit code. */
#include <stdio.h>

#include "cli/husk/containers.h"
#include "util/cleanup.h"

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        int ret = 0;
        for (int i = 0; i < argc; i++) {
                char id[HUSK_CTR_ID_LEN + 1];
                int code = 0;
                if (husk_ctr_lookup(e.ctrs, argv[i], id, &err) < 0 || husk_engine_wait(&e, id, &code, &err) < 0) {
                        (void) husk_fail(ctx, &err);
                        ret = 1;
                        continue;
                }
                printf("%d\n", code);
                (void) fflush(stdout);
        }
        return ret;
}

const struct husk_cmd husk_cmd_wait = {
        .names = { "wait", "container wait" },
        .summary = "Block until one or more containers stop, then print their exit codes",
        .usage = "CONTAINER [CONTAINER...]",
        .min_args = 1,
        .max_args = -1,
        .run = run,
};

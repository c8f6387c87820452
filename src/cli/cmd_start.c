/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <stdlib.h>

#include "util/cleanup.h"

static int run_start(struct cli_ctx *ctx, int argc, char **argv)
{
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_start, argc, argv, NULL, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        struct husk_error err = { 0 };
        if (husk_container_start(&ctx->rt, pos[0], &err) < 0)
                return cli_fail(ctx, &err);
        cli_warnings(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_start = {
        .name = "start",
        .summary = "executes the user defined process in a created container",
        .args_usage = "<container-id>\n\n"
                      "Where \"<container-id>\" is your name for the instance of the container that you\n"
                      "are starting. The name you provide for the container instance must be unique on\n"
                      "your host.",
        .description = "The start command executes the user defined process in a created container.",
        .min_args = 1,
        .max_args = 1,
        .run = run_start,
};

/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <stdlib.h>

#include "util/cleanup.h"

static int run_resume(struct cli_ctx *ctx, int argc, char **argv)
{
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_resume, argc, argv, NULL, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        struct husk_error err = { 0 };
        if (husk_container_resume(&ctx->rt, pos[0], &err) < 0)
                return cli_fail(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_resume = {
        .name = "resume",
        .summary = "resumes all processes that have been previously paused",
        .args_usage = "<container-id>\n\n"
                      "Where \"<container-id>\" is the name for the instance of the container to be\n"
                      "resumed.",
        .description = "The resume command resumes all processes in the instance of the container.\n\n"
                       "Use " CLI_NAME " list to identify instances of containers and their current status.",
        .min_args = 1,
        .max_args = 1,
        .run = run_resume,
};

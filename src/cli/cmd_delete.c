/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>

#include "util/cleanup.h"

struct delete_flags {
        bool force;
};

static const struct arg_opt delete_opts[] = {
        ARG_OPT("force", "f", ARG_BOOL, struct delete_flags, force,
                "Forcibly deletes the container if it is still running (uses SIGKILL)"),
};

static int run_delete(struct cli_ctx *ctx, int argc, char **argv)
{
        struct delete_flags f = { 0 };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_delete, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        struct husk_error err = { 0 };
        r = husk_container_delete(&ctx->rt, pos[0], f.force, &err);
        /* As runc: the shims call `delete --force` to clean up whatever is left, so a container that
         * is already gone is the outcome they asked for. */
        if (r == -ENOENT && f.force) {
                cli_debug(ctx, "delete --force %s: %s", pos[0], err.msg);
                return 0;
        }
        if (r < 0)
                return cli_fail(ctx, &err);
        cli_warnings(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_delete = {
        .name = "delete",
        .summary = "delete any resources held by the container often used with detached container",
        .args_usage = "<container-id>\n\n"
                      "Where \"<container-id>\" is the name for the instance of the container.\n\n"
                      "EXAMPLE:\n"
                      "For example, if the container id is \"ubuntu01\" and " CLI_NAME " list currently shows the\n"
                      "status of \"ubuntu01\" as \"stopped\" the following will delete resources held for\n"
                      "\"ubuntu01\" removing \"ubuntu01\" from the " CLI_NAME " list of containers:\n\n"
                      "       # " CLI_NAME " delete ubuntu01",
        .opts = delete_opts,
        .n_opts = HUSK_ARRAY_SIZE(delete_opts),
        .min_args = 1,
        .max_args = 1,
        .run = run_delete,
};

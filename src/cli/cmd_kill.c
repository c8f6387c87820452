/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <signal.h>
#include <stdlib.h>

#include "cli/signals.h"
#include "util/cleanup.h"

struct kill_flags {
        bool all;
};

static const struct arg_opt kill_opts[] = {
        ARG_OPT("all", "a", ARG_BOOL, struct kill_flags, all, "send the specified signal to all processes inside the container"),
};

static int run_kill(struct cli_ctx *ctx, int argc, char **argv)
{
        struct kill_flags f = { 0 };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_kill, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        int sig = SIGTERM;
        if (res.n_pos > 1) {
                sig = cli_signal_parse(pos[1]);
                if (sig < 0) {
                        cli_error(ctx, "unknown signal \"%s\"", pos[1]);
                        return 1;
                }
        }
        cli_debug(ctx, "kill %s: signal %d%s", pos[0], sig, f.all ? " to all processes" : "");
        struct husk_error err = { 0 };
        if (husk_container_kill(&ctx->rt, pos[0], sig, f.all, &err) < 0)
                return cli_fail(ctx, &err);
        cli_warnings(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_kill = {
        .name = "kill",
        .summary = "kill sends the specified signal (default: SIGTERM) to the container's init process",
        .args_usage = "<container-id> [signal]\n\n"
                      "Where \"<container-id>\" is the name for the instance of the container and\n"
                      "\"[signal]\" is the signal to be sent to the init process.\n\n"
                      "EXAMPLE:\n"
                      "For example, if the container id is \"ubuntu01\" the following will send a \"KILL\"\n"
                      "signal to the init process of the \"ubuntu01\" container:\n\n"
                      "       # " CLI_NAME " kill ubuntu01 KILL",
        .opts = kill_opts,
        .n_opts = HUSK_ARRAY_SIZE(kill_opts),
        .min_args = 1,
        .max_args = 2,
        .run = run_kill,
};

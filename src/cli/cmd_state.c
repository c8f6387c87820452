/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/cleanup.h"

static int run_state(struct cli_ctx *ctx, int argc, char **argv)
{
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_state, argc, argv, NULL, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        struct husk_error err = { 0 };
        _cleanup_(husk_state_freep) struct husk_state *s = NULL;
        if (husk_container_state(&ctx->rt, pos[0], &s, &err) < 0)
                return cli_fail(ctx, &err);
        _cleanup_free_ char *json = NULL;
        if (husk_state_to_json(s, false, &json, &err) < 0)
                return cli_fail(ctx, &err);
        printf("%s\n", json);
        return 0;
}

const struct cli_command cli_cmd_state = {
        .name = "state",
        .summary = "output the state of a container",
        .args_usage = "<container-id>\n\nWhere \"<container-id>\" is your name for the instance of the container.",
        .description = "The state command outputs current state information for the\ninstance of a container.",
        .min_args = 1,
        .max_args = 1,
        .run = run_state,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* `husk rename CONTAINER NEW_NAME`: Docker's rename (the record and the name index; engine/container.h). */
#include "cli/husk/containers.h"
#include "util/cleanup.h"

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        (void) argc;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        if (!argv[1][0])
                return husk_usage_error(ctx, "new name cannot be blank");
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0 ||
            husk_ctr_rename(e.ctrs, id, argv[1], &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

const struct husk_cmd husk_cmd_rename = {
        .names = { "rename", "container rename" },
        .summary = "Rename a container",
        .usage = "CONTAINER NEW_NAME",
        .min_args = 2,
        .max_args = 2,
        .run = run,
};

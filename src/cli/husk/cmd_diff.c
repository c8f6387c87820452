/* SPDX-License-Identifier: Apache-2.0 */
/* `husk diff CONTAINER`: the changes to the container's filesystem, "A|C|D /path", as docker diff. */
#include <stdio.h>

#include "cli/husk/containers.h"
#include "engine/ctr_fs.h"
#include "util/cleanup.h"

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        (void) argc;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        struct husk_change *v = NULL;
        size_t n = 0;

        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0 ||
            husk_engine_diff(&e, id, &v, &n, &err) < 0)
                return husk_fail(ctx, &err);
        for (size_t i = 0; i < n; i++)
                printf("%c %s\n", "CAD"[v[i].kind], v[i].path);
        husk_changes_free(v, n);
        return fflush(stdout) == 0 ? 0 : husk_failf(ctx, "write the changes: %m");
}

const struct husk_cmd husk_cmd_diff = {
        .names = { "diff", "container diff" },
        .summary = "Inspect changes to files or directories on a container's filesystem",
        .usage = "CONTAINER",
        .description = "Inspect changes to files or directories on a container's filesystem\n\n"
                       "A: added, C: changed, D: deleted, read from the container's upper layer (the overlay\n"
                       "driver; not supported for the copy driver).",
        .min_args = 1,
        .max_args = 1,
        .run = run,
};

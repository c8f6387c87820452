/* SPDX-License-Identifier: Apache-2.0 */
/* `husk version`: the smallest command, and the pattern for the others. */
#include <stdio.h>

#include "cli/husk/husk.h"

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) ctx;
        (void) flags;
        (void) argc;
        (void) argv;
        printf("Client:\n Version:    " HUSK_VERSION "\n OS/Arch:    linux/%s\n Engine:     husk (no daemon)\n",
#if defined(__x86_64__)
               "amd64"
#elif defined(__aarch64__)
               "arm64"
#else
               "unknown"
#endif
        );
        return 0;
}

const struct husk_cmd husk_cmd_version = {
        .names = { "version" },
        .summary = "Show the husk version information",
        .usage = "",
        .run = run,
};

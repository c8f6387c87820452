/* SPDX-License-Identifier: Apache-2.0 */
/* `husk import [OPTIONS] FILE|- [REPOSITORY[:TAG]]`: docker import of a root filesystem tarball. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/husk/husk.h"
#include "cli/husk/platform_flag.h"
#include "cli/husk/progress.h"
#include "image/store.h"
#include "image/transfer.h"
#include "util/cleanup.h"

struct import_flags {
        struct arg_strings change;
        const char *message;
        const char *platform;
};

static const struct arg_opt opts[] = {
        ARG_OPT("change", "c", ARG_STRINGS, struct import_flags, change,
                "Apply Dockerfile instruction to the created image"),
        ARG_OPT("message", "m", ARG_STRING, struct import_flags, message, "Set commit message for imported image"),
        ARG_OPT("platform", NULL, ARG_STRING, struct import_flags, platform,
                "Set platform if server is multi-platform capable"),
};

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct import_flags *f = flags;
        struct husk_store_opts so = { .root = ctx->storage_root };
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        struct husk_load_opts lo = { .name = argc > 1 ? argv[1] : NULL, .message = f->message };
        struct husk_error err = { 0 };
        _cleanup_free_ char *platform = NULL;
        _cleanup_(husk_progress_display_freep) struct husk_progress_display *pd = NULL;
        struct husk_progress progress;
        char id[HUSK_DIGEST_LEN];

        if (strcmp(argv[0], "-") == 0 && isatty(STDIN_FILENO))
                return husk_failf(ctx, "import from stdin, but stdin is a terminal");
        if (f->platform && husk_platform_flag_parse(f->platform, &lo.platform, &platform, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        lo.changes = (const char *const *) f->change.v;
        if (husk_store_open(&so, &s, &err) < 0)
                return husk_fail(ctx, &err);
        /* Progress on a terminal only: the id on stdout is what scripts read, stderr stays quiet. */
        pd = husk_progress_display_new(stderr, isatty(STDERR_FILENO) ? HUSK_PROGRESS_TTY : HUSK_PROGRESS_QUIET);
        if (pd) {
                progress = husk_progress_display_callbacks(pd);
                lo.progress = &progress;
        }
        int r = husk_image_import(s, argv[0], &lo, id, &err);
        if (pd)
                husk_progress_display_finish(pd, r >= 0);
        if (r < 0)
                return husk_fail(ctx, &err);
        printf("%s\n", id);
        return 0;
}

const struct husk_cmd husk_cmd_import = {
        .names = { "import", "image import" },
        .summary = "Import the contents from a tarball to create a filesystem image",
        .usage = "[OPTIONS] file|- [REPOSITORY[:TAG]]",
        .description = "Import the contents from a tarball to create a filesystem image\n\n"
                       "The tarball (plain, gzip or zstd) becomes the image's one layer as it is.",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct import_flags),
        .min_args = 1,
        .max_args = 2,
        .run = run,
};

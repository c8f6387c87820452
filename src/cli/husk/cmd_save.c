/* SPDX-License-Identifier: Apache-2.0 */
/* `husk save [-o FILE] [--format F] IMAGE...`: docker save, plus OCI archives and layout directories. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/husk/husk.h"
#include "image/store.h"
#include "image/transfer.h"
#include "util/cleanup.h"

struct save_flags {
        const char *output;
        const char *format;
};

static const struct arg_opt opts[] = {
        ARG_OPT("output", "o", ARG_STRING, struct save_flags, output, "Write to a file, instead of STDOUT"),
        ARG_OPT("format", NULL, ARG_STRING, struct save_flags, format,
                "Save format: docker-archive (default), oci-archive or oci-dir"),
};

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct save_flags *f = flags;
        struct husk_store_opts so = { .root = ctx->storage_root, .read_only = true };
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        struct husk_error err = { 0 };
        enum husk_archive_format format = HUSK_ARCHIVE_DOCKER;

        (void) argc;
        if (!f->format || strcmp(f->format, "docker-archive") == 0)
                format = HUSK_ARCHIVE_DOCKER;
        else if (strcmp(f->format, "oci-archive") == 0)
                format = HUSK_ARCHIVE_OCI;
        else if (strcmp(f->format, "oci-dir") == 0)
                format = HUSK_ARCHIVE_OCI_DIR;
        else
                return husk_usage_error(ctx, "unknown --format \"%s\": docker-archive, oci-archive or oci-dir",
                                        f->format);
        const char *output = f->output && *f->output ? f->output : "-";
        if (strcmp(output, "-") == 0 && format == HUSK_ARCHIVE_OCI_DIR)
                return husk_usage_error(ctx, "--format oci-dir needs -o DIRECTORY");
        if (strcmp(output, "-") == 0 && isatty(STDOUT_FILENO))
                return husk_failf(ctx, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
        if (husk_store_open(&so, &s, &err) < 0)
                return husk_fail(ctx, &err);
        if (husk_image_save(s, (const char *const *) argv, format, output, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

const struct husk_cmd husk_cmd_save = {
        .names = { "save", "image save" },
        .summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
        .usage = "[OPTIONS] IMAGE [IMAGE...]",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct save_flags),
        .min_args = 1,
        .max_args = -1,
        .run = run,
};

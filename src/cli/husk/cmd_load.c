/* SPDX-License-Identifier: Apache-2.0 */
/* `husk load [-i FILE] [-q] [--platform P]`: docker load, plus OCI layouts (directories and archives). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/husk/husk.h"
#include "cli/husk/image_names.h"
#include "cli/husk/platform_flag.h"
#include "cli/husk/progress.h"
#include "image/store.h"
#include "image/transfer.h"
#include "util/cleanup.h"

struct load_flags {
        const char *input;
        bool quiet;
        const char *platform;
};

static const struct arg_opt opts[] = {
        ARG_OPT("input", "i", ARG_STRING, struct load_flags, input, "Read from tar archive file, instead of STDIN"),
        ARG_OPT("quiet", "q", ARG_BOOL, struct load_flags, quiet, "Suppress the load output"),
        ARG_OPT("platform", NULL, ARG_STRING, struct load_flags, platform,
                "Load only the given platform variant (os[/arch[/variant]])"),
};

/* docker load's lines: "Loaded image: NAME" per name the archive gave (familiar: "busybox:latest"),
   "Loaded image ID: ID" for an image without one. */
static void loaded(void *ctx, const char *id, const char *name)
{
        _cleanup_free_ char *repo = NULL, *tag = NULL;

        if (*(bool *) ctx)
                return;
        if (!name)
                printf("Loaded image ID: %s\n", id);
        else if (husk_name_split(name, &repo, &tag) < 0)
                printf("Loaded image: %s\n", name);
        else
                printf("Loaded image: %s:%s\n", husk_name_familiar(repo), tag);
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct load_flags *f = flags;
        struct husk_store_opts so = { .root = ctx->storage_root };
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        struct husk_load_opts lo = { .loaded = loaded, .loaded_ctx = &f->quiet };
        struct husk_error err = { 0 };
        _cleanup_strv_ char **ids = NULL;
        _cleanup_free_ char *platform = NULL;
        _cleanup_(husk_progress_display_freep) struct husk_progress_display *pd = NULL;
        struct husk_progress progress;

        (void) argc;
        (void) argv;
        const char *input = f->input && *f->input ? f->input : "-";
        if (strcmp(input, "-") == 0 && isatty(STDIN_FILENO))
                return husk_failf(ctx, "requested load from stdin, but stdin is empty");
        if (f->platform && husk_platform_flag_parse(f->platform, &lo.platform, &platform, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        if (husk_store_open(&so, &s, &err) < 0)
                return husk_fail(ctx, &err);
        /* As docker load: bars on a terminal, nothing but the result lines otherwise. */
        pd = husk_progress_display_new(stderr, !f->quiet && isatty(STDERR_FILENO) ? HUSK_PROGRESS_TTY
                                                                                   : HUSK_PROGRESS_QUIET);
        if (pd) {
                progress = husk_progress_display_callbacks(pd);
                lo.progress = &progress;
        }
        int r = husk_image_load(s, input, &lo, &ids, &err);
        if (pd)
                husk_progress_display_finish(pd, r >= 0);
        if (r < 0)
                return husk_fail(ctx, &err);
        return 0;
}

const struct husk_cmd husk_cmd_load = {
        .names = { "load", "image load" },
        .summary = "Load an image from a tar archive or STDIN",
        .usage = "[OPTIONS]",
        .description = "Load an image from a tar archive or STDIN\n\n"
                       "Docker archives (docker save) and OCI image layouts: a directory, or a tar of one\n"
                       "(oci-archive), plain or gzip/zstd compressed.",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct load_flags),
        .min_args = 0,
        .max_args = 0,
        .run = run,
};

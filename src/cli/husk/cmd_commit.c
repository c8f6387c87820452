/* SPDX-License-Identifier: Apache-2.0 */
/* `husk commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]`: a new image from a container's changes. */
#include <stdio.h>

#include "cli/husk/containers.h"
#include "engine/ctr_fs.h"
#include "util/cleanup.h"

struct commit_flags {
        const char *author;
        struct arg_strings change;
        const char *message;
        const char *pause;      /* a boolean; NULL: Docker's default, true (the flags start zeroed, so a
                                   boolean option could not tell "not given" from "false") */
};

static const struct arg_opt opts[] = {
        ARG_OPT("author", "a", ARG_STRING, struct commit_flags, author,
                "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"),
        ARG_OPT("change", "c", ARG_STRINGS, struct commit_flags, change,
                "Apply Dockerfile instruction to the created image"),
        ARG_OPT("message", "m", ARG_STRING, struct commit_flags, message, "Commit message"),
        ARG_OPT("pause", "p", ARG_STRING, struct commit_flags, pause,
                "Pause container during commit (default true; --pause=false)"),
};

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct commit_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1], image[HUSK_DIGEST_LEN];
        struct husk_engine_commit_opts o = { .name = argc > 1 ? argv[1] : NULL, .author = f->author,
                                             .message = f->message, .changes = (const char *const *) f->change.v,
                                             .pause = true };

        if (f->pause && args_parse_bool(f->pause, &o.pause) < 0)
                return husk_usage_error(ctx, "invalid boolean value \"%s\" for flag --pause", f->pause);

        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0 ||
            husk_engine_commit(&e, id, &o, image, &err) < 0)
                return husk_fail(ctx, &err);
        printf("%s\n", image);
        return 0;
}

const struct husk_cmd husk_cmd_commit = {
        .names = { "commit", "container commit" },
        .summary = "Create a new image from a container's changes",
        .usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
        .description = "Create a new image from a container's changes\n\n"
                       "The container's upper layer becomes a new layer over its image's; the image's config\n"
                       "takes the container's Cmd, Entrypoint, Env, WorkingDir, User and Labels, then the\n"
                       "--change instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME,\n"
                       "WORKDIR).",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct commit_flags),
        .min_args = 1,
        .max_args = 2,
        .run = run,
};

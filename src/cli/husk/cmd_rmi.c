/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk rmi [-f] IMAGE...` / `husk image rm`: a name untags, an id (or the last name) deletes, printing
 * Docker's "Untagged: NAME" and "Deleted: ID" lines. An image a container uses is refused unless -f,
 * which then removes only its names (as Docker). Each argument is handled on its own: a failure is
 * reported and the rest go on; the exit code is then 125.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/image_common.h"
#include "cli/husk/image_names.h"
#include "util/cleanup.h"

struct flags {
        bool force, no_prune;
};

static const struct arg_opt opts[] = {
        ARG_OPT("force", "f", ARG_BOOL, struct flags, force, "Force removal of the image"),
        ARG_OPT("no-prune", NULL, ARG_BOOL, struct flags, no_prune,
                "Accepted for Docker's sake: husk has no untagged parents to keep"),
};

static void print_untagged(const char *name, bool lowercase)
{
        _cleanup_free_ char *repo = NULL, *tag = NULL;
        if (husk_name_split(name, &repo, &tag) == 0)
                printf("%s: %s:%s\n", lowercase ? "untagged" : "Untagged", husk_name_familiar(repo), tag);
}

/*
 * Remove one: what the image had before, what it has after (if it is still there), and the ids the store
 * deleted say which lines to print.
 */
int husk_cli_remove_image(struct husk_store *s, const char *what, bool force, const char *const *in_use,
                          bool lowercase, struct husk_error *err)
{
        struct husk_image before = { 0 }, after = { 0 };
        int r = husk_store_image_lookup(s, what, &before, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **removed = NULL;
        r = husk_store_image_remove(s, what, force, in_use, &removed, err);
        if (r < 0) {
                husk_image_free(&before);
                return r;
        }
        struct husk_error ignored = { 0 };
        bool still = husk_store_image_lookup(s, before.id, &after, &ignored) == 0;
        for (char **n = before.names; n && *n; n++)
                if (!still || !husk_cli_strv_contains(after.names, *n))
                        print_untagged(*n, lowercase);
        for (char **id = removed; id && *id; id++)
                printf("%s: %s\n", lowercase ? "deleted" : "Deleted", *id);
        husk_image_free(&before);
        if (still)
                husk_image_free(&after);
        return 0;
}

static int run(struct husk_ctx *ctx, void *flags_, int argc, char **argv)
{
        struct flags *f = flags_;
        struct husk_error err = { 0 };
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        _cleanup_strv_ char **in_use = NULL;
        if (husk_cli_store_open_in_use(ctx, false, &s, &in_use, &err) < 0)
                return husk_fail(ctx, &err);
        int ret = 0;
        for (int i = 0; i < argc; i++) {
                if (husk_cli_remove_image(s, argv[i], f->force, (const char *const *) in_use, false, &err) < 0)
                        ret = husk_fail(ctx, &err);
                (void) fflush(stdout);
        }
        return ret;
}

const struct husk_cmd husk_cmd_rmi = {
        .names = { "rmi", "image rm", "image remove" },
        .summary = "Remove one or more images",
        .usage = "[OPTIONS] IMAGE [IMAGE...]",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct flags),
        .min_args = 1,
        .max_args = -1,
        .run = run,
};

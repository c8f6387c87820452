/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk image prune [-a] [-f]`: dangling images (no names), or with -a every image no container uses,
 * then the layers and blobs nothing references; prints Docker's "Deleted Images:" list and "Total
 * reclaimed space". Asks first unless -f, as Docker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/image_common.h"
#include "cli/husk/units.h"
#include "util/cleanup.h"

struct flags {
        bool all, force;
};

static const struct arg_opt opts[] = {
        ARG_OPT("all", "a", ARG_BOOL, struct flags, all, "Remove all unused images, not just dangling ones"),
        ARG_OPT("force", "f", ARG_BOOL, struct flags, force, "Do not prompt for confirmation"),
};

static bool confirm(bool all)
{
        fprintf(stderr, "WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ",
                all ? "all images without at least one container associated to them" : "all dangling images");
        (void) fflush(stderr);
        char line[64];
        if (!fgets(line, sizeof(line), stdin))
                return false;
        return line[0] == 'y' || line[0] == 'Y';
}

static uint64_t disk_bytes(const struct husk_store_usage *u)
{
        return u->layers_bytes + u->blobs_bytes;
}

/* With -a: every image not in use, by id (names and all). */
static int prune_all(struct husk_store *s, const char *const *in_use, bool *printed, struct husk_error *err)
{
        struct husk_image *imgs = NULL;
        size_t n = 0;
        int r = husk_store_image_list(s, &imgs, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && r >= 0; i++) {
                if (husk_cli_strv_contains((char *const *) in_use, imgs[i].id))
                        continue;
                if (!*printed)
                        printf("Deleted Images:\n");
                *printed = true;
                /* Forced: by id an image of several names is refused otherwise, and prune -a means them all
                   (what containers use was left out above). */
                r = husk_cli_remove_image(s, imgs[i].id, true, in_use, true, err);
        }
        husk_image_list_free(imgs, n);
        return r;
}

/* Without -a: the store's GC removes the dangling ones; the ids gone are those listed before, not after. */
static int prune_dangling(struct husk_store *s, const char *const *in_use, bool *printed, struct husk_error *err)
{
        struct husk_image *imgs = NULL;
        size_t n = 0;
        int r = husk_store_image_list(s, &imgs, &n, err);
        if (r < 0)
                return r;
        struct husk_gc_result gc;
        r = husk_store_gc(s, true, in_use, &gc, err);
        for (size_t i = 0; i < n && r >= 0; i++) {
                struct husk_image still = { 0 };
                struct husk_error ignored = { 0 };
                if ((imgs[i].names && imgs[i].names[0]) || husk_cli_strv_contains((char *const *) in_use, imgs[i].id))
                        continue;
                if (husk_store_image_lookup(s, imgs[i].id, &still, &ignored) == 0) {
                        husk_image_free(&still);
                        continue;
                }
                if (!*printed)
                        printf("Deleted Images:\n");
                *printed = true;
                printf("deleted: %s\n", imgs[i].id);
        }
        husk_image_list_free(imgs, n);
        return r;
}

static int run(struct husk_ctx *ctx, void *flags_, int argc, char **argv)
{
        struct flags *f = flags_;
        (void) argc;
        (void) argv;
        struct husk_error err = { 0 };
        if (!f->force && !confirm(f->all))
                return 0;

        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        _cleanup_strv_ char **in_use = NULL;
        if (husk_cli_store_open_in_use(ctx, false, &s, &in_use, &err) < 0)
                return husk_fail(ctx, &err);
        /* The lock across the whole prune: what is measured before and after is this prune's doing. */
        if (husk_store_lock(s, &err) < 0)
                return husk_fail(ctx, &err);
        struct husk_store_usage before, after;
        bool printed = false;
        int r = husk_store_usage(s, &before, &err);
        if (r >= 0)
                r = f->all ? prune_all(s, (const char *const *) in_use, &printed, &err)
                           : prune_dangling(s, (const char *const *) in_use, &printed, &err);
        if (r >= 0 && f->all) {
                struct husk_gc_result gc;
                r = husk_store_gc(s, false, (const char *const *) in_use, &gc, &err);
        }
        if (r >= 0)
                r = husk_store_usage(s, &after, &err);
        husk_store_unlock(s);
        if (r < 0)
                return husk_fail(ctx, &err);
        char size[32];
        uint64_t freed = disk_bytes(&before) > disk_bytes(&after) ? disk_bytes(&before) - disk_bytes(&after) : 0;
        husk_human_size(size, sizeof(size), (double) freed, 4);
        printf("%sTotal reclaimed space: %s\n", printed ? "\n" : "", size);
        return 0;
}

const struct husk_cmd husk_cmd_image_prune = {
        .names = { "image prune" },
        .summary = "Remove unused images",
        .usage = "[OPTIONS]",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct flags),
        .min_args = 0,
        .max_args = 0,
        .run = run,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk image prune [-a] [-f] [--filter until=|label=|label!=]`: dangling images (no names), or with -a
 * every image no container uses, that pass the filters; then the layers and blobs nothing references.
 * Prints Docker's "Deleted Images:" list and "Total reclaimed space". Asks first unless -f, as Docker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/husk/image_common.h"
#include "cli/husk/image_filter.h"
#include "cli/husk/units.h"
#include "util/cleanup.h"

struct flags {
        bool all, force;
        struct arg_strings filters;
};

static const struct arg_opt opts[] = {
        ARG_OPT("all", "a", ARG_BOOL, struct flags, all, "Remove all unused images, not just dangling ones"),
        ARG_OPT("filter", NULL, ARG_STRINGS, struct flags, filters,
                "Provide filter values (until=24h, label=KEY[=VALUE], label!=KEY[=VALUE])"),
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

/* Is this image one to prune? Its config is read only when labels are asked about. */
static int candidate(struct husk_store *s, const struct husk_image *img, bool all, char *const *in_use,
                     const struct husk_prune_filter *flt, bool *ret, struct husk_error *err)
{
        *ret = false;
        if ((!all && img->names && img->names[0]) || husk_cli_strv_contains(in_use, img->id))
                return 0;
        int64_t created = 0;
        if (!img->created || husk_parse_rfc3339(img->created, &created) < 0)
                created = 0;
        json_t *cfg = NULL;
        if (flt->n_labels + flt->n_not_labels > 0) {
                int r = husk_cli_image_config_json(s, img->id, &cfg, err);
                if (r < 0)
                        return r;
        }
        *ret = husk_prune_filter_match(flt, created, json_object_get(json_object_get(cfg, "config"), "Labels"));
        json_decref(cfg);
        return 0;
}

/* Remove every candidate by id (forced: names and all; what containers use never is a candidate). */
static int prune(struct husk_store *s, bool all, char *const *in_use, const struct husk_prune_filter *flt,
                 struct husk_error *err)
{
        struct husk_image *imgs = NULL;
        size_t n = 0;
        int r = husk_store_image_list(s, &imgs, &n, err);
        if (r < 0)
                return r;
        bool printed = false;
        for (size_t i = 0; i < n && r >= 0; i++) {
                bool yes;
                r = candidate(s, &imgs[i], all, in_use, flt, &yes, err);
                if (r < 0 || !yes)
                        continue;
                if (!printed)
                        printf("Deleted Images:\n");
                printed = true;
                r = husk_cli_remove_image(s, imgs[i].id, true, (const char *const *) in_use, true, err);
        }
        husk_image_list_free(imgs, n);
        if (printed)
                putchar('\n');
        return r;
}

static int run(struct husk_ctx *ctx, void *flags_, int argc, char **argv)
{
        struct flags *f = flags_;
        (void) argc;
        (void) argv;
        struct husk_error err = { 0 };
        _cleanup_(husk_prune_filter_done) struct husk_prune_filter flt = { 0 };
        if (husk_prune_filter_parse(f->filters.v, f->filters.n, (int64_t) time(NULL), &flt, &err) < 0)
                return husk_fail(ctx, &err);
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
        struct husk_gc_result gc;
        int r = husk_store_usage(s, &before, &err);
        if (r >= 0)
                r = prune(s, f->all, in_use, &flt, &err);
        /* What the removed images left unreferenced (and whatever an earlier killed command left). */
        if (r >= 0)
                r = husk_store_gc(s, false, (const char *const *) in_use, &gc, &err);
        if (r >= 0)
                r = husk_store_usage(s, &after, &err);
        husk_store_unlock(s);
        if (r < 0)
                return husk_fail(ctx, &err);
        char size[32];
        uint64_t freed = disk_bytes(&before) > disk_bytes(&after) ? disk_bytes(&before) - disk_bytes(&after) : 0;
        husk_human_size(size, sizeof(size), (double) freed, 4);
        printf("Total reclaimed space: %s\n", size);
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

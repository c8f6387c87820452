/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk container prune [-f] [--filter until=|label=|label!=]`: every stopped container (created or
 * exited, not one a restart policy is about to start again) that passes the filters, removed as
 * `rm` does. Prints Docker's "Deleted Containers:" list and the space their own layers took.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/husk/containers.h"
#include "cli/husk/image_filter.h"
#include "cli/husk/units.h"
#include "engine/life.h"
#include "image/rootfs.h"
#include "util/cleanup.h"

struct prune_flags {
        bool force;
        struct arg_strings filters;
};

static const struct arg_opt prune_opts[] = {
        ARG_OPT("filter", NULL, ARG_STRINGS, struct prune_flags, filters,
                "Provide filter values (until=24h, label=KEY[=VALUE], label!=KEY[=VALUE])"),
        ARG_OPT("force", "f", ARG_BOOL, struct prune_flags, force, "Do not prompt for confirmation"),
};

static bool confirm(void)
{
        fprintf(stderr, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
        (void) fflush(stderr);
        char line[64];
        return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

/* Its own layer's size (Docker's SizeRw), measured before it goes. */
static uint64_t own_bytes(struct husk_engine *e, const struct husk_ctr *c)
{
        struct husk_error ignored = { 0 };
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, c->id, &ignored);
        struct husk_rootfs_usage u = { 0 };
        if (dfd < 0 || c->rootfs || husk_rootfs_usage(dfd, &u, &ignored) < 0)
                return 0;
        return u.apparent;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        (void) argv;
        const struct prune_flags *f = flags;
        struct husk_error err = { 0 };
        _cleanup_(husk_prune_filter_done) struct husk_prune_filter flt = { 0 };
        if (husk_prune_filter_parse(f->filters.v, f->filters.n, (int64_t) time(NULL), &flt, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        if (!f->force && !confirm())
                return 0;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        struct husk_ctr *list = NULL;
        size_t n = 0;
        if (husk_ctr_list(e.ctrs, &list, &n, &err) < 0)
                return husk_fail(ctx, &err);
        uint64_t freed = 0;
        int ret = 0;
        bool printed = false;
        for (size_t i = 0; i < n; i++) {
                const struct husk_ctr *c = &list[i];
                _cleanup_(husk_life_done) struct husk_life l = { 0 };
                struct husk_error ignored = { 0 };
                (void) husk_life_load_by_id(e.ctrs, c->id, &l, &ignored);
                const char *status = husk_life_status(c, &l);
                if (strcmp(status, "created") != 0 && strcmp(status, "exited") != 0)
                        continue;
                json_t *labels = c->cfg.ctr_config ? json_object_get(c->cfg.ctr_config, "Labels") : NULL;
                if (!husk_prune_filter_match(&flt, c->created / 1000000000, labels))
                        continue;
                uint64_t bytes = own_bytes(&e, c);
                /* Not forced: one started meanwhile is refused, not killed. */
                if (husk_engine_remove(&e, c->id, false, &err) < 0) {
                        (void) husk_fail(ctx, &err);
                        ret = HUSK_EXIT_ERROR;
                        continue;
                }
                if (!printed)
                        printf("Deleted Containers:\n");
                printed = true;
                printf("%s\n", c->id);
                freed += bytes;
        }
        husk_ctr_list_free(list, n);
        char size[32];
        husk_human_size(size, sizeof(size), (double) freed, 4);
        printf("%sTotal reclaimed space: %s\n", printed ? "\n" : "", size);
        return ret;
}

const struct husk_cmd husk_cmd_container_prune = {
        .names = { "container prune" },
        .summary = "Remove all stopped containers",
        .usage = "[OPTIONS]",
        .opts = prune_opts,
        .n_opts = HUSK_ARRAY_SIZE(prune_opts),
        .flags_size = sizeof(struct prune_flags),
        .min_args = 0,
        .max_args = 0,
        .run = run,
};

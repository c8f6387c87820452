/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk system df`: Docker's TYPE TOTAL ACTIVE SIZE RECLAIMABLE table. Images: the unpacked layers, each
 * counted once however many images share it (the compressed blobs kept for save/push are not in Docker's
 * numbers either); active: images some container uses; reclaimable: the bytes of layers that no such image
 * has. Containers: the engine's records, their writable layers (upper/) as size, running ones active.
 * Local Volumes: husk has no volumes yet (0 until the engine makes them).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/husk/image_common.h"
#include "cli/husk/template.h"
#include "cli/husk/units.h"
#include "engine/container.h"
#include "util/cleanup.h"

struct flags {
        const char *format;
};

static const struct arg_opt opts[] = {
        ARG_OPT("format", NULL, ARG_STRING, struct flags, format,
                "Format output: 'table', 'json', or a template ({{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}})"),
};

enum { F_TYPE, F_TOTAL, F_ACTIVE, F_SIZE, F_RECLAIMABLE, N_FIELDS };
static const struct husk_fmt_field fields[N_FIELDS] = {
        [F_TYPE] = { "Type", "TYPE" },
        [F_TOTAL] = { "TotalCount", "TOTAL" },
        [F_ACTIVE] = { "Active", "ACTIVE" },
        [F_SIZE] = { "Size", "SIZE" },
        [F_RECLAIMABLE] = { "Reclaimable", "RECLAIMABLE" },
};
#define TABLE "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"

struct usage_row {
        uint64_t total, active, size, reclaimable;
};

/* Apparent bytes of the files under dirfd/name (not following symlinks, not leaving the filesystem). */
static uint64_t tree_bytes(int dirfd, const char *name, dev_t dev, int depth)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || (dev && st.st_dev != dev))
                return 0;
        if (!S_ISDIR(st.st_mode))
                return S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (uint64_t) st.st_size : 0;
        if (depth > 256)
                return 0;
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        uint64_t sum = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        sum += tree_bytes(fd, de->d_name, st.st_dev, depth + 1);
        return sum;
}

static int images_usage(struct husk_store *s, char **in_use, struct usage_row *ret, struct husk_error *err)
{
        struct husk_store_usage u;
        int r = husk_store_usage(s, &u, err);
        if (r < 0)
                return r;
        struct husk_image *imgs = NULL;
        size_t n = 0;
        r = husk_store_image_list(s, &imgs, &n, err);
        if (r < 0)
                return r;
        /* The layers of active images, each once: what pruning could not free. */
        _cleanup_strv_ char **active_layers = calloc(1, sizeof(char *));
        size_t n_active_layers = 0;
        uint64_t active_bytes = 0;
        *ret = (struct usage_row) { .total = u.images, .size = u.images_bytes };
        for (size_t i = 0; i < n && active_layers; i++) {
                if (!husk_cli_strv_contains(in_use, imgs[i].id))
                        continue;
                ret->active++;
                for (char **l = imgs[i].layers; l && *l && active_layers; l++) {
                        struct husk_layer_info info;
                        struct husk_error ignored = { 0 };
                        if (husk_cli_strv_contains(active_layers, *l) || husk_store_layer_get(s, *l, &info, &ignored) < 0)
                                continue;
                        char **v = realloc(active_layers, (n_active_layers + 2) * sizeof(char *));
                        if (!v)
                                break;
                        active_layers = v;
                        active_layers[n_active_layers] = strdup(*l);
                        if (!active_layers[n_active_layers])
                                break;
                        active_layers[++n_active_layers] = NULL;
                        active_bytes += info.size;
                }
        }
        husk_image_list_free(imgs, n);
        if (!active_layers)
                return husk_error_errno(err, ENOMEM, "system df");
        ret->reclaimable = ret->size > active_bytes ? ret->size - active_bytes : 0;
        return 0;
}

static int containers_usage(struct husk_store *s, struct usage_row *ret, struct husk_error *err)
{
        *ret = (struct usage_row) { 0 };
        _cleanup_(husk_ctr_store_closep) struct husk_ctr_store *cs = NULL;
        struct husk_error ignored = { 0 };
        if (husk_ctr_store_open(husk_store_root(s), false, &cs, &ignored) < 0)
                return 0;       /* no containers/ yet */
        struct husk_ctr *list = NULL;
        size_t n = 0;
        int r = husk_ctr_list(cs, &list, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                /* The overlay driver's writes are upper/; the copy driver's whole root is the container's. */
                bool copy = list[i].driver && strcmp(list[i].driver, "copy") == 0;
                char rw[HUSK_CTR_ID_LEN + 16];
                (void) snprintf(rw, sizeof(rw), "%s/%s", list[i].id, copy ? "merged" : "upper");
                uint64_t bytes = tree_bytes(husk_ctr_store_fd(cs), rw, 0, 0);
                bool running = list[i].state == HUSK_CTR_RUNNING && !list[i].monitor_dead;
                ret->total++;
                ret->size += bytes;
                if (running)
                        ret->active++;
                else
                        ret->reclaimable += bytes;
        }
        husk_ctr_list_free(list, n);
        return 0;
}

static int add(struct husk_format *fmt, const char *type, const struct usage_row *u, struct husk_error *err)
{
        char total[32], active[32], size[32], recl[64], rs[32];
        (void) snprintf(total, sizeof(total), "%llu", (unsigned long long) u->total);
        (void) snprintf(active, sizeof(active), "%llu", (unsigned long long) u->active);
        husk_human_size(size, sizeof(size), (double) u->size, 4);
        husk_human_size(rs, sizeof(rs), (double) u->reclaimable, 4);
        /* Docker adds the share of the size (its Reclaimable field says so in every format). */
        if (u->size > 0)
                (void) snprintf(recl, sizeof(recl), "%s (%d%%)", rs, (int) (100 * u->reclaimable / u->size));
        else
                (void) snprintf(recl, sizeof(recl), "%s", rs);
        const char *v[N_FIELDS] = { type, total, active, size, recl };
        return husk_format_add(fmt, v, err);
}

static int run(struct husk_ctx *ctx, void *flags_, int argc, char **argv)
{
        struct flags *f = flags_;
        (void) argc;
        (void) argv;
        struct husk_error err = { 0 };
        bool json = husk_format_is_json(f->format);
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        if (husk_format_new(json ? "{{json .}}" : f->format, TABLE, fields, N_FIELDS, &fmt, &err) < 0)
                return husk_fail(ctx, &err);

        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        _cleanup_strv_ char **in_use = NULL;
        struct usage_row images, containers, volumes = { 0 };
        if (husk_cli_store_open_in_use(ctx, true, &s, &in_use, &err) < 0 || images_usage(s, in_use, &images, &err) < 0 ||
            containers_usage(s, &containers, &err) < 0)
                return husk_fail(ctx, &err);
        if (add(fmt, "Images", &images, &err) < 0 || add(fmt, "Containers", &containers, &err) < 0 ||
            add(fmt, "Local Volumes", &volumes, &err) < 0 || husk_format_flush(fmt, stdout, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

const struct husk_cmd husk_cmd_system_df = {
        .names = { "system df" },
        .summary = "Show husk disk usage",
        .usage = "[OPTIONS]",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct flags),
        .min_args = 0,
        .max_args = 0,
        .run = run,
};

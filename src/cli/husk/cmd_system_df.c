/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk system df [-v]`: Docker's TYPE TOTAL ACTIVE SIZE RECLAIMABLE table (system_df.c gathers the
 * numbers). Images: the unpacked layers, each counted once however many images share it (the compressed
 * blobs kept for save/push are not in Docker's numbers either); active: images some container uses;
 * reclaimable: the bytes of layers no such image has. Containers: the engine's records, their writes as
 * size, running ones active. Local Volumes: the engine's volumes, those a container uses active, the
 * content of the others reclaimable (engine/ctr_volumes.h).
 * -v lists each image (shared and unique bytes, containers), each container and each volume.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/husk/containers.h"
#include "cli/husk/image_common.h"
#include "cli/husk/image_names.h"
#include "cli/husk/system_df.h"
#include "cli/husk/template.h"
#include "cli/husk/units.h"
#include "engine/ctr_volumes.h"
#include "util/cleanup.h"

struct flags {
        const char *format;
        bool verbose;
};

static const struct arg_opt opts[] = {
        ARG_OPT("format", NULL, ARG_STRING, struct flags, format,
                "Format output: 'table', 'json', or a template ({{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}})"),
        ARG_OPT("verbose", "v", ARG_BOOL, struct flags, verbose, "Show detailed information on space usage"),
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

/* The engine's volumes with their users and sizes. */
struct vol_df {
        struct husk_vol_usage *v;
        size_t n;
};

static void vol_df_done(struct vol_df *d)
{
        husk_vol_usage_free(d->v, d->n);
}

static int summary(const struct flags *f, const struct husk_df *df, const struct vol_df *vd, struct husk_error *err)
{
        bool json = husk_format_is_json(f->format);
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        int r = husk_format_new(json ? "{{json .}}" : f->format, TABLE, fields, N_FIELDS, &fmt, err);
        if (r < 0)
                return r;
        struct usage_row images = { .total = df->n_imgs, .size = df->layers_bytes }, containers = { 0 }, volumes = { 0 };
        for (size_t i = 0; i < df->n_imgs; i++)
                images.active += df->img_containers[i] > 0;
        images.reclaimable = df->layers_bytes - df->active_layers_bytes;
        for (size_t i = 0; i < df->n_ctrs; i++) {
                bool running = df->ctrs[i].state == HUSK_CTR_RUNNING && !df->ctrs[i].monitor_dead;
                containers.total++;
                containers.size += df->ctr_size[i];
                if (running)
                        containers.active++;
                else
                        containers.reclaimable += df->ctr_size[i];
        }
        for (size_t i = 0; i < vd->n; i++) {
                volumes.total++;
                volumes.size += (uint64_t) vd->v[i].size;
                if (vd->v[i].links)
                        volumes.active++;
                else
                        volumes.reclaimable += (uint64_t) vd->v[i].size;
        }
        if ((r = add(fmt, "Images", &images, err)) < 0 || (r = add(fmt, "Containers", &containers, err)) < 0 ||
            (r = add(fmt, "Local Volumes", &volumes, err)) < 0)
                return r;
        return husk_format_flush(fmt, stdout, err);
}

/* -v: the images, one row per name as `images` shows them. */
static int verbose_images(const struct husk_df *df, int64_t now, struct husk_error *err)
{
        static const struct husk_fmt_field vf[] = {
                { "Repository", "REPOSITORY", false }, { "Tag", "TAG", false },        { "ID", "IMAGE ID", false },
                { "CreatedSince", "CREATED", false },  { "Size", "SIZE", false },      { "SharedSize", "SHARED SIZE", false },
                { "UniqueSize", "UNIQUE SIZE", false }, { "Containers", "CONTAINERS", false },
        };
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        int r = husk_format_new("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t"
                                "{{.UniqueSize}}\t{{.Containers}}", "", vf, HUSK_ARRAY_SIZE(vf), &fmt, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < df->n_imgs && r >= 0; i++) {
                const struct husk_image *img = &df->imgs[i];
                char id[HUSK_DIGEST_LEN], since[64], size[32], shared[32], unique[32], n[16];
                int64_t created = 0;
                if (!img->created || husk_parse_rfc3339(img->created, &created) < 0)
                        created = 0;
                husk_cli_image_id(img->id, false, id, sizeof(id));
                husk_time_ago(since, sizeof(since), created, now);
                husk_human_size(size, sizeof(size), (double) img->size, 4);
                husk_human_size(shared, sizeof(shared), (double) df->img_shared[i], 4);
                husk_human_size(unique, sizeof(unique),
                                (double) (img->size > df->img_shared[i] ? img->size - df->img_shared[i] : 0), 4);
                (void) snprintf(n, sizeof(n), "%u", df->img_containers[i]);
                for (size_t k = 0; r >= 0 && (k == 0 || (img->names && img->names[k])); k++) {
                        _cleanup_free_ char *repo = NULL, *tag = NULL;
                        if (img->names && img->names[k] && husk_name_split(img->names[k], &repo, &tag) < 0)
                                return husk_error_errno(err, ENOMEM, "system df");
                        const char *v[] = { repo ? husk_name_familiar(repo) : "<none>", tag ? tag : "<none>", id, since,
                                            size, shared, unique, n };
                        r = husk_format_add(fmt, v, err);
                }
        }
        printf("Images space usage:\n\n");
        return r < 0 ? r : husk_format_flush(fmt, stdout, err);
}

/* -v: the containers, their writes as size. */
static int verbose_containers(const struct husk_df *df, int64_t now, struct husk_error *err)
{
        static const struct husk_fmt_field vf[] = {
                { "ID", "CONTAINER ID", false }, { "Image", "IMAGE", false },     { "Size", "SIZE", false },
                { "RunningFor", "CREATED", false }, { "State", "STATUS", false }, { "Names", "NAMES", false },
        };
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        int r = husk_format_new("table {{.ID}}\t{{.Image}}\t{{.Size}}\t{{.RunningFor}}\t{{.State}}\t{{.Names}}", "", vf,
                                HUSK_ARRAY_SIZE(vf), &fmt, err);
        for (size_t i = 0; i < df->n_ctrs && r >= 0; i++) {
                const struct husk_ctr *c = &df->ctrs[i];
                char id[16], size[32], since[64];
                (void) snprintf(id, sizeof(id), "%.12s", c->id);
                husk_human_size(size, sizeof(size), (double) df->ctr_size[i], 4);
                husk_time_ago(since, sizeof(since), c->created / 1000000000, now);
                const char *state = c->state == HUSK_CTR_RUNNING && c->monitor_dead ? "exited"
                                                                                   : husk_ctr_state_to_string(c->state);
                const char *v[] = { id, c->image ? c->image : "", size, since, state, c->name ? c->name : "" };
                r = husk_format_add(fmt, v, err);
        }
        printf("\nContainers space usage:\n\n");
        return r < 0 ? r : husk_format_flush(fmt, stdout, err);
}

/* -v: the volumes, how many containers use each, their size. */
static int verbose_volumes(const struct vol_df *vd, struct husk_error *err)
{
        static const struct husk_fmt_field vf[] = {
                { "Name", "VOLUME NAME", false }, { "Links", "LINKS", false }, { "Size", "SIZE", false },
        };
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        int r = husk_format_new("table {{.Name}}\t{{.Links}}\t{{.Size}}", "", vf, HUSK_ARRAY_SIZE(vf), &fmt, err);
        for (size_t i = 0; i < vd->n && r >= 0; i++) {
                char links[16], size[32];
                (void) snprintf(links, sizeof(links), "%u", vd->v[i].links);
                husk_human_size(size, sizeof(size), (double) vd->v[i].size, 4);
                const char *v[] = { vd->v[i].name, links, size };
                r = husk_format_add(fmt, v, err);
        }
        printf("\nLocal Volumes space usage:\n\n");
        return r < 0 ? r : husk_format_flush(fmt, stdout, err);
}

static int run(struct husk_ctx *ctx, void *flags_, int argc, char **argv)
{
        struct flags *f = flags_;
        (void) argc;
        (void) argv;
        struct husk_error err = { 0 };
        if (f->verbose && f->format)
                return husk_usage_error(ctx, "--format and --verbose cannot be combined (husk has no template for -v)");
        if (f->format && !husk_format_is_json(f->format)) {
                /* A bad template is reported before any I/O. */
                _cleanup_(husk_format_freep) struct husk_format *check = NULL;
                if (husk_format_new(f->format, TABLE, fields, N_FIELDS, &check, &err) < 0)
                        return husk_fail(ctx, &err);
        }
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        _cleanup_(husk_df_done) struct husk_df df = { 0 };
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_(vol_df_done) struct vol_df vd = { 0 };
        if (husk_cli_store_open(ctx, true, &s, &err) < 0 || husk_df_collect(s, &df, &err) < 0 ||
            husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_engine_vol_usage(&e, &vd.v, &vd.n, &err) < 0)
                return husk_fail(ctx, &err);
        if (!f->verbose)
                return summary(f, &df, &vd, &err) < 0 ? husk_fail(ctx, &err) : 0;
        int64_t now = (int64_t) time(NULL);
        if (verbose_images(&df, now, &err) < 0 || verbose_containers(&df, now, &err) < 0 ||
            verbose_volumes(&vd, &err) < 0)
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

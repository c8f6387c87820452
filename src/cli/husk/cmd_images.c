/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk images` / `husk image ls`: one row per name of each image (an image without names is one
 * "<none>" row, a dangling image), newest first, as Docker's table, a --format template, or podman's
 * JSON array with --format json.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/husk/image_common.h"
#include "cli/husk/image_filter.h"
#include "cli/husk/image_names.h"
#include "cli/husk/template.h"
#include "cli/husk/units.h"
#include "util/cleanup.h"

struct flags {
        bool all, digests, no_trunc, quiet;
        struct arg_strings filters;
        const char *format;
};

static const struct arg_opt opts[] = {
        ARG_OPT("all", "a", ARG_BOOL, struct flags, all, "Show all images (husk keeps no intermediate images: the same as without)"),
        ARG_OPT("digests", NULL, ARG_BOOL, struct flags, digests, "Show digests"),
        ARG_OPT("filter", "f", ARG_STRINGS, struct flags, filters,
                "Filter output based on conditions provided (reference=PATTERN, dangling=true|false, before=IMAGE, "
                "since=IMAGE, label=KEY[=VALUE])"),
        ARG_OPT("format", NULL, ARG_STRING, struct flags, format,
                "Format output: 'table', 'table TEMPLATE', 'json', or a template such as '{{.Repository}}:{{.Tag}}'"),
        ARG_OPT("no-trunc", NULL, ARG_BOOL, struct flags, no_trunc, "Don't truncate output"),
        ARG_OPT("quiet", "q", ARG_BOOL, struct flags, quiet, "Only show image IDs"),
};

enum { F_REPOSITORY, F_TAG, F_ID, F_DIGEST, F_CREATED_SINCE, F_CREATED_AT, F_SIZE, F_VIRTUAL_SIZE, F_CONTAINERS, N_FIELDS };
static const struct husk_fmt_field fields[N_FIELDS] = {
        [F_REPOSITORY] = { "Repository", "REPOSITORY" },
        [F_TAG] = { "Tag", "TAG" },
        [F_ID] = { "ID", "IMAGE ID" },
        [F_DIGEST] = { "Digest", "DIGEST" },
        [F_CREATED_SINCE] = { "CreatedSince", "CREATED" },
        [F_CREATED_AT] = { "CreatedAt", "CREATED AT" },
        [F_SIZE] = { "Size", "SIZE" },
        [F_VIRTUAL_SIZE] = { "VirtualSize", "VIRTUAL SIZE" },
        [F_CONTAINERS] = { "Containers", "CONTAINERS" },
};
#define TABLE "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
#define TABLE_DIGESTS "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"

static int64_t created_of(const struct husk_image *img)
{
        int64_t t;
        if (img->created && husk_parse_rfc3339(img->created, &t) == 0)
                return t;
        return 0;
}

static int by_created(const void *a, const void *b)
{
        const struct husk_image *x = a, *y = b;
        int64_t cx = created_of(x), cy = created_of(y);
        if (cx != cy)
                return cx < cy ? 1 : -1;
        return x->added < y->added ? 1 : x->added > y->added ? -1 : strcmp(x->id, y->id);
}

struct row_text {
        char id[HUSK_DIGEST_LEN], since[64], at[64], size[32];
};

static void row_text(const struct husk_image *img, bool no_trunc, int64_t now, struct row_text *t)
{
        int64_t created = created_of(img);
        husk_cli_image_id(img->id, no_trunc, t->id, sizeof(t->id));
        husk_time_ago(t->since, sizeof(t->since), created, now);
        if (created)
                husk_time_string(t->at, sizeof(t->at), created);
        else
                (void) snprintf(t->at, sizeof(t->at), "N/A");
        husk_human_size(t->size, sizeof(t->size), (double) img->size, 3);
}

static int add_row(struct husk_format *fmt, const struct husk_image *img, const char *repo, const char *tag,
                   const struct row_text *t, struct husk_error *err)
{
        const char *v[N_FIELDS] = {
                [F_REPOSITORY] = repo ? husk_name_familiar(repo) : "<none>",
                [F_TAG] = tag ? tag : "<none>",
                [F_ID] = t->id,
                [F_DIGEST] = img->manifest[0] ? img->manifest : "<none>",
                [F_CREATED_SINCE] = t->since,
                [F_CREATED_AT] = t->at,
                [F_SIZE] = t->size,
                [F_VIRTUAL_SIZE] = t->size,
                [F_CONTAINERS] = "N/A",
        };
        return husk_format_add(fmt, v, err);
}

/* podman's `images --format json` entry for one image. */
static json_t *image_json(const struct husk_image *img)
{
        json_t *o = json_object(), *tags = json_array(), *digests = json_array(), *names = json_array();
        char rfc[64] = "";
        int64_t created = created_of(img);
        if (created) {
                time_t tt = (time_t) created;
                struct tm tm;
                if (gmtime_r(&tt, &tm))
                        (void) strftime(rfc, sizeof(rfc), "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        if (!o || !tags || !digests || !names) {
                json_decref(o);
                json_decref(tags);
                json_decref(digests);
                json_decref(names);
                return NULL;
        }
        for (char **n = img->names; n && *n; n++) {
                _cleanup_free_ char *repo = NULL, *tag = NULL, *dig = NULL;
                if (husk_name_split(*n, &repo, &tag) < 0 ||
                    (img->manifest[0] && asprintf(&dig, "%s@%s", repo, img->manifest) < 0)) {
                        dig = NULL;
                        break;
                }
                (void) json_array_append_new(tags, json_string(*n));
                (void) json_array_append_new(names, json_string(*n));
                if (dig)
                        (void) json_array_append_new(digests, json_string(dig));
        }
        (void) json_object_set_new(o, "Id", json_string(husk_digest_hex(img->id)));
        (void) json_object_set_new(o, "ParentId", json_string(""));
        (void) json_object_set_new(o, "RepoTags", tags);
        (void) json_object_set_new(o, "RepoDigests", digests);
        (void) json_object_set_new(o, "Size", json_integer((json_int_t) img->size));
        (void) json_object_set_new(o, "SharedSize", json_integer(0));
        (void) json_object_set_new(o, "VirtualSize", json_integer((json_int_t) img->size));
        (void) json_object_set_new(o, "Labels", json_null());
        (void) json_object_set_new(o, "Containers", json_integer(0));
        (void) json_object_set_new(o, "Names", names);
        (void) json_object_set_new(o, "Digest", json_string(img->manifest));
        (void) json_object_set_new(o, "Created", json_integer(created));
        (void) json_object_set_new(o, "CreatedAt", json_string(rfc));
        (void) json_object_set_new(o, "Dangling", json_boolean(!img->names || !img->names[0]));
        return o;
}

/* Does the image pass the image-wide filters (times, labels)? Its config is read only for labels. */
static int image_matches(struct husk_store *s, const struct husk_image_filter *flt, const struct husk_image *img,
                         bool *ret, struct husk_error *err)
{
        json_t *cfg = NULL;
        if (flt->n_labels > 0) {
                int r = husk_cli_image_config_json(s, img->id, &cfg, err);
                if (r < 0)
                        return r;
        }
        *ret = husk_image_filter_image(flt, created_of(img), json_object_get(json_object_get(cfg, "config"), "Labels"));
        json_decref(cfg);
        return 0;
}

/* The names of an image that pass the row filters; an image without names is one row of NULLs. */
struct row {
        char *repo, *tag;
};

static void rows_free(struct row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(rows[i].repo);
                free(rows[i].tag);
        }
        free(rows);
}

static int image_rows(const struct husk_image_filter *flt, const struct husk_image *img, struct row **ret,
                      size_t *ret_n, struct husk_error *err)
{
        size_t n_names = 0;
        while (img->names && img->names[n_names])
                n_names++;
        struct row *rows = calloc(n_names ? n_names : 1, sizeof(*rows));
        if (!rows)
                return husk_error_errno(err, ENOMEM, "images");
        size_t n = 0;
        if (n_names == 0 && husk_image_filter_row(flt, NULL, NULL))
                n = 1;
        for (size_t i = 0; i < n_names; i++) {
                if (husk_name_split(img->names[i], &rows[n].repo, &rows[n].tag) < 0) {
                        rows_free(rows, n);
                        return husk_error_errno(err, ENOMEM, "images");
                }
                if (husk_image_filter_row(flt, rows[n].repo, rows[n].tag)) {
                        n++;
                } else {
                        free(rows[n].repo);
                        free(rows[n].tag);
                        rows[n] = (struct row) { 0 };
                }
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}

/* before=/since= name images: their creation times. */
static int resolve_times(struct husk_store *s, struct husk_image_filter *flt, struct husk_error *err)
{
        const char *names[2] = { flt->before, flt->since };
        int64_t *times[2] = { &flt->before_time, &flt->since_time };
        for (size_t i = 0; i < 2; i++) {
                if (!names[i])
                        continue;
                struct husk_image img = { 0 };
                int r = husk_store_image_lookup(s, names[i], &img, err);
                if (r < 0)
                        return husk_error_prefix(err, "filter %s=%s: ", i == 0 ? "before" : "since", names[i]);
                *times[i] = created_of(&img);
                husk_image_free(&img);
        }
        return 0;
}

static int run(struct husk_ctx *ctx, void *flags_, int argc, char **argv)
{
        struct flags *f = flags_;
        struct husk_error err = { 0 };
        _cleanup_(husk_image_filter_done) struct husk_image_filter flt = { 0 };
        if (husk_image_filter_parse(f->filters.v, f->filters.n, argc ? argv[0] : NULL, &flt, &err) < 0)
                return husk_fail(ctx, &err);

        const char *spec = f->quiet ? "{{.ID}}" : f->format;
        bool json = !f->quiet && husk_format_is_json(spec);
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        if (!json && husk_format_new(spec, f->digests ? TABLE_DIGESTS : TABLE, fields, N_FIELDS, &fmt, &err) < 0)
                return husk_fail(ctx, &err);

        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        if (husk_cli_store_open(ctx, true, &s, &err) < 0 || resolve_times(s, &flt, &err) < 0)
                return husk_fail(ctx, &err);
        struct husk_image *imgs = NULL;
        size_t n = 0;
        if (husk_store_image_list(s, &imgs, &n, &err) < 0)
                return husk_fail(ctx, &err);
        if (n > 1)
                qsort(imgs, n, sizeof(*imgs), by_created);

        json_t *arr = json ? json_array() : NULL;
        int r = json && !arr ? husk_error_errno(&err, ENOMEM, "images") : 0;
        int64_t now = (int64_t) time(NULL);
        for (size_t i = 0; i < n && r >= 0; i++) {
                bool ok = false;
                struct row *rows = NULL;
                size_t n_rows = 0;
                if ((r = image_matches(s, &flt, &imgs[i], &ok, &err)) < 0 || !ok ||
                    (r = image_rows(&flt, &imgs[i], &rows, &n_rows, &err)) < 0)
                        continue;
                /* JSON: one entry per image with any row left; tables and templates: a line per row. */
                if (json && n_rows > 0 && json_array_append_new(arr, image_json(&imgs[i])) < 0)
                        r = husk_error_errno(&err, ENOMEM, "images");
                struct row_text t;
                row_text(&imgs[i], f->no_trunc, now, &t);
                for (size_t k = 0; !json && k < n_rows && r >= 0; k++)
                        r = add_row(fmt, &imgs[i], rows[k].repo, rows[k].tag, &t, &err);
                rows_free(rows, n_rows);
        }
        husk_image_list_free(imgs, n);
        if (r >= 0 && json) {
                if (json_dumpf(arr, stdout, JSON_INDENT(4)) < 0 || puts("") < 0 || fflush(stdout) != 0)
                        r = husk_error_errno(&err, EIO, "write output");
        } else if (r >= 0) {
                r = husk_format_flush(fmt, stdout, &err);
        }
        json_decref(arr);
        return r < 0 ? husk_fail(ctx, &err) : 0;
}

const struct husk_cmd husk_cmd_images = {
        .names = { "images", "image ls", "image list" },
        .summary = "List images",
        .usage = "[OPTIONS] [REPOSITORY[:TAG]]",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct flags),
        .min_args = 0,
        .max_args = 1,
        .run = run,
};

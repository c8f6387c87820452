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
                "Filter output based on conditions provided (reference=PATTERN, dangling=true|false)"),
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

struct filter {
        char **references;      /* patterns, OR'ed; the positional REPOSITORY[:TAG] is one */
        size_t n_references;
        int dangling;           /* -1: no filter */
};

static void filter_done(struct filter *flt)
{
        free(flt->references);
}

static int parse_filters(const struct flags *f, const char *positional, struct filter *ret, struct husk_error *err)
{
        ret->dangling = -1;
        ret->references = calloc(f->filters.n + 2, sizeof(char *));
        if (!ret->references)
                return husk_error_errno(err, ENOMEM, "filters");
        if (positional)
                ret->references[ret->n_references++] = (char *) positional;
        for (size_t i = 0; i < f->filters.n; i++) {
                const char *v = f->filters.v[i];
                if (strncmp(v, "reference=", 10) == 0 && v[10]) {
                        ret->references[ret->n_references++] = (char *) v + 10;
                } else if (strcmp(v, "dangling=true") == 0 || strcmp(v, "dangling=1") == 0) {
                        ret->dangling = 1;
                } else if (strcmp(v, "dangling=false") == 0 || strcmp(v, "dangling=0") == 0) {
                        ret->dangling = 0;
                } else if (strncmp(v, "dangling=", 9) == 0) {
                        return husk_error_set(err, EINVAL, "invalid filter 'dangling=%s': dangling takes true or false",
                                              v + 9);
                } else {
                        return husk_error_set(err, EINVAL,
                                              "invalid filter '%s' (husk images takes reference=PATTERN and dangling=true|false)", v);
                }
        }
        return 0;
}

/* Does a row (repo/tag NULL: the image has no names) pass the filters? */
static bool row_matches(const struct filter *flt, const char *repo, const char *tag)
{
        if (flt->dangling == 1 && repo)
                return false;
        if (flt->dangling == 0 && !repo)
                return false;
        if (flt->n_references == 0)
                return true;
        if (!repo)
                return false;
        for (size_t i = 0; i < flt->n_references; i++)
                if (husk_name_match(flt->references[i], repo, tag))
                        return true;
        return false;
}

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

static int print_json(struct husk_image *imgs, size_t n, const struct filter *flt, struct husk_error *err)
{
        json_t *arr = json_array();
        if (!arr)
                return husk_error_errno(err, ENOMEM, "images");
        for (size_t i = 0; i < n; i++) {
                bool any = false;
                if (!imgs[i].names || !imgs[i].names[0])
                        any = row_matches(flt, NULL, NULL);
                for (char **nm = imgs[i].names; nm && *nm && !any; nm++) {
                        _cleanup_free_ char *repo = NULL, *tag = NULL;
                        if (husk_name_split(*nm, &repo, &tag) == 0)
                                any = row_matches(flt, repo, tag);
                }
                if (any && json_array_append_new(arr, image_json(&imgs[i])) < 0) {
                        json_decref(arr);
                        return husk_error_errno(err, ENOMEM, "images");
                }
        }
        int r = json_dumpf(arr, stdout, JSON_INDENT(4));
        json_decref(arr);
        if (r < 0 || puts("") < 0 || fflush(stdout) != 0)
                return husk_error_errno(err, EIO, "write output");
        return 0;
}

static int run(struct husk_ctx *ctx, void *flags_, int argc, char **argv)
{
        struct flags *f = flags_;
        struct husk_error err = { 0 };
        _cleanup_(filter_done) struct filter flt = { 0 };
        int r = parse_filters(f, argc ? argv[0] : NULL, &flt, &err);
        if (r < 0)
                return husk_fail(ctx, &err);

        const char *spec = f->quiet ? "{{.ID}}" : f->format;
        bool json = !f->quiet && husk_format_is_json(spec);
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        if (!json && husk_format_new(spec, f->digests ? TABLE_DIGESTS : TABLE, fields, N_FIELDS, &fmt, &err) < 0)
                return husk_fail(ctx, &err);

        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        if (husk_cli_store_open(ctx, true, &s, &err) < 0)
                return husk_fail(ctx, &err);
        struct husk_image *imgs = NULL;
        size_t n = 0;
        if (husk_store_image_list(s, &imgs, &n, &err) < 0)
                return husk_fail(ctx, &err);
        if (n > 1)
                qsort(imgs, n, sizeof(*imgs), by_created);

        if (json) {
                r = print_json(imgs, n, &flt, &err);
                husk_image_list_free(imgs, n);
                return r < 0 ? husk_fail(ctx, &err) : 0;
        }
        int64_t now = (int64_t) time(NULL);
        for (size_t i = 0; i < n && r >= 0; i++) {
                struct row_text t;
                row_text(&imgs[i], f->no_trunc, now, &t);
                if (!imgs[i].names || !imgs[i].names[0]) {
                        if (row_matches(&flt, NULL, NULL))
                                r = add_row(fmt, &imgs[i], NULL, NULL, &t, &err);
                        continue;
                }
                for (char **nm = imgs[i].names; *nm && r >= 0; nm++) {
                        _cleanup_free_ char *repo = NULL, *tag = NULL;
                        r = husk_name_split(*nm, &repo, &tag);
                        if (r < 0)
                                r = husk_error_errno(&err, ENOMEM, "images");
                        else if (row_matches(&flt, repo, tag))
                                r = add_row(fmt, &imgs[i], repo, tag, &t, &err);
                }
        }
        husk_image_list_free(imgs, n);
        if (r < 0 || husk_format_flush(fmt, stdout, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
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

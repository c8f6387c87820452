/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk image inspect IMAGE...`: Docker's JSON array (Id, RepoTags, RepoDigests, Created, Author,
 * Config, Architecture, Variant, Os, Size, RootFS.Layers, Metadata), built from the store's record and
 * the image's config blob. Images found are printed even when others are not; each missing one is an
 * error line and the exit code is 125.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/husk/image_common.h"
#include "cli/husk/image_names.h"
#include "cli/husk/template.h"
#include "util/cleanup.h"

struct flags {
        const char *format;
};

static const struct arg_opt opts[] = {
        ARG_OPT("format", "f", ARG_STRING, struct flags, format,
                "Format output using a template ({{.Id}}, {{.Created}}, {{.Architecture}}, {{.Os}}, {{.Size}}, "
                "{{.Digest}}, {{json .RepoTags}}, {{json .Config}}, {{json .RootFS}}), or 'json'"),
};

/* The fields a --format template may use: the top-level members, as text (arrays and objects as JSON). */
static const char *const keys[] = { "Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Author",
                                    "Config", "Architecture", "Variant", "Os", "Size", "RootFS", "Digest" };
static const struct husk_fmt_field fields[] = {
        { "Id", "ID", false },           { "RepoTags", "REPO TAGS", true }, { "RepoDigests", "REPO DIGESTS", true },
        { "Parent", "PARENT", false },   { "Comment", "COMMENT", false },   { "Created", "CREATED", false },
        { "Author", "AUTHOR", false },   { "Config", "CONFIG", true },      { "Architecture", "ARCHITECTURE", false },
        { "Variant", "VARIANT", false }, { "Os", "OS", false },             { "Size", "SIZE", true },
        { "RootFS", "ROOTFS", true },    { "Digest", "DIGEST", false },
};

static json_t *string_or_empty(json_t *cfg, const char *key)
{
        json_t *v = json_object_get(cfg, key);
        return json_is_string(v) ? json_incref(v) : json_string("");
}

static int inspect_one(struct husk_store *s, const struct husk_image *img, json_t **ret, struct husk_error *err)
{
        json_t *cfg = NULL;
        int r = husk_cli_image_config_json(s, img->id, &cfg, err);
        if (r < 0)
                return r;
        json_t *o = json_object(), *tags = json_array(), *digests = json_array(), *layers = json_array();
        if (!o || !tags || !digests || !layers) {
                json_decref(cfg);
                json_decref(o);
                json_decref(tags);
                json_decref(digests);
                json_decref(layers);
                return husk_error_errno(err, ENOMEM, "inspect %s", img->id);
        }
        for (char **n = img->names; n && *n; n++) {
                _cleanup_free_ char *repo = NULL, *tag = NULL, *t = NULL, *d = NULL;
                if (husk_name_split(*n, &repo, &tag) < 0)
                        continue;
                const char *fam = husk_name_familiar(repo);
                if (asprintf(&t, "%s:%s", fam, tag) >= 0)
                        (void) json_array_append_new(tags, json_string(t));
                else
                        t = NULL;
                if (asprintf(&d, "%s@%s", fam, img->manifest) >= 0)
                        (void) json_array_append_new(digests, json_string(d));
                else
                        d = NULL;
        }
        for (char **l = img->layers; l && *l; l++)
                (void) json_array_append_new(layers, json_string(*l));

        json_t *config = json_object_get(cfg, "config");
        (void) json_object_set_new(o, "Id", json_string(img->id));
        (void) json_object_set_new(o, "RepoTags", tags);
        (void) json_object_set_new(o, "RepoDigests", digests);
        (void) json_object_set_new(o, "Parent", json_string(""));
        (void) json_object_set_new(o, "Comment", string_or_empty(cfg, "comment"));
        (void) json_object_set_new(o, "Created", string_or_empty(cfg, "created"));
        (void) json_object_set_new(o, "Author", string_or_empty(cfg, "author"));
        (void) json_object_set_new(o, "Config", json_is_object(config) ? json_incref(config) : json_object());
        (void) json_object_set_new(o, "Architecture", string_or_empty(cfg, "architecture"));
        if (json_is_string(json_object_get(cfg, "variant")))
                (void) json_object_set_new(o, "Variant", string_or_empty(cfg, "variant"));
        (void) json_object_set_new(o, "Os", string_or_empty(cfg, "os"));
        (void) json_object_set_new(o, "Size", json_integer((json_int_t) img->size));
        (void) json_object_set_new(o, "RootFS", json_pack("{s:s, s:o}", "Type", "layers", "Layers", layers));
        (void) json_object_set_new(o, "Digest", json_string(img->manifest));
        (void) json_object_set_new(o, "Metadata", json_pack("{s:I}", "Added", (json_int_t) img->added));
        json_decref(cfg);
        *ret = o;
        return 0;
}

/* One object through a --format template: strings as they are, the rest as compact JSON. */
static int format_one(struct husk_format *fmt, json_t *o, struct husk_error *err)
{
        char *vals[HUSK_ARRAY_SIZE(keys)] = { 0 };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(keys); i++) {
                json_t *v = json_object_get(o, keys[i]);
                vals[i] = !v ? strdup("") : json_is_string(v) ? strdup(json_string_value(v))
                                                               : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        }
        int r = husk_format_add(fmt, (const char *const *) vals, err);
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(keys); i++)
                free(vals[i]);
        return r;
}

static int run(struct husk_ctx *ctx, void *flags_, int argc, char **argv)
{
        struct flags *f = flags_;
        struct husk_error err = { 0 };
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        if (f->format && !husk_format_is_json(f->format) &&
            husk_format_new(f->format, "{{json .}}", fields, HUSK_ARRAY_SIZE(fields), &fmt, &err) < 0)
                return husk_fail(ctx, &err);

        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        if (husk_cli_store_open(ctx, true, &s, &err) < 0)
                return husk_fail(ctx, &err);
        json_t *arr = json_array();
        if (!arr)
                return husk_failf(ctx, "out of memory");
        int ret = 0;
        for (int i = 0; i < argc; i++) {
                struct husk_image img = { 0 };
                json_t *o = NULL;
                if (husk_store_image_lookup(s, argv[i], &img, &err) < 0 || inspect_one(s, &img, &o, &err) < 0) {
                        ret = husk_fail(ctx, &err);
                        husk_image_free(&img);
                        continue;
                }
                husk_image_free(&img);
                if (fmt && format_one(fmt, o, &err) < 0)
                        ret = husk_fail(ctx, &err);
                (void) json_array_append_new(arr, o);
        }
        if (fmt) {
                if (husk_format_flush(fmt, stdout, &err) < 0)
                        ret = husk_fail(ctx, &err);
        } else if (json_dumpf(arr, stdout, JSON_INDENT(4)) < 0 || puts("") < 0 || fflush(stdout) != 0) {
                ret = husk_failf(ctx, "write output: %s", strerror(errno));
        }
        json_decref(arr);
        return ret;
}

const struct husk_cmd husk_cmd_image_inspect = {
        .names = { "image inspect" },
        .summary = "Display detailed information on one or more images",
        .usage = "[OPTIONS] IMAGE [IMAGE...]",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct flags),
        .min_args = 1,
        .max_args = -1,
        .run = run,
};

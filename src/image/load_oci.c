/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An OCI image layout (image-layout.md), as a directory or a tar of one: every entry of index.json is an
 * image, named by its annotations; an entry that is itself an index (or a Docker manifest list), nested
 * as deep as it goes, gives the manifest for the platform. Entries of index.json that state another
 * platform are skipped, so a layout of one image for several platforms loads the one for this host.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/load_internal.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)
/* Indexes of indexes: a bound against a layout whose index points at itself. */
#define NESTING_MAX 8

struct oci_ctx {
        struct husk_store *store;
        struct husk_load_source *src;
        const struct husk_platform *platform;
};

static int check_layout_version(struct husk_load_source *src, struct husk_error *err)
{
        const char *data;
        size_t len;
        json_error_t je;

        if (husk_load_source_doc(src, "oci-layout", &data, &len) < 0)
                return 0; /* required by the spec, but nothing here depends on it */
        _cleanup_json_ json_t *doc = json_loadb(data, len, 0, &je);
        json_t *v = doc ? json_object_get(doc, "imageLayoutVersion") : NULL;
        if (!json_is_string(v))
                return husk_error_set(err, EINVAL, "%s: oci-layout: imageLayoutVersion: missing",
                                      husk_load_source_what(src));
        if (strncmp(json_string_value(v), "1.", 2) != 0)
                return husk_error_set(err, EINVAL, "%s: oci-layout: imageLayoutVersion %s: only 1.x is supported",
                                      husk_load_source_what(src), json_string_value(v));
        return 0;
}

/* A descriptor's blob from the archive into the store (verified), and read when it is a document. */
static int fetch(struct oci_ctx *c, const struct husk_descriptor *d, const char *field, bool read, char **ret,
                 size_t *ret_len, struct husk_error *err)
{
        _cleanup_free_ char *path = NULL;
        char digest[HUSK_DIGEST_LEN];
        int64_t size;
        int r;

        if (asprintf(&path, "blobs/sha256/%s", husk_digest_hex(d->digest)) < 0)
                return husk_error_errno(err, ENOMEM, "%s", field);
        r = husk_load_source_blob(c->src, path, d->digest, field, read, digest, &size, err);
        if (r < 0)
                return r;
        if (d->size >= 0 && size != d->size)
                return husk_error_set(err, EINVAL, "%s: %s: %s: %lld bytes, the descriptor says %lld",
                                      husk_load_source_what(c->src), field, path, (long long) size,
                                      (long long) d->size);
        if (!read)
                return 0;
        return husk_blob_read(c->store, digest, HUSK_TRANSFER_DOC_MAX, ret, ret_len, err);
}

static int load_manifest(struct oci_ctx *c, struct husk_load_pending *img, const struct husk_descriptor *d,
                         const char *json, size_t len, struct husk_error *err)
{
        _cleanup_free_ char *what = NULL;
        struct husk_manifest m = { 0 };
        char field[160];
        int r;

        if (asprintf(&what, "%s: manifest %s", husk_load_source_what(c->src), d->digest) < 0)
                return husk_error_errno(err, ENOMEM, "%s", img->what);
        r = husk_manifest_parse(json, len, what, &m, err);
        if (r < 0)
                return r;
        memcpy(img->manifest, d->digest, HUSK_DIGEST_LEN);

        snprintf(field, sizeof(field), "manifest %.19s: config", d->digest);
        r = fetch(c, &m.config, field, false, NULL, NULL, err);
        if (r >= 0)
                r = husk_load_pending_set_config(c->store, img, m.config.digest, m.n_layers, err);
        if (r >= 0) {
                img->layer_blobs = calloc(m.n_layers + 1, sizeof(char *));
                if (!img->layer_blobs)
                        r = husk_error_errno(err, ENOMEM, "%s", what);
        }
        for (size_t i = 0; r >= 0 && i < m.n_layers; i++) {
                snprintf(field, sizeof(field), "manifest %.19s: layers[%zu]", d->digest, i);
                r = fetch(c, &m.layers[i], field, false, NULL, NULL, err);
                if (r >= 0 && !(img->layer_blobs[i] = strdup(m.layers[i].digest)))
                        r = husk_error_errno(err, ENOMEM, "%s", what);
                img->layer_bytes += m.layers[i].size > 0 ? (uint64_t) m.layers[i].size : 0;
        }
        if (r >= 0)
                img->n_layers = m.n_layers;
        husk_manifest_free(&m);
        return r;
}

static bool any_platform(const struct husk_index *idx)
{
        for (size_t i = 0; i < idx->n_manifests; i++)
                if (idx->manifests[i].os || idx->manifests[i].architecture)
                        return true;
        return false;
}

/* d is a manifest or an index: follow indexes to the platform's manifest. */
static int resolve(struct oci_ctx *c, struct husk_load_pending *img, const struct husk_descriptor *d,
                   const char *field, int depth, struct husk_error *err)
{
        _cleanup_free_ char *json = NULL, *what = NULL;
        size_t len;
        enum husk_doc_kind kind;
        int r;

        if (depth > NESTING_MAX)
                return husk_error_set(err, ELOOP, "%s: %s: indexes nested deeper than %d", img->what, field,
                                      NESTING_MAX);
        r = fetch(c, d, field, true, &json, &len, err);
        if (r < 0)
                return r;
        if (asprintf(&what, "%s: %s %s", husk_load_source_what(c->src), field, d->digest) < 0)
                return husk_error_errno(err, ENOMEM, "%s", img->what);
        r = husk_doc_kind(json, len, what, &kind, err);
        if (r < 0)
                return r;
        if (kind == HUSK_DOC_MANIFEST)
                return load_manifest(c, img, d, json, len, err);

        struct husk_index idx = { 0 };
        const struct husk_descriptor *sel = NULL;
        r = husk_index_parse(json, len, what, &idx, err);
        if (r >= 0 && !any_platform(&idx) && idx.n_manifests > 0) {
                /* No entry states a platform (an index used as a list of one image): containerd takes
                   such entries as matching any platform; so do we, the first. */
                sel = &idx.manifests[0];
        } else if (r >= 0) {
                r = husk_index_select(&idx, c->platform->os, c->platform->architecture, c->platform->variant, what,
                                      &sel, err);
        }
        if (r >= 0) {
                char sub[64];
                snprintf(sub, sizeof(sub), "index %.19s: manifest", d->digest);
                r = resolve(c, img, sel, sub, depth + 1, err);
        }
        husk_index_free(&idx);
        return r;
}

/* Whether an entry of index.json that states a platform states ours. */
static int platform_matches(struct oci_ctx *c, struct husk_descriptor *d, const char *what, struct husk_error *err)
{
        struct husk_index one = { .manifests = d, .n_manifests = 1 };
        const struct husk_descriptor *sel;
        struct husk_error ignored = { 0 };

        if (!d->os && !d->architecture)
                return 1;
        int r = husk_index_select(&one, c->platform->os, c->platform->architecture, c->platform->variant, what,
                                  &sel, &ignored);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                *err = ignored;
                return r;
        }
        return 1;
}

/* io.containerd.image.name (docker save, buildkit) over ref.name, as podman's nameFromAnnotations. */
static int entry_names(struct husk_load_pending *img, json_t *entry, struct husk_error *err)
{
        json_t *ann = json_object_get(entry, "annotations");
        static const char *const keys[] = { HUSK_ANNOTATION_CONTAINERD_NAME, HUSK_ANNOTATION_REF_NAME };
        char field[96];

        for (size_t k = 0; k < HUSK_ARRAY_SIZE(keys); k++) {
                json_t *v = json_object_get(ann, keys[k]);
                if (!json_is_string(v) || json_string_length(v) == 0)
                        continue;
                snprintf(field, sizeof(field), ".annotations[\"%s\"]", keys[k]);
                return husk_load_pending_add_name(img, json_string_value(v), field, err);
        }
        return 0;
}

int husk_load_oci(struct husk_store *s, struct husk_load_source *src, const struct husk_platform *platform,
                  struct husk_load_plan *plan, struct husk_error *err)
{
        struct oci_ctx c = { .store = s, .src = src, .platform = platform };
        const char *file = husk_load_source_what(src);
        _cleanup_free_ char *what = NULL;
        const char *json;
        size_t len, skipped = 0;
        json_error_t je;
        int r;

        if (husk_load_source_doc(src, "index.json", &json, &len) < 0)
                return husk_error_set(err, ENOENT,
                                      "%s: neither manifest.json (a Docker archive) nor index.json (an OCI layout) in it",
                                      file);
        r = check_layout_version(src, err);
        if (r < 0)
                return r;
        if (asprintf(&what, "%s: index.json", file) < 0)
                return husk_error_errno(err, ENOMEM, "%s", file);

        struct husk_index idx = { 0 };
        r = husk_index_parse(json, len, what, &idx, err);
        if (r < 0)
                return r;
        /* The annotations husk_index_parse does not keep (io.containerd.image.name). */
        _cleanup_json_ json_t *doc = json_loadb(json, len, 0, &je);
        json_t *entries = json_object_get(doc, "manifests");

        for (size_t i = 0; r >= 0 && i < idx.n_manifests; i++) {
                _cleanup_free_ char *img_what = NULL;
                char field[64];

                snprintf(field, sizeof(field), "index.json: manifests[%zu]", i);
                if (asprintf(&img_what, "%s: %s", file, field) < 0) {
                        r = husk_error_errno(err, ENOMEM, "%s", file);
                        break;
                }
                r = platform_matches(&c, &idx.manifests[i], img_what, err);
                if (r <= 0) {
                        skipped += r == 0;
                        continue;
                }
                struct husk_load_pending *img = husk_load_plan_add(plan, img_what);
                if (!img) {
                        r = husk_error_errno(err, ENOMEM, "%s", file);
                        break;
                }
                r = entry_names(img, json_array_get(entries, i), err);
                if (r >= 0)
                        r = resolve(&c, img, &idx.manifests[i], field, 0, err);
        }
        if (r >= 0 && plan->n_images == 0) {
                const struct husk_descriptor *sel;
                /* Every entry was for another platform: the index's own words say which it offers. */
                r = skipped ? husk_index_select(&idx, platform->os, platform->architecture, platform->variant, what,
                                                &sel, err)
                            : husk_error_set(err, ENOENT, "%s: no image in it", what);
                if (r >= 0)
                        r = husk_error_set(err, ENOENT, "%s: no image for this platform", what);
        }
        husk_index_free(&idx);
        return r;
}

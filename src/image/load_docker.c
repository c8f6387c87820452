/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Docker archive (`docker save`, `skopeo copy ... docker-archive:`): manifest.json names each image's
 * config and layer files, RepoTags its names. The images have no manifest blob: one is synthesised as
 * containers/image does and stored, and its digest is the image's manifest digest. Layer files may be
 * plain tars (docker save) or compressed (husk save, containers/image with compression kept); the blob
 * is the file as it is, the unpacker detects the compression.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/load_internal.h"
#include "util/cleanup.h"

static int load_image(struct husk_store *s, struct husk_load_source *src, const struct husk_docker_archive_image *ai,
                      size_t idx, struct husk_load_plan *plan, struct husk_error *err)
{
        const char *file = husk_load_source_what(src);
        _cleanup_free_ char *what = NULL;
        char field[96], config[HUSK_DIGEST_LEN];
        int64_t config_size;
        int r;

        if (asprintf(&what, "%s: manifest.json: [%zu]", file, idx) < 0)
                return husk_error_errno(err, ENOMEM, "%s", file);
        struct husk_load_pending *img = husk_load_plan_add(plan, what);
        if (!img)
                return husk_error_errno(err, ENOMEM, "%s", what);

        /* Names first: a bad one fails the load before any layer is unpacked. */
        for (size_t i = 0; ai->repo_tags[i]; i++) {
                snprintf(field, sizeof(field), ".RepoTags[%zu]", i);
                r = husk_load_pending_add_name(img, ai->repo_tags[i], field, err);
                if (r < 0)
                        return r;
        }

        snprintf(field, sizeof(field), "manifest.json: [%zu].Config", idx);
        r = husk_load_source_blob(src, ai->config, NULL, field, true, config, &config_size, err);
        if (r < 0)
                return r;
        r = husk_load_pending_set_config(s, img, config, ai->n_layers, err);
        if (r < 0)
                return r;

        _cleanup_free_ int64_t *sizes = calloc(ai->n_layers + 1, sizeof(int64_t));
        img->layer_blobs = calloc(ai->n_layers + 1, sizeof(char *));
        if (!sizes || !img->layer_blobs)
                return husk_error_errno(err, ENOMEM, "%s", what);
        for (size_t i = 0; i < ai->n_layers; i++) {
                char digest[HUSK_DIGEST_LEN];
                snprintf(field, sizeof(field), "manifest.json: [%zu].Layers[%zu]", idx, i);
                r = husk_load_source_blob(src, ai->layers[i], NULL, field, false, digest, &sizes[i], err);
                if (r < 0)
                        return r;
                img->layer_bytes += (uint64_t) sizes[i];
                img->layer_blobs[i] = strdup(digest);
                if (!img->layer_blobs[i])
                        return husk_error_errno(err, ENOMEM, "%s", what);
        }
        img->n_layers = ai->n_layers;

        _cleanup_free_ char *manifest = NULL;
        size_t manifest_len;
        r = husk_docker_manifest_synthesise(config, config_size, ai->n_layers, (const char *const *) img->layer_blobs,
                                            sizes, &manifest, &manifest_len, err);
        if (r < 0)
                return husk_error_prefix(err, "%s: ", what);
        return husk_blob_put(s, manifest, manifest_len, NULL, what, img->manifest, err);
}

int husk_load_docker(struct husk_store *s, struct husk_load_source *src, struct husk_load_plan *plan,
                     struct husk_error *err)
{
        _cleanup_free_ char *what = NULL;
        struct husk_docker_archive a = { 0 };
        const char *json;
        size_t len;
        int r;

        if (husk_load_source_doc(src, "manifest.json", &json, &len) < 0)
                return husk_error_set(err, ENOENT, "%s: no manifest.json", husk_load_source_what(src));
        if (asprintf(&what, "%s: manifest.json", husk_load_source_what(src)) < 0)
                return husk_error_errno(err, ENOMEM, "%s", husk_load_source_what(src));
        r = husk_docker_archive_parse(json, len, what, &a, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < a.n_images && r >= 0; i++)
                r = load_image(s, src, &a.images[i], i, plan, err);
        husk_docker_archive_free(&a);
        return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk save`: images of the store out as a Docker archive (manifest.json, "<hex>.json" configs,
 * "<hex>.tar" layers: what docker load, podman load and skopeo's docker-archive: read) or an OCI layout
 * (a tar of one, or a directory). Blobs are written exactly as stored, compressed layers included:
 * docker load and containers/image decompress layer files themselves. An image named on the command line
 * by one of its names is saved with that name, one named by id without names (as docker save does).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/manifest.h"
#include "image/reference.h"
#include "image/save_writer.h"
#include "image/transfer_internal.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

struct saved {
        struct husk_image img;
        struct husk_manifest m;
        int64_t manifest_size;
        char **names;           /* NULL-terminated: the names it was asked for by */
        size_t n_names;
};

struct save_set {
        struct saved *v;
        size_t n;
};

static void save_set_free(struct save_set *set)
{
        for (size_t i = 0; i < set->n; i++) {
                husk_image_free(&set->v[i].img);
                husk_manifest_free(&set->v[i].m);
                husk_strv_free(set->v[i].names);
        }
        free(set->v);
}

/* The normalised name arg means, if it is one of img's names (not an id or a digest reference). */
static char *name_of(const char *arg, const struct husk_image *img)
{
        _cleanup_(husk_reference_freep) struct husk_reference ref = { 0 };
        _cleanup_free_ char *norm = NULL;

        if (husk_reference_parse(arg, &ref, NULL) < 0 || ref.digest)
                return NULL;
        norm = husk_reference_string(&ref);
        for (size_t i = 0; norm && img->names && img->names[i]; i++)
                if (strcmp(img->names[i], norm) == 0)
                        return steal_ptr(norm);
        return NULL;
}

static int add_name(struct saved *sv, char *name)
{
        for (size_t i = 0; i < sv->n_names; i++)
                if (strcmp(sv->names[i], name) == 0) {
                        free(name);
                        return 0;
                }
        char **v = realloc(sv->names, (sv->n_names + 2) * sizeof(char *));
        if (!v) {
                free(name);
                return -ENOMEM;
        }
        sv->names = v;
        v[sv->n_names++] = name;
        v[sv->n_names] = NULL;
        return 0;
}

static int collect(struct husk_store *s, const char *arg, struct save_set *set, struct husk_error *err)
{
        struct husk_image img = { 0 };
        int r = husk_store_image_lookup(s, arg, &img, err);

        if (r < 0)
                return r;
        struct saved *sv = NULL;
        for (size_t i = 0; i < set->n && !sv; i++)
                if (strcmp(set->v[i].img.id, img.id) == 0)
                        sv = &set->v[i];
        if (sv) {
                husk_image_free(&img);
        } else {
                struct saved *v = realloc(set->v, (set->n + 1) * sizeof(*v));
                if (!v) {
                        husk_image_free(&img);
                        return husk_error_errno(err, ENOMEM, "save %s", arg);
                }
                set->v = v;
                sv = &v[set->n++];
                *sv = (struct saved){ .img = img };
                sv->names = calloc(1, sizeof(char *));
                if (!sv->names)
                        return husk_error_errno(err, ENOMEM, "save %s", arg);

                _cleanup_free_ char *json = NULL, *what = NULL;
                size_t len;
                r = husk_blob_read(s, img.manifest, HUSK_TRANSFER_DOC_MAX, &json, &len, err);
                if (r < 0)
                        return husk_error_prefix(err, "save %s: ", arg);
                if (asprintf(&what, "manifest %s of %s", img.manifest, arg) < 0)
                        return husk_error_errno(err, ENOMEM, "save %s", arg);
                r = husk_manifest_parse(json, len, what, &sv->m, err);
                if (r < 0)
                        return r;
                sv->manifest_size = (int64_t) len;
        }
        char *name = name_of(arg, &sv->img);
        if (name && add_name(sv, name) < 0)
                return husk_error_errno(err, ENOMEM, "save %s", arg);
        return 0;
}

/* The blob under prefix + its hex + suffix ("blobs/sha256/<hex>", "<hex>.tar"). */
static int add_named_blob(struct husk_save_writer *w, struct husk_store *s, const char *prefix, const char *digest,
                          const char *suffix, char **ret_name, struct husk_error *err)
{
        _cleanup_free_ char *name = NULL;

        if (asprintf(&name, "%s%s%s", prefix, husk_digest_hex(digest), suffix) < 0)
                return husk_error_errno(err, ENOMEM, "save");
        int r = husk_save_writer_add_blob(w, s, name, digest, err);
        if (r >= 0 && ret_name)
                *ret_name = steal_ptr(name);
        return r;
}

static int add_json(struct husk_save_writer *w, const char *name, json_t *doc, struct husk_error *err)
{
        _cleanup_free_ char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

        if (!text)
                return husk_error_errno(err, ENOMEM, "save: %s", name);
        return husk_save_writer_add(w, name, text, strlen(text), err);
}

/* Docker archive: "<hex>.json" configs, "<hex>.tar" layers, manifest.json last (as docker save). */
static int write_docker(struct husk_store *s, const struct save_set *set, struct husk_save_writer *w,
                        struct husk_error *err)
{
        _cleanup_json_ json_t *manifest = json_array();
        int r;

        if (!manifest)
                return husk_error_errno(err, ENOMEM, "save");
        for (size_t i = 0; i < set->n; i++) {
                const struct saved *sv = &set->v[i];
                _cleanup_free_ char *config = NULL;
                json_t *layers = json_array(), *tags = sv->n_names ? json_array() : json_null();
                json_t *entry = json_pack("{s:o?, s:o?, s:o?}", "Config", NULL, "RepoTags", tags, "Layers", layers);

                if (!entry || json_array_append_new(manifest, entry) < 0)
                        return husk_error_errno(err, ENOMEM, "save");
                r = add_named_blob(w, s, "", sv->m.config.digest, ".json", &config, err);
                if (r < 0)
                        return r;
                if (json_object_set_new(entry, "Config", json_string(config)) < 0)
                        return husk_error_errno(err, ENOMEM, "save");
                for (size_t j = 0; j < sv->n_names; j++)
                        if (json_array_append_new(tags, json_string(sv->names[j])) < 0)
                                return husk_error_errno(err, ENOMEM, "save");
                for (size_t j = 0; j < sv->m.n_layers; j++) {
                        _cleanup_free_ char *layer = NULL;
                        r = add_named_blob(w, s, "", sv->m.layers[j].digest, ".tar", &layer, err);
                        if (r < 0)
                                return r;
                        if (json_array_append_new(layers, json_string(layer)) < 0)
                                return husk_error_errno(err, ENOMEM, "save");
                }
        }
        return add_json(w, "manifest.json", manifest, err);
}

/* The tag of a normalised name ("docker.io/library/busybox:latest" -> "latest"). */
static const char *tag_of(const char *name)
{
        const char *colon = strrchr(name, ':'), *slash = strrchr(name, '/');

        return colon && (!slash || colon > slash) ? colon + 1 : name;
}

static json_t *index_entry(const struct saved *sv, const char *name)
{
        json_t *e = json_pack("{s:s, s:s, s:I}", "mediaType", sv->m.media_type, "digest", sv->img.manifest, "size",
                              (json_int_t) sv->manifest_size);

        if (e && name &&
            json_object_set_new(e, "annotations",
                                json_pack("{s:s, s:s}", HUSK_ANNOTATION_CONTAINERD_NAME, name, HUSK_ANNOTATION_REF_NAME,
                                          tag_of(name))) < 0) {
                json_decref(e);
                return NULL;
        }
        return e;
}

/* OCI layout: every blob under blobs/sha256/, index.json with an entry per name (as docker save 25+:
   io.containerd.image.name the full name, ref.name its tag), oci-layout. */
static int write_oci(struct husk_store *s, const struct save_set *set, struct husk_save_writer *w,
                     struct husk_error *err)
{
        _cleanup_json_ json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", HUSK_MT_OCI_INDEX,
                                                 "manifests");
        json_t *manifests = json_object_get(index, "manifests");
        int r;

        if (!index)
                return husk_error_errno(err, ENOMEM, "save");
        r = husk_save_writer_add(w, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, err);
        for (size_t i = 0; r >= 0 && i < set->n; i++) {
                const struct saved *sv = &set->v[i];
                r = add_named_blob(w, s, "blobs/sha256/", sv->img.manifest, "", NULL, err);
                if (r >= 0)
                        r = add_named_blob(w, s, "blobs/sha256/", sv->m.config.digest, "", NULL, err);
                for (size_t j = 0; r >= 0 && j < sv->m.n_layers; j++)
                        r = add_named_blob(w, s, "blobs/sha256/", sv->m.layers[j].digest, "", NULL, err);
                for (size_t j = 0; r >= 0 && (j < sv->n_names || (j == 0 && sv->n_names == 0)); j++)
                        if (json_array_append_new(manifests, index_entry(sv, sv->n_names ? sv->names[j] : NULL)) < 0)
                                r = husk_error_errno(err, ENOMEM, "save");
        }
        if (r < 0)
                return r;
        return add_json(w, "index.json", index, err);
}

int husk_image_save(struct husk_store *s, const char *const *images, enum husk_archive_format format,
                    const char *path, struct husk_error *err)
{
        struct save_set set = { 0 };
        _cleanup_(husk_save_writer_freep) struct husk_save_writer *w = NULL;
        int r = 0;

        if (!images || !images[0])
                return husk_error_set(err, EINVAL, "save: no image given");
        for (size_t i = 0; r >= 0 && images[i]; i++)
                r = collect(s, images[i], &set, err);
        if (r >= 0)
                r = husk_save_writer_new(path, format == HUSK_ARCHIVE_OCI_DIR, &w, err);
        if (r >= 0)
                r = format == HUSK_ARCHIVE_DOCKER ? write_docker(s, &set, w, err) : write_oci(s, &set, w, err);
        if (r >= 0)
                r = husk_save_writer_finish(w, err);
        save_set_free(&set);
        return r;
}

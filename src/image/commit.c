/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk commit` in the store (commit.h): the upper layer written as a tar straight into a blob writer
 * (never a temporary file), unpacked as a layer like any other, a config derived from the base image's
 * and an OCI manifest listing the base's layers and the new one. As `docker commit`: the layer is
 * stored uncompressed (its digest is its diff_id; a push compresses), the config's Cmd, Env... are the
 * container's, then the -c changes.
 */
#include <archive.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "image/commit.h"
#include "image/manifest.h"
#include "image/transfer_internal.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

struct blob_sink {
        struct husk_blob_writer *w;
        struct husk_error err;          /* the writer's own error, kept for the caller */
        int64_t size;
};

static la_ssize_t sink_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
        struct blob_sink *sink = ctx;

        if (husk_blob_writer_write(sink->w, buf, len, &sink->err) < 0) {
                archive_set_error(a, sink->err.code, "%s", sink->err.msg);
                return -1;
        }
        sink->size += (int64_t) len;
        return (la_ssize_t) len;
}

static void archive_write_freep(struct archive **a)
{
        if (*a)
                (void) archive_write_free(*a);
}

/* The upper layer as a tar blob: its digest (= its diff_id, uncompressed) and size. */
static int layer_blob(struct husk_store *s, int upper_fd, const struct husk_tree_tar_opts *tar,
                      char ret_digest[static HUSK_DIGEST_LEN], int64_t *ret_size, struct husk_error *err)
{
        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = NULL;
        int r = husk_blob_writer_new(s, NULL, -1, "the container's layer", &w, err);
        if (r < 0)
                return r;
        struct blob_sink sink = { .w = w };
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        if (!a)
                return husk_error_errno(err, ENOMEM, "the container's layer");
        /* PAX: long names, xattrs (file capabilities) and nanosecond times, as Docker's layers. */
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
            archive_write_open(a, &sink, NULL, sink_write, NULL) != ARCHIVE_OK)
                return husk_error_set(err, EIO, "the container's layer: %s", archive_error_string(a));
        struct husk_tree_tar_opts o = tar ? *tar : (struct husk_tree_tar_opts) { 0 };
        o.oci_whiteouts = true;
        o.xattrs = true;
        /* A container never started has no upper layer: an empty one, as docker commits. */
        r = upper_fd < 0 ? 0 : husk_tree_tar_write(a, upper_fd, "", &o, "the container's layer", err);
        if (r < 0)
                return sink.err.code ? (*err = sink.err, -sink.err.code) : r;
        if (archive_write_close(a) != ARCHIVE_OK)
                return sink.err.code ? (*err = sink.err, -sink.err.code)
                                     : husk_error_set(err, EIO, "the container's layer: %s", archive_error_string(a));
        *ret_size = sink.size;
        return husk_blob_writer_commit(w, ret_digest, err);
}

/* Env merged by name: the container's KEY=value replaces the image's KEY, new ones are appended. */
static int merge_env(json_t *config, const json_t *env, struct husk_error *err)
{
        json_t *cur = json_object_get(config, "Env");
        size_t i, j;
        json_t *v, *c;

        if (!json_is_array(cur)) {
                cur = json_array();
                if (!cur || json_object_set_new(config, "Env", cur) < 0)
                        return husk_error_errno(err, ENOMEM, "commit: Env");
        }
        json_array_foreach(env, i, v) {
                const char *kv = json_string_value(v);
                if (!kv)
                        continue;
                size_t klen = strcspn(kv, "=");
                bool replaced = false;
                json_array_foreach(cur, j, c) {
                        const char *old = json_string_value(c);
                        if (old && strncmp(old, kv, klen) == 0 && (old[klen] == '=' || old[klen] == '\0')) {
                                (void) json_array_set(cur, j, v);
                                replaced = true;
                                break;
                        }
                }
                if (!replaced && json_array_append(cur, v) < 0)
                        return husk_error_errno(err, ENOMEM, "commit: Env");
        }
        return 0;
}

/* The base config with the container's settings, the changes, the new layer and a history entry. */
static int new_config(json_t *cfg, const char *diffid, const struct husk_commit_opts *o, struct husk_error *err)
{
        char created[40];
        json_t *config = json_object_get(cfg, "config");
        const char *key;
        json_t *v;

        husk_import_now_rfc3339(created);
        if (!json_is_object(config)) {
                config = json_object();
                if (!config || json_object_set_new(cfg, "config", config) < 0)
                        return husk_error_errno(err, ENOMEM, "commit: config");
        }
        if (o->container_config) {
                json_object_foreach((json_t *) o->container_config, key, v) {
                        int r = strcmp(key, "Env") == 0 ? merge_env(config, v, err)
                                : json_object_set(config, key, v) < 0 ? husk_error_errno(err, ENOMEM, "commit: %s", key)
                                                                      : 0;
                        if (r < 0)
                                return r;
                }
        }
        int r = husk_import_apply_changes(config, o->changes, err);
        if (r < 0)
                return r;
        json_t *rootfs = json_object_get(cfg, "rootfs");
        json_t *ids = json_object_get(rootfs, "diff_ids");
        if (!json_is_array(ids))
                return husk_error_set(err, EINVAL, "commit: the image's config has no rootfs.diff_ids");
        json_t *hist = json_object_get(cfg, "history");
        if (!json_is_array(hist)) {
                hist = json_array();
                if (!hist || json_object_set_new(cfg, "history", hist) < 0)
                        return husk_error_errno(err, ENOMEM, "commit: history");
        }
        json_t *h = json_pack("{s:s, s:s*, s:s, s:s*}", "created", created, "author", o->author, "created_by",
                              o->created_by ? o->created_by : "", "comment", o->message);
        if (!h || json_array_append_new(hist, h) < 0 || json_array_append_new(ids, json_string(diffid)) < 0 ||
            json_object_set_new(cfg, "created", json_string(created)) < 0 ||
            (o->author && json_object_set_new(cfg, "author", json_string(o->author)) < 0))
                return husk_error_errno(err, ENOMEM, "commit: config");
        return 0;
}

/* A base layer's descriptor under an OCI manifest: Docker's layer types named by their OCI twins. */
static const char *oci_layer_type(const char *t)
{
        if (strcmp(t, HUSK_MT_DOCKER_LAYER_GZIP) == 0)
                return HUSK_MT_OCI_LAYER_GZIP;
        if (strcmp(t, "application/vnd.docker.image.rootfs.diff.tar") == 0)
                return HUSK_MT_OCI_LAYER;
        return t;
}

static void manifest_done(struct husk_manifest *m)
{
        husk_manifest_free(m);
}

static void image_done(struct husk_image *img)
{
        husk_image_free(img);
}

static int new_manifest(const struct husk_manifest *base, const char *config, int64_t config_size,
                        const char *layer, int64_t layer_size, json_t **ret, struct husk_error *err)
{
        _cleanup_json_ json_t *layers = json_array();
        if (!layers)
                return husk_error_errno(err, ENOMEM, "commit: manifest");
        for (size_t i = 0; i < base->n_layers; i++) {
                const struct husk_descriptor *d = &base->layers[i];
                if (json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType",
                                                            oci_layer_type(d->media_type), "digest", d->digest,
                                                            "size", (json_int_t) d->size)) < 0)
                        return husk_error_errno(err, ENOMEM, "commit: manifest");
        }
        if (json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType", HUSK_MT_OCI_LAYER, "digest",
                                                    layer, "size", (json_int_t) layer_size)) < 0)
                return husk_error_errno(err, ENOMEM, "commit: manifest");
        *ret = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion", 2, "mediaType", HUSK_MT_OCI_MANIFEST,
                         "config", "mediaType", HUSK_MT_OCI_CONFIG, "digest", config, "size",
                         (json_int_t) config_size, "layers", layers);
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "commit: manifest");
}

/* The base image's manifest and config (a JSON document to derive the new one from). */
static int read_base(struct husk_store *s, const struct husk_image *img, struct husk_manifest *ret_m,
                     json_t **ret_cfg, struct husk_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = husk_blob_read(s, img->manifest, HUSK_TRANSFER_DOC_MAX, &text, &len, err);
        if (r < 0)
                return r;
        r = husk_manifest_parse(text, len, img->manifest, ret_m, err);
        if (r < 0)
                return r;
        free(steal_ptr(text));
        r = husk_blob_read(s, img->id, HUSK_TRANSFER_DOC_MAX, &text, &len, err);
        if (r < 0)
                return r;
        json_error_t je;
        *ret_cfg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(*ret_cfg))
                return husk_error_set(err, EINVAL, "config %s: %s", img->id, je.text);
        return 0;
}

int husk_image_commit(struct husk_store *s, const char *base_image, int upper_fd, const struct husk_commit_opts *o,
                      char ret_id[static HUSK_DIGEST_LEN], struct husk_error *err)
{
        _cleanup_free_ char *name = NULL;
        int r;

        /* The name and the changes checked before any work, so a typo costs nothing. */
        r = husk_import_check(o->name, o->changes, &name, err);
        if (r < 0)
                return r;

        _cleanup_(image_done) struct husk_image img = { 0 };
        _cleanup_(manifest_done) struct husk_manifest base = { 0 };
        _cleanup_json_ json_t *cfg = NULL;
        r = husk_store_image_lookup(s, base_image, &img, err);
        if (r < 0)
                return r;
        r = read_base(s, &img, &base, &cfg, err);
        if (r < 0)
                return r;
        size_t n_layers = 0;
        while (img.layers[n_layers])
                n_layers++;
        if (base.n_layers != n_layers)
                return husk_error_set(err, EINVAL, "image %s: its manifest has %zu layers, its record %zu", img.id,
                                      base.n_layers, n_layers);

        char blob[HUSK_DIGEST_LEN], config[HUSK_DIGEST_LEN], manifest[HUSK_DIGEST_LEN];
        int64_t blob_size = 0, config_size = 0;
        r = layer_blob(s, upper_fd, o->tar, blob, &blob_size, err);
        if (r < 0)
                return r;
        struct husk_layer_info layer;
        r = husk_store_layer_ensure(s, blob, blob, "the container's layer", &layer, err);
        if (r < 0)
                return r;
        r = new_config(cfg, layer.diffid, o, err);
        if (r < 0)
                return r;
        r = husk_import_put_json(s, cfg, "the new config", config, &config_size, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *m = NULL;
        r = new_manifest(&base, config, config_size, blob, blob_size, &m, err);
        if (r < 0)
                return r;
        r = husk_import_put_json(s, m, "the new manifest", manifest, NULL, err);
        if (r < 0)
                return r;

        _cleanup_free_ const char **ids = calloc(n_layers + 2, sizeof(char *));
        if (!ids)
                return husk_error_errno(err, ENOMEM, "commit");
        for (size_t i = 0; i < n_layers; i++)
                ids[i] = img.layers[i];
        ids[n_layers] = layer.diffid;
        struct husk_image rec = { 0 };
        r = husk_store_image_add(s, manifest, ids, name, &rec, err);
        if (r < 0)
                return husk_error_prefix(err, "commit: ");
        husk_image_free(&rec);
        memcpy(ret_id, config, HUSK_DIGEST_LEN);
        return 0;
}

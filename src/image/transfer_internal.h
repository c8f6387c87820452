/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by load*.c, import.c and save*.c (transfer.h): the pure parts (Docker archive manifest.json,
 * the manifest synthesised for a Docker archive image, names from OCI annotations, archive paths) and
 * the archive source a load reads from.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <archive.h>
#include <jansson.h>

#include "image/manifest.h"
#include "image/store.h"
#include "image/transfer.h"
#include "util/error.h"

/* Limit of the small documents read whole (manifest.json, index.json, manifests, configs). */
#define HUSK_TRANSFER_DOC_MAX (16u << 20)

#define HUSK_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define HUSK_ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"

/* libarchive readers freed by a cleanup attribute. */
static inline void husk_archive_read_freep(struct archive **a)
{
        if (*a)
                (void) archive_read_free(*a);
}

/* ---- archive paths (docker_archive.c) ---- */

/*
 * A member name of an archive or a path given in manifest.json, made canonical: leading "/" and "./"
 * dropped, "//" and "/./" collapsed, a trailing "/" dropped. ".." anywhere or an empty result: -EINVAL.
 * Caller frees *ret.
 */
int husk_archive_path_clean(const char *path, char **ret);

/* ---- Docker archives: manifest.json (docker_archive.c) ---- */

struct husk_docker_archive_image {
        char *config;           /* canonical archive path of the config */
        char **repo_tags;       /* NULL-terminated, as written (not normalised); may be empty */
        char **layers;          /* NULL-terminated canonical archive paths, base first */
        size_t n_layers;
};

struct husk_docker_archive {
        struct husk_docker_archive_image *images;
        size_t n_images;
};

/* Parse manifest.json of a Docker archive. what names it in errors ("busybox.tar: manifest.json"). */
int husk_docker_archive_parse(const char *json, size_t len, const char *what, struct husk_docker_archive *ret,
                              struct husk_error *err);
void husk_docker_archive_free(struct husk_docker_archive *a);

/*
 * The Docker schema 2 manifest of an image that came without one (a Docker archive), serialised as
 * containers/image's Schema2FromComponents does (compact, fields in Go's order), so that the same config
 * and layers give the same manifest digest as podman's. Layers get the Docker gzip layer type whatever
 * their compression, as there: the type says "a Docker layer", the unpacker reads the magic.
 */
int husk_docker_manifest_synthesise(const char *config_digest, int64_t config_size, size_t n_layers,
                                    const char *const *layer_digests, const int64_t *layer_sizes, char **ret,
                                    size_t *ret_len, struct husk_error *err);

/* ---- import --change (import_change.c) ---- */

/*
 * Dockerfile instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR; the
 * keyword in any case) applied to config, the "config" object of an image config, in order. An unknown
 * instruction or bad argument is an error quoting the change.
 */
int husk_import_apply_changes(json_t *config, const char *const *changes, struct husk_error *err);

/* An image name (normalised into *ret_name, NULL when name is NULL; caller frees) and --change
 * instructions checked before any work (import, commit). */
int husk_import_check(const char *name, const char *const *changes, char **ret_name, struct husk_error *err);

/* Now in RFC 3339, UTC, with nanoseconds, as Go's time.Time marshals (import.c; commit.c too). */
void husk_import_now_rfc3339(char buf[static 40]);
/* doc serialised compactly in its key order and stored as a blob; its size to ret_size (may be NULL). */
int husk_import_put_json(struct husk_store *s, json_t *doc, const char *what, char ret_digest[static HUSK_DIGEST_LEN],
                         int64_t *ret_size, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing of untrusted image metadata (OCI image-spec manifest.md, image-index.md, config.md, and
 * Docker's schema 2 equivalents): manifests, indexes/manifest lists, image configs. Every error names the
 * document and the field ("manifest sha256:ab..: layers[1].mediaType: unsupported ..."). Pure: no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "util/error.h"

#define HUSK_MT_OCI_MANIFEST      "application/vnd.oci.image.manifest.v1+json"
#define HUSK_MT_OCI_INDEX         "application/vnd.oci.image.index.v1+json"
#define HUSK_MT_OCI_CONFIG        "application/vnd.oci.image.config.v1+json"
#define HUSK_MT_OCI_LAYER         "application/vnd.oci.image.layer.v1.tar"
#define HUSK_MT_OCI_LAYER_GZIP    "application/vnd.oci.image.layer.v1.tar+gzip"
#define HUSK_MT_OCI_LAYER_ZSTD    "application/vnd.oci.image.layer.v1.tar+zstd"
#define HUSK_MT_DOCKER_MANIFEST   "application/vnd.docker.distribution.manifest.v2+json"
#define HUSK_MT_DOCKER_LIST       "application/vnd.docker.distribution.manifest.list.v2+json"
#define HUSK_MT_DOCKER_CONFIG     "application/vnd.docker.container.image.v1+json"
#define HUSK_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

struct husk_descriptor {
        char *media_type;
        char digest[HUSK_DIGEST_LEN];
        int64_t size;
        /* platform (index entries only; NULL otherwise) */
        char *os, *architecture, *variant;
        char *ref_name;         /* annotations["org.opencontainers.image.ref.name"], may be NULL */
};

struct husk_manifest {
        char *media_type;               /* OCI or Docker schema 2 manifest */
        struct husk_descriptor config;
        struct husk_descriptor *layers;
        size_t n_layers;
};

struct husk_index {
        char *media_type;               /* OCI index or Docker manifest list */
        struct husk_descriptor *manifests;
        size_t n_manifests;
};

/* The parts of an image config (config.md) the store and the engine use. */
struct husk_image_config {
        char *os, *architecture, *variant, *created;
        char **diff_ids;                /* rootfs.diff_ids, NULL-terminated */
        size_t n_diff_ids;
        /* config.* (the engine's defaults); each may be NULL */
        char *user, *working_dir, *stop_signal;
        char **env, **entrypoint, **cmd;   /* NULL-terminated */
        char **exposed_ports;              /* "80/tcp", NULL-terminated */
        char **volumes;                    /* NULL-terminated */
        bool has_entrypoint, has_cmd;      /* set even when the array is empty or null in JSON */
};

/* What kind of document this is: from mediaType, else from its shape. what names it in errors. */
enum husk_doc_kind { HUSK_DOC_MANIFEST, HUSK_DOC_INDEX };
int husk_doc_kind(const char *json, size_t len, const char *what, enum husk_doc_kind *ret, struct husk_error *err);

int husk_manifest_parse(const char *json, size_t len, const char *what, struct husk_manifest *ret,
                        struct husk_error *err);
void husk_manifest_free(struct husk_manifest *m);

int husk_index_parse(const char *json, size_t len, const char *what, struct husk_index *ret, struct husk_error *err);
void husk_index_free(struct husk_index *idx);
/*
 * The manifest of an index for a platform (NULL fields: this host's os/architecture; variant matched
 * when given, and for arm the host's). -ENOENT naming the platform and listing what the index offers.
 */
int husk_index_select(const struct husk_index *idx, const char *os, const char *architecture, const char *variant,
                      const char *what, const struct husk_descriptor **ret, struct husk_error *err);
/* This host's platform in Go's names ("linux", "amd64", NULL or "v8"). */
void husk_platform_host(const char **ret_os, const char **ret_arch, const char **ret_variant);

int husk_image_config_parse(const char *json, size_t len, const char *what, struct husk_image_config *ret,
                            struct husk_error *err);
void husk_image_config_free(struct husk_image_config *c);

void husk_descriptor_free(struct husk_descriptor *d);

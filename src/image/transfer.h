/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images in and out of the store without a network: OCI image layouts (a directory, or a tar of one:
 * oci-archive), Docker archives (`docker save`: manifest.json + repositories), and a plain root
 * filesystem tarball as a one-layer image. Indexes and manifest lists pick the manifest for a platform.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "image/store.h"
#include "util/error.h"

struct husk_platform {
        const char *os;           /* NULL: this host's ("linux") */
        const char *architecture; /* NULL: this host's, in Go's names ("amd64", "arm64") */
        const char *variant;      /* NULL: any (or the host's for arm) */
};

/* Progress of a long operation; called from the calling thread. NULL: none. */
struct husk_progress {
        void (*update)(void *ctx, const char *what, uint64_t done, uint64_t total /* 0: unknown */);
        void *ctx;
};

struct husk_load_opts {
        struct husk_platform platform;
        const char *name;                 /* import: the name to give; load: an extra tag (may be NULL) */
        const struct husk_progress *progress;
        /* load: called once per name of each image loaded (name NULL for an image without one), after
           every record is added, so a caller can say what it loaded as docker load does. May be NULL. */
        void (*loaded)(void *ctx, const char *id, const char *name);
        void *loaded_ctx;
        /* import only */
        const char *message;              /* the history entry's comment (NULL: "imported from FILE") */
        const char *const *changes;       /* Dockerfile instructions applied to the config ("CMD [\"sh\"]",
                                             "ENV A=b"), NULL-terminated; NULL: none */
};

/*
 * `husk load -i FILE`: FILE is a Docker archive or an OCI archive (a tar, optionally gzip/zstd), or a
 * directory holding an OCI layout; detected from its contents. Every image in it is added with its
 * names (Docker: RepoTags; OCI: org.opencontainers.image.ref.name annotations). ret_ids gets the ids.
 * Nothing becomes visible until its blobs are verified and layers unpacked.
 */
int husk_image_load(struct husk_store *s, const char *path, const struct husk_load_opts *opts, char ***ret_ids,
                    struct husk_error *err);

/* `husk import FILE NAME`: a root filesystem tarball (optionally compressed; "-" is stdin). */
int husk_image_import(struct husk_store *s, const char *path, const struct husk_load_opts *opts,
                      char ret_id[static HUSK_DIGEST_LEN], struct husk_error *err);

enum husk_archive_format {
        HUSK_ARCHIVE_DOCKER,     /* docker-archive: what `docker load`, `podman load` take */
        HUSK_ARCHIVE_OCI,        /* oci-archive: a tar of an OCI image layout */
        HUSK_ARCHIVE_OCI_DIR,    /* an OCI image layout directory */
};

/* `husk save -o FILE IMAGE...`: written to a temporary name and renamed, so FILE is whole or absent. */
int husk_image_save(struct husk_store *s, const char *const *images, enum husk_archive_format format,
                    const char *path, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk commit`: a container's upper layer becomes a new layer on top of its image's, with a new config
 * (Docker's: the container's settings, -c changes, one more history entry) and an OCI manifest, stored
 * and named as an image of its own.
 */
#pragma once

#include <jansson.h>

#include "image/store.h"
#include "image/tree_tar.h"
#include "util/error.h"

struct husk_commit_opts {
        const char *name;               /* REPOSITORY[:TAG]; NULL: an untagged image */
        const char *author;             /* the config's "author" and the history entry's; may be NULL */
        const char *message;            /* the history entry's comment; may be NULL */
        const char *const *changes;     /* Dockerfile instructions (import's --change set), NULL-terminated */
        const char *created_by;         /* the history entry's created_by (the container's command) */
        /* Keys of the config's "config" that the container set (Cmd, Entrypoint, WorkingDir, User:
         * replaced; Env: merged by name, as the container's environment was). NULL: none. */
        const json_t *container_config;
        /* How the upper layer is read: what to leave out (the mount points a start made). */
        const struct husk_tree_tar_opts *tar;
};

/*
 * The tree at upper_fd (an overlay upper directory: its whiteouts and opaque directories become OCI
 * ".wh." entries) as an uncompressed layer blob over base_image's layers. Nothing is recorded unless
 * the whole image is: a failure leaves at most unreferenced blobs and a layer for GC. The changes and
 * the name are checked before any work.
 */
int husk_image_commit(struct husk_store *s, const char *base_image, int upper_fd, const struct husk_commit_opts *opts,
                      char ret_id[static HUSK_DIGEST_LEN], struct husk_error *err);

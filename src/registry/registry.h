/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry client (OCI distribution-spec): what the `husk` binary's pull, push, login and logout
 * call. Names are normalised as Docker does (image/reference.h); where a repository is fetched from
 * (mirrors, insecure registries) is registries_conf.h's; credentials come from auth_file.h's files.
 */
#pragma once

#include <stdbool.h>

#include "image/store.h"
#include "image/transfer.h"
#include "registry/auth_file.h"
#include "util/error.h"

struct husk_registry_opts {
        const char *authfile;                   /* NULL: the default files (auth_file.h) */
        const struct husk_credentials *creds;   /* --creds; NULL: from the files */
        int tls_verify;                         /* -1: default (verified unless an insecure registry), 0, 1 */
        const char *registries_conf;            /* NULL: $HUSK_REGISTRIES_CONF or /etc/husk/registries.json */
        const struct husk_progress *progress;   /* per layer/blob; NULL: none */
};

struct husk_pull_opts {
        struct husk_registry_opts reg;
        struct husk_platform platform;
        unsigned parallel;                      /* layers downloaded at once; 0: 3 */
};

struct husk_pull_result {
        char id[HUSK_DIGEST_LEN];               /* the image (config digest) */
        char digest[HUSK_DIGEST_LEN];           /* the manifest's */
        char *name;                             /* "docker.io/library/busybox:latest" (NULL for a digest pull) */
        char *repository;                       /* "docker.io/library/busybox" */
        bool downloaded;                        /* false: everything was in the store already */
};
void husk_pull_result_free(struct husk_pull_result *r);

/*
 * `husk pull NAME[:TAG|@DIGEST]`: resolve on the first endpoint that answers (mirrors first), verify
 * every document and blob by digest, download missing layers in parallel each straight into the store
 * (husk_store_layer_ingest: one pass), and record the image under its name last: a failure leaves no
 * image record and no unverified blob or layer.
 */
int husk_registry_pull(struct husk_store *s, const char *ref, const struct husk_pull_opts *opts,
                       struct husk_pull_result *ret, struct husk_error *err);

struct husk_push_opts {
        struct husk_registry_opts reg;
        uint64_t chunk_size;                    /* blobs larger than this go up in PATCH chunks of this size;
                                                   0: 64 MiB */
};

enum husk_push_how { HUSK_PUSH_UPLOADED, HUSK_PUSH_CHUNKED, HUSK_PUSH_MOUNTED, HUSK_PUSH_EXISTS };

struct husk_push_blob {
        char digest[HUSK_DIGEST_LEN];
        enum husk_push_how how;
        char *from;                             /* MOUNTED: the repository it came from */
        bool config;
};

struct husk_push_result {
        char digest[HUSK_DIGEST_LEN];           /* the manifest's, as pushed */
        char *name;                             /* where it went */
        char *repository;                       /* "127.0.0.1:5000/x/y" */
        uint64_t manifest_size;
        struct husk_push_blob *blobs;           /* layers in order, then the config */
        size_t n_blobs;
};
void husk_push_result_free(struct husk_push_result *r);

/*
 * `husk push IMAGE [DEST]`: IMAGE from the store (name or id); DEST (default IMAGE's name) a name with a
 * tag. Blobs the registry has are skipped (HEAD); others mounted from another repository of the same
 * registry the image is known under, else uploaded (monolithic, or chunked above chunk_size); the
 * manifest is put last, byte for byte as stored.
 */
int husk_registry_push(struct husk_store *s, const char *image, const char *dest, const struct husk_push_opts *opts,
                       struct husk_push_result *ret, struct husk_error *err);

/*
 * `husk login`: check the credentials against server ("docker.io" when NULL; a name as typed, scheme
 * and path dropped) and store them (authfile NULL: husk's own file). ret_key gets the key written.
 */
int husk_registry_login(const char *server, const struct husk_credentials *creds, const struct husk_registry_opts *opts,
                        char **ret_key, struct husk_error *err);
/* `husk logout`: remove the entry; -ENOENT "not logged in to X". */
int husk_registry_logout(const char *server, const char *authfile, char **ret_key, struct husk_error *err);

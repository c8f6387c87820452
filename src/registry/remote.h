/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image as a registry serves it: a tag or digest resolved to the manifest for a platform (through
 * an OCI index or Docker manifest list when there is one), each document verified against its digest.
 */
#pragma once

#include "image/digest.h"
#include "image/manifest.h"
#include "image/transfer.h"
#include "registry/session.h"

/* Manifests and indexes are small; a bigger answer is refused rather than read. */
#define HUSK_MANIFEST_MAX (4u << 20)

/* What every manifest request accepts. */
extern const char husk_manifest_accept[];

struct husk_remote_image {
        char digest[HUSK_DIGEST_LEN];           /* the manifest's */
        char index_digest[HUSK_DIGEST_LEN];     /* the index it was chosen from, "" when none */
        char *manifest;                         /* its bytes, as served */
        size_t manifest_len;
        struct husk_manifest m;
};
void husk_remote_image_free(struct husk_remote_image *r);

/* reference: a tag or "sha256:..." digest. */
int husk_remote_resolve(struct husk_session *s, const char *reference, const struct husk_platform *platform,
                        struct husk_remote_image *ret, struct husk_error *err);

/* One document (manifest or index) by tag or digest, verified when reference is a digest. */
int husk_remote_get_manifest(struct husk_session *s, const char *reference, char **ret, size_t *ret_len,
                             char ret_digest[static HUSK_DIGEST_LEN], struct husk_error *err);

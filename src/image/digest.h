/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Content digests of the image layer ("sha256:<64 hex>"), computed with OpenSSL's libcrypto (SHA-NI
 * where the CPU has it: ~4x our own sha256.c, which stays for husk-runtime so that the runtime's start
 * path never loads libcrypto).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* "sha256:" + 64 hex digits + NUL */
#define HUSK_DIGEST_LEN 72

struct husk_digester;

/* A running sha256. Returns NULL only on allocation failure. */
struct husk_digester *husk_digester_new(void);
void husk_digester_update(struct husk_digester *d, const void *data, size_t len);
/* Writes "sha256:<hex>" into ret; the digester can be reused after husk_digester_reset(). */
void husk_digester_final(struct husk_digester *d, char ret[static HUSK_DIGEST_LEN]);
void husk_digester_reset(struct husk_digester *d);
uint64_t husk_digester_bytes(const struct husk_digester *d);   /* bytes fed since new/reset */
void husk_digester_free(struct husk_digester *d);
static inline void husk_digester_freep(struct husk_digester **d)
{
        husk_digester_free(*d);
}

/* Digest of a buffer in one call. */
void husk_digest_buf(const void *data, size_t len, char ret[static HUSK_DIGEST_LEN]);

/*
 * A digest string as found in a manifest, index, config or on the command line: only "sha256:" and
 * exactly 64 lowercase hex digits are accepted (OCI image-spec descriptor.md: other algorithms are
 * refused, never trusted). what names the field in the error ("manifest.json: layers[2].digest").
 */
int husk_digest_validate(const char *s, const char *what, struct husk_error *err);
bool husk_digest_is_valid(const char *s);

/* The 64 hex digits of a valid digest (the part after "sha256:"). */
static inline const char *husk_digest_hex(const char *digest)
{
        return digest + 7;
}

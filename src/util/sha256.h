/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4), incremental. Our own small copy instead of libcrypto: linking libcrypto costs
 * every husk-runtime invocation about half a millisecond of relocations (measured, docs/seccomp.md),
 * more than the seccomp cache hit it would key. Checked against the FIPS test vectors and sha256sum.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define HUSK_SHA256_SIZE 32

struct husk_sha256 {
        uint32_t h[8];
        uint64_t total; /* bytes hashed so far */
        uint8_t block[64];
        size_t fill;    /* bytes in block */
};

void husk_sha256_init(struct husk_sha256 *s);
void husk_sha256_update(struct husk_sha256 *s, const void *data, size_t len);
void husk_sha256_final(struct husk_sha256 *s, uint8_t ret[HUSK_SHA256_SIZE]);

/* Lower-case hex of a digest: ret holds 2 * HUSK_SHA256_SIZE + 1 bytes. */
void husk_sha256_hex(const uint8_t digest[HUSK_SHA256_SIZE], char ret[2 * HUSK_SHA256_SIZE + 1]);

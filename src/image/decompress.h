/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The first stage of unpacking a layer: the blob's bytes pulled from a husk_unpack_source, hashed as
 * read (the blob digest), decompressed (gzip with ISA-L's igzip, zstd with libzstd, or passed through
 * when neither magic is seen), and hashed again (the diffID), in one pass. Internal to src/image.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "image/unpack.h"

enum husk_compression {
        HUSK_COMPRESSION_NONE,
        HUSK_COMPRESSION_GZIP,
        HUSK_COMPRESSION_ZSTD,
};

struct husk_decoder;

/* Reads the first bytes of src to detect the compression. src must outlive the decoder. */
int husk_decoder_new(const struct husk_unpack_source *src, struct husk_decoder **ret, struct husk_error *err);
void husk_decoder_free(struct husk_decoder *d);
static inline void husk_decoder_freep(struct husk_decoder **d)
{
        husk_decoder_free(*d);
}

enum husk_compression husk_decoder_compression(const struct husk_decoder *d);

/* Up to len decompressed bytes into buf: the count, 0 at the end of the stream, or a negative errno
 * (err says what: a read error, a corrupt or truncated stream). */
ssize_t husk_decoder_read(struct husk_decoder *d, void *buf, size_t len, struct husk_error *err);

/* Both digests and sizes; only meaningful once husk_decoder_read returned 0. */
void husk_decoder_result(struct husk_decoder *d, struct husk_unpack_result *ret);

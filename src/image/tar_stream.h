/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decompressed tar as the unpacker reads it: straight from the decoder, or from a decoder thread
 * through a small ring of buffers so that decompressing and hashing overlap with writing the files.
 * Internal to src/image.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "image/decompress.h"

struct husk_tar_stream;

/* With `threaded`, a thread starts decoding at once. The decoder must outlive the stream. */
int husk_tar_stream_start(struct husk_decoder *dec, bool threaded, struct husk_tar_stream **ret,
                          struct husk_error *err);

/* The next block of tar bytes in *buf (valid until the next call): its length, 0 at the end of the
 * stream, or a negative errno with err filled. */
ssize_t husk_tar_stream_next(struct husk_tar_stream *s, const void **buf, struct husk_error *err);

/* Stops the decoder thread (if it still runs) and frees the stream. */
void husk_tar_stream_free(struct husk_tar_stream *s);
static inline void husk_tar_stream_freep(struct husk_tar_stream **s)
{
        husk_tar_stream_free(*s);
}

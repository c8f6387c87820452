/* SPDX-License-Identifier: Apache-2.0 */
#include "image/decompress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include "util/cleanup.h"

/*
 * gzip is decoded with ISA-L's igzip rather than zlib: on a 93 MB layer of /usr (gzip -6) it inflates
 * at ~870 MB/s against zlib's ~360 MB/s on the same machine (bench/unpack.sh prints both), and it
 * checks the gzip trailer's CRC and length as zlib does.
 */
#define DECODER_IN_SIZE (128 * 1024)

struct husk_decoder {
        const struct husk_unpack_source *src;
        struct husk_digester *blob;     /* the bytes as read: compressed blobs only */
        struct husk_digester *tar;      /* the bytes decompressed */
        enum husk_compression kind;
        bool hash_blob;                 /* from detection on; a plain tar is hashed once, as the tar */

        unsigned char *in;
        size_t in_pos, in_len;
        bool in_eof;

        struct inflate_state *gz;
        bool gz_member_done;            /* a gzip member ended: another may follow */
        ZSTD_DCtx *zstd;
        bool zstd_frame_done;
        bool done;
};

static const unsigned char gzip_magic[] = { 0x1f, 0x8b };
static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };

void husk_decoder_free(struct husk_decoder *d)
{
        if (!d)
                return;
        husk_digester_free(d->blob);
        husk_digester_free(d->tar);
        free(d->in);
        free(d->gz);
        ZSTD_freeDCtx(d->zstd);
        free(d);
}

static ssize_t source_read(struct husk_decoder *d, void *buf, size_t len, struct husk_error *err)
{
        ssize_t n;

        do
                n = d->src->read(d->src->ctx, buf, len);
        while (n == -EINTR);
        if (n < 0)
                return husk_error_errno(err, (int) -n, "read layer");
        if (n == 0)
                d->in_eof = true;
        if (d->hash_blob)
                husk_digester_update(d->blob, buf, (size_t) n);
        return n;
}

/* Make at least `need` unread bytes available in d->in unless the source ends first. */
static int fill(struct husk_decoder *d, size_t need, struct husk_error *err)
{
        while (d->in_len - d->in_pos < need && !d->in_eof) {
                if (d->in_pos > 0) {
                        memmove(d->in, d->in + d->in_pos, d->in_len - d->in_pos);
                        d->in_len -= d->in_pos;
                        d->in_pos = 0;
                }
                ssize_t n = source_read(d, d->in + d->in_len, DECODER_IN_SIZE - d->in_len, err);
                if (n < 0)
                        return (int) n;
                d->in_len += (size_t) n;
        }
        return 0;
}

static size_t avail(const struct husk_decoder *d)
{
        return d->in_len - d->in_pos;
}

static bool starts_with(const struct husk_decoder *d, const unsigned char *magic, size_t n)
{
        return avail(d) >= n && memcmp(d->in + d->in_pos, magic, n) == 0;
}

int husk_decoder_new(const struct husk_unpack_source *src, struct husk_decoder **ret, struct husk_error *err)
{
        _cleanup_(husk_decoder_freep) struct husk_decoder *d = calloc(1, sizeof(*d));
        if (!d)
                return husk_error_errno(err, ENOMEM, "decoder");
        d->src = src;
        d->blob = husk_digester_new();
        d->tar = husk_digester_new();
        d->in = malloc(DECODER_IN_SIZE);
        if (!d->blob || !d->tar || !d->in)
                return husk_error_errno(err, ENOMEM, "decoder");

        int r = fill(d, sizeof(zstd_magic), err);
        if (r < 0)
                return r;
        if (starts_with(d, gzip_magic, sizeof(gzip_magic))) {
                d->kind = HUSK_COMPRESSION_GZIP;
                d->gz = malloc(sizeof(*d->gz));
                if (!d->gz)
                        return husk_error_errno(err, ENOMEM, "gzip decoder");
                isal_inflate_init(d->gz);
                d->gz->crc_flag = ISAL_GZIP;
        } else if (starts_with(d, zstd_magic, sizeof(zstd_magic))) {
                d->kind = HUSK_COMPRESSION_ZSTD;
                d->zstd = ZSTD_createDCtx();
                if (!d->zstd)
                        return husk_error_errno(err, ENOMEM, "zstd decoder");
        } else {
                d->kind = HUSK_COMPRESSION_NONE;
        }
        /* What was read to detect the format, then everything after it as it is read. */
        if (d->kind != HUSK_COMPRESSION_NONE) {
                husk_digester_update(d->blob, d->in, d->in_len);
                d->hash_blob = true;
        }
        *ret = steal_ptr(d);
        return 0;
}

enum husk_compression husk_decoder_compression(const struct husk_decoder *d)
{
        return d->kind;
}

/* Whatever follows the last stream is read and hashed (the blob digest covers it), not decoded. */
static int drain_trailing(struct husk_decoder *d, struct husk_error *err)
{
        d->in_pos = d->in_len;
        while (!d->in_eof) {
                ssize_t n = source_read(d, d->in, DECODER_IN_SIZE, err);
                if (n < 0)
                        return (int) n;
        }
        d->done = true;
        return 0;
}

static const char *isal_strerror(int r)
{
        switch (r) {
        case ISAL_INVALID_BLOCK: return "invalid deflate block";
        case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
        case ISAL_INVALID_LOOKBACK: return "invalid lookback distance";
        case ISAL_INVALID_WRAPPER: return "invalid gzip header";
        case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
        case ISAL_INCORRECT_CHECKSUM: return "checksum mismatch";
        default: return "corrupt stream";
        }
}

static ssize_t read_gzip(struct husk_decoder *d, void *buf, size_t len, struct husk_error *err)
{
        for (;;) {
                int r;
                if (d->gz_member_done) {
                        /* RFC 1952: a gzip file is a series of members. Anything else after the
                         * last one (zero padding from some tools) is ignored, as gzip -d does. */
                        r = fill(d, sizeof(gzip_magic), err);
                        if (r < 0)
                                return r;
                        if (!starts_with(d, gzip_magic, sizeof(gzip_magic))) {
                                r = drain_trailing(d, err);
                                return r < 0 ? r : 0;
                        }
                        isal_inflate_reset(d->gz);
                        d->gz->crc_flag = ISAL_GZIP;
                        d->gz_member_done = false;
                }
                if (avail(d) == 0) {
                        r = fill(d, 1, err);
                        if (r < 0)
                                return r;
                }
                d->gz->next_in = d->in + d->in_pos;
                d->gz->avail_in = (uint32_t) avail(d);
                d->gz->next_out = buf;
                d->gz->avail_out = len > UINT32_MAX ? UINT32_MAX : (uint32_t) len;
                uint32_t out_before = d->gz->avail_out;
                r = isal_inflate(d->gz);
                if (r < 0)
                        return husk_error_set(err, EBADMSG, "gzip: %s", isal_strerror(r));
                d->in_pos = (size_t) (d->gz->next_in - d->in);
                size_t produced = out_before - d->gz->avail_out;
                if (d->gz->block_state == ISAL_BLOCK_FINISH)
                        d->gz_member_done = true;
                if (produced > 0) {
                        husk_digester_update(d->tar, buf, produced);
                        return (ssize_t) produced;
                }
                if (!d->gz_member_done && avail(d) == 0 && d->in_eof)
                        return husk_error_set(err, EBADMSG, "gzip: unexpected end of stream");
        }
}

static ssize_t read_zstd(struct husk_decoder *d, void *buf, size_t len, struct husk_error *err)
{
        for (;;) {
                if (avail(d) == 0 && !d->in_eof) {
                        int r = fill(d, 1, err);
                        if (r < 0)
                                return r;
                }
                if (avail(d) == 0 && d->in_eof && d->zstd_frame_done) {
                        d->done = true;
                        return 0;
                }
                ZSTD_inBuffer ib = { d->in + d->in_pos, avail(d), 0 };
                ZSTD_outBuffer ob = { buf, len, 0 };
                size_t r = ZSTD_decompressStream(d->zstd, &ob, &ib);
                if (ZSTD_isError(r))
                        return husk_error_set(err, EBADMSG, "zstd: %s", ZSTD_getErrorName(r));
                d->in_pos += ib.pos;
                /* 0: a frame ended and is flushed; another may follow (zstd files are frame series). */
                d->zstd_frame_done = r == 0;
                if (ob.pos > 0) {
                        husk_digester_update(d->tar, buf, ob.pos);
                        return (ssize_t) ob.pos;
                }
                if (avail(d) == 0 && d->in_eof && !d->zstd_frame_done)
                        return husk_error_set(err, EBADMSG, "zstd: unexpected end of stream");
        }
}

static ssize_t read_plain(struct husk_decoder *d, void *buf, size_t len, struct husk_error *err)
{
        size_t n;

        if (avail(d) > 0) {
                n = avail(d) < len ? avail(d) : len;
                memcpy(buf, d->in + d->in_pos, n);
                d->in_pos += n;
        } else {
                ssize_t r = d->in_eof ? 0 : source_read(d, buf, len, err);
                if (r < 0)
                        return r;
                n = (size_t) r;
        }
        if (n == 0)
                d->done = true;
        husk_digester_update(d->tar, buf, n);
        return (ssize_t) n;
}

ssize_t husk_decoder_read(struct husk_decoder *d, void *buf, size_t len, struct husk_error *err)
{
        if (d->done || len == 0)
                return 0;
        switch (d->kind) {
        case HUSK_COMPRESSION_GZIP:
                return read_gzip(d, buf, len, err);
        case HUSK_COMPRESSION_ZSTD:
                return read_zstd(d, buf, len, err);
        case HUSK_COMPRESSION_NONE:
                break;
        }
        return read_plain(d, buf, len, err);
}

void husk_decoder_result(struct husk_decoder *d, struct husk_unpack_result *ret)
{
        ret->tar_size = husk_digester_bytes(d->tar);
        husk_digester_final(d->tar, ret->diffid);
        if (d->kind == HUSK_COMPRESSION_NONE) {
                /* Every byte read went through as tar: one hash for both. */
                ret->blob_size = ret->tar_size;
                memcpy(ret->digest, ret->diffid, sizeof(ret->digest));
                return;
        }
        ret->blob_size = husk_digester_bytes(d->blob);
        husk_digester_final(d->blob, ret->digest);
}

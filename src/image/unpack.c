/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One layer, one pass: source -> (decoder thread: blob digest, decompression, diffID) -> ring of buffers
 * -> libarchive's tar reader -> unpack_entry(). libarchive only parses here: it is given the already
 * decompressed tar through archive_read_open() callbacks and has no filters enabled, so the hashes and
 * the decoder are ours and every byte is read once.
 */
#include "image/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/decompress.h"
#include "image/tar_stream.h"
#include "image/unpack-internal.h"
#include "util/cleanup.h"

struct read_ctx {
        struct husk_tar_stream *stream;
        struct husk_error err;          /* why the stream failed, when it did */
        bool failed;
        uint64_t bytes;                 /* tar bytes handed to libarchive */
};

static ssize_t tar_read(struct archive *a, void *data, const void **buf)
{
        struct read_ctx *rc = data;
        ssize_t n = husk_tar_stream_next(rc->stream, buf, &rc->err);

        if (n < 0) {
                rc->failed = true;
                archive_set_error(a, (int) -n, "%s", rc->err.msg);
                return -1;
        }
        rc->bytes += (uint64_t) n;
        return n;
}

static void archive_freep(struct archive **a)
{
        if (*a)
                (void) archive_read_free(*a);
}

static void unpack_ctx_releasep(struct unpack_ctx *u)
{
        unpack_ctx_release(u);
}

/* The stream read to its end: bytes after the tar's end-of-archive blocks belong to the blob and the
 * diffID too. */
static int drain(struct read_ctx *rc, struct husk_error *err)
{
        for (;;) {
                const void *buf;
                ssize_t n = husk_tar_stream_next(rc->stream, &buf, err);
                if (n <= 0)
                        return (int) n;
        }
}

static int archive_failure(struct archive *a, struct read_ctx *rc, struct husk_error *err)
{
        if (rc->failed) {
                *err = rc->err;
                return -err->code;
        }
        int e = archive_errno(a);
        return husk_error_set(err, e > 0 ? e : EBADMSG, "tar: %s", archive_error_string(a) ?: "unreadable");
}

static int unpack_tar(struct husk_tar_stream *stream, int dirfd, const struct husk_unpack_opts *opts,
                      struct husk_unpack_result *ret, struct husk_error *err)
{
        _cleanup_(unpack_ctx_releasep) struct unpack_ctx u = {
                .root = dirfd,
                .rootless = opts && opts->rootless,
                .opaque_xattr = opts && opts->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque",
                .parent_fd = -1,
        };
        struct read_ctx rc = { .stream = stream };
        _cleanup_(archive_freep) struct archive *a = archive_read_new();
        if (!a)
                return husk_error_errno(err, ENOMEM, "tar reader");
        if (archive_read_support_format_tar(a) != ARCHIVE_OK)
                return archive_failure(a, &rc, err);
        /* No bytes at all is an empty layer, as Go's archive/tar (containerd, podman, umoci) reads it;
         * libarchive would call it an unrecognized format when it picks the format here. */
        int r = archive_read_open(a, &rc, NULL, tar_read, NULL);
        bool empty = r < ARCHIVE_WARN && rc.bytes == 0 && !rc.failed;
        if (r < ARCHIVE_WARN && !empty)
                return archive_failure(a, &rc, err);

        while (!empty) {
                struct archive_entry *e;
                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                /* ARCHIVE_WARN: a header libarchive could read with a remark (an unknown pax key). */
                if (r < ARCHIVE_WARN)
                        return archive_failure(a, &rc, err);
                r = unpack_entry(&u, a, e, err);
                if (r < 0)
                        return rc.failed ? archive_failure(a, &rc, err) : r;
        }
        r = drain(&rc, err);
        if (r < 0)
                return r;
        r = unpack_finish_dirs(&u, err);
        if (r < 0)
                return r;
        ret->devices_skipped = u.devices_skipped;
        return 0;
}

int husk_layer_unpack(const struct husk_unpack_source *src, int dirfd, const struct husk_unpack_opts *opts,
                      struct husk_unpack_result *ret, struct husk_error *err)
{
        _cleanup_(husk_decoder_freep) struct husk_decoder *dec = NULL;
        _cleanup_(husk_tar_stream_freep) struct husk_tar_stream *stream = NULL;
        struct husk_unpack_result res = { 0 };
        const char *what = opts && opts->what ? opts->what : "layer";

        int r = husk_decoder_new(src, &dec, err);
        if (r >= 0)
                r = husk_tar_stream_start(dec, !(opts && opts->no_thread), &stream, err);
        if (r >= 0)
                r = unpack_tar(stream, dirfd, opts, &res, err);
        if (r < 0)
                return husk_error_prefix(err, "unpack %s: ", what);
        /* The thread has ended (the stream reached its end): the decoder is ours alone again. */
        husk_decoder_result(dec, &res);
        *ret = res;
        return 0;
}

struct fd_source {
        int fd;
};

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
        struct fd_source *s = ctx;
        ssize_t n = read(s->fd, buf, len);
        return n < 0 ? -errno : n;
}

int husk_layer_unpack_fd(int fd, int dirfd, const struct husk_unpack_opts *opts, struct husk_unpack_result *ret,
                         struct husk_error *err)
{
        struct fd_source s = { fd };
        const struct husk_unpack_source src = { fd_read, &s };
        return husk_layer_unpack(&src, dirfd, opts, ret, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacking one layer tar (OCI image-spec layer.md) into an empty directory, safely: whatever the archive
 * says, nothing is written outside that directory (absolute names, "..", symlinks and hard links pointing
 * out, a symlink replaced mid-archive, entries through earlier symlinks, whiteouts reaching out). OCI
 * whiteouts become overlayfs's: ".wh.NAME" a 0:0 character device NAME, ".wh..wh..opq" the
 * trusted.overlay.opaque="y" xattr on the directory (user.overlay.* when opts->rootless).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/digest.h"
#include "util/error.h"

/* Where the (possibly compressed) layer bytes come from. read returns bytes read, 0 at EOF, -errno.
 * Unless opts->no_thread, read is called from a decoder thread of husk_layer_unpack (never two calls at
 * once, and none after husk_layer_unpack returns); after a failure, the one read in progress is
 * waited for. */
struct husk_unpack_source {
        ssize_t (*read)(void *ctx, void *buf, size_t len);
        void *ctx;
};

struct husk_unpack_opts {
        bool rootless;          /* no chown to ids outside ours, no device nodes, user.overlay.* xattrs */
        const char *what;       /* names the layer in errors ("layer sha256:ab12... of busybox") */
        bool no_thread;         /* decode in the calling thread (measurements, the fuzzer) instead of a
                                 * decoder thread running ahead of the writes */
};

struct husk_unpack_result {
        char diffid[HUSK_DIGEST_LEN];   /* sha256 of the uncompressed tar */
        char digest[HUSK_DIGEST_LEN];   /* sha256 of the bytes as read (the blob digest) */
        uint64_t tar_size;              /* uncompressed bytes */
        uint64_t blob_size;             /* bytes as read */
        uint64_t devices_skipped;       /* rootless: device nodes not made (no CAP_MKNOD) */
};

/*
 * Read a layer (compression detected from its first bytes: none, gzip or zstd) from src and unpack it
 * into dirfd, which must be an empty directory. The whole stream is consumed (trailing bytes after the
 * tar end are hashed too, so the digests are of the whole blob). The caller verifies the digests in ret
 * against what it expected and discards the directory on any failure or mismatch: this function leaves
 * a partial tree behind on error.
 *
 * Each layer is unpacked on its own, knowing nothing of those below (the store shares one directory per
 * diffID). A parent directory the archive leaves out is made 0755, owned by the caller, with the current
 * time, and in the merged view it hides the lower layer's attributes of that directory; image builders
 * (docker, buildah, umoci) list every parent. A whiteout after an entry of its own layer does not remove
 * that entry (layer.md); a directory of this layer is made opaque instead.
 */
int husk_layer_unpack(const struct husk_unpack_source *src, int dirfd, const struct husk_unpack_opts *opts,
                      struct husk_unpack_result *ret, struct husk_error *err);

/* The same, reading from a file descriptor (a blob in the store, a pipe). */
int husk_layer_unpack_fd(int fd, int dirfd, const struct husk_unpack_opts *opts, struct husk_unpack_result *ret,
                         struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blobs: content-addressed files under blobs/sha256/. A blob is written into tmp/, hashed as it is
 * written, and renamed into blobs/ only once its digest and size are what was expected and its data
 * is on disk: so whatever is in blobs/ is verified, and readers trust it without hashing again.
 */
#include "image/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

struct husk_blob_writer {
        struct husk_store *store;
        struct husk_digester *digester;
        char expected[HUSK_DIGEST_LEN];         /* "" when unknown */
        int64_t expected_size;
        char *what;
        char tmp[128];
        int fd;                                 /* -1 when the blob is present already: only hashed */
        bool committed;
};

static int blob_path(const char *digest, char ret[static 128])
{
        return snprintf(ret, 128, "blobs/sha256/%s", husk_digest_hex(digest)) >= 128 ? -ENAMETOOLONG : 0;
}

bool husk_blob_exists(struct husk_store *s, const char *digest)
{
        char path[128];

        if (s->root_fd < 0 || !husk_digest_is_valid(digest) || blob_path(digest, path) < 0)
                return false;
        return faccessat(s->root_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int husk_blob_writer_new(struct husk_store *s, const char *expected, int64_t expected_size, const char *what,
                         struct husk_blob_writer **ret, struct husk_error *err)
{
        int r;

        if (!what)
                what = "blob";
        if ((r = husk_store_check_writable(s, what, err)) < 0)
                return r;
        if (expected && (r = husk_digest_validate(expected, what, err)) < 0)
                return r;
        if ((r = husk_store_pin(s, err)) < 0)
                return r;

        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = calloc(1, sizeof(*w));
        if (!w)
                return husk_error_errno(err, ENOMEM, "%s", what);
        w->fd = -1;
        w->store = s;
        w->expected_size = expected_size;
        if (expected)
                memcpy(w->expected, expected, HUSK_DIGEST_LEN);
        if (!(w->what = strdup(what)) || !(w->digester = husk_digester_new()))
                return husk_error_errno(err, ENOMEM, "%s", what);
        /* Present already: the bytes are still hashed so that a wrong stream is still an error,
           but not written. */
        if (expected && husk_blob_exists(s, expected)) {
                *ret = steal_ptr(w);
                return 0;
        }
        if ((r = husk_store_tmp_name(s, "blob", w->tmp, sizeof(w->tmp))) < 0)
                return husk_error_errno(err, -r, "%s: temporary name", what);
        w->fd = openat(s->root_fd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (w->fd < 0) {
                r = husk_error_errno(err, errno, "%s: create %s/%s", what, s->root, w->tmp);
                w->tmp[0] = '\0';       /* not ours to unlink */
                return r;
        }
        *ret = steal_ptr(w);
        return 0;
}

int husk_blob_writer_write(struct husk_blob_writer *w, const void *data, size_t len, struct husk_error *err)
{
        /* A source that sends more than it announced is cut off now, not after filling the disk. */
        if (w->expected_size >= 0 && husk_digester_bytes(w->digester) + len > (uint64_t) w->expected_size)
                return husk_error_set(err, EINVAL, "%s: more data than its size of %" PRId64 " bytes", w->what,
                                      w->expected_size);
        husk_digester_update(w->digester, data, len);
        if (w->fd < 0)
                return 0;
        int r = husk_write_all(w->fd, data, len);
        if (r < 0)
                return husk_error_errno(err, -r, "%s: write %s/%s", w->what, w->store->root, w->tmp);
        return 0;
}

int husk_blob_writer_commit(struct husk_blob_writer *w, char ret_digest[static HUSK_DIGEST_LEN],
                            struct husk_error *err)
{
        struct husk_store *s = w->store;
        char digest[HUSK_DIGEST_LEN], path[128];
        uint64_t size = husk_digester_bytes(w->digester);

        if (w->committed)
                return husk_error_set(err, EINVAL, "%s: committed twice", w->what);
        husk_digester_final(w->digester, digest);
        if (w->expected[0] && strcmp(digest, w->expected) != 0)
                return husk_error_set(err, EINVAL, "%s: digest mismatch: expected %s, got %s", w->what, w->expected,
                                      digest);
        if (w->expected_size >= 0 && size != (uint64_t) w->expected_size)
                return husk_error_set(err, EINVAL, "%s: size mismatch: expected %" PRId64 " bytes, got %" PRIu64,
                                      w->what, w->expected_size, size);
        if (w->fd >= 0) {
                if (blob_path(digest, path) < 0)
                        return husk_error_set(err, ENAMETOOLONG, "%s: blob path", w->what);
                if (fsync(w->fd) < 0)
                        return husk_error_errno(err, errno, "%s: fsync %s/%s", w->what, s->root, w->tmp);
                (void) close(steal_fd(w->fd));
                /* Replacing an equal blob another process committed meanwhile is harmless. */
                if (renameat(s->root_fd, w->tmp, s->root_fd, path) < 0)
                        return husk_error_errno(err, errno, "%s: rename into %s/%s", w->what, s->root, path);
                w->tmp[0] = '\0';
                int r = husk_store_sync_dir(s, "blobs/sha256", err);
                if (r < 0)
                        return husk_error_prefix(err, "%s: ", w->what);
        }
        w->committed = true;
        memcpy(ret_digest, digest, HUSK_DIGEST_LEN);
        return 0;
}

void husk_blob_writer_free(struct husk_blob_writer *w)
{
        if (!w)
                return;
        if (w->fd >= 0)
                (void) close(w->fd);
        if (w->tmp[0])
                (void) unlinkat(w->store->root_fd, w->tmp, 0);
        husk_digester_free(w->digester);
        free(w->what);
        free(w);
}

int husk_blob_put(struct husk_store *s, const void *data, size_t len, const char *expected, const char *what,
                  char ret_digest[static HUSK_DIGEST_LEN], struct husk_error *err)
{
        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = NULL;
        int r;

        if ((r = husk_blob_writer_new(s, expected, expected ? (int64_t) len : -1, what, &w, err)) < 0 ||
            (r = husk_blob_writer_write(w, data, len, err)) < 0)
                return r;
        return husk_blob_writer_commit(w, ret_digest, err);
}

int husk_blob_open(struct husk_store *s, const char *digest, struct husk_error *err)
{
        char path[128];
        int r;

        if ((r = husk_digest_validate(digest, "blob", err)) < 0)
                return r;
        if (s->root_fd < 0)
                return husk_error_set(err, ENOENT, "blob %s is not in the image store", digest);
        (void) blob_path(digest, path);
        int fd = openat(s->root_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT)
                        return husk_error_set(err, ENOENT, "blob %s is not in the image store", digest);
                return husk_error_errno(err, errno, "open blob %s", digest);
        }
        return fd;
}

int husk_blob_read(struct husk_store *s, const char *digest, size_t max, char **ret, size_t *ret_len,
                   struct husk_error *err)
{
        _cleanup_close_ int fd = husk_blob_open(s, digest, err);
        struct stat st;

        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "stat blob %s", digest);
        if (!S_ISREG(st.st_mode))
                return husk_error_set(err, EINVAL, "blob %s is not a regular file", digest);
        if ((uint64_t) st.st_size > max)
                return husk_error_set(err, EFBIG, "blob %s: %" PRId64 " bytes, more than the %zu allowed here", digest,
                                      (int64_t) st.st_size, max);
        _cleanup_free_ char *buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return husk_error_errno(err, ENOMEM, "read blob %s", digest);
        size_t got = 0;
        while (got < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t) st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "read blob %s", digest);
                if (n == 0)
                        break;
                got += (size_t) n;
        }
        buf[got] = '\0';
        *ret = steal_ptr(buf);
        if (ret_len)
                *ret_len = got;
        return 0;
}

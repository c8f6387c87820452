/* SPDX-License-Identifier: Apache-2.0 */
#include "image/save_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

#define CHUNK (1u << 20)

struct husk_save_writer {
        char *path;             /* the destination */
        char *tmp;              /* the temporary name beside it, or NULL for stdout */
        bool directory;
        bool finished;
        int fd;                 /* the tar file, or the directory (O_DIRECTORY) */
        struct archive *tar;
        char **names;           /* added so far (files and, for the tar, directories) */
        size_t n_names;
};

void husk_save_writer_free(struct husk_save_writer *w)
{
        if (w->tar)
                (void) archive_write_free(w->tar);
        if (w->fd >= 0 && w->fd != STDOUT_FILENO)
                (void) close(w->fd);
        if (!w->finished && w->tmp) {
                if (w->directory)
                        (void) husk_rm_rf_at(AT_FDCWD, w->tmp, NULL);
                else
                        (void) unlink(w->tmp);
        }
        for (size_t i = 0; i < w->n_names; i++)
                free(w->names[i]);
        free(w->names);
        free(w->tmp);
        free(w->path);
        free(w);
}

int husk_save_writer_new(const char *path, bool directory, struct husk_save_writer **ret, struct husk_error *err)
{
        _cleanup_(husk_save_writer_freep) struct husk_save_writer *w = calloc(1, sizeof(*w));

        if (!w)
                return husk_error_errno(err, ENOMEM, "save to %s", path);
        w->fd = -1;
        w->directory = directory;
        w->path = strdup(path);
        if (!w->path)
                return husk_error_errno(err, ENOMEM, "save to %s", path);
        if (strcmp(path, "-") == 0 && !directory) {
                w->fd = STDOUT_FILENO;
        } else {
                if (asprintf(&w->tmp, "%s.husk-tmp-XXXXXX", path) < 0) {
                        w->tmp = NULL;
                        return husk_error_errno(err, ENOMEM, "save to %s", path);
                }
                if (directory) {
                        if (!mkdtemp(w->tmp)) {
                                int e = errno;
                                free(steal_ptr(w->tmp));
                                return husk_error_errno(err, e, "create a directory beside %s", path);
                        }
                        w->fd = open(w->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (w->fd < 0 || fchmod(w->fd, 0755) < 0)
                                return husk_error_errno(err, errno, "%s", w->tmp);
                        *ret = steal_ptr(w);
                        return 0;
                }
                w->fd = mkostemp(w->tmp, O_CLOEXEC);
                if (w->fd < 0) {
                        int e = errno;
                        free(steal_ptr(w->tmp));
                        return husk_error_errno(err, e, "create a file beside %s", path);
                }
                if (fchmod(w->fd, 0644) < 0)
                        return husk_error_errno(err, errno, "%s", w->tmp);
        }
        w->tar = archive_write_new();
        if (!w->tar)
                return husk_error_errno(err, ENOMEM, "save to %s", path);
        /* pax where ustar cannot say it (blobs over 8 GiB), plain ustar headers otherwise: every reader
           (docker, containers/image, Go's archive/tar) takes it. */
        if (archive_write_set_format_pax_restricted(w->tar) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(w->tar, 1) != ARCHIVE_OK ||
            archive_write_open_fd(w->tar, w->fd) != ARCHIVE_OK)
                return husk_error_set(err, EIO, "%s: %s", path, archive_error_string(w->tar));
        *ret = steal_ptr(w);
        return 0;
}

static bool seen(struct husk_save_writer *w, const char *name)
{
        for (size_t i = 0; i < w->n_names; i++)
                if (strcmp(w->names[i], name) == 0)
                        return true;
        return false;
}

static int remember(struct husk_save_writer *w, const char *name, struct husk_error *err)
{
        char **v = realloc(w->names, (w->n_names + 1) * sizeof(char *));

        if (!v)
                return husk_error_errno(err, ENOMEM, "%s", w->path);
        w->names = v;
        v[w->n_names] = strdup(name);
        if (!v[w->n_names])
                return husk_error_errno(err, ENOMEM, "%s", w->path);
        w->n_names++;
        return 0;
}

static int tar_header(struct husk_save_writer *w, const char *name, mode_t type, int64_t size, struct husk_error *err)
{
        struct archive_entry *e = archive_entry_new();

        if (!e)
                return husk_error_errno(err, ENOMEM, "%s", w->path);
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
        archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
        /* No owner names and time 0: the same images give the same archive. */
        archive_entry_set_mtime(e, 0, 0);
        int r = archive_write_header(w->tar, e);
        archive_entry_free(e);
        if (r != ARCHIVE_OK)
                return husk_error_set(err, EIO, "%s: %s: %s", w->path, name, archive_error_string(w->tar));
        return 0;
}

/* The parent directories of name: tar entries, or directories made. */
static int parents(struct husk_save_writer *w, const char *name, struct husk_error *err)
{
        _cleanup_free_ char *dir = strdup(name);

        if (!dir)
                return husk_error_errno(err, ENOMEM, "%s", w->path);
        for (char *slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                if (!seen(w, dir)) {
                        int r;
                        if (w->tar) {
                                _cleanup_free_ char *d = NULL;
                                if (asprintf(&d, "%s/", dir) < 0)
                                        return husk_error_errno(err, ENOMEM, "%s", w->path);
                                r = tar_header(w, d, AE_IFDIR, 0, err);
                        } else {
                                r = mkdirat(w->fd, dir, 0755) < 0 && errno != EEXIST
                                            ? husk_error_errno(err, errno, "%s/%s", w->tmp, dir)
                                            : 0;
                        }
                        if (r < 0 || (r = remember(w, dir, err)) < 0)
                                return r;
                }
                *slash = '/';
        }
        return 0;
}

/* Data for the current file: the tar, or fd. */
static int put(struct husk_save_writer *w, int fd, const char *name, const void *data, size_t len,
               struct husk_error *err)
{
        if (w->tar) {
                la_ssize_t n = archive_write_data(w->tar, data, len);
                if (n < 0 || (size_t) n != len)
                        return husk_error_set(err, EIO, "%s: %s: %s", w->path, name, archive_error_string(w->tar));
                return 0;
        }
        for (const char *p = data; len > 0;) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "write %s/%s", w->tmp, name);
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

static int begin(struct husk_save_writer *w, const char *name, int64_t size, int *ret_fd, struct husk_error *err)
{
        int r = parents(w, name, err);

        if (r < 0)
                return r;
        *ret_fd = -1;
        if (w->tar)
                r = tar_header(w, name, AE_IFREG, size, err);
        else if ((*ret_fd = openat(w->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
                r = husk_error_errno(err, errno, "create %s/%s", w->tmp, name);
        if (r < 0)
                return r;
        return remember(w, name, err);
}

int husk_save_writer_add(struct husk_save_writer *w, const char *name, const void *data, size_t len,
                         struct husk_error *err)
{
        _cleanup_close_ int fd = -1;
        int r = begin(w, name, (int64_t) len, &fd, err);

        if (r < 0)
                return r;
        return put(w, fd, name, data, len, err);
}

int husk_save_writer_add_blob(struct husk_save_writer *w, struct husk_store *s, const char *name,
                              const char *digest, struct husk_error *err)
{
        if (seen(w, name))
                return 0;
        _cleanup_close_ int in = husk_blob_open(s, digest, err);
        if (in < 0)
                return in;
        struct stat st;
        if (fstat(in, &st) < 0)
                return husk_error_errno(err, errno, "blob %s", digest);
        _cleanup_close_ int fd = -1;
        int r = begin(w, name, st.st_size, &fd, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *buf = malloc(CHUNK);
        if (!buf)
                return husk_error_errno(err, ENOMEM, "%s", w->path);
        for (off_t done = 0; done < st.st_size;) {
                /* Exactly the size announced in the header, even if the file changed under us. */
                size_t want = (size_t) (st.st_size - done) < CHUNK ? (size_t) (st.st_size - done) : CHUNK;
                ssize_t n = pread(in, buf, want, done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "read blob %s", digest);
                if (n == 0)
                        return husk_error_set(err, EIO, "blob %s: shorter than %lld bytes", digest,
                                              (long long) st.st_size);
                r = put(w, fd, name, buf, (size_t) n, err);
                if (r < 0)
                        return r;
                done += n;
        }
        return 0;
}

int husk_save_writer_finish(struct husk_save_writer *w, struct husk_error *err)
{
        if (w->tar && archive_write_close(w->tar) != ARCHIVE_OK)
                return husk_error_set(err, EIO, "%s: %s", w->path, archive_error_string(w->tar));
        if (!w->tmp)
                return 0;
        /* Durable before it has its name: a crash never leaves a truncated FILE. */
        if ((w->directory ? syncfs(w->fd) : fsync(w->fd)) < 0)
                return husk_error_errno(err, errno, "sync %s", w->tmp);
        if (rename(w->tmp, w->path) < 0) {
                if (errno == ENOTEMPTY || errno == EEXIST)
                        return husk_error_set(err, EEXIST, "%s: exists and is not empty", w->path);
                return husk_error_errno(err, errno, "rename %s to %s", w->tmp, w->path);
        }
        w->finished = true;
        return 0;
}

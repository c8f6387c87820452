/* SPDX-License-Identifier: Apache-2.0 */
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Guards against reading an endless file (/dev/zero, a fifo fed forever) into memory. */
#define READ_FILE_MAX (UINT64_C(1) << 30)

int husk_read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "stat %s", path);
        if (S_ISDIR(st.st_mode))
                return husk_error_errno(err, EISDIR, "read %s", path);

        /* /proc and /sys files report a size of 0: the size is only a first guess. */
        size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t) st.st_size + 1 : 4096;
        size_t len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return husk_error_errno(err, ENOMEM, "read %s", path);
        for (;;) {
                if (cap - len < 2) {
                        if (cap >= READ_FILE_MAX)
                                return husk_error_errno(err, EFBIG, "read %s", path);
                        size_t ncap = cap * 2;
                        char *nbuf = realloc(buf, ncap);
                        if (!nbuf)
                                return husk_error_errno(err, ENOMEM, "read %s", path);
                        buf = nbuf;
                        cap = ncap;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "read %s", path);
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = steal_ptr(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int husk_write_all(int fd, const void *buf, size_t len)
{
        const char *data = buf;

        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                data += n;
                len -= (size_t) n;
        }
        return 0;
}

int husk_write_file_at(int dirfd, const char *path, const char *data, size_t len, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        int r = husk_write_all(fd, data, len);
        if (r < 0)
                return husk_error_errno(err, -r, "write %s", path);
        /* Some kernel files (cgroup v1 knobs) report their error only at close. */
        r = close(steal_fd(fd));
        if (r < 0 && errno != EINTR)
                return husk_error_errno(err, errno, "write %s", path);
        return 0;
}

/* A temp file that is unlinked unless it was renamed into place. */
struct temp_file {
        int dirfd;
        char *name;
};

static void temp_file_cleanup(struct temp_file *t)
{
        if (t->name) {
                (void) unlinkat(t->dirfd, t->name, 0);
                free(t->name);
        }
}

static uint64_t random_u64(void)
{
        uint64_t v;
        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t) sizeof(v))
                return v;
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return ((uint64_t) getpid() << 32) ^ (uint64_t) ts.tv_nsec ^ (uint64_t) ts.tv_sec;
}

int husk_write_file_atomic_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                              bool durable, struct husk_error *err)
{
        const char *slash = strrchr(path, '/');
        size_t dirlen = slash ? (size_t) (slash - path) + 1 : 0;
        const char *base = path + dirlen;
        if (base[0] == '\0')
                return husk_error_errno(err, EINVAL, "write %s", path);

        _cleanup_(temp_file_cleanup) struct temp_file tmp = { .dirfd = dirfd };
        _cleanup_close_ int fd = -1;
        for (int attempt = 0; fd < 0; attempt++) {
                free(tmp.name);
                tmp.name = NULL;
                /* Dot-prefixed so a reader listing the directory skips it. */
                if (asprintf(&tmp.name, "%.*s.%s.tmp-%016" PRIx64, (int) dirlen, path, base, random_u64()) < 0) {
                        tmp.name = NULL;
                        return husk_error_errno(err, ENOMEM, "write %s", path);
                }
                fd = openat(dirfd, tmp.name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, mode);
                if (fd < 0) {
                        int e = errno;
                        free(tmp.name);
                        tmp.name = NULL; /* not ours: never unlink it */
                        if (e != EEXIST || attempt >= 16)
                                return husk_error_errno(err, e, "create temporary file for %s", path);
                }
        }
        /* The umask narrowed `mode` at creation; the caller asked for exactly `mode`. */
        if (fchmod(fd, mode) < 0)
                return husk_error_errno(err, errno, "chmod %s", tmp.name);
        int r = husk_write_all(fd, data, len);
        if (r < 0)
                return husk_error_errno(err, -r, "write %s", tmp.name);
        if (durable && fsync(fd) < 0)
                return husk_error_errno(err, errno, "fsync %s", tmp.name);
        if (close(steal_fd(fd)) < 0 && errno != EINTR)
                return husk_error_errno(err, errno, "close %s", tmp.name);
        if (renameat(dirfd, tmp.name, dirfd, path) < 0)
                return husk_error_errno(err, errno, "rename %s to %s", tmp.name, path);
        free(steal_ptr(tmp.name));

        if (durable) {
                /* The rename itself is only durable once the directory is synced. */
                _cleanup_free_ char *dir = dirlen ? strndup(path, dirlen) : strdup(".");
                if (!dir)
                        return husk_error_errno(err, ENOMEM, "fsync directory of %s", path);
                _cleanup_close_ int dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        return husk_error_errno(err, errno, "open %s", dir);
                if (fsync(dfd) < 0)
                        return husk_error_errno(err, errno, "fsync %s", dir);
        }
        return 0;
}

int husk_mkdir_p(const char *path, mode_t mode, struct husk_error *err)
{
        if (!path || path[0] == '\0')
                return husk_error_errno(err, EINVAL, "mkdir \"\"");
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return husk_error_errno(err, ENOMEM, "mkdir %s", path);
        size_t n = strlen(p);
        for (size_t i = 1; i <= n; i++) {
                if (p[i] != '/' && p[i] != '\0')
                        continue;
                if (p[i - 1] == '/')
                        continue; /* "//" */
                char saved = p[i];
                p[i] = '\0';
                if (mkdir(p, mode) < 0) {
                        int e = errno;
                        struct stat st;
                        if (e != EEXIST)
                                return husk_error_errno(err, e, "mkdir %s", p);
                        if (stat(p, &st) < 0)
                                return husk_error_errno(err, errno, "stat %s", p);
                        if (!S_ISDIR(st.st_mode))
                                return husk_error_errno(err, ENOTDIR, "mkdir %s", p);
                }
                p[i] = saved;
        }
        return 0;
}

/* Empties the directory open as dfd (consumed). `where` names it in errors. Never follows a
 * symlink and never descends into another file system: a bind mount left behind in a container
 * directory must make removal fail, not delete the host files behind it. */
static int rm_children(int dfd, dev_t dev, const char *where, struct husk_error *err)
{
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                int e = errno;
                (void) close(dfd);
                return husk_error_errno(err, e, "open directory %s", where);
        }
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de) {
                        if (errno)
                                return husk_error_errno(err, errno, "read directory %s", where);
                        return 0;
                }
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                bool is_dir = de->d_type == DT_DIR;
                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;
                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                                if (errno == ENOENT)
                                        continue;
                                return husk_error_errno(err, errno, "stat %s/%s", where, de->d_name);
                        }
                        is_dir = S_ISDIR(st.st_mode);
                }
                if (is_dir) {
                        int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0) {
                                if (errno == ENOENT)
                                        continue;
                                return husk_error_errno(err, errno, "open %s/%s", where, de->d_name);
                        }
                        struct stat st;
                        if (fstat(cfd, &st) < 0) {
                                int e = errno;
                                (void) close(cfd);
                                return husk_error_errno(err, e, "stat %s/%s", where, de->d_name);
                        }
                        if (st.st_dev != dev) {
                                (void) close(cfd);
                                return husk_error_set(err, EXDEV, "remove %s/%s: is a mount point", where,
                                                      de->d_name);
                        }
                        _cleanup_free_ char *sub = NULL;
                        if (asprintf(&sub, "%s/%s", where, de->d_name) < 0) {
                                (void) close(cfd);
                                return husk_error_errno(err, ENOMEM, "remove %s/%s", where, de->d_name);
                        }
                        int r = rm_children(cfd, dev, sub, err);
                        if (r < 0)
                                return r;
                }
                if (unlinkat(dirfd(d), de->d_name, is_dir ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
                        return husk_error_errno(err, errno, "remove %s/%s", where, de->d_name);
        }
}

int husk_rm_rf_at(int dirfd, const char *path, struct husk_error *err)
{
        int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                /* A symlink (ELOOP) or a file (ENOTDIR): remove the entry itself, never its target. */
                if (errno == ELOOP || errno == ENOTDIR) {
                        if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
                                return husk_error_errno(err, errno, "remove %s", path);
                        return 0;
                }
                return husk_error_errno(err, errno, "open %s", path);
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                (void) close(fd);
                return husk_error_errno(err, e, "stat %s", path);
        }
        int r = rm_children(fd, st.st_dev, path, err);
        if (r < 0)
                return r;
        if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "remove %s", path);
        return 0;
}

int husk_idmap_clone(int dirfd, const char *path, int userns_fd, struct husk_error *err)
{
        _cleanup_close_ int tree = open_tree(dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                                                 AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW);
        if (tree < 0)
                return husk_error_errno(err, errno, "open_tree %s", *path ? path : "(fd)");
        struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd };
        if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
                return husk_error_errno(err, errno, "idmap the mount of %s", *path ? path : "(fd)");
        return steal_fd(tree);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's copy-up: a new, empty volume mounted where the image has content gets that content first.
 * The source directory is found inside the container's root with in-root resolution (an image's
 * symlink at the destination resolves inside the root, never to the host's files); below it every
 * entry is opened relative to its parent with O_NOFOLLOW, so the copy never follows a symlink:
 * symlinks are copied as symlinks. Runs as root on the host, before the container exists.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

/* Deeper trees than this are refused rather than risking the stack and the fd table. */
#define MAX_DEPTH 128

static int copy_data(int in, int out)
{
        for (;;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                        return -errno;
                break;
        }
        char buf[65536];
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n == 0)
                        return 0;
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                int r = husk_write_all(out, buf, (size_t) n);
                if (r < 0)
                        return r;
        }
}

/* Owner, mode and times of a copied entry, through its fd (never a path that could be a symlink). */
static int set_attrs(int fd, const struct stat *st)
{
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 || futimens(fd, ts) < 0)
                return -errno;
        return 0;
}

static int copy_tree(int src, int dst, int depth, struct husk_error *err);

static int copy_entry(int src, int dst, const char *name, int depth, struct husk_error *err)
{
        struct stat st;
        if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(err, errno, "stat %s", name);
        if (S_ISDIR(st.st_mode)) {
                if (mkdirat(dst, name, 0700) < 0)
                        return husk_error_errno(err, errno, "mkdir %s", name);
                _cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0 || d < 0)
                        return husk_error_errno(err, errno, "open %s", name);
                int r = copy_tree(s, d, depth + 1, err);
                if (r < 0)
                        return husk_error_prefix(err, "%s/", name);
                return set_attrs(d, &st) < 0 ? husk_error_errno(err, errno, "set attributes of %s", name) : 0;
        }
        if (S_ISREG(st.st_mode)) {
                _cleanup_close_ int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                _cleanup_close_ int d = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (s < 0 || d < 0)
                        return husk_error_errno(err, errno, "open %s", name);
                int r = copy_data(s, d);
                if (r < 0)
                        return husk_error_errno(err, -r, "copy %s", name);
                return set_attrs(d, &st) < 0 ? husk_error_errno(err, errno, "set attributes of %s", name) : 0;
        }
        if (S_ISLNK(st.st_mode)) {
                char target[4097];
                ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
                if (n < 0)
                        return husk_error_errno(err, errno, "readlink %s", name);
                target[n] = '\0';
                struct timespec ts[2] = { st.st_atim, st.st_mtim };
                if (symlinkat(target, dst, name) < 0 || fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                    utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                        return husk_error_errno(err, errno, "symlink %s", name);
                return 0;
        }
        if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                if (mknodat(dst, name, st.st_mode & (S_IFMT | 0700), st.st_rdev) < 0)
                        return husk_error_errno(err, errno, "mknod %s", name);
                _cleanup_close_ int d = openat(dst, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                char p[32];
                struct timespec ts[2] = { st.st_atim, st.st_mtim };
                if (d < 0 || fchownat(d, "", st.st_uid, st.st_gid, AT_EMPTY_PATH) < 0 ||
                    fchmodat(AT_FDCWD, husk_fd_path(d, p), st.st_mode & 07777, 0) < 0 ||
                    utimensat(AT_FDCWD, p, ts, 0) < 0)
                        return husk_error_errno(err, errno, "set attributes of %s", name);
                return 0;
        }
        return 0; /* sockets: nothing to copy */
}

static int copy_tree(int src, int dst, int depth, struct husk_error *err)
{
        if (depth > MAX_DEPTH)
                return husk_error_set(err, ELOOP, "more than %d directories deep", MAX_DEPTH);
        int fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open");
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(err, errno, "opendir");
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int r = copy_entry(src, dst, de->d_name, depth, err);
                if (r < 0)
                        return r;
        }
        return errno ? husk_error_errno(err, errno, "readdir") : 0;
}

int husk_vol_dir_empty(int fd)
{
        int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dup_fd < 0)
                return -errno;
        _cleanup_closedir_ DIR *d = fdopendir(dup_fd);
        if (!d) {
                (void) close(dup_fd);
                return -errno;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        return 0;
        return 1;
}

int husk_vol_copy_up(int root_fd, const char *path, int dst_fd, struct husk_error *err)
{
        int r = husk_vol_dir_empty(dst_fd);
        if (r < 0)
                return husk_error_errno(err, -r, "read the volume");
        if (r == 0)
                return 0; /* Docker copies into an empty volume only */
        struct husk_error ignored = { 0 };
        _cleanup_close_ int src = husk_open_in_root(root_fd, path, O_RDONLY | O_DIRECTORY, 0, &ignored);
        if (src == -ENOENT || src == -ENOTDIR)
                return 0; /* nothing in the image there */
        if (src < 0)
                return husk_error_errno(err, -src, "open %s in the container's root", path);
        r = copy_tree(src, dst_fd, 0, err);
        if (r < 0)
                return r;
        /* The volume's root takes the image directory's owner and mode (a service's data dir). */
        struct stat st;
        if (fstat(src, &st) < 0 || set_attrs(dst_fd, &st) < 0)
                return husk_error_errno(err, errno, "set the volume's owner and mode");
        return 0;
}

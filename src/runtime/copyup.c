/* SPDX-License-Identifier: Apache-2.0 */
/* "tmpcopyup": what was in a directory before a tmpfs covered it is copied into the tmpfs. */
#include "runtime/mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Deep enough for any image; stops a pathological tree from exhausting the stack. */
#define COPYUP_MAX_DEPTH 64

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st)
{
        _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return -errno;
        _cleanup_close_ int out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                         st->st_mode & 07777);
        if (out < 0)
                return -errno;
        for (off_t left = st->st_size; left > 0;) {
                ssize_t n = sendfile(out, in, NULL, (size_t) left > 1U << 30 ? 1U << 30 : (size_t) left);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                left -= n;
        }
        return 0;
}

static int copy_tree(int src, int dst, int depth)
{
        if (depth > COPYUP_MAX_DEPTH)
                return -ELOOP;
        int dup_fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return -errno;
        _cleanup_closedir_ DIR *d = fdopendir(dup_fd);
        if (!d) {
                int e = errno;
                (void) close(dup_fd);
                return -e;
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                const char *name = de->d_name;
                struct stat st;
                int r = 0;
                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                        continue;
                if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                if (S_ISDIR(st.st_mode)) {
                        if (mkdirat(dst, name, st.st_mode & 07777) < 0)
                                return -errno;
                        _cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_close_ int t = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (s < 0 || t < 0)
                                return -errno;
                        r = copy_tree(s, t, depth + 1);
                } else if (S_ISREG(st.st_mode)) {
                        r = copy_file(src, dst, name, &st);
                } else if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
                        if (n < 0)
                                return -errno;
                        target[n] = '\0';
                        r = symlinkat(target, dst, name) < 0 ? -errno : 0;
                } else {
                        r = mknodat(dst, name, st.st_mode, st.st_rdev) < 0 ? -errno : 0;
                }
                if (r < 0)
                        return r;
                if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
                        return -errno;
                /* chown clears setuid/setgid: put the exact mode back. */
                if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
                        return -errno;
        }
        return errno ? -errno : 0;
}

int husk_mount_tmpcopyup(int src_dir_fd, int dst_dir_fd, struct husk_error *err)
{
        int r = copy_tree(src_dir_fd, dst_dir_fd, 0);
        if (r < 0)
                return husk_error_errno(err, -r, "copy content");
        return 0;
}

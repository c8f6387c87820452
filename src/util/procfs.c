/* SPDX-License-Identifier: Apache-2.0 */
#include "util/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

/* RESOLVE_BENEATH returns EAGAIN when a concurrent rename elsewhere could have affected the walk. */
#define PROCFS_OPENAT2_RETRIES 32

int husk_procfs_verify_root(int fd, const char *what, struct husk_error *err)
{
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0)
                return husk_error_errno(err, errno, "fstatfs %s", what);
        if (sfs.f_type != HUSK_PROC_SUPER_MAGIC)
                return husk_error_set(err, EXDEV, "%s is not procfs (f_type 0x%jx)", what, (uintmax_t) sfs.f_type);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "stat %s", what);
        /* A bind mount of a procfs subdirectory (/proc/self, say) passes the f_type check. */
        if (st.st_ino != HUSK_PROC_ROOT_INO || !S_ISDIR(st.st_mode))
                return husk_error_set(err, EXDEV, "%s is not the root of a procfs (inode %ju)", what,
                                      (uintmax_t) st.st_ino);
        return 0;
}

int husk_procfs_open(struct husk_error *err)
{
        _cleanup_close_ int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open /proc");
        int r = husk_procfs_verify_root(fd, "/proc", err);
        if (r < 0)
                return r;
        return steal_fd(fd);
}

/* `shown` is the path as the user knows it, for messages. */
static int open_beneath(int proc_fd, const char *path, int flags, const char *shown, struct husk_error *err)
{
        /* openat2, unlike openat, refuses O_PATH with any flag it would ignore (O_NOCTTY among them). */
        if (!(flags & O_PATH))
                flags |= O_NOCTTY;
        struct open_how how = {
                .flags = (uint64_t) (unsigned int) (flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long fd = -1;
        for (int i = 0; i < PROCFS_OPENAT2_RETRIES; i++) {
                fd = syscall(SYS_openat2, proc_fd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        if (fd < 0 && errno == ENOSYS)
                return husk_error_set(err, ENOSYS, "open %s: openat2 is not available (Linux 5.6 or later is needed)",
                                      shown);
        if (fd < 0 && errno == EXDEV)
                return husk_error_set(err, EXDEV, "open %s: something is mounted over it or a directory on its path",
                                      shown);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", shown);
        _cleanup_close_ int f = (int) fd;

        /* The resolution cannot have left the procfs, but the check costs one syscall and keeps the
         * guarantee independent of the flags above. */
        struct statfs sfs;
        if (fstatfs(f, &sfs) < 0)
                return husk_error_errno(err, errno, "fstatfs %s", shown);
        if (sfs.f_type != HUSK_PROC_SUPER_MAGIC)
                return husk_error_set(err, EXDEV, "open %s: not on procfs (f_type 0x%jx)", shown,
                                      (uintmax_t) sfs.f_type);
        return steal_fd(f);
}

int husk_procfs_openat(int proc_fd, const char *path, int flags, struct husk_error *err)
{
        char shown[512];
        (void) snprintf(shown, sizeof(shown), "/proc/%s", path);
        return open_beneath(proc_fd, path, flags, shown, err);
}

/* "<tgid>/task/<tid>": anything else means this is not the procfs we verified. */
static bool is_thread_dir(const char *s)
{
        size_t n = strspn(s, "0123456789");
        if (n == 0 || strncmp(s + n, "/task/", 6) != 0)
                return false;
        s += n + 6;
        n = strspn(s, "0123456789");
        return n > 0 && s[n] == '\0';
}

int husk_procfs_open_thread_self(int proc_fd, const char *subpath, int flags, struct husk_error *err)
{
        char shown[512];
        (void) snprintf(shown, sizeof(shown), "/proc/thread-self/%s", subpath);

        char link[64];
        ssize_t n = readlinkat(proc_fd, "thread-self", link, sizeof(link) - 1);
        if (n < 0)
                return husk_error_errno(err, errno, "open %s: readlink /proc/thread-self", shown);
        link[n] = '\0';
        if (!is_thread_dir(link))
                return husk_error_set(err, EXDEV, "open %s: /proc/thread-self points to \"%s\"", shown, link);

        char path[512];
        if ((size_t) snprintf(path, sizeof(path), "%s/%s", link, subpath) >= sizeof(path))
                return husk_error_set(err, ENAMETOOLONG, "open %s: path too long", shown);
        return open_beneath(proc_fd, path, flags, shown, err);
}

int husk_procfs_write_thread_self(int proc_fd, const char *subpath, const char *value, struct husk_error *err)
{
        _cleanup_close_ int fd = husk_procfs_open_thread_self(proc_fd, subpath, O_WRONLY, err);
        if (fd < 0)
                return fd;
        size_t len = strlen(value);
        ssize_t n;
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return husk_error_errno(err, errno, "write /proc/thread-self/%s", subpath);
        if ((size_t) n != len)
                return husk_error_set(err, EIO, "write /proc/thread-self/%s: short write (%zd of %zu bytes)", subpath,
                                      n, len);
        return 0;
}

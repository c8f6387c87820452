/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime re-executes from a copy of itself that cannot be written (CVE-2019-5736); exeseal.h. */
#include "runtime/exeseal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* What makes a memfd copy immutable: no write, no resize, and no removing these seals. */
#define BASE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static void marker_of(const struct stat *st, char buf[static 64])
{
        (void) snprintf(buf, 64, "%llu:%llu", (unsigned long long) st->st_dev, (unsigned long long) st->st_ino);
}

bool husk_exe_is_sealed(int exe_fd, const char *marker)
{
        int seals = fcntl(exe_fd, F_GET_SEALS);
        if (seals >= 0)
                return (seals & BASE_SEALS) == BASE_SEALS;
        if (!marker)
                return false;
        /* Only the file our own re-exec opened on its private overlayfs: a binary that merely lives
         * on some overlayfs (a container image's root) may have a writable upper layer. */
        struct stat st;
        struct statfs sfs;
        char want[64];
        if (fstat(exe_fd, &st) < 0 || fstatfs(exe_fd, &sfs) < 0)
                return false;
        marker_of(&st, want);
        return strcmp(want, marker) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC && (sfs.f_flags & ST_RDONLY);
}

/* overlayfs splits lowerdir at ':' and takes '\' as its escape. */
static char *escape_lowerdir(const char *dir)
{
        size_t n = strlen(dir);
        char *out = malloc(2 * n + 1);
        if (!out)
                return NULL;
        char *o = out;
        for (const char *p = dir; *p; p++) {
                if (*p == ':' || *p == '\\')
                        *o++ = '\\';
                *o++ = *p;
        }
        *o = '\0';
        return out;
}

int husk_exe_seal_overlay(int exe_fd, const char *exe_path, struct husk_error *err)
{
        const char *slash = strrchr(exe_path, '/');
        if (exe_path[0] != '/' || !slash || !slash[1])
                return husk_error_set(err, EINVAL, "overlayfs seal: \"%s\" is not an absolute file path", exe_path);
        /* A binary replaced on disk since we started reads back as "... (deleted)": the copy must then
         * come from our own fd, not from whatever file has the name now. */
        size_t len = strlen(exe_path);
        if (len > 10 && strcmp(exe_path + len - 10, " (deleted)") == 0)
                return husk_error_set(err, ENOENT, "overlayfs seal: \"%s\" was replaced", exe_path);

        _cleanup_free_ char *dir = strndup(exe_path, slash == exe_path ? 1 : (size_t) (slash - exe_path));
        _cleanup_free_ char *escaped = dir ? escape_lowerdir(dir) : NULL;
        _cleanup_free_ char *lower = NULL;
        char *tmp = NULL;
        /* Without an upper layer overlayfs wants two lower ones. The second only has to exist and not
         * overlap the first; the binary's directory is on top, so nothing in it can shadow the binary
         * (and the size/mtime check below would notice). /dev is on every system. */
        /* asprintf leaves its pointer undefined on failure: keep the cleanup's NULL. */
        if (!escaped || asprintf(&tmp, "%s:/dev", escaped) < 0)
                return husk_error_errno(err, ENOMEM, "overlayfs seal");
        lower = tmp;

        _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs < 0)
                return husk_error_errno(err, errno, "overlayfs seal: fsopen overlay");
        /* Lower layers only: read-only by construction, which clearing the mount's read-only flag
         * cannot undo (a read-only bind mount could be made writable again). */
        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
                return husk_error_errno(err, errno, "overlayfs seal: lowerdir=%s", lower);
        /* xino is useless here and, across filesystems, only fills dmesg. */
        (void) fsconfig(fs, FSCONFIG_SET_STRING, "xino", "off", 0);
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return husk_error_errno(err, errno, "overlayfs seal: create overlay of %s", dir);
        /* Never attached: the mount lives as long as the fds and the exe mapping that use it, and no
         * host mount table sees it come and go. */
        _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
        if (mnt < 0)
                return husk_error_errno(err, errno, "overlayfs seal: fsmount");
        _cleanup_close_ int fd = openat(mnt, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "overlayfs seal: open %s", slash + 1);

        /* overlayfs has its own st_dev (and may remap st_ino), but size and mtime are the lower file's:
         * enough to notice the name now leads to another binary than the one running. */
        struct stat ours, theirs;
        if (fstat(exe_fd, &ours) < 0 || fstat(fd, &theirs) < 0)
                return husk_error_errno(err, errno, "overlayfs seal: stat %s", exe_path);
        if (!S_ISREG(theirs.st_mode) || ours.st_size != theirs.st_size || ours.st_mtim.tv_sec != theirs.st_mtim.tv_sec ||
            ours.st_mtim.tv_nsec != theirs.st_mtim.tv_nsec)
                return husk_error_set(err, ESTALE, "overlayfs seal: %s is not the running binary", exe_path);
        return steal_fd(fd);
}

static int memfd_exec(const char *name)
{
        /* MFD_EXEC (6.3) says so explicitly: without it a kernel with vm.memfd_noexec set makes the
         * memfd non-executable. Older kernels refuse the flag with EINVAL. */
        int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (fd < 0 && errno == EINVAL)
                fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        return fd;
}

int husk_exe_seal_memfd(int exe_fd, struct husk_error *err)
{
        struct stat st;
        if (fstat(exe_fd, &st) < 0)
                return husk_error_errno(err, errno, "memfd seal: stat /proc/self/exe");
        _cleanup_close_ int fd = memfd_exec("husk-runtime");
        if (fd < 0)
                return husk_error_errno(err, errno, "memfd seal: memfd_create");
        /* copy_file_range refuses to cross filesystems (EXDEV into tmpfs); sendfile does not. */
        off_t off = 0;
        while (off < st.st_size) {
                ssize_t n = sendfile(fd, exe_fd, &off, (size_t) (st.st_size - off));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "memfd seal: copy /proc/self/exe");
                if (n == 0)
                        return husk_error_set(err, EIO, "memfd seal: /proc/self/exe shrank while copied");
        }
        if (fchmod(fd, 0511) < 0)
                return husk_error_errno(err, errno, "memfd seal: chmod");
        /* F_SEAL_EXEC (6.3) also freezes the mode; optional, the write seals are what matter. */
        (void) fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC);
        if (fcntl(fd, F_ADD_SEALS, BASE_SEALS) < 0)
                return husk_error_errno(err, errno, "memfd seal: F_ADD_SEALS");
        return steal_fd(fd);
}

int husk_exe_ensure_sealed(char **argv, struct husk_error *err)
{
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return husk_error_errno(err, errno, "open /proc/self/exe");
        const char *marker = getenv(HUSK_SEALED_EXE_ENV);
        if (husk_exe_is_sealed(self, marker)) {
                /* Nothing the runtime starts (hooks, the container) needs to see it. */
                (void) unsetenv(HUSK_SEALED_EXE_ENV);
                return 0;
        }
        /* We re-executed already and still are not sealed: stop rather than loop. */
        if (marker)
                return husk_error_set(err, ELOOP, "%s=%s is set, but /proc/self/exe is not that sealed copy",
                                      HUSK_SEALED_EXE_ENV, marker);

        _cleanup_close_ int sealed = -1;
        char path[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
        if (n > 0) {
                path[n] = '\0';
                /* Unprivileged, an old kernel, a lowerdir overlayfs refuses: the memfd copy instead. */
                struct husk_error ovl_err = { 0 };
                sealed = husk_exe_seal_overlay(self, path, &ovl_err);
        }
        if (sealed >= 0) {
                struct stat st;
                char value[64];
                if (fstat(sealed, &st) < 0)
                        return husk_error_errno(err, errno, "stat the sealed copy of /proc/self/exe");
                marker_of(&st, value);
                if (setenv(HUSK_SEALED_EXE_ENV, value, 1) < 0)
                        return husk_error_errno(err, errno, "set %s", HUSK_SEALED_EXE_ENV);
        } else {
                sealed = husk_exe_seal_memfd(self, err);
                if (sealed < 0)
                        return husk_error_prefix(err, "cannot protect the runtime binary (CVE-2019-5736): ");
        }
        syscall(SYS_execveat, sealed, "", argv, environ, AT_EMPTY_PATH);
        int e = errno;
        (void) unsetenv(HUSK_SEALED_EXE_ENV);
        return husk_error_errno(err, e, "re-execute from the sealed copy of /proc/self/exe");
}

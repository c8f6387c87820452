/* SPDX-License-Identifier: Apache-2.0 */
/* /dev inside the container: default nodes, linux.devices, the /dev/fd and /dev/std* symlinks, ptmx. */
#include "runtime/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/path.h"

struct default_dev {
        const char *name;
        unsigned int major, minor;
};

/* The runtime-spec's default devices (config-linux.md "Default Devices"), mode 0666 root:root. */
static const struct default_dev default_devs[] = {
        { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
        const char *target, *name;
} dev_symlinks[] = {
        { "/proc/self/fd", "fd" },
        { "/proc/self/fd/0", "stdin" },
        { "/proc/self/fd/1", "stdout" },
        { "/proc/self/fd/2", "stderr" },
};

static void umask_restore(mode_t *old)
{
        (void) umask(*old);
}

bool husk_rootfs_dev_is_tmpfs(const struct husk_spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct husk_mount *m = &spec->mounts[i];
                if (!m->destination || !m->type || strcmp(m->type, "tmpfs") != 0)
                        continue;
                _cleanup_free_ char *d = husk_path_clean(m->destination);
                if (d && strcmp(d, "/dev") == 0)
                        return true;
        }
        return false;
}

/* The container's /dev/null, checked on the opened fd to be the null device: a /dev/null that the
 * image (or a process sharing a volume) made a symlink to, say, /proc/sys/kernel/core_pattern would
 * otherwise have that file bound writable over every masked path (CVE-2025-31133), or become the
 * container's stdio. */
int husk_rootfs_open_null(int root_fd, struct husk_error *err)
{
        _cleanup_close_ int fd = husk_open_in_root(root_fd, "/dev/null", O_PATH, 0, err);
        if (fd < 0)
                return fd;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "stat /dev/null");
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
                return husk_error_set(err, EPERM, "/dev/null in the container is not the null device (char 1:3)");
        return steal_fd(fd);
}

static bool is_null_device(int fd)
{
        struct stat st;
        return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

int husk_rootfs_reopen_null_stdio(const struct husk_spec *spec, int proc_fd, struct husk_error *err)
{
        /* As runc: only a /dev the runtime made; a /dev from the host or a volume is left alone. */
        if (!husk_rootfs_dev_is_tmpfs(spec))
                return 0;
        bool any = false;
        for (int i = 0; i <= 2; i++)
                any = any || is_null_device(i);
        if (!any)
                return 0;

        _cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return husk_error_errno(err, errno, "open \"/\"");
        _cleanup_close_ int path_fd = husk_rootfs_open_null(root_fd, err);
        if (path_fd < 0)
                return husk_error_prefix(err, "reopen stdio on /dev/null: ");
        /* The verified O_PATH fd reopened through the host's procfs: no second lookup of the path. */
        char path[32];
        (void) snprintf(path, sizeof(path), "self/fd/%d", path_fd);
        _cleanup_close_ int fd = openat(proc_fd, path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "reopen stdio on /dev/null: open /dev/null read-write");
        for (int i = 0; i <= 2; i++)
                if (is_null_device(i) && dup3(fd, i, 0) < 0)
                        return husk_error_errno(err, errno, "reopen stdio on /dev/null: dup3 onto fd %d", i);
        return 0;
}

/* Replace dir_fd/name with the node; in a user namespace mknod is refused, so the host's node at
 * host_path is bind mounted onto an empty file instead (runc's bindMountDeviceNode). */
static int make_node(bool in_userns, int dir_fd, const char *name, const char *shown, const char *host_path,
                     mode_t type, mode_t perm, dev_t dev, uid_t uid, gid_t gid, struct husk_error *err)
{
        if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "remove existing \"%s\"", shown);
        if (in_userns) {
                _cleanup_close_ int f = openat(dir_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
                if (f < 0)
                        return husk_error_errno(err, errno, "create \"%s\"", shown);
                _cleanup_close_ int target = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (target < 0)
                        return husk_error_errno(err, errno, "open \"%s\"", shown);
                int r = husk_bind_onto(AT_FDCWD, host_path, target, false, 0, 0, 0, 0);
                if (r < 0)
                        return husk_error_errno(err, -r, "mount \"%s\" on \"%s\"", host_path, shown);
                return 0;
        }
        if (mknodat(dir_fd, name, type | (perm & 07777), dev) < 0)
                return husk_error_errno(err, errno, "mknod \"%s\"", shown);
        if ((uid != 0 || gid != 0) && fchownat(dir_fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(err, errno, "chown \"%s\"", shown);
        return 0;
}

static int config_device(const struct husk_rootfs_ctx *ctx, int root_fd, size_t i, struct husk_error *err)
{
        const struct husk_device *d = &ctx->spec->linux_.devices[i];
        mode_t type;

        switch (d->type) {
        case 'c':
        case 'u':
                type = S_IFCHR;
                break;
        case 'b':
                type = S_IFBLK;
                break;
        case 'p':
                type = S_IFIFO;
                break;
        default:
                return husk_error_set(err, EINVAL, "linux.devices[%zu]: unknown type '%c'", i, d->type);
        }
        if (!d->path || d->path[0] != '/')
                return husk_error_set(err, EINVAL, "linux.devices[%zu]: path must be absolute", i);

        _cleanup_free_ char *clean = husk_path_clean(d->path);
        if (!clean)
                return husk_error_errno(err, ENOMEM, "linux.devices[%zu]", i);
        char *slash = strrchr(clean, '/');
        const char *base = slash + 1;
        if (!*base || strcmp(base, "..") == 0)
                return husk_error_set(err, EINVAL, "linux.devices[%zu]: invalid path \"%s\"", i, d->path);
        *slash = '\0';
        _cleanup_close_ int dir = husk_mkdir_in_root(root_fd, *clean ? clean : "/", 0755, false, err);
        if (dir < 0)
                return husk_error_prefix(err, "linux.devices[%zu]: ", i);

        mode_t perm = d->has_file_mode ? d->file_mode : 0666;
        dev_t dev = type == S_IFIFO ? 0 : makedev((unsigned int) d->major, (unsigned int) d->minor);
        int r = make_node(ctx->in_userns, dir, base, d->path, d->path, type, perm, dev,
                          d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, err);
        if (r < 0)
                return husk_error_prefix(err, "linux.devices[%zu]: ", i);
        return 0;
}

static bool listed_in_config(const struct husk_spec *spec, const char *name)
{
        for (size_t i = 0; spec->has_linux && i < spec->linux_.n_devices; i++) {
                const char *p = spec->linux_.devices[i].path;
                if (p && strncmp(p, "/dev/", 5) == 0 && strcmp(p + 5, name) == 0)
                        return true;
        }
        return false;
}

static int default_dev_tree(const struct husk_rootfs_ctx *ctx, int root_fd, struct husk_error *err)
{
        _cleanup_close_ int dev = husk_open_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY, 0, err);
        if (dev < 0)
                return dev;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(default_devs); i++) {
                const struct default_dev *dd = &default_devs[i];
                char path[32];
                if (listed_in_config(ctx->spec, dd->name))
                        continue; /* linux.devices replaces it below: do not make it twice */
                (void) snprintf(path, sizeof(path), "/dev/%s", dd->name);
                /* In a user namespace the host's node of the same path is bound instead. */
                int r = make_node(ctx->in_userns, dev, dd->name, path, path, S_IFCHR, 0666,
                                  makedev(dd->major, dd->minor), 0, 0, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(dev_symlinks); i++)
                if (symlinkat(dev_symlinks[i].target, dev, dev_symlinks[i].name) < 0 && errno != EEXIST)
                        return husk_error_errno(err, errno, "symlink \"/dev/%s\"", dev_symlinks[i].name);
        /* Before pivot, so this is the host's /proc: runc links /dev/core only where kcore exists. */
        if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 && errno != EEXIST)
                return husk_error_errno(err, errno, "symlink \"/dev/core\"");
        /* The devpts instance mounted with newinstance has its own ptmx; /dev/ptmx must lead to it, not
         * to the host's multiplexer. */
        if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "remove \"/dev/ptmx\"");
        if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
                return husk_error_errno(err, errno, "symlink \"/dev/ptmx\"");
        return 0;
}

int husk_rootfs_setup_dev(const struct husk_rootfs_ctx *ctx, int root_fd, struct husk_error *err)
{
        /* Device modes from the config are exact only without the inherited umask. */
        _cleanup_(umask_restore) mode_t old_umask = umask(0);
        (void) old_umask;
        int r;

        if (husk_rootfs_dev_is_tmpfs(ctx->spec)) {
                r = default_dev_tree(ctx, root_fd, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; ctx->spec->has_linux && i < ctx->spec->linux_.n_devices; i++) {
                r = config_device(ctx, root_fd, i, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

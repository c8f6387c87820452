/* SPDX-License-Identifier: Apache-2.0 */
/* linux.maskedPaths and linux.readonlyPaths, after pivot_root. */
#include "runtime/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/path.h"

/* A missing path is skipped (runc); anything else that fails to open is an error. */
static int open_optional(int root_fd, const char *path, struct husk_error *err)
{
        int fd = husk_open_in_root(root_fd, path, O_PATH, 0, err);
        if (fd == -ENOENT) {
                husk_error_clear(err);
                return -ENOENT;
        }
        return fd;
}

int husk_rootfs_readonly_paths(const struct husk_spec *spec, int root_fd, struct husk_error *err)
{
        for (size_t i = 0; spec->has_linux && i < spec->linux_.n_readonly_paths; i++) {
                const char *path = spec->linux_.readonly_paths[i];
                _cleanup_close_ int fd = open_optional(root_fd, path, err);
                if (fd == -ENOENT)
                        continue;
                if (fd < 0)
                        return husk_error_prefix(err, "linux.readonlyPaths[%zu]: ", i);
                /* Clone, make read-only, attach: one recursive pass, and it covers submounts too,
                 * which runc's MS_REMOUNT|MS_REC does not (the remount only touches the top mount). */
                int r = husk_bind_onto(fd, "", fd, true, 0, 0, MOUNT_ATTR_RDONLY, 0);
                if (r < 0)
                        return husk_error_errno(err, -r, "linux.readonlyPaths[%zu]: bind \"%s\" read-only", i, path);
        }
        return 0;
}

/* One empty read-only tmpfs serves every masked directory: a clone of it is attached to each, which
 * saves a superblock per directory. */
static int masking_tmpfs(const char *mount_label, struct husk_error *err)
{
        _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0)
                return husk_error_errno(err, errno, "fsopen tmpfs");
        /* linux.mountLabel, as runc gives its masking tmpfs (fsconfig takes the value unquoted). */
        if (mount_label && mount_label[0] && fsconfig(fs, FSCONFIG_SET_STRING, "context", mount_label, 0) < 0)
                return husk_error_errno(err, errno, "masking tmpfs: linux.mountLabel \"%s\"", mount_label);
        if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "0", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", "1", 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return husk_error_errno(err, errno, "create masking tmpfs");
        int m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (m < 0)
                return husk_error_errno(err, errno, "fsmount masking tmpfs");
        return m;
}

int husk_rootfs_masked_paths(const struct husk_spec *spec, int root_fd, struct husk_error *err)
{
        _cleanup_close_ int tmpfs = -1, devnull = -1;

        for (size_t i = 0; spec->has_linux && i < spec->linux_.n_masked_paths; i++) {
                const char *path = spec->linux_.masked_paths[i];
                _cleanup_close_ int fd = open_optional(root_fd, path, err);
                if (fd == -ENOENT)
                        continue;
                if (fd < 0)
                        return husk_error_prefix(err, "linux.maskedPaths[%zu]: ", i);
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return husk_error_errno(err, errno, "linux.maskedPaths[%zu]: stat \"%s\"", i, path);
                int r;
                if (S_ISDIR(st.st_mode)) {
                        if (tmpfs < 0) {
                                tmpfs = masking_tmpfs(spec->linux_.mount_label, err);
                                if (tmpfs < 0)
                                        return husk_error_prefix(err, "linux.maskedPaths[%zu]: ", i);
                                /* The first directory gets the new mount itself; the fd then refers
                                 * to an attached mount, which open_tree can clone on any kernel
                                 * (cloning a detached fsmount() needs 6.15). */
                                r = move_mount(tmpfs, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
                                            ? -errno
                                            : 0;
                        } else {
                                r = husk_bind_onto(tmpfs, "", fd, false, 0, 0, 0, 0);
                        }
                } else {
                        if (devnull < 0) {
                                devnull = husk_rootfs_open_null(root_fd, err);
                                if (devnull < 0)
                                        return husk_error_prefix(err, "linux.maskedPaths[%zu]: ", i);
                        }
                        r = husk_bind_onto(devnull, "", fd, false, 0, 0, 0, 0);
                }
                if (r < 0)
                        return husk_error_errno(err, -r, "linux.maskedPaths[%zu]: mask \"%s\"", i, path);
        }
        return 0;
}

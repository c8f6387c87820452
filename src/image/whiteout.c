/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI whiteouts (image-spec layer.md) in overlayfs's form, so that a layer directory can be a lowerdir
 * as it is: ".wh.NAME" becomes a 0:0 character device NAME, ".wh..wh..opq" the opaque xattr on its
 * directory. A whiteout applies only to the layers below (layer.md: "Files that are present in the same
 * layer as a whiteout file can only be hidden by whiteout files in subsequent layers"): when this layer
 * has NAME already, NAME stays, and if it is a directory it is made opaque, which hides the lower NAME's
 * children as the whiteout asked. umoci keeps same-layer entries the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/unpack-internal.h"
#include "util/cleanup.h"

int unpack_set_opaque(struct unpack_ctx *u, int dir_fd, struct husk_error *err)
{
        char path[32];

        /* Through /proc/self/fd so that an O_PATH fd does; the fd is the directory itself. */
        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", dir_fd);
        if (setxattr(path, u->opaque_xattr, "y", 1, 0) < 0)
                return husk_error_errno(err, errno, "set %s", u->opaque_xattr);
        return 0;
}

static bool invalid_target(const char *target)
{
        return !*target || strcmp(target, ".") == 0 || strcmp(target, "..") == 0;
}

int unpack_whiteout(struct unpack_ctx *u, const char *parent, const char *base, const struct timespec times[2],
                    struct husk_error *err)
{
        bool opaque = strcmp(base, WHITEOUT_OPAQUE) == 0;
        const char *target = base + strlen(WHITEOUT_PREFIX);

        if (!opaque && strncmp(base, WHITEOUT_META_PREFIX, strlen(WHITEOUT_META_PREFIX)) == 0)
                return 0;
        /* ".wh." alone, ".wh.." and ".wh...": would remove the directory itself or its parent. */
        if (!opaque && invalid_target(target))
                return husk_error_set(err, EINVAL, "invalid whiteout: no name to remove, or \".\" or \"..\"");

        int pfd = unpack_open_parent(u, parent, err);
        if (pfd < 0)
                return pfd;
        if (opaque)
                return unpack_set_opaque(u, pfd, err);

        struct stat st;
        if (fstatat(pfd, target, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (!S_ISDIR(st.st_mode))
                        return 0;       /* this layer's own entry, or a whiteout already */
                _cleanup_close_ int fd = openat(pfd, target, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return husk_error_errno(err, errno, "open \"%s\"", target);
                return unpack_set_opaque(u, fd, err);
        }
        if (errno != ENOENT)
                return husk_error_errno(err, errno, "stat \"%s\"", target);
        /* 0:0 needs no CAP_MKNOD since Linux 5.8, so this works rootless too. */
        if (mknodat(pfd, target, S_IFCHR | 0000, makedev(0, 0)) < 0)
                return husk_error_errno(err, errno, "create the whiteout \"%s\"", target);
        /* The whiteout entry's times, so that unpacking the same layer twice gives the same tree. */
        if (utimensat(pfd, target, times, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(err, errno, "set the times of the whiteout \"%s\"", target);
        return 0;
}

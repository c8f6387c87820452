/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's root filesystem, built inside the container's (new) mount namespace by its init.
 * Called in this order, with createContainer hooks between prepare and pivot.
 */
#pragma once

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

struct husk_rootfs_ctx {
        const struct husk_spec *spec;
        const char *rootfs;  /* absolute host path of root.path, resolved against the bundle */
        bool no_pivot;       /* --no-pivot: chroot (after moving the root mount) instead of pivot_root */
        bool in_userns;      /* a new user namespace: devices are bind mounted, not mknod'ed */
};

/* Make mounts private (or rootfsPropagation), bind the rootfs onto itself, perform every entry of
 * `mounts` (creating destinations safely inside the root), build /dev (default devices plus
 * linux.devices, /dev/pts + ptmx, /dev/shm, /dev/fd and /dev/std* symlinks) when /dev is a tmpfs. */
int husk_rootfs_prepare(const struct husk_rootfs_ctx *ctx, struct husk_error *err);

/* pivot_root (or chroot with no_pivot) into the rootfs; afterwards "/" is the container root and the
 * old root is detached. */
int husk_rootfs_pivot(const struct husk_rootfs_ctx *ctx, struct husk_error *err);

/* After pivot: a missing process.cwd created, maskedPaths, readonlyPaths, root.readonly, final
 * rootfsPropagation. */
int husk_rootfs_finalize(const struct husk_rootfs_ctx *ctx, struct husk_error *err);

/* After pivot, when /dev is the runtime's tmpfs: stdio fds on the null device (a client such as
 * containerd's shim hands its /dev/null opened read-only as stdout) become the container's /dev/null
 * opened read-write, as runc's reOpenDevNull does. proc_fd: the host's procfs (util/procfs.h). */
int husk_rootfs_reopen_null_stdio(const struct husk_spec *spec, int proc_fd, struct husk_error *err);

/* After pivot, with the container's /proc mounted: write linux.sysctl. */
int husk_sysctl_apply(const struct husk_spec *spec, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's root filesystem from an image: an overlayfs of the image's layers (read-only, shared)
 * plus the container's own upper and work directories, or, where overlayfs is unavailable, a copy of
 * the layers (the "copy" driver: slow, correct). The engine owns the container directory; this file
 * only fills and mounts it.
 *
 * In <container dir>: upper/ work/ (overlay) or the copy in merged/ (copy driver); merged/ is the mount
 * point given to the runtime as root.path.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "image/store.h"
#include "util/error.h"

enum husk_rootfs_driver {
        HUSK_ROOTFS_AUTO = 0,   /* overlay when the kernel has it and the store's filesystem takes it */
        HUSK_ROOTFS_OVERLAY,
        HUSK_ROOTFS_COPY,
};

struct husk_rootfs_opts {
        enum husk_rootfs_driver driver;
        bool volatile_upper;    /* overlay "volatile": no fsync of the upper layer (the user opts in) */
        bool rootless;          /* userxattr */
        bool legacy_mount;      /* mount(2) with the short l/ names even where fsconfig "lowerdir+" exists:
                                   the path of kernels before 6.8, for tests */
        bool idmap;             /* the layers seen through idmapped mounts with the mapping of idmap_userns_fd
                                   (the container's user namespace): their files owned by 0 on disk are the
                                   namespace's root. upper/ is not idmapped (overlayfs makes work/ files with
                                   the mounter's ids, and host root has none in the mapping: EOVERFLOW), so
                                   what the container writes is owned by the range's host ids on disk.
                                   Overlay only (fsconfig layers by fd, Linux 6.13) */
        int idmap_userns_fd;
};

/* Which driver AUTO means on this host for this store, and why ("overlay", "copy: overlayfs is not in
   /proc/filesystems", "copy: HUSK_ROOTFS_DRIVER=copy"): a tiny volatile overlay made in tmp/ and dropped
   unattached (1-30 ms on a busy ext4). For `husk info`-like reports; husk_rootfs_mount does not call it
   unless an AUTO overlay mount fails. */
int husk_rootfs_probe(struct husk_store *s, enum husk_rootfs_driver *ret, char *why, size_t why_len,
                      struct husk_error *err);

/*
 * Prepare <container_dirfd>/{upper,work,merged} for the image (layers top to bottom from its record)
 * and mount merged/. Deep stacks and long option strings are handled (fsconfig "lowerdir+" one layer
 * at a time on kernels that have it, else the short l/ names relative to the store root, as podman
 * does). Fails with nothing mounted and nothing left in the container directory it made.
 * AUTO: the driver a container already has (upper/: overlay; merged/ alone: copy), else
 * $HUSK_ROOTFS_DRIVER, else overlay, and the copy only when that mount fails and the probe says
 * overlayfs cannot work here (rootfs_layers.h). *ret_driver is what was used: keep it with the container.
 */
int husk_rootfs_mount(struct husk_store *s, const struct husk_image *img, int container_dirfd,
                      const struct husk_rootfs_opts *opts, enum husk_rootfs_driver *ret_driver,
                      struct husk_error *err);
/* Unmount merged/ (MNT_DETACH if busy). The upper layer stays for diff/commit/restart. */
int husk_rootfs_unmount(int container_dirfd, struct husk_error *err);
/* Unmount and remove upper/ work/ merged/ (and a killed copy's merged.tmp/); nothing there is fine.
 * Nothing is synced first: a root mounted volatile_upper and removed this way never waits for the disk. */
int husk_rootfs_remove(int container_dirfd, struct husk_error *err);

/* ---- disk usage of a container's own layer (`husk system df`) ---- */
struct husk_rootfs_usage {
        uint64_t bytes;         /* on disk (st_blocks), each inode once: upper/ and work/, or the copy */
        uint64_t apparent;      /* sizes of the regular files and symlinks, each inode once (Docker's SizeRw) */
        uint64_t inodes;
};
/* What the container's root adds to the image's layers: upper/ and work/ of an overlay root (merged/
   itself, a mount, is not counted), merged/ of a copy. Missing directories count 0. */
int husk_rootfs_usage(int container_dirfd, struct husk_rootfs_usage *ret, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layer-level half of rootfs.h: a container root made from layer directories given as fds, without
 * the store's records. husk_rootfs_mount() is this over the store's layers; tests and tools give their
 * own directories.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "image/rootfs.h"
#include "util/error.h"

/* The most layers overlayfs stacks (OVL_MAX_STACK of fs/overlayfs, unchanged since 4.x). */
#define HUSK_ROOTFS_MAX_LAYERS 500

struct husk_rootfs_layer {
        int fd;                 /* the layer's diff/ directory: O_RDONLY|O_DIRECTORY (fsconfig takes no O_PATH) */
        const char *link;       /* its short name under l/ of husk_rootfs_stack.links_fd; NULL: none */
        const char *what;       /* names it in errors (a diffid, a path) */
};

struct husk_rootfs_stack {
        const struct husk_rootfs_layer *layers; /* top first, as overlayfs's lowerdir lists them */
        size_t n;                               /* 0: an image without layers */
        int links_fd;                           /* the directory holding l/ (the store root); -1: none */
        /* The short name of layer i where layers[i].link is NULL, asked only by the mount(2) path of
           kernels before 6.8 (the store reads it from layer.json: ~35 us a layer, which the fsconfig
           path never pays). May be NULL. */
        int (*get_link)(void *ctx, size_t i, char ret[static 32], struct husk_error *err);
        void *get_link_ctx;
};

/*
 * Which driver AUTO means for an upper layer on the filesystem of scratch_dirfd: HUSK_ROOTFS_DRIVER
 * (overlay|copy) in the environment decides first, then a tiny overlay is made (and never attached) in
 * a temporary directory under scratch_dirfd, which is removed again. why gets "overlay" or "copy: "
 * and the reason.
 */
int husk_rootfs_probe_at(int scratch_dirfd, const struct husk_rootfs_opts *opts, enum husk_rootfs_driver *ret,
                         char *why, size_t why_len, struct husk_error *err);

/* HUSK_ROOTFS_DRIVER (overlay|copy): 1 and the driver when set, 0 when not, -EINVAL naming a bad value. */
int husk_rootfs_driver_from_env(enum husk_rootfs_driver *ret, char *why, size_t why_len, struct husk_error *err);

/*
 * husk_rootfs_mount() for a stack of layer fds. AUTO keeps the driver a container already has (upper/
 * exists: overlay; merged/ without upper/: a finished copy), else takes HUSK_ROOTFS_DRIVER, else mounts
 * the overlay, and only when that fails asks the probe (in scratch_dirfd, -1: the container directory):
 * a copy when the probe says overlayfs cannot work here, the overlay's error when it says it can. The
 * probe's directories and its superblock cost 1-30 ms on a busy ext4; the happy path pays none of it.
 */
int husk_rootfs_mount_stack(const struct husk_rootfs_stack *st, int container_dirfd, int scratch_dirfd,
                            const struct husk_rootfs_opts *opts, enum husk_rootfs_driver *ret_driver,
                            struct husk_error *err);

/* ---- the drivers (rootfs_overlay.c, rootfs_copy.c), called by rootfs_mount.c ---- */

/* The overlay's fs context after FSCONFIG_CMD_CREATE (for fsmount), or -EOPNOTSUPP with no error set when
   the kernel takes no "lowerdir+" and the stack has several layers. The probe makes one and drops it. */
int husk_rootfs_overlay_create(const struct husk_rootfs_stack *st, int upper_fd, int work_fd,
                               const struct husk_rootfs_opts *opts, struct husk_error *err);

/* Mount the overlay (or, for n == 0, upper/ bound on merged/) on merged_fd (O_PATH of merged/). upper_fd
   and work_fd are the container's upper/ and work/, O_RDONLY|O_DIRECTORY. */
int husk_rootfs_overlay_mount(const struct husk_rootfs_stack *st, int upper_fd, int work_fd, int merged_fd,
                              const struct husk_rootfs_opts *opts, struct husk_error *err);

/* Copy the layers, bottom first, into the empty directory dst_fd, applying overlayfs whiteouts (0:0
   character devices delete, the opaque xattr clears) and keeping owners, modes, xattrs, hard links and
   times. Leaves a partial tree on error: the caller removes it. */
int husk_rootfs_copy_layers(const struct husk_rootfs_stack *st, int dst_fd, const struct husk_rootfs_opts *opts,
                            struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the rootfs area (rootfs.c, mounts.c, devices.c, masked.c, sysctl.c) and its tests. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "oci/spec.h"
#include "runtime/rootfs.h"
#include "util/error.h"

/* A mount's "options" list, split the way runc does. */
struct husk_mount_options {
        unsigned long flags;       /* MS_* to pass to mount(2): ro, nosuid, ..., bind, rec, remount */
        unsigned long cleared;     /* MS_* explicitly turned off (rw, suid, dev, exec, ...) */
        unsigned long propagation; /* MS_PRIVATE|MS_SHARED|MS_SLAVE|MS_UNBINDABLE, maybe |MS_REC */
        uint64_t rattr_set;        /* MOUNT_ATTR_* applied recursively with mount_setattr */
        uint64_t rattr_clr;
        bool tmpcopyup;
        char *data; /* everything else, comma-joined, for the filesystem; NULL when empty */
};

void husk_mount_options_done(struct husk_mount_options *o);

/* Parse options (NULL-terminated, may be NULL). Fails only on allocation. */
int husk_mount_options_parse(char *const *options, struct husk_mount_options *ret, struct husk_error *err);

/* The MOUNT_ATTR_* set/clear pair equivalent to the per-mount MS_* flags of `o` (for binds, which are
 * done with open_tree + mount_setattr + move_mount; flags not expressed leave the source's, and thus
 * any locked ones, untouched). */
void husk_mount_options_to_attr(const struct husk_mount_options *o, uint64_t *ret_set, uint64_t *ret_clr);

/* "private", "rslave" ... -> MS_* (with MS_REC for the r-forms); 0 when unknown. */
unsigned long husk_propagation_from_string(const char *s);

/* Whether the spec creates (path == NULL) or joins a namespace of this type. */
bool husk_rootfs_has_ns(const struct husk_spec *spec, enum husk_ns_type type);

/* Perform mounts[i] inside root_fd. */
int husk_mount_one(const struct husk_rootfs_ctx *ctx, int root_fd, size_t i, struct husk_error *err);

/* The cgroup filesystem at `dest_fd` (an O_PATH fd of the destination inside the root). */
int husk_mount_cgroup(const struct husk_rootfs_ctx *ctx, int root_fd, const char *dest,
                      const struct husk_mount_options *o, struct husk_error *err);

/* Bind `src_dirfd`/`src` (AT_FDCWD / host path, or fd + "") onto dest_fd with the new mount API.
 * attr_set/attr_clr are applied to the top mount, rattr_* to the whole tree. */
int husk_bind_onto(int src_dirfd, const char *src, int dest_fd, bool recursive, uint64_t attr_set,
                   uint64_t attr_clr, uint64_t rattr_set, uint64_t rattr_clr);

/* Copy the content of src_dir_fd (the directory under a new tmpfs) into dst_dir_fd (its root),
 * keeping modes, owners and symlinks: the "tmpcopyup" option. */
int husk_mount_tmpcopyup(int src_dir_fd, int dst_dir_fd, struct husk_error *err);

/* A whole small file (/proc/self/mountinfo, /proc/self/cgroup) into *ret, NUL-terminated. */
int husk_rootfs_read_text(const char *path, char **ret, struct husk_error *err);

/* Whether spec->mounts has a tmpfs on /dev. */
bool husk_rootfs_dev_is_tmpfs(const struct husk_spec *spec);

/* The container's /dev/null (O_PATH), refused unless it is the null device. */
int husk_rootfs_open_null(int root_fd, struct husk_error *err);

/* Default devices when /dev is a tmpfs, linux.devices, /dev symlinks and ptmx. Before pivot. */
int husk_rootfs_setup_dev(const struct husk_rootfs_ctx *ctx, int root_fd, struct husk_error *err);

/* After pivot, inside the new root. */
int husk_rootfs_readonly_paths(const struct husk_spec *spec, int root_fd, struct husk_error *err);
int husk_rootfs_masked_paths(const struct husk_spec *spec, int root_fd, struct husk_error *err);

/* Whether a linux.sysctl key may be set given the spec's namespaces (runc's rules). Pure. */
int husk_sysctl_validate(const struct husk_spec *spec, const char *key, struct husk_error *err);

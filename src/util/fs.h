/* SPDX-License-Identifier: Apache-2.0 */
/* Small file helpers. Every fd is O_CLOEXEC. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Read a whole file (dirfd may be AT_FDCWD). *ret is NUL-terminated; *ret_len excludes the NUL. */
int husk_read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len, struct husk_error *err);

/* write(2) until all of buf is written (EINTR retried). 0 or a negative errno. */
int husk_write_all(int fd, const void *buf, size_t len);

/* Write data to an existing file (O_WRONLY, no O_CREAT, no O_TRUNC: /proc and /sys files). */
int husk_write_file_at(int dirfd, const char *path, const char *data, size_t len, struct husk_error *err);

/* Write a file atomically: temp file in the same directory, then rename over `path`. No fsync unless
 * `durable` (runtime state is volatile by design; the image store is durable). */
int husk_write_file_atomic_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                              bool durable, struct husk_error *err);

/* mkdir -p on the host (not for paths inside a container: see util/path.h). */
int husk_mkdir_p(const char *path, mode_t mode, struct husk_error *err);

/* rm -rf of a directory relative to dirfd, without following symlinks; missing is not an error. */
int husk_rm_rf_at(int dirfd, const char *path, struct husk_error *err);

/* An idmapped copy of the mount tree at dirfd/path (open_tree OPEN_TREE_CLONE + mount_setattr
 * MOUNT_ATTR_IDMAP with userns_fd's mapping), detached: the returned fd keeps it alive (and attached to
 * its anonymous mount namespace, which overlayfs asks of its layers) until it is closed. */
int husk_idmap_clone(int dirfd, const char *path, int userns_fd, struct husk_error *err);

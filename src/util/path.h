/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Paths inside a container's root, resolved so that no symlink (absolute or "..") can lead outside
 * it: openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), with a component-by-component fallback for
 * kernels without openat2 that keeps the same guarantee.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* Open `path` (absolute or relative, interpreted inside root_fd) with open(2) flags and mode.
 * O_CLOEXEC is always added. Returns the fd or a negative errno. */
int husk_open_in_root(int root_fd, const char *path, int flags, mode_t mode, struct husk_error *err);

/* Create every missing directory of `path` inside root_fd (mode for the created ones) and return an
 * O_PATH fd of the last one. With `last_is_file`, the last component is created as an empty regular
 * file instead (for bind mounts of files). */
int husk_mkdir_in_root(int root_fd, const char *path, mode_t mode, bool last_is_file, struct husk_error *err);

/* 0 when `path` inside root_fd reaches the same inode as `fd` without going through any symlink or
 * "..": -ELOOP when a component is a symlink, -EXDEV when it reaches another inode, -EINVAL for "..".
 * For mount destinations the runtime writes below later (/proc, /sys). */
int husk_path_check_no_symlinks(int root_fd, const char *path, int fd);

/* Lexical clean-up: collapse "//", "/./" and trailing "/"; ".." is kept. Caller frees. */
char *husk_path_clean(const char *path);

/* Lexical clean-up of a name inside a root (tar entries, hard link targets): relative, "//" and "."
 * dropped, ".." clamped at the root as RESOLVE_IN_ROOT does ("../../etc/x" is "etc/x"; "/", "." and
 * ".." are ""). Into out (size bytes); -ENAMETOOLONG when it does not fit. */
int husk_path_clean_in_root(const char *path, char *out, size_t size);

/* "/proc/self/fd/N" into buf (at least 32 bytes). */
const char *husk_fd_path(int fd, char buf[static 32]);

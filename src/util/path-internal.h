/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two resolvers behind util/path.h, exposed so the tests can exercise the fallback walker on a
 * kernel that has openat2. Not for use outside util/path.c and its tests.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); -ENOSYS when the kernel lacks it. */
int husk_path_openat2_in_root(int root_fd, const char *path, int flags, mode_t mode);

/* The component-by-component walker. With `create`, missing components are made (directories with
 * `mode`, or the last one as an empty file when `last_is_file`) and an O_PATH fd is returned; without,
 * the last component is opened with `flags` / `mode`. Never follows a symlink out of root_fd. */
int husk_path_walk_in_root(int root_fd, const char *path, int flags, mode_t mode, bool create,
                           bool last_is_file);

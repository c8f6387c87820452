/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A handle on the real procfs, and files beneath it opened so that nothing mounted or linked by a
 * container can redirect them (CVE-2019-16884: a volume over /proc turned the AppArmor label write
 * into a write to a plain file; CVE-2025-52881: procfs files bound or linked over the attr files
 * redirected the label write to another procfs file).
 *
 * The handle is verified on the opened fd (fstatfs f_type == PROC_SUPER_MAGIC, and the inode of the
 * procfs root, so a procfs subdirectory bound over /proc is refused too). Files beneath it are opened
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV): no
 * symlink, no magic link and no mount crossing anywhere on the path, so any overmount fails with
 * EXDEV; the opened file is then checked to be on procfs as well. openat2 (Linux 5.6) is required:
 * husk's mount code needs 5.12 already, so there is no fallback resolver to keep tested.
 *
 * /proc/thread-self is a symlink and is never followed: its target ("<tgid>/task/<tid>", in the pid
 * namespace the procfs belongs to) is read with readlinkat and opened as a plain path.
 */
#pragma once

#include "util/error.h"

#define HUSK_PROC_SUPER_MAGIC 0x9fa0
#define HUSK_PROC_ROOT_INO 1

/* Open /proc (O_PATH, O_CLOEXEC) and verify it. Call it while the mount table is still trusted: in the
 * container's init, before anything from the config or the image is mounted. Returns the fd. */
int husk_procfs_open(struct husk_error *err);

/* Verify that fd is the root of a procfs. `what` names it in the error. */
int husk_procfs_verify_root(int fd, const char *what, struct husk_error *err);

/* Open `path` (relative, e.g. "sys/kernel/ostype") beneath the verified proc_fd with open(2) flags
 * (O_CLOEXEC is added, and O_NOCTTY unless O_PATH). Errors name "/proc/<path>". Returns the fd. */
int husk_procfs_openat(int proc_fd, const char *path, int flags, struct husk_error *err);

/* Open "<subpath>" of the calling thread ("attr/exec"), without following /proc/thread-self.
 * Errors name "/proc/thread-self/<subpath>". Returns the fd. */
int husk_procfs_open_thread_self(int proc_fd, const char *subpath, int flags, struct husk_error *err);

/* Write `value` to the calling thread's "<subpath>" in one write(2), as the LSM attr files require.
 * An error of the open names "open /proc/thread-self/<subpath>", of the write "write ...". */
int husk_procfs_write_thread_self(int proc_fd, const char *subpath, const char *value, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736: a container process that reaches /proc/<pid>/exe of a process running the runtime
 * (the init before it execs, a hook's parent, or the runtime itself run through a "#!/proc/self/exe"
 * entrypoint) must not be able to write the runtime's binary on the host. The commands that enter a
 * container re-execute themselves from a copy nobody can write: a file of a private read-only
 * overlayfs mount (no upper layer: read-only whatever the mount flags, and never attached anywhere),
 * or a sealed memfd where overlayfs cannot be mounted (unprivileged, old kernels). docs/security.md.
 */
#pragma once

#include <stdbool.h>

#include "util/error.h"

/* Set by the re-exec to "<dev>:<ino>" of the overlayfs file it executes; removed from the environment
 * again by the re-executed process. A memfd needs no marker: its seals say it all. */
#define HUSK_SEALED_EXE_ENV "_HUSK_SEALED_EXE"

/* Re-execute argv (main's, NULL-terminated) from a sealed copy of /proc/self/exe unless the process
 * already runs from one. Returns 0 when it does; does not return when the re-exec succeeds. */
int husk_exe_ensure_sealed(char **argv, struct husk_error *err);

/* Whether exe_fd (an fd of /proc/self/exe) is a sealed memfd, or the overlayfs file that `marker`
 * (the value of HUSK_SEALED_EXE_ENV, may be NULL) names. */
bool husk_exe_is_sealed(int exe_fd, const char *marker);

/* The two ways of making the sealed copy; both return an O_CLOEXEC fd to execveat(AT_EMPTY_PATH).
 * overlay: exe_path is the binary's path (readlink of /proc/self/exe); exe_fd is checked to be the
 * same file. memfd: copies exe_fd. */
int husk_exe_seal_overlay(int exe_fd, const char *exe_path, struct husk_error *err);
int husk_exe_seal_memfd(int exe_fd, struct husk_error *err);

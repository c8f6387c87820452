/* SPDX-License-Identifier: Apache-2.0 */
/* The container process: its identity, privileges and limits, then exec. Runs inside the init. */
#pragma once

#include "oci/spec.h"
#include "util/error.h"

/* Everything done while still fully privileged: rlimits, oomScoreAdj, scheduler, ioPriority,
 * personality, umask. Must run before husk_process_drop_privileges(). */
int husk_process_apply_limits(const struct husk_process *p, const struct husk_linux *lx, struct husk_error *err);

/* cwd (resolved inside the root), supplementary groups, gid, uid, then the capability sets in the order
 * that keeps them: bounding dropped first, PR_SET_KEEPCAPS across setresuid, then
 * effective/permitted/inheritable with capset, then ambient; then no_new_privs.
 * (seccomp, issue 4, comes after this and last before exec.) */
int husk_process_drop_privileges(const struct husk_process *p, struct husk_error *err);

/* Find args[0]: as is when it contains '/', else searched in the PATH of process.env (not the
 * runtime's). Done at create time, inside the container after pivot, so a missing executable fails
 * `create` (as runc does) rather than `start`. Error: "exec: \"foo\": executable file not found in $PATH". */
int husk_process_resolve_exec(const struct husk_process *p, char **ret_path, struct husk_error *err);

/* execve(path, args, env); HOME is added from the container's /etc/passwd (or "/") when env lacks it.
 * Returns only on failure, with a message naming the executable. */
int husk_process_exec(const struct husk_process *p, const char *path, struct husk_error *err);

/* Mark every fd >= 3 + preserve_fds close-on-exec (close_range, with a /proc/self/fd fallback). */
int husk_process_close_fds(int preserve_fds, struct husk_error *err);

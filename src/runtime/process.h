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

/* execve args[0], searched in the PATH of process.env (not the runtime's). Returns only on failure,
 * with a message naming the executable ("exec \"foo\": No such file or directory"). */
int husk_process_exec(const struct husk_process *p, struct husk_error *err);

/* Mark every fd >= 3 + preserve_fds close-on-exec (close_range, with a /proc/self/fd fallback). */
int husk_process_close_fds(int preserve_fds, struct husk_error *err);

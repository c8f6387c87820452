/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The processes of a container found through /proc, for containers without a cgroup (a rootless
 * container on cgroup v1, or on v2 without a delegated subtree) and for kill --all without one.
 * Internal to libhusk. With its own pid namespace a container's processes are exactly that
 * namespace's members; without one, the best evidence of membership is descent from the init (a
 * process that daemonised away from the init escapes this; a cgroup would not let it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* The container's processes, the init included (host pids, unsorted). Caller frees. */
int husk_members_list(pid_t init_pid, bool own_pid_ns, pid_t **ret, size_t *ret_n, struct husk_error *err);

/* Send sig to every process of the container but the init (which the caller signals last), each
 * through a pidfd; in a pid namespace only while the pid is still a member, so a pid reused since the
 * scan is never signalled. */
int husk_members_signal(pid_t init_pid, bool own_pid_ns, int sig, struct husk_error *err);

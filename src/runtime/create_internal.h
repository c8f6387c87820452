/* SPDX-License-Identifier: Apache-2.0 */
/* Steps of create (container_create.c) that restore (checkpoint_restore.c) takes too. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "runtime/runtime.h"
#include "util/error.h"

struct husk_cgroup;

/* The rootfs: root.path (relative to the bundle) resolved, which must be a directory. */
int husk_resolve_rootfs(const char *bundle, const char *root_path, char **ret, struct husk_error *err);

/* The container's cgroup, with its resources applied; *ret stays NULL on a host without cgroups. */
int husk_create_cgroup(const struct husk_runtime *rt, const struct husk_spec *spec, const char *id,
                       struct husk_cgroup **ret, struct husk_error *err);

/* The current time as RFC 3339 (UTC, nanoseconds), for the state's "created". */
void husk_rfc3339_now(char buf[static 80]);

/* --pid-file: the pid without a newline (as runc), written atomically. */
int husk_write_pid_file(const char *path, pid_t pid, struct husk_error *err);

/* The end of a failed create or restore, after its init was killed: unless committed, the cgroup's
 * remaining processes killed and the cgroup and state directory removed; then the cgroup handle and
 * the fds released (each may be -1 / NULL). */
void husk_create_release(struct husk_cgroup *cg, int root_fd, int dir_fd, int init_pidfd, const char *id,
                         bool committed);

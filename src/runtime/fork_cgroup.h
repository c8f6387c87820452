/* SPDX-License-Identifier: Apache-2.0 */
/* fork() straight into a container's v2 cgroup (clone3 CLONE_INTO_CGROUP). Internal to libhusk. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/cgroup/cgroup.h"

/* fork(), the child born in cg's v2 cgroup when it has one and the kernel can (*ret_inside true);
 * otherwise a plain fork, and the child joins with husk_cgroup_enter_self. cg may be NULL. */
pid_t husk_fork_into_cgroup(const struct husk_cgroup *cg, bool *ret_inside);

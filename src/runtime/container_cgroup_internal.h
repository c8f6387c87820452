/* SPDX-License-Identifier: Apache-2.0 */
/* Lifecycle-internal: a container opened for a command on its cgroup (container_cgroup_ops.c, used by
 * container_events.c too). */
#pragma once

#include <stdbool.h>

#include "oci/state.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/runtime.h"
#include "util/error.h"

/* Its locked directory, refreshed state, and cgroup. */
struct husk_cg_container {
        int dir_fd;
        struct husk_state *state;
        struct husk_cgroup *cg;
};

/* Lock the container's directory (exclusive for the commands that change it, so that a concurrent
 * delete or pause waits) and read its refreshed state. ENOENT: "container \"ID\" does not exist". */
int husk_cg_container_open(const struct husk_runtime *rt, const char *id, bool exclusive, struct husk_cg_container *c,
                           struct husk_error *err);
/* Load the cgroup recorded in its state; ENOTSUP when it has none. */
int husk_cg_container_load_cgroup(struct husk_cg_container *c, const char *id, struct husk_error *err);
void husk_cg_container_done(struct husk_cg_container *c);

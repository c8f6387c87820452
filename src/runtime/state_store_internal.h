/* SPDX-License-Identifier: Apache-2.0 */
/* Lifecycle-internal helpers beside the state store (not part of the shared contract). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

/* Open an existing state root (no mkdir: start/state/kill/delete must not create it). */
int husk_store_open_root_existing(const char *root, struct husk_error *err);

/* Read and parse <dir>/config.json, the copy create made. */
int husk_store_read_config(int dir_fd, struct husk_spec **ret, struct husk_error *err);

/* Field 3 (state letter) and field 22 (start time) of /proc/PID/stat; -ESRCH when gone.
 * Either output may be NULL. */
int husk_proc_stat(pid_t pid, char *ret_state, uint64_t *ret_start_time, struct husk_error *err);

/* The process pid exists, is not a zombie, and started at start_time (so is not a recycled pid). */
bool husk_init_alive(pid_t pid, uint64_t start_time);

/* pidfd_open(pid) and then check that pid still started at start_time: the order matters, a pidfd
 * opened before the check pins the process the check then vouches for. -ESRCH when the init is gone
 * or was replaced. */
int husk_init_pidfd(pid_t pid, uint64_t start_time, struct husk_error *err);

/* Wait up to timeout_ms for the process behind pidfd to exit. -ETIMEDOUT when it did not. */
int husk_pidfd_wait_exit(int pidfd, int timeout_ms, struct husk_error *err);

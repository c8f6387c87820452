/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state root: one directory per container (<root>/<id>) holding
 *   state.json  - struct husk_state, with the private "husk" object, written atomically (no fsync:
 *                 runtime state is volatile by design)
 *   config.json - the config as read at create (poststop hooks, kill --all, exec need it after the
 *                 bundle may be gone)
 *   exec.fifo   - exists from create until start: the init blocks opening it for writing
 * The directory is flock()ed: exclusive for create/start/delete, shared for state/list.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/state.h"
#include "util/error.h"

#define HUSK_STORE_STATE  "state.json"
#define HUSK_STORE_CONFIG "config.json"
#define HUSK_STORE_FIFO   "exec.fifo"

/* mkdir -p the root (0700) and open it (O_DIRECTORY). Returns the fd. */
int husk_store_open_root(const char *root, struct husk_error *err);

/* Create <root>/<id> exclusively (EEXIST: "container \"ID\" already exists"); returns its fd, locked
 * exclusively. */
int husk_store_create_dir(int root_fd, const char *id, struct husk_error *err);

/* Open <root>/<id> (ENOENT: "container \"ID\" does not exist") and flock it. Returns its fd. */
int husk_store_open_dir(int root_fd, const char *id, bool exclusive, struct husk_error *err);

int husk_store_write_state(int dir_fd, const struct husk_state *s, struct husk_error *err);
int husk_store_read_state(int dir_fd, struct husk_state **ret, struct husk_error *err);

/* Remove <root>/<id> and everything in it. */
int husk_store_remove(int root_fd, const char *id, struct husk_error *err);

/* Field 22 of /proc/PID/stat. -ESRCH when the process is gone. */
int husk_proc_start_time(pid_t pid, uint64_t *ret, struct husk_error *err);

/* Refresh s->status from the kernel: the init (pid and start time) gone -> stopped (pid 0);
 * exec.fifo present -> created; frozen (later, with cgroups) -> paused; else running. */
int husk_state_refresh(int dir_fd, struct husk_state *s, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Acting on a running container's processes (Docker's exec, pause, unpause, top): libhusk's exec,
 * pause/resume and ps in-process, with the engine's records (states, Docker's messages) around them.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "util/error.h"

struct husk_engine_exec_opts {
        char *const *args;              /* NULL-terminated, at least one */
        char *const *env;               /* "KEY=value", set over the container's environment */
        const char *user;               /* -u NAME|UID[:GROUP|GID], resolved in the container's root; NULL: the container's */
        const char *workdir;            /* NULL: the container's */
        bool privileged;                /* every capability (Docker's exec --privileged) */
        bool tty;                       /* a pty: relayed to our stdin/stdout (console_socket NULL) or sent there */
        const char *console_socket;
        unsigned short console_rows, console_cols;      /* with tty: its size from the start (0: none) */
        const char *pid_file;           /* the process's pid written there (NULL: none) */
        bool detach;                    /* return once it runs */
};

/*
 * Run a process in a running container: it joins the container's namespaces and cgroup, with its
 * capabilities, seccomp filter, no_new_privs, LSM labels and environment (libhusk's exec). The
 * process's stdio are ours. Returns its exit code in *ret_exit (0 detached). A container that is not
 * running fails with -EINVAL "container ID is not running", a paused one with -EBUSY (Docker's words);
 * errors of the exec itself are prefixed "exec failed: " and keep the runtime's errno (ENOENT/EACCES
 * for a command that cannot be found or executed).
 */
int husk_engine_exec(struct husk_engine *e, const char *id, const struct husk_engine_exec_opts *o, int *ret_exit,
                     struct husk_error *err);

/* Freeze (Docker's pause) or thaw every process of a running container, recorded as State.Paused.
 * Docker's errors: "Container ID is not running", "... is already paused", "... is not paused". */
int husk_engine_pause(struct husk_engine *e, const char *id, struct husk_error *err);
int husk_engine_unpause(struct husk_engine *e, const char *id, struct husk_error *err);

/* Thaw a paused container so that a signal just sent to it is acted on (Docker's stop and kill of a
 * paused container: a frozen task does not die, even of SIGKILL on cgroup v1). Best effort. */
void husk_engine_thaw_after_signal(struct husk_engine *e, const char *id);

/* The host pids of every process in a running container's cgroup (cgroup.procs, v1 or v2), sorted. */
int husk_engine_pids(struct husk_engine *e, const char *id, pid_t **ret, size_t *ret_n, struct husk_error *err);

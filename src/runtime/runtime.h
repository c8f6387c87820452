/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libhusk: the OCI lifecycle (runtime.md). What cli/ (and later engine/) calls.
 * No global state: everything a call needs comes through its arguments.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/state.h"
#include "util/error.h"

/* --rootless: whether cgroups are treated as a rootless container's (runc's semantics). */
enum husk_rootless {
        HUSK_ROOTLESS_AUTO,  /* rootless when not root, or root in a user namespace (decided by create) */
        HUSK_ROOTLESS_TRUE,
        HUSK_ROOTLESS_FALSE,
};

struct husk_runtime {
        const char *root;     /* state root: /run/husk by default, $XDG_RUNTIME_DIR/husk when not root */
        bool systemd_cgroup;  /* --systemd-cgroup: the container's cgroup is a transient systemd unit */
        bool debug;
        enum husk_rootless rootless;
};

struct husk_create_opts {
        const char *id;
        const char *bundle;          /* default: the current directory */
        const char *pid_file;        /* NULL: none; relative paths are relative to the cwd */
        const char *console_socket;  /* NULL: none */
        bool has_console_fd;         /* run: an already-connected console socket instead of a path */
        int console_fd;
        bool no_pivot;
        bool no_new_keyring;
        int preserve_fds;            /* fds 3 .. 3+N-1 are passed to the container */
};

/* Container ids: non-empty, at most 1024 bytes, [A-Za-z0-9_+\-.] only, not "." or "..". */
int husk_validate_id(const char *id, struct husk_error *err);

/* create: namespaces, mounts, devices, createRuntime/createContainer hooks done; init waits for start. */
int husk_container_create(const struct husk_runtime *rt, const struct husk_create_opts *o, struct husk_error *err);

/* start: releases the init of a created container and runs the poststart hooks. */
int husk_container_start(const struct husk_runtime *rt, const char *id, struct husk_error *err);

/* The container's state with its status refreshed from the kernel. */
int husk_container_state(const struct husk_runtime *rt, const char *id, struct husk_state **ret,
                         struct husk_error *err);

/* kill: signal the init (or, with all, every process of the container). */
int husk_container_kill(const struct husk_runtime *rt, const char *id, int sig, bool all, struct husk_error *err);

/* delete: a stopped (or, with force, any) container: kill, poststop hooks, state removed. */
int husk_container_delete(const struct husk_runtime *rt, const char *id, bool force, struct husk_error *err);

/* Every container under the root, statuses refreshed, sorted by id. */
int husk_container_list(const struct husk_runtime *rt, struct husk_state ***ret, size_t *ret_n,
                        struct husk_error *err);
void husk_state_list_free(struct husk_state **list, size_t n);

/* run: create and start; without detach, forward signals to the container, wait for it, delete it,
 * and return its exit code in *ret_exit (status, or 128+signal). With terminal:true and no console
 * socket, the caller's terminal is relayed to the container's pty. */
int husk_container_run(const struct husk_runtime *rt, const struct husk_create_opts *o, bool detach,
                       int *ret_exit, struct husk_error *err);

/* ---- exec (container_exec.c) ---- */
struct husk_process;

struct husk_exec_opts {
        const char *id;
        /* The process to run, parsed from a process.json (exec --process; what it sets moves out of
         * it, the caller still frees it), or NULL to start from the container's own process
         * (config.json) with args and the overrides below (applied in both cases). */
        struct husk_process *process;
        char *const *args;             /* NULL-terminated; without process: required */
        char *const *env;              /* set in the container's env ("KEY=value": replaces KEY's entry) */
        const char *cwd;               /* NULL: the container's */
        bool has_user;
        uid_t uid;
        gid_t gid;
        const gid_t *additional_gids;  /* appended (replace_additional_gids: instead of the container's) */
        size_t n_additional_gids;
        bool replace_additional_gids;  /* the engine's exec -u: the user's own groups, not the container user's */
        char *const *caps;             /* "CAP_X" names added to the bounding, effective, permitted (and,
                                        * when the container has inheritable ones, ambient) sets, as runc */
        int no_new_privs;              /* -1: the container's; 0/1: override */
        const char *apparmor;          /* NULL: the container's */
        const char *process_label;     /* NULL: the container's */
        bool tty;                      /* process.terminal (without process: false unless set, as runc) */
        unsigned short console_rows;   /* with tty: the pty's size from the start (process.consoleSize, as */
        unsigned short console_cols;   /* Docker sends it), 0: the process's own or none */
        const char *console_socket;
        const char *pid_file;
        int preserve_fds;
        bool detach;
        bool ignore_paused;
        char *const *cgroups;          /* --cgroup: "path" or "controller[,controller]:path", a sub-cgroup */
};

/*
 * exec: run a new process in a created, running (or, with ignore_paused, paused) container: it
 * joins every namespace of the container's init, its cgroup, and gets the container's confinement
 * (capabilities, seccomp, LSM labels, rlimits, no_new_privs) unless the process says otherwise.
 * In the foreground it forwards signals, relays the caller's terminal when tty without a console
 * socket, waits, and returns the exit code in *ret_exit (status, or 128+signal); detached it
 * returns once the process runs (it has exec'd), *ret_exit 0.
 */
int husk_container_exec(const struct husk_runtime *rt, const struct husk_exec_opts *o, int *ret_exit,
                        struct husk_error *err);

/* ---- cgroup commands (container_cgroup_ops.c). A container without a recorded cgroup (created
 * where no cgroup filesystem is mounted) fails them with ENOTSUP. ---- */
struct husk_resources;
struct husk_cgroup_stats;

/* pause: freeze every process of a running container (status becomes paused); resume: thaw a paused
 * one. Both wait until the kernel reports the change complete. */
int husk_container_pause(const struct husk_runtime *rt, const char *id, struct husk_error *err);
int husk_container_resume(const struct husk_runtime *rt, const char *id, struct husk_error *err);

/* update: change the limits of a created, running or paused container; only the fields set in r
 * (their has_* flags, non-NULL strings) change. */
int husk_container_update(const struct husk_runtime *rt, const char *id, const struct husk_resources *r,
                          struct husk_error *err);

/* ps: the pids of every process in the container's cgroup (host pid namespace), sorted. Caller frees. */
int husk_container_ps(const struct husk_runtime *rt, const char *id, pid_t **ret, size_t *ret_n,
                      struct husk_error *err);

/* The container's cgroup statistics (for `events --stats`); the caller releases *ret with
 * husk_cgroup_stats_done (runtime/cgroup/cgroup.h). */
int husk_container_stats(const struct husk_runtime *rt, const char *id, struct husk_cgroup_stats *ret,
                         struct husk_error *err);

/* ---- events (container_events.c) ---- */
enum husk_event_type {
        HUSK_EVENT_STATS, /* stats: the container's cgroup statistics, every interval */
        HUSK_EVENT_OOM,   /* one per OOM kill in the container's memory cgroup */
        HUSK_EVENT_ERROR, /* error: the stats of this interval could not be read; the loop goes on, as runc's */
};

struct husk_event {
        enum husk_event_type type;
        const struct husk_cgroup_stats *stats;
        const struct husk_error *error;
};

/* Called for each event; 0 to go on, a negative errno to end the loop with that result. */
typedef int (*husk_event_fn)(const struct husk_event *ev, void *userdata);

struct husk_events_opts {
        uint64_t interval_ns; /* between stats events, > 0; the first comes after one interval */
        bool stats_only;      /* one stats event, then return */
        int stop_fd;          /* -1, or an fd whose readability ends the loop (the caller's signalfd) */
};

/*
 * events: the stats of a created, running or paused container every interval, and its OOM kills as
 * they happen, until the container's init exits (0, after reporting the OOM kills that came before),
 * stop_fd becomes readable (0) or fn fails. A stopped container is refused (EINVAL). The container's
 * directory is locked only while it is opened, so delete and the other commands go on meanwhile.
 */
int husk_container_events(const struct husk_runtime *rt, const char *id, const struct husk_events_opts *o,
                          husk_event_fn fn, void *userdata, struct husk_error *err);

/* ---- checkpoint/restore with CRIU (checkpoint*.c) ---- */
struct husk_checkpoint_opts {
        const char *criu;                /* the criu binary; NULL: "criu" from PATH */
        const char *image_path;          /* NULL: "checkpoint" in the current directory, as runc */
        const char *work_path;           /* criu's logs and temporary files; NULL: image_path */
        const char *parent_path;         /* a pre-dump's images, relative to image_path (--prev-images-dir) */
        const char *manage_cgroups_mode; /* soft, full, strict or ignore; NULL: criu's default (soft) */
        bool leave_running, tcp_established, file_locks, ext_unix_sk, shell_job;
        bool pre_dump;                   /* only the memory, container left running */
};

/* checkpoint: dump a running container into image_path; without leave_running (or pre_dump) the
 * container is then deleted, as runc does. CRIU's own errors are in the message. */
int husk_container_checkpoint(const struct husk_runtime *rt, const char *id, const struct husk_checkpoint_opts *o,
                              struct husk_error *err);

/* restore: a new container c->id from c->bundle's config and the images of o->image_path; its
 * restored init (detached from us) becomes the container's init, state running. */
int husk_container_restore(const struct husk_runtime *rt, const struct husk_create_opts *c,
                           const struct husk_checkpoint_opts *o, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's container lifecycle, no daemon: each `husk` command opens the stores itself. Starting
 * a container forks its monitor (monitor.c): the subreaper parent of the container's init, which
 * mounts its root, creates and starts it through libhusk in-process, writes its output to the
 * json-file log (and to the attached caller), records its exit, and removes it for --rm.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "engine/container.h"
#include "image/store.h"
#include "runtime/runtime.h"
#include "util/error.h"

struct husk_engine {
        const char *storage_root;       /* NULL: the image store's default */
        struct husk_runtime rt;         /* rt.root: the runtime state of the engine's containers */
        struct husk_ctr_store *ctrs;
        struct husk_store *store;       /* opened on first use (husk_engine_store) */
};

/* Open the container records (made when create). */
int husk_engine_open(struct husk_engine *e, const char *storage_root, const char *state_root, bool create,
                     struct husk_error *err);
void husk_engine_close(struct husk_engine *e);
/* The image store, opened on first use. */
int husk_engine_store(struct husk_engine *e, struct husk_store **ret, struct husk_error *err);

/*
 * A new container from an image (name or id in the store) or, with rootfs set, from a plain
 * directory used as its root as it is (podman's --rootfs; no image config then). The image's
 * StopSignal is kept in the record. Fills c (id, name...). cfg is moved into the record.
 */
int husk_engine_create(struct husk_engine *e, const char *image, const char *rootfs, const char *name,
                       struct husk_ctr_config *cfg, struct husk_ctr *ret, struct husk_error *err);

/* How `start` runs the container's output. */
struct husk_start_opts {
        bool attach;            /* foreground: the output also goes to out_fd/err_fd (-1: not) */
        int out_fd, err_fd;
        /* Foreground with the attach protocol (attach.h: -i, -t): the monitor's end of a SOCK_SEQPACKET
         * socketpair, taken as an attached caller from the start. */
        bool has_attach_sock;
        int attach_sock;
        unsigned short rows, cols;      /* -t: the pty's size before the process runs (0: unset) */
};

/* A started container: *ret_report is the read end of the monitor's report pipe when attached
 * (husk_engine_attach_wait reads the exit code from it), else -1. */
int husk_engine_start(struct husk_engine *e, const char *id, const struct husk_start_opts *o, int *ret_report,
                      struct husk_error *err);

/* Foreground: forward the signals the caller gets (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2) to
 * the container and wait for the monitor's exit report. Returns the container's exit code; -errno
 * when the monitor died without reporting. sigfd: a signalfd of those signals (blocked by the
 * caller before start, so none is lost in between). */
int husk_engine_attach_wait(struct husk_engine *e, const char *id, int report_fd, int sigfd, struct husk_error *err);

/* Signal the init of a running container. -EINVAL "container X is not running" otherwise. */
int husk_engine_kill(struct husk_engine *e, const char *id, int sig, struct husk_error *err);
/* Docker's stop: sig, then SIGKILL after timeout seconds, and wait until the monitor has recorded the
 * exit. A container that is not running is left alone (0). */
int husk_engine_stop(struct husk_engine *e, const char *id, int sig, int timeout, struct husk_error *err);
/* Wait until the container is not running any more; its exit code. */
int husk_engine_wait(struct husk_engine *e, const char *id, int *ret_exit, struct husk_error *err);
/* Remove a container: a running one only with force (killed first). Whatever a dead monitor left
 * (runtime state, cgroup, mount) is released too. */
int husk_engine_remove(struct husk_engine *e, const char *id, bool force, struct husk_error *err);

/* ---- monitor.c ---- */
struct husk_monitor_args {
        struct husk_engine *engine;
        const char *id;
        int report_fd;          /* write end: "ok PID\n", "err ERRNO MESSAGE\n", then (attached) "exit CODE\n" */
        int out_fd, err_fd;     /* attached caller's stdout/stderr, or -1 */
        int attach_sock;        /* attached caller's end of the attach protocol, or -1 */
        unsigned short rows, cols;
};
/* The monitor's whole life, in the forked child. Never returns. */
_Noreturn void husk_monitor_main(const struct husk_monitor_args *a);

/* After the container's init exited (husk-monitor runs `husk container cleanup` for it): release it,
 * record the exit code and time (or remove it for --rm), then write "exit CODE" to report_fd (-1:
 * none). */
int husk_engine_cleanup(struct husk_engine *e, const char *id, int code, int report_fd, struct husk_error *err);

/* Release what a container's run holds in the runtime and on disk (runtime state and cgroup,
 * rootfs mount), for the monitor at exit and for rm after a monitor that died. */
void husk_engine_release(struct husk_engine *e, const struct husk_ctr *c, int ctr_dirfd);

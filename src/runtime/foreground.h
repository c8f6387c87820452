/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Being a container process's parent in the foreground (run, exec): signals forwarded to it, the
 * caller's terminal relayed to its pty, children reaped (we are a subreaper), until it exits.
 * Internal to libhusk.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "util/error.h"

/* The caller's terminal attributes, restored by husk_fg_tty_restore when active. */
struct husk_fg_tty {
        bool active;
        int fd;
        struct termios attrs;
};
void husk_fg_tty_restore(struct husk_fg_tty *t);

/* Put the caller's terminal (stdin) in raw mode and give master its size, when stdin is one. */
void husk_fg_tty_raw(struct husk_fg_tty *t, int master);

/* The signal mask before husk_fg_block_signals, restored by husk_fg_sigmask_restore when active. */
struct husk_fg_sigmask {
        bool active;
        sigset_t old;
};
void husk_fg_sigmask_restore(struct husk_fg_sigmask *m);

/* Block the signals that are forwarded (and SIGCHLD) and return a signalfd for them. Blocked before
 * the container process exists, so that a signal sent to us meanwhile is forwarded once it runs
 * rather than killing us and leaving it behind; the container's processes reset their mask before
 * exec. A signalfd, not a handler: no global state. */
int husk_fg_block_signals(struct husk_fg_sigmask *m, struct husk_error *err);

void husk_fg_copy_window_size(int from, int master);

struct husk_fg {
        pid_t init_pid;   /* the process waited for (the container's init, or an exec'd process) */
        int init_pidfd;
        int sig_fd;
        int master;       /* -1 without a relayed terminal */
        bool stdin_open;
        bool master_open;
};

/* Forward signals, relay the terminal and reap, until f->init_pid has exited. Returns its wait status. */
int husk_fg_loop(struct husk_fg *f, int *ret_status, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* terminal:true: the container's pty, and its master handed on over --console-socket as runc does. */
#pragma once

#include "oci/spec.h"
#include "util/error.h"

/* Connect to the AF_UNIX stream socket at path. Returns the fd. */
int husk_console_connect(const char *path, struct husk_error *err);

/* Open a new pty pair from /dev/ptmx of the current mount namespace (inside the container after
 * pivot, so the slave belongs to the container's devpts). */
int husk_console_open(int *ret_master, int *ret_slave, struct husk_error *err);

/* Send an fd with SCM_RIGHTS (one byte of data: the name, as runc sends the pty path). */
int husk_console_send_fd(int sock, int fd, const char *name, struct husk_error *err);
/* Receive an fd sent by husk_console_send_fd. */
int husk_console_recv_fd(int sock, int *ret_fd, struct husk_error *err);

/* Make slave the controlling terminal and stdio of the calling process (setsid, TIOCSCTTY, dup2). */
int husk_console_make_controlling(int slave, struct husk_error *err);

/* Set the window size. */
int husk_console_set_size(int fd, unsigned int rows, unsigned int cols, struct husk_error *err);

/* A new pty (husk_console_open) sized as p->consoleSize, its master sent over console_fd with the
 * slave's name (/dev/pts/N). Returns the slave fd, for the caller to make its controlling terminal. */
int husk_console_setup(int console_fd, const struct husk_process *p, struct husk_error *err);

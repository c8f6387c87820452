/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk-monitor's side of the attach endpoint (attach.h): the listening socket, the attached callers,
 * the container's stdin (a pipe's write end, or the pty master). Part of the static husk-monitor:
 * libc only, no allocation (the callers fit in a fixed table).
 */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/attach.h"

struct husk_attach_srv {
        int listen_fd;          /* -1: none */
        int clients[HUSK_ATTACH_CLIENTS_MAX];   /* -1: free */
        int stdin_fd;           /* the container's stdin (non-blocking): -1 none or closed */
        bool tty;               /* stdin_fd is the pty master: resize applies, EOF does not */
        bool open_stdin;        /* Config.OpenStdin: keys go to stdin_fd (else only sizes) */
        bool stdin_once;        /* close stdin at an attached caller's EOF */
        char pending[HUSK_ATTACH_DATA_MAX];     /* keys not yet taken by stdin_fd */
        size_t pending_off, pending_len;
};

/* All fds -1, nothing pending. */
void husk_attach_srv_init(struct husk_attach_srv *s);
/* Take a connected caller (the socketpair of a foreground run). */
void husk_attach_srv_add(struct husk_attach_srv *s, int fd);

/* The fds to poll, written at p (room for HUSK_ATTACH_CLIENTS_MAX + 2); returns how many. */
size_t husk_attach_srv_pollfds(const struct husk_attach_srv *s, struct pollfd *p);
/* Act on the poll results of those fds (same p, same n). */
void husk_attach_srv_handle(struct husk_attach_srv *s, const struct pollfd *p, size_t n);

/* The container's output (stream 1 or 2) to every caller. */
void husk_attach_srv_output(struct husk_attach_srv *s, int stream, const char *buf, size_t n);
/* The init's exit code to every caller, then everything closed. */
void husk_attach_srv_exit(struct husk_attach_srv *s, int code);

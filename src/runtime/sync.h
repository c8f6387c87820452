/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The create handshake between the runtime and its children (the intermediate process and the
 * container's init), over a SOCK_SEQPACKET socketpair: one datagram per message, so no framing.
 * A message is a type, a 32-bit value (a pid, an errno) and, for errors, the husk_error text; the
 * PID message also carries a pidfd (SCM_RIGHTS). Internal to libhusk.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum husk_sync_type {
        HUSK_SYNC_ERROR = 1,     /* child -> parent: value = errno, text = message; the child exits */
        HUSK_SYNC_USERNS_READY,  /* child -> parent: in its new user namespace, please write the id maps */
        HUSK_SYNC_USERNS_DONE,   /* parent -> child: maps written */
        HUSK_SYNC_PID,           /* intermediate -> parent: value = init's pid, fd = its pidfd */
        HUSK_SYNC_HOOKS_READY,   /* init -> parent: mounts prepared, run prestart/createRuntime */
        HUSK_SYNC_HOOKS_DONE,    /* parent -> init: done; value = init's pid as the runtime sees it */
        HUSK_SYNC_CREATED,       /* init -> parent: everything done, about to wait on exec.fifo */
        HUSK_SYNC_COMMITTED,     /* parent -> init: state written, create returns */
        HUSK_SYNC_SECCOMP,       /* init -> parent: fd = the seccomp listener (SCMP_ACT_NOTIFY) */
        HUSK_SYNC_SECCOMP_DONE,  /* parent -> init: the listener went to listenerPath */
        HUSK_SYNC_CGROUP_DONE,   /* parent -> intermediate: placed in its cgroup (systemd scope, PIDs=) */
        HUSK_SYNC_TYPE_MAX = HUSK_SYNC_CGROUP_DONE,
};

#define HUSK_SYNC_HEADER_SIZE 8
#define HUSK_SYNC_MSG_MAX     (HUSK_SYNC_HEADER_SIZE + HUSK_ERROR_MSG_MAX)

struct husk_sync_msg {
        enum husk_sync_type type;
        int32_t value;
        char text[HUSK_ERROR_MSG_MAX]; /* always NUL-terminated after decode */
};

/* Wire format: u32 type, i32 value (host byte order: both ends are the same binary), then the text
 * without its NUL. Returns the encoded length, or a negative errno (EINVAL: bad type). */
int husk_sync_encode(enum husk_sync_type type, int32_t value, const char *text, uint8_t *buf, size_t size);

/* Returns 0, or -EPROTO for a short datagram, an unknown type, or an error message without an errno. */
int husk_sync_decode(const uint8_t *buf, size_t len, struct husk_sync_msg *ret);

/* Send one message; pass_fd >= 0 is attached with SCM_RIGHTS. */
int husk_sync_send(int sock, enum husk_sync_type type, int32_t value, const char *text, int pass_fd,
                   struct husk_error *err);

/* Best effort, from a failing child: forward e (code and text) to the parent. */
void husk_sync_send_error(int sock, const struct husk_error *e);

/* Receive one message. The end of the stream (every peer gone) is -EPIPE "<peer> exited unexpectedly".
 * A received fd is stored in *ret_fd (O_CLOEXEC) when ret_fd is not NULL, otherwise closed. */
int husk_sync_recv(int sock, const char *peer, struct husk_sync_msg *ret, int *ret_fd, struct husk_error *err);

/* Receive and require `type`. An ERROR message becomes err (its errno and text, unchanged) and its
 * negative errno is returned; another type is -EPROTO. ret_value and ret_fd may be NULL. */
int husk_sync_expect(int sock, const char *peer, enum husk_sync_type type, int32_t *ret_value, int *ret_fd,
                     struct husk_error *err);

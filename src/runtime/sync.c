/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/sync.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/cleanup.h"

static const char *const type_names[] = {
        [HUSK_SYNC_ERROR] = "error",
        [HUSK_SYNC_USERNS_READY] = "userns-ready",
        [HUSK_SYNC_USERNS_DONE] = "userns-done",
        [HUSK_SYNC_PID] = "pid",
        [HUSK_SYNC_HOOKS_READY] = "hooks-ready",
        [HUSK_SYNC_HOOKS_DONE] = "hooks-done",
        [HUSK_SYNC_CREATED] = "created",
        [HUSK_SYNC_COMMITTED] = "committed",
        [HUSK_SYNC_SECCOMP] = "seccomp",
        [HUSK_SYNC_SECCOMP_DONE] = "seccomp-done",
        [HUSK_SYNC_CGROUP_DONE] = "cgroup-done",
};

static bool type_valid(uint32_t t)
{
        return t >= HUSK_SYNC_ERROR && t <= HUSK_SYNC_TYPE_MAX;
}

int husk_sync_encode(enum husk_sync_type type, int32_t value, const char *text, uint8_t *buf, size_t size)
{
        if (!type_valid((uint32_t) type) || size < HUSK_SYNC_HEADER_SIZE)
                return -EINVAL;
        uint32_t t = (uint32_t) type;
        memcpy(buf, &t, sizeof(t));
        memcpy(buf + 4, &value, sizeof(value));
        size_t n = text ? strnlen(text, HUSK_ERROR_MSG_MAX - 1) : 0;
        if (n > size - HUSK_SYNC_HEADER_SIZE)
                n = size - HUSK_SYNC_HEADER_SIZE;
        if (n)
                memcpy(buf + HUSK_SYNC_HEADER_SIZE, text, n);
        return (int) (HUSK_SYNC_HEADER_SIZE + n);
}

int husk_sync_decode(const uint8_t *buf, size_t len, struct husk_sync_msg *ret)
{
        if (len < HUSK_SYNC_HEADER_SIZE || len > HUSK_SYNC_MSG_MAX)
                return -EPROTO;
        uint32_t t;
        int32_t v;
        memcpy(&t, buf, sizeof(t));
        memcpy(&v, buf + 4, sizeof(v));
        if (!type_valid(t))
                return -EPROTO;
        /* An error without an errno would turn into "success" on the parent's side. */
        if (t == HUSK_SYNC_ERROR && v <= 0)
                return -EPROTO;
        size_t n = len - HUSK_SYNC_HEADER_SIZE;
        if (n > sizeof(ret->text) - 1)
                n = sizeof(ret->text) - 1;
        ret->type = (enum husk_sync_type) t;
        ret->value = v;
        memcpy(ret->text, buf + HUSK_SYNC_HEADER_SIZE, n);
        ret->text[n] = '\0';
        return 0;
}

int husk_sync_send(int sock, enum husk_sync_type type, int32_t value, const char *text, int pass_fd,
                   struct husk_error *err)
{
        uint8_t buf[HUSK_SYNC_MSG_MAX];
        int n = husk_sync_encode(type, value, text, buf, sizeof(buf));
        if (n < 0)
                return husk_error_set(err, -n, "sync: invalid message type %d", (int) type);

        struct iovec iov = { .iov_base = buf, .iov_len = (size_t) n };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (pass_fd >= 0) {
                memset(&control, 0, sizeof(control));
                mh.msg_control = control.buf;
                mh.msg_controllen = sizeof(control.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        ssize_t r;
        do
                r = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return husk_error_errno(err, errno, "sync: send %s", type_names[type]);
        return 0;
}

void husk_sync_send_error(int sock, const struct husk_error *e)
{
        int code = e->code > 0 ? e->code : EIO;
        (void) husk_sync_send(sock, HUSK_SYNC_ERROR, code, e->msg[0] ? e->msg : "unknown error", -1, NULL);
}

int husk_sync_recv(int sock, const char *peer, struct husk_sync_msg *ret, int *ret_fd, struct husk_error *err)
{
        uint8_t buf[HUSK_SYNC_MSG_MAX];
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        ssize_t n;
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return husk_error_errno(err, errno, "sync: receive from %s", peer);

        _cleanup_close_ int fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < nfds; i++) {
                        int f;
                        memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (fd < 0)
                                fd = f;
                        else
                                (void) close(f);
                }
        }
        /* A SEQPACKET read of 0 bytes is the end of the stream: every holder of the other end is gone. */
        if (n == 0)
                return husk_error_set(err, EPIPE, "%s exited unexpectedly", peer);
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
                return husk_error_set(err, EPROTO, "sync: oversized message from %s", peer);
        if (husk_sync_decode(buf, (size_t) n, ret) < 0)
                return husk_error_set(err, EPROTO, "sync: malformed message from %s", peer);
        if (ret_fd)
                *ret_fd = steal_fd(fd);
        return 0;
}

int husk_sync_expect(int sock, const char *peer, enum husk_sync_type type, int32_t *ret_value, int *ret_fd,
                     struct husk_error *err)
{
        struct husk_sync_msg m;
        _cleanup_close_ int fd = -1;
        int r = husk_sync_recv(sock, peer, &m, &fd, err);
        if (r < 0)
                return r;
        if (m.type == HUSK_SYNC_ERROR)
                return husk_error_set(err, m.value, "%s", m.text);
        if (m.type != type)
                return husk_error_set(err, EPROTO, "sync: expected %s from %s, got %s", type_names[type], peer,
                                      type_names[m.type]);
        if (ret_value)
                *ret_value = m.value;
        if (ret_fd)
                *ret_fd = steal_fd(fd);
        return 0;
}

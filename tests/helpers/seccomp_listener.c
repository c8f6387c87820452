/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A seccomp agent for tests/integration/seccomp.bats: listens on a unix socket for the runtime's
 * container process state (config-linux.md), writes the JSON it got to STATE_FILE, then answers the
 * container's notifications until the filter's last user is gone: mkdir/mkdirat fail with ERRNO (or,
 * with ERRNO 0, run as if allowed), every other syscall runs. Each answered syscall is appended to
 * STATE_FILE.log as "<nr> <answer>".
 *
 * With HOLD_NR, the first notification of that syscall is logged as "<nr> held" and answered with
 * ERRNO only once STATE_FILE.release exists; if the kernel dropped it meanwhile (a signal interrupted
 * the caller's wait), the answer is logged as "<nr> stale" instead: what WAIT_KILLABLE_RECV prevents.
 *
 *   seccomp-listener SOCKET STATE_FILE ERRNO [HOLD_NR]
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
        fprintf(stderr, "seccomp-listener: %s: %s\n", what, strerror(errno));
        return 1;
}

/* The state JSON (read to EOF) and the fd attached to the first message. */
static int receive(int conn, char *buf, size_t size, int *ret_fd)
{
        size_t len = 0;
        *ret_fd = -1;
        for (;;) {
                union {
                        char buf[CMSG_SPACE(sizeof(int))];
                        struct cmsghdr align;
                } control;
                struct iovec iov = { .iov_base = buf + len, .iov_len = size - 1 - len };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                                     .msg_controllen = sizeof(control.buf) };
                ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
                if (n < 0)
                        return -1;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && *ret_fd < 0)
                                memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len >= size - 1) {
                        errno = EMSGSIZE;
                        return -1;
                }
        }
        buf[len] = '\0';
        return 0;
}

struct agent {
        int err_no;
        long hold_nr;           /* -1: none */
        const char *release;    /* file whose existence releases the held notification */
        FILE *log;
};

static void wait_for_release(const char *path)
{
        for (int i = 0; i < 2000 && access(path, F_OK) < 0; i++)
                usleep(10000);
}

static int answer(int fd, struct agent *ag)
{
        int err_no = ag->err_no;
        FILE *log = ag->log;
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        memset(&req, 0, sizeof(req)); /* the kernel insists */
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                return errno == ENOENT || errno == EINTR ? 0 : -1; /* the caller was killed meanwhile */
        memset(&resp, 0, sizeof(resp));
        resp.id = req.id;
        bool held = req.data.nr == ag->hold_nr;
        bool is_mkdir = req.data.nr == SYS_mkdir || req.data.nr == SYS_mkdirat;
        if ((is_mkdir || held) && err_no > 0)
                resp.error = -err_no;
        else
                resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        if (held) {
                ag->hold_nr = -1;
                fprintf(log, "%d held\n", req.data.nr);
                fflush(log);
                wait_for_release(ag->release);
        }
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
                if (errno != ENOENT)
                        return -1;
                fprintf(log, "%d stale\n", req.data.nr);
        } else {
                fprintf(log, "%d %s\n", req.data.nr, resp.error ? "errno" : "continue");
        }
        fflush(log);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc != 4 && argc != 5) {
                fprintf(stderr, "usage: seccomp-listener SOCKET STATE_FILE ERRNO [HOLD_NR]\n");
                return 2;
        }
        struct agent ag = { .err_no = atoi(argv[3]), .hold_nr = argc == 5 ? atol(argv[4]) : -1 };
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
                fprintf(stderr, "seccomp-listener: socket path too long\n");
                return 2;
        }
        strcpy(addr.sun_path, argv[1]);
        int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0 || bind(sock, (struct sockaddr *) &addr, sizeof(addr)) < 0 || listen(sock, 1) < 0)
                return die("listen");
        int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return die("accept");
        static char buf[1 << 16];
        int fd;
        if (receive(conn, buf, sizeof(buf), &fd) < 0)
                return die("receive");
        close(conn);
        close(sock);

        char path[4096];
        FILE *f = fopen(argv[2], "we");
        if (!f || fputs(buf, f) < 0 || fclose(f) != 0)
                return die("write state file");
        char release[4096];
        snprintf(release, sizeof(release), "%s.release", argv[2]);
        ag.release = release;
        snprintf(path, sizeof(path), "%s.log", argv[2]);
        FILE *log = fopen(path, "we");
        if (!log)
                return die("open log");
        ag.log = log;
        if (fd < 0) {
                fprintf(log, "no fd\n");
                return 1;
        }
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return die("poll");
                }
                /* POLLHUP: every task of the filter is gone. */
                if (p.revents & POLLIN) {
                        if (answer(fd, &ag) < 0)
                                return die("answer");
                } else if (p.revents & (POLLHUP | POLLERR)) {
                        break;
                }
        }
        fprintf(log, "done\n");
        fclose(log);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The container's pty and runc's --console-socket protocol: the master is sent with SCM_RIGHTS and
 * the data of that message is a name, which containerd's and conmon's receivers read (and need to
 * be non-empty: a stream socket does not deliver ancillary data with a zero-length message). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/console.h"
#include "oci/spec.h"
#include "util/cleanup.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* runc's utils.MaxNameLen: the largest name a receiver accepts. */
#define CONSOLE_NAME_MAX 4096

int husk_console_connect(const char *path, struct husk_error *err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        _cleanup_close_ int path_fd = -1;
        const char *target = path;
        char proc_path[64];

        /* Bundles live in deep directories and sun_path holds 108 bytes: go through an O_PATH fd
         * and its /proc/self/fd link instead, which connect() follows to the same socket inode
         * without changing our cwd (the init has none it can afford to lose). */
        if (strlen(path) >= sizeof(addr.sun_path)) {
                path_fd = open(path, O_PATH | O_CLOEXEC);
                if (path_fd < 0)
                        return husk_error_errno(err, errno, "open console socket %s", path);
                snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", path_fd);
                target = proc_path;
        }
        memcpy(addr.sun_path, target, strlen(target) + 1);

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return husk_error_errno(err, errno, "socket for console socket %s", path);
        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0)
                return husk_error_errno(err, errno, "connect to console socket %s", path);
        return steal_fd(fd);
}

int husk_console_open(int *ret_master, int *ret_slave, struct husk_error *err)
{
        /* /dev/ptmx of the current mount namespace: inside the container after pivot_root, so the
         * pty comes from the container's devpts instance, not the host's. */
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return husk_error_errno(err, errno, "open /dev/ptmx");
        if (unlockpt(master) < 0)
                return husk_error_errno(err, errno, "unlockpt /dev/ptmx");

        /* TIOCGPTPEER opens the slave from the master's own devpts without a path lookup: a
         * /dev/pts/N that a process in the container replaced by a symlink cannot redirect it. */
        _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0) {
                if (errno != EINVAL && errno != ENOTTY)
                        return husk_error_errno(err, errno, "open the pty slave (TIOCGPTPEER)");
                /* Kernels before 4.13. */
                char name[PATH_MAX];
                int r = ptsname_r(master, name, sizeof(name));
                if (r != 0)
                        return husk_error_errno(err, r, "ptsname of /dev/ptmx");
                slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (slave < 0)
                        return husk_error_errno(err, errno, "open pty slave %s", name);
        }
        *ret_master = steal_fd(master);
        *ret_slave = steal_fd(slave);
        return 0;
}

int husk_console_send_fd(int sock, int fd, const char *name, struct husk_error *err)
{
        if (!name || !*name)
                name = "/dev/ptmx";
        size_t len = strlen(name);
        if (len > CONSOLE_NAME_MAX)
                len = CONSOLE_NAME_MAX;

        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control = { 0 };
        struct iovec iov = { .iov_base = (void *) name, .iov_len = len };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

        ssize_t n;
        do
                n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return husk_error_errno(err, errno, "send %s over the console socket", name);
        /* The fd travels with the first byte; a short write would split the name, which the
         * receivers read in one recvmsg. */
        if ((size_t) n != len)
                return husk_error_set(err, EIO, "send %s over the console socket: short write", name);
        return 0;
}

int husk_console_recv_fd(int sock, int *ret_fd, struct husk_error *err)
{
        _cleanup_free_ char *name = malloc(CONSOLE_NAME_MAX);
        if (!name)
                return husk_error_errno(err, ENOMEM, "receive from the console socket");
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control = { 0 };
        struct iovec iov = { .iov_base = name, .iov_len = CONSOLE_NAME_MAX };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };

        ssize_t n;
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return husk_error_errno(err, errno, "receive from the console socket");

        int fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < nfds; i++) {
                        int got;
                        memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        /* Keep the first; close any extra a confused peer sent, not to leak it. */
                        if (fd < 0)
                                fd = got;
                        else
                                (void) close(got);
                }
        }
        if (msg.msg_flags & MSG_CTRUNC) {
                if (fd >= 0)
                        (void) close(fd);
                return husk_error_set(err, EMSGSIZE, "receive from the console socket: control data truncated");
        }
        if (fd < 0)
                return husk_error_set(err, EBADMSG, "receive from the console socket: %s",
                                      n == 0 ? "connection closed" : "no fd in the message");
        *ret_fd = fd;
        return 0;
}

int husk_console_make_controlling(int slave, struct husk_error *err)
{
        /* A process group leader cannot setsid(); the init may already lead its own session, which
         * is all TIOCSCTTY needs. */
        if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
                return husk_error_errno(err, errno, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return husk_error_errno(err, errno, "make the pty the controlling terminal (TIOCSCTTY)");
        for (int target = 0; target <= 2; target++) {
                if (slave == target) {
                        /* dup2 onto itself is a no-op that would leave O_CLOEXEC set: clear it. */
                        int flags = fcntl(slave, F_GETFD);
                        if (flags < 0 || fcntl(slave, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                                return husk_error_errno(err, errno, "clear close-on-exec of the pty on fd %d", target);
                        continue;
                }
                if (dup2(slave, target) < 0)
                        return husk_error_errno(err, errno, "dup2 the pty to fd %d", target);
        }
        return 0;
}

int husk_console_set_size(int fd, unsigned int rows, unsigned int cols, struct husk_error *err)
{
        if (rows > USHRT_MAX || cols > USHRT_MAX)
                return husk_error_set(err, EINVAL, "console size %ux%u: too large", rows, cols);
        struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
        if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
                return husk_error_errno(err, errno, "set console size %ux%u", rows, cols);
        return 0;
}

int husk_console_setup(int console_fd, const struct husk_process *p, struct husk_error *err)
{
        _cleanup_close_ int master = -1, slave = -1;
        int r = husk_console_open(&master, &slave, err);
        if (r < 0)
                return r;
        if (p->has_console_size) {
                r = husk_console_set_size(master, p->console_height, p->console_width, err);
                if (r < 0)
                        return r;
        }
        unsigned int n = 0;
        char name[32] = "/dev/console";
        if (ioctl(master, TIOCGPTN, &n) == 0)
                (void) snprintf(name, sizeof(name), "/dev/pts/%u", n);
        r = husk_console_send_fd(console_fd, master, name, err);
        if (r < 0)
                return r;
        return steal_fd(slave);
}

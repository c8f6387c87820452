/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "child.h"
#include "runtime/console.h"
#include "test.h"
#include "util/cleanup.h"

static bool read_exact_timeout(int fd, char *buf, size_t len)
{
        size_t got = 0;
        while (got < len) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 2000) <= 0)
                        return false;
                ssize_t n = read(fd, buf + got, len - got);
                if (n <= 0)
                        return false;
                got += (size_t) n;
        }
        return true;
}

static void raw(int fd)
{
        struct termios t;
        if (tcgetattr(fd, &t) == 0) {
                cfmakeraw(&t);
                (void) tcsetattr(fd, TCSANOW, &t);
        }
}

TEST(open_send_receive_and_talk)
{
        struct husk_error err = { 0 };
        _cleanup_close_ int master = -1, slave = -1, received = -1;
        int sp[2];
        CHECK(husk_console_open(&master, &slave, &err) == 0);
        CHECK(isatty(master) && isatty(slave));
        CHECK((fcntl(master, F_GETFD) & FD_CLOEXEC) && (fcntl(slave, F_GETFD) & FD_CLOEXEC));

        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
        _cleanup_close_ int a = sp[0], b = sp[1];
        char *name = ptsname(master);
        CHECK(name);
        CHECK(husk_console_send_fd(a, master, name, &err) == 0);
        CHECK(husk_console_recv_fd(b, &received, &err) == 0);
        CHECK(received >= 0 && received != master);
        CHECK(fcntl(received, F_GETFD) & FD_CLOEXEC);
        /* The same open file: the same pty index. */
        int idx1 = -1, idx2 = -2;
        CHECK(ioctl(master, TIOCGPTN, &idx1) == 0 && ioctl(received, TIOCGPTN, &idx2) == 0);
        CHECK(idx1 == idx2);

        raw(slave);
        CHECK(write(slave, "from-slave", 10) == 10);
        char buf[32] = "";
        CHECK(read_exact_timeout(received, buf, 10));
        CHECK(memcmp(buf, "from-slave", 10) == 0);
        CHECK(write(received, "to-slave", 8) == 8);
        memset(buf, 0, sizeof(buf));
        CHECK(read_exact_timeout(slave, buf, 8));
        CHECK(memcmp(buf, "to-slave", 8) == 0);
}

TEST(name_is_sent_as_data)
{
        /* What containerd's and conmon's receivers read: the data of the message is the name. */
        struct husk_error err = { 0 };
        int sp[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
        _cleanup_close_ int a = sp[0], b = sp[1];
        _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK(husk_console_send_fd(a, fd, "/dev/pts/7", &err) == 0);
        char data[64] = "";
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) - 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        ssize_t n = recvmsg(b, &msg, MSG_CMSG_CLOEXEC);
        CHECK(n == 10);
        CHECK_STR_EQ(data, "/dev/pts/7");
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        CHECK(c && c->cmsg_type == SCM_RIGHTS);
        int got;
        memcpy(&got, CMSG_DATA(c), sizeof(int));
        close(got);
}

TEST(recv_without_fd_fails)
{
        struct husk_error err = { 0 };
        int sp[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
        _cleanup_close_ int a = sp[0], b = sp[1];
        CHECK(write(a, "x", 1) == 1);
        int fd = -1;
        CHECK(husk_console_recv_fd(b, &fd, &err) == -EBADMSG);
        CHECK_CONTAINS(err.msg, "no fd in the message");
        close(a);
        a = -1;
        CHECK(husk_console_recv_fd(b, &fd, &err) == -EBADMSG);
        CHECK_CONTAINS(err.msg, "connection closed");
}

TEST(set_size)
{
        struct husk_error err = { 0 };
        _cleanup_close_ int master = -1, slave = -1;
        CHECK(husk_console_open(&master, &slave, &err) == 0);
        CHECK(husk_console_set_size(master, 42, 137, &err) == 0);
        struct winsize ws = { 0 };
        CHECK(ioctl(slave, TIOCGWINSZ, &ws) == 0);
        CHECK(ws.ws_row == 42 && ws.ws_col == 137);
        CHECK(husk_console_set_size(master, 70000, 1, &err) == -EINVAL);
        _cleanup_close_ int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
        CHECK(husk_console_set_size(nul, 1, 1, &err) == -ENOTTY);
        CHECK_CONTAINS(err.msg, "set console size 1x1: ");
}

struct tmpsock {
        char dir[512];
        char path[600];
};

static void tmpsock_cleanup(struct tmpsock *t)
{
        if (t->path[0])
                (void) unlink(t->path);
        /* The nested directories, innermost first. */
        while (t->dir[0] && strcmp(t->dir, "/tmp") != 0) {
                (void) rmdir(t->dir);
                char *slash = strrchr(t->dir, '/');
                if (!slash)
                        break;
                *slash = '\0';
        }
}

TEST(connect_long_path)
{
        _cleanup_(tmpsock_cleanup) struct tmpsock t = { "", "" };
        char base[] = "/tmp/husk-console-XXXXXX";
        CHECK(mkdtemp(base));
        snprintf(t.dir, sizeof(t.dir), "%s", base);
        /* Well past the 108 bytes of sun_path. */
        for (int i = 0; i < 4; i++) {
                size_t l = strlen(t.dir);
                snprintf(t.dir + l, sizeof(t.dir) - l, "/%s", "a-rather-long-directory-name-for-a-bundle");
                CHECK(mkdir(t.dir, 0700) == 0);
        }
        snprintf(t.path, sizeof(t.path), "%s/console.sock", t.dir);
        CHECK(strlen(t.path) > sizeof(((struct sockaddr_un *) 0)->sun_path));

        /* Bind through the same trick (the test's own side), from a directory fd. */
        _cleanup_close_ int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHECK(srv >= 0);
        _cleanup_close_ int dfd = open(t.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0);
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/console.sock", dfd);
        CHECK(bind(srv, (struct sockaddr *) &addr, sizeof(addr)) == 0);
        CHECK(listen(srv, 1) == 0);

        struct husk_error err = { 0 };
        _cleanup_close_ int c = husk_console_connect(t.path, &err);
        CHECK(c >= 0);
        _cleanup_close_ int accepted = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
        CHECK(accepted >= 0);
        CHECK(write(c, "hi", 2) == 2);
        char buf[2];
        CHECK(read_exact_timeout(accepted, buf, 2) && memcmp(buf, "hi", 2) == 0);

        CHECK(husk_console_connect("/nonexistent/console.sock", &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "connect to console socket /nonexistent/console.sock: ");
}

static void make_controlling_child(void *arg, char *msg, size_t len)
{
        (void) arg;
        struct husk_error err = { 0 };
        int master = -1, slave = -1;
        if (husk_console_open(&master, &slave, &err) < 0)
                CHILD_FAIL(msg, len, "open: %s", err.msg);
        if (husk_console_make_controlling(slave, &err) < 0)
                CHILD_FAIL(msg, len, "make_controlling: %s", err.msg);
        if (getsid(0) != getpid())
                CHILD_FAIL(msg, len, "not a session leader");
        if (tcgetsid(0) != getpid())
                CHILD_FAIL(msg, len, "fd 0 is not our controlling terminal");
        for (int fd = 0; fd <= 2; fd++) {
                if (!isatty(fd))
                        CHILD_FAIL(msg, len, "fd %d is not a tty", fd);
                if (fcntl(fd, F_GETFD) & FD_CLOEXEC)
                        CHILD_FAIL(msg, len, "fd %d is close-on-exec", fd);
        }
        int open_tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
        if (open_tty < 0)
                CHILD_FAIL(msg, len, "open /dev/tty: %s", strerror(errno));
}

TEST(make_controlling)
{
        char msg[1024];
        bool ok = run_in_child(make_controlling_child, NULL, msg, sizeof(msg));
        if (!ok)
                printf("#   %s\n", msg);
        CHECK(ok);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* husk-monitor's attach endpoint (monitor_attach.c) over socketpairs, a pipe and a pty: keys to the
 * container's stdin, StdinOnce, resize, output to every caller, the exit packet, a caller gone. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/monitor_attach.h"
#include "test.h"

/* One poll round of the server, as husk-monitor's loop runs it. */
static void round_(struct husk_attach_srv *s)
{
        struct pollfd p[HUSK_ATTACH_CLIENTS_MAX + 2];
        size_t n = husk_attach_srv_pollfds(s, p);
        if (poll(p, n, 200) > 0)
                husk_attach_srv_handle(s, p, n);
}

static int caller(struct husk_attach_srv *s)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return -1;
        husk_attach_srv_add(s, sv[1]);
        return sv[0];
}

/* A server for a -i container: its stdin a pipe (in[0] the container's end), one caller (returned). */
static int with_stdin_pipe(struct husk_attach_srv *s, int in[2], bool stdin_once)
{
        husk_attach_srv_init(s);
        if (pipe2(in, O_CLOEXEC | O_NONBLOCK) < 0)
                return -1;
        s->stdin_fd = in[1];
        s->open_stdin = true;
        s->stdin_once = stdin_once;
        return caller(s);
}

TEST(keys_to_stdin_and_stdin_once)
{
        struct husk_attach_srv s;
        int in[2];
        int c = with_stdin_pipe(&s, in, true);
        CHECK(c >= 0);
        CHECK(send(c, "ihello", 6, 0) == 6);
        round_(&s);
        char buf[64];
        CHECK(read(in[0], buf, sizeof(buf)) == 5);
        CHECK(memcmp(buf, "hello", 5) == 0);
        CHECK(send(c, "e", 1, 0) == 1);
        round_(&s);
        CHECK(s.stdin_fd == -1);
        CHECK(read(in[0], buf, sizeof(buf)) == 0); /* the container sees EOF */
        husk_attach_srv_exit(&s, 0);
        close(in[0]);
        close(c);
}

TEST(eof_keeps_stdin_without_stdin_once_and_no_keys_without_open_stdin)
{
        struct husk_attach_srv s;
        int in[2];
        int c = with_stdin_pipe(&s, in, false);
        CHECK(c >= 0);
        CHECK(send(c, "e", 1, 0) == 1);
        round_(&s);
        CHECK(s.stdin_fd == in[1]);
        s.open_stdin = false;
        CHECK(send(c, "ixyz", 4, 0) == 4);
        round_(&s);
        char buf[8];
        CHECK(read(in[0], buf, sizeof(buf)) == -1 && errno == EAGAIN);
        husk_attach_srv_exit(&s, 0);
        close(in[0]);
        close(c);
}

TEST(output_to_every_caller_then_exit)
{
        struct husk_attach_srv s;
        husk_attach_srv_init(&s);
        int a = caller(&s), b = caller(&s);
        husk_attach_srv_output(&s, HUSK_ATTACH_STDERR, "oops", 4);
        char buf[HUSK_ATTACH_DATA_MAX + 8];
        CHECK(recv(a, buf, sizeof(buf), 0) == 5 && buf[0] == HUSK_ATTACH_STDERR && memcmp(buf + 1, "oops", 4) == 0);
        CHECK(recv(b, buf, sizeof(buf), 0) == 5 && buf[0] == HUSK_ATTACH_STDERR);
        /* a caller that went away is dropped; the others still get output */
        close(b);
        static char big[HUSK_ATTACH_DATA_MAX + 10];
        memset(big, 'x', sizeof(big));
        husk_attach_srv_output(&s, HUSK_ATTACH_STDOUT, big, sizeof(big));
        CHECK(recv(a, buf, sizeof(buf), 0) == HUSK_ATTACH_DATA_MAX + 1);
        CHECK(recv(a, buf, sizeof(buf), 0) == 11 && buf[0] == HUSK_ATTACH_STDOUT);
        husk_attach_srv_exit(&s, 42);
        CHECK(recv(a, buf, sizeof(buf), 0) == 5 && buf[0] == HUSK_ATTACH_EXIT);
        int32_t code;
        memcpy(&code, buf + 1, sizeof(code));
        CHECK(code == 42);
        CHECK(recv(a, buf, sizeof(buf), 0) == 0); /* closed after the exit packet */
        close(a);
}

TEST(resize_on_the_pty_and_oversized_packets_refused)
{
        int master, slave;
        CHECK(openpty(&master, &slave, NULL, NULL, NULL) == 0);
        struct husk_attach_srv s;
        husk_attach_srv_init(&s);
        s.stdin_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
        s.tty = true;
        int c = caller(&s);
        char pkt[5] = { HUSK_ATTACH_RESIZE };
        uint16_t v[2] = { 50, 132 };
        memcpy(pkt + 1, v, sizeof(v));
        CHECK(send(c, pkt, sizeof(pkt), 0) == 5);
        round_(&s);
        struct winsize ws;
        CHECK(ioctl(slave, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 50 && ws.ws_col == 132);
        /* a tty ignores the caller's EOF */
        CHECK(send(c, "e", 1, 0) == 1);
        round_(&s);
        CHECK(s.stdin_fd >= 0);
        static char big[HUSK_ATTACH_DATA_MAX + 2];
        memset(big, 'i', sizeof(big));
        CHECK(send(c, big, sizeof(big), 0) == (ssize_t) sizeof(big));
        round_(&s);
        char buf[8];
        CHECK(recv(c, buf, sizeof(buf), 0) == 0); /* hung up on */
        husk_attach_srv_exit(&s, 0);
        close(c);
        close(master);
        close(slave);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* husk-monitor's attach endpoint (monitor_attach.h, protocol in attach.h). */
#include "engine/monitor_attach.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

void husk_attach_srv_init(struct husk_attach_srv *s)
{
        memset(s, 0, sizeof(*s));
        s->listen_fd = -1;
        s->stdin_fd = -1;
        for (size_t i = 0; i < HUSK_ATTACH_CLIENTS_MAX; i++)
                s->clients[i] = -1;
}

static void drop(int *fd)
{
        (void) close(*fd);
        *fd = -1;
}

void husk_attach_srv_add(struct husk_attach_srv *s, int fd)
{
        /* Blocking sends with a timeout: a caller slower than the container holds it back (as a
         * terminal does), one that stops reading is dropped after the timeout. */
        struct timeval tv = { .tv_sec = HUSK_ATTACH_SEND_TIMEOUT_MS / 1000,
                              .tv_usec = (HUSK_ATTACH_SEND_TIMEOUT_MS % 1000) * 1000 };
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        for (size_t i = 0; i < HUSK_ATTACH_CLIENTS_MAX; i++)
                if (s->clients[i] < 0) {
                        s->clients[i] = fd;
                        return;
                }
        (void) close(fd); /* full: refused by hanging up */
}

/* Poll order: the listening socket, stdin_fd (only while keys are pending), the callers (only while
 * none are: keys are read from them when stdin can take them, which pushes back on a fast typist). */
size_t husk_attach_srv_pollfds(const struct husk_attach_srv *s, struct pollfd *p)
{
        size_t n = 0;
        bool pending = s->pending_len > s->pending_off;
        p[n++] = (struct pollfd) { .fd = s->listen_fd, .events = POLLIN };
        p[n++] = (struct pollfd) { .fd = pending ? s->stdin_fd : -1, .events = POLLOUT };
        for (size_t i = 0; i < HUSK_ATTACH_CLIENTS_MAX; i++)
                p[n++] = (struct pollfd) { .fd = pending ? -1 : s->clients[i], .events = POLLIN };
        return n;
}

static void close_stdin(struct husk_attach_srv *s)
{
        if (s->stdin_fd >= 0)
                drop(&s->stdin_fd);
        s->pending_off = s->pending_len = 0;
}

static void write_pending(struct husk_attach_srv *s)
{
        while (s->stdin_fd >= 0 && s->pending_off < s->pending_len) {
                ssize_t w = write(s->stdin_fd, s->pending + s->pending_off, s->pending_len - s->pending_off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0 && errno == EAGAIN)
                        return;
                if (w <= 0) {
                        /* The container closed its stdin (EPIPE: SIGPIPE is blocked): keys go nowhere. */
                        close_stdin(s);
                        return;
                }
                s->pending_off += (size_t) w;
        }
        s->pending_off = s->pending_len = 0;
}

static void on_packet(struct husk_attach_srv *s, const char *buf, size_t n)
{
        switch (buf[0]) {
        case HUSK_ATTACH_STDIN:
                if (!s->open_stdin || s->stdin_fd < 0 || n < 2)
                        return;
                memcpy(s->pending, buf + 1, n - 1);
                s->pending_off = 0;
                s->pending_len = n - 1;
                write_pending(s);
                return;
        case HUSK_ATTACH_STDIN_EOF:
                if (!s->tty && s->stdin_once)
                        close_stdin(s);
                return;
        case HUSK_ATTACH_RESIZE: {
                uint16_t v[2];
                if (!s->tty || s->stdin_fd < 0 || n != 1 + sizeof(v))
                        return;
                memcpy(v, buf + 1, sizeof(v));
                struct winsize ws = { .ws_row = v[0], .ws_col = v[1] };
                (void) ioctl(s->stdin_fd, TIOCSWINSZ, &ws);
                return;
        }
        default:
                return; /* unknown: ignored, for later additions */
        }
}

void husk_attach_srv_handle(struct husk_attach_srv *s, const struct pollfd *p, size_t n)
{
        if (n > 0 && p[0].revents & POLLIN) {
                int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0)
                        husk_attach_srv_add(s, fd);
        }
        if (n > 1 && p[1].revents)
                write_pending(s);
        for (size_t i = 2; i < n; i++) {
                int *fd = &s->clients[i - 2];
                if (!p[i].revents || *fd < 0 || p[i].fd != *fd)
                        continue;
                /* One byte more than a packet may hold: a longer one is cut (MSG_TRUNC) and refused. */
                char buf[HUSK_ATTACH_DATA_MAX + 2];
                ssize_t r = recv(*fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (r <= 0 || (size_t) r > HUSK_ATTACH_DATA_MAX + 1) {
                        drop(fd);
                        continue;
                }
                on_packet(s, buf, (size_t) r);
                if (s->pending_len > s->pending_off)
                        break; /* the others wait until stdin took these keys */
        }
}

static void send_all(struct husk_attach_srv *s, const char *pkt, size_t n)
{
        for (size_t i = 0; i < HUSK_ATTACH_CLIENTS_MAX; i++) {
                if (s->clients[i] < 0)
                        continue;
                ssize_t w;
                do
                        w = send(s->clients[i], pkt, n, MSG_NOSIGNAL);
                while (w < 0 && errno == EINTR);
                if (w != (ssize_t) n)
                        drop(&s->clients[i]); /* gone, or stuck past the timeout */
        }
}

void husk_attach_srv_output(struct husk_attach_srv *s, int stream, const char *buf, size_t n)
{
        char pkt[HUSK_ATTACH_DATA_MAX + 1];
        while (n > 0) {
                size_t k = n < HUSK_ATTACH_DATA_MAX ? n : HUSK_ATTACH_DATA_MAX;
                pkt[0] = (char) stream;
                memcpy(pkt + 1, buf, k);
                send_all(s, pkt, k + 1);
                buf += k;
                n -= k;
        }
}

void husk_attach_srv_exit(struct husk_attach_srv *s, int code)
{
        char pkt[1 + sizeof(int32_t)];
        int32_t c = code;
        pkt[0] = HUSK_ATTACH_EXIT;
        memcpy(pkt + 1, &c, sizeof(c));
        send_all(s, pkt, sizeof(pkt));
        for (size_t i = 0; i < HUSK_ATTACH_CLIENTS_MAX; i++)
                if (s->clients[i] >= 0)
                        drop(&s->clients[i]);
        if (s->listen_fd >= 0)
                drop(&s->listen_fd);
        close_stdin(s);
}

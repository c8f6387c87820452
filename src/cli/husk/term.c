/* SPDX-License-Identifier: Apache-2.0 */
/* The caller's terminal, detach keys and the relay loop of interactive sessions (term.h). */
#include "cli/husk/term.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "util/cleanup.h"

int husk_term_make_raw(int fd, struct husk_term *t, struct husk_error *err)
{
        t->raw = false;
        t->fd = fd;
        if (!isatty(fd))
                return 0;
        if (tcgetattr(fd, &t->saved) < 0)
                return husk_error_errno(err, errno, "terminal attributes");
        struct termios raw = t->saved;
        cfmakeraw(&raw);
        if (tcsetattr(fd, TCSANOW, &raw) < 0)
                return husk_error_errno(err, errno, "terminal raw mode");
        t->raw = true;
        return 0;
}

void husk_term_restore(struct husk_term *t)
{
        if (!t->raw)
                return;
        /* TCSADRAIN: what the container wrote last is shown with the attributes it was written for. */
        while (tcsetattr(t->fd, TCSADRAIN, &t->saved) < 0 && errno == EINTR)
                ;
        t->raw = false;
}

int husk_term_size(int fd, unsigned short *ret_rows, unsigned short *ret_cols)
{
        struct winsize ws;
        if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) < 0)
                return -ENOTTY;
        *ret_rows = ws.ws_row;
        *ret_cols = ws.ws_col;
        return 0;
}

/* moby/term's ASCII table: "ctrl-@" is 0, "ctrl-a" 1 ... "ctrl-z" 26, then [ \ ] ^ _ (27-31). */
static int ctrl_code(const char *key)
{
        if (strncmp(key, "ctrl-", 5) != 0 || strlen(key) != 6)
                return -1;
        char c = key[5];
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 1;
        static const char tail[] = "[\\]^_";
        if (c == '@')
                return 0;
        const char *p = strchr(tail, c);
        return p && c ? 27 + (int) (p - tail) : -1;
}

int husk_detach_keys_parse(const char *s, struct husk_detach_keys *ret, struct husk_error *err)
{
        memset(ret, 0, sizeof(*ret));
        if (!s || !*s)
                s = HUSK_DETACH_KEYS_DEFAULT;
        size_t len = strlen(s);
        for (size_t pos = 0; pos <= len;) {
                size_t klen = strcspn(s + pos, ",");
                char key[16];
                if (klen == 0 || klen >= sizeof(key))
                        return husk_error_set(err, EINVAL, "Invalid detach keys (%s) provided", s);
                memcpy(key, s + pos, klen);
                key[klen] = '\0';
                int code = klen == 1 ? (unsigned char) key[0] : ctrl_code(key);
                if (code < 0)
                        return husk_error_set(err, EINVAL, "Invalid detach keys (%s) provided: unknown key '%s'", s,
                                              key);
                if (ret->n == HUSK_DETACH_KEYS_MAX)
                        return husk_error_set(err, EINVAL, "Invalid detach keys (%s) provided: more than %d keys", s,
                                              HUSK_DETACH_KEYS_MAX);
                ret->seq[ret->n++] = (unsigned char) code;
                pos += klen + 1;
        }
        return 0;
}

bool husk_detach_feed(struct husk_detach_keys *k, const char *in, size_t n, char *out, size_t *ret_n)
{
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) in[i];
                if (k->n == 0) {
                        out[o++] = (char) c;
                        continue;
                }
                if (c == k->seq[k->matched]) {
                        if (++k->matched == k->n) {
                                k->matched = 0;
                                *ret_n = o;
                                return true;
                        }
                        continue;
                }
                /* Not the sequence after all: what was held back goes on, and this byte may start it anew. */
                memcpy(out + o, k->seq, k->matched);
                o += k->matched;
                k->matched = 0;
                if (c == k->seq[0] && k->n > 1)
                        k->matched = 1;
                else if (c == k->seq[0])
                        return *ret_n = o, true;
                else
                        out[o++] = (char) c;
        }
        *ret_n = o;
        return false;
}

static int write_all(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, buf, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                buf += w;
                n -= (size_t) w;
        }
        return 0;
}

static void follow_size(const struct husk_relay *r, const struct husk_relay_peer *p)
{
        unsigned short rows, cols;
        if (p->resize && husk_term_size(r->size_fd, &rows, &cols) == 0)
                (void) p->resize(p->ud, rows, cols);
}

static void on_signal(const struct husk_relay *r, const struct husk_relay_peer *p)
{
        struct signalfd_siginfo si;
        if (read(r->sig_fd, &si, sizeof(si)) != sizeof(si))
                return;
        if (si.ssi_signo == SIGWINCH)
                follow_size(r, p);
        else if (p->signal)
                p->signal(p->ud, (int) si.ssi_signo);
}

/* The caller's keys: through the detach matcher to the peer. HUSK_RELAY_DETACHED, or 0 (-1 for in_fd:
 * it ended). */
static int on_input(const struct husk_relay *r, const struct husk_relay_peer *p, int *in_fd, struct husk_error *err)
{
        char buf[4096], out[sizeof(buf) + HUSK_DETACH_KEYS_MAX];
        ssize_t n = read(*in_fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n <= 0) {
                /* The caller's stdin ended (or failed): the container's stdin ends with it. */
                *in_fd = -1;
                if (p->send_eof && p->send_eof(p->ud) < 0)
                        return husk_error_errno(err, EPIPE, "close the container's stdin");
                return 0;
        }
        size_t m = (size_t) n;
        bool detach = false;
        if (r->keys && r->keys->n > 0)
                detach = husk_detach_feed(r->keys, buf, m, out, &m);
        else
                memcpy(out, buf, m);
        if (m > 0) {
                int s = p->send(p->ud, out, m);
                if (s < 0 && s != -EPIPE)
                        return husk_error_errno(err, -s, "send input to the container");
        }
        return detach ? HUSK_RELAY_DETACHED : 0;
}

int husk_relay_run(const struct husk_relay *r, const struct husk_relay_peer *p, struct husk_error *err)
{
        int in_fd = r->in_fd;
        bool out_ok = true;
        follow_size(r, p);
        for (;;) {
                struct pollfd fds[3] = {
                        { .fd = p->fd, .events = POLLIN },
                        { .fd = in_fd, .events = POLLIN },
                        { .fd = r->sig_fd, .events = POLLIN },
                };
                if (poll(fds, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "poll");
                }
                if (fds[2].revents)
                        on_signal(r, p);
                if (in_fd >= 0 && fds[1].revents) {
                        int s = on_input(r, p, &in_fd, err);
                        if (s != 0)
                                return s;
                }
                if (!fds[0].revents)
                        continue;
                char buf[16384];
                int stream = 1;
                ssize_t n = p->recv(p->ud, buf, sizeof(buf), &stream);
                if (n == -EAGAIN || n == -EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, (int) -n, "read the container's output");
                if (n == 0)
                        return HUSK_RELAY_ENDED;
                /* A caller whose stdout went away (EPIPE) keeps typing: the output only stops. */
                if (out_ok && write_all(stream == 2 ? r->err_fd : r->out_fd, buf, (size_t) n) < 0)
                        out_ok = false;
        }
}

static ssize_t fd_recv(void *ud, char *buf, size_t size, int *ret_stream)
{
        const struct husk_relay_fd *f = ud;
        *ret_stream = 1;
        ssize_t n = read(f->out_fd, buf, size);
        if (n < 0 && f->is_pty && errno == EIO)
                return 0; /* every slave fd is closed: the output ended */
        return n < 0 ? -errno : n;
}

static int fd_send(void *ud, const char *buf, size_t n)
{
        const struct husk_relay_fd *f = ud;
        return f->in_fd >= 0 ? write_all(f->in_fd, buf, n) : 0;
}

static int fd_send_eof(void *ud)
{
        struct husk_relay_fd *f = ud;
        /* A pty has no end of input but the EOF character, which the session's line discipline decides on. */
        if (f->in_fd >= 0 && f->in_fd != f->out_fd) {
                (void) close(f->in_fd);
                f->in_fd = -1;
        }
        return 0;
}

static int fd_resize(void *ud, unsigned short rows, unsigned short cols)
{
        const struct husk_relay_fd *f = ud;
        struct winsize ws = { .ws_row = rows, .ws_col = cols };
        return ioctl(f->out_fd, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

void husk_relay_peer_fd(struct husk_relay_fd *fds, struct husk_relay_peer *ret)
{
        *ret = (struct husk_relay_peer) {
                .fd = fds->out_fd,
                .ud = fds,
                .recv = fd_recv,
                .send = fd_send,
                .send_eof = fd_send_eof,
                .resize = fds->is_pty ? fd_resize : NULL,
        };
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The attached session over the monitor's attach protocol (attach_session.h, engine/attach.h). */
#include "cli/husk/attach_session.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/husk/containers.h"
#include "cli/husk/term.h"
#include "engine/attach.h"
#include "util/cleanup.h"

struct sock_peer {
        int fd;
        struct husk_engine *e;
        const char *id;
        bool got_exit;
        int exit_code;
};

static ssize_t sock_recv(void *ud, char *buf, size_t size, int *ret_stream)
{
        struct sock_peer *p = ud;
        char type;
        struct iovec iov[2] = { { .iov_base = &type, .iov_len = 1 }, { .iov_base = buf, .iov_len = size } };
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
        ssize_t n = recvmsg(p->fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? -EAGAIN : -errno;
        if (n == 0)
                return 0; /* the monitor is gone */
        if (type == HUSK_ATTACH_EXIT && n == 1 + (ssize_t) sizeof(int32_t)) {
                int32_t c;
                memcpy(&c, buf, sizeof(c));
                p->got_exit = true;
                p->exit_code = c;
                return 0;
        }
        if ((type != HUSK_ATTACH_STDOUT && type != HUSK_ATTACH_STDERR) || n == 1)
                return -EAGAIN;
        *ret_stream = type;
        return n - 1;
}

static int sock_packet(const struct sock_peer *p, char type, const void *data, size_t n)
{
        struct iovec iov[2] = { { .iov_base = &type, .iov_len = 1 }, { .iov_base = (void *) data, .iov_len = n } };
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n ? 2 : 1 };
        ssize_t w;
        do
                w = sendmsg(p->fd, &msg, MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
        return w < 0 ? -errno : 0;
}

static int sock_send(void *ud, const char *buf, size_t n)
{
        for (size_t off = 0; off < n; off += HUSK_ATTACH_DATA_MAX) {
                size_t k = n - off < HUSK_ATTACH_DATA_MAX ? n - off : HUSK_ATTACH_DATA_MAX;
                int r = sock_packet(ud, HUSK_ATTACH_STDIN, buf + off, k);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int sock_send_eof(void *ud)
{
        return sock_packet(ud, HUSK_ATTACH_STDIN_EOF, NULL, 0);
}

static int sock_resize(void *ud, unsigned short rows, unsigned short cols)
{
        uint16_t v[2] = { rows, cols };
        return sock_packet(ud, HUSK_ATTACH_RESIZE, v, sizeof(v));
}

/* Docker's sig-proxy: what we get goes to the container. */
static void sock_signal(void *ud, int sig)
{
        const struct sock_peer *p = ud;
        struct husk_error ignored = { 0 };
        (void) husk_container_kill(&p->e->rt, p->id, sig, false, &ignored);
}

/* Connect to a running container's <dir>/attach (through /proc/self/fd: sun_path is short). */
static int attach_connect(struct husk_engine *e, const char *id, struct husk_error *err)
{
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, id, err);
        if (dfd < 0)
                return dfd;
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        (void) snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", dfd, HUSK_ATTACH_SOCKET);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return husk_error_errno(err, errno, "attach socket");
        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0)
                return husk_error_errno(err, errno, "attach to %s", id);
        return steal_fd(fd);
}

struct saved_mask {
        bool active;
        sigset_t old;
};

static void sigmask_restore(struct saved_mask *m)
{
        if (m->active)
                (void) sigprocmask(SIG_SETMASK, &m->old, NULL);
}

/* The terminal whose size the container's pty follows: our stdin's, else our stdout's. */
static int size_fd(void)
{
        return isatty(STDIN_FILENO) ? STDIN_FILENO : isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1;
}

/* Start the container with one end of a socketpair as its first attached caller; the other end in
 * *ret_sock, the monitor's report pipe in *ret_report. Returns 0 or the exit code of the failure. */
static int start_attached(const struct husk_ctx *ctx, struct husk_engine *e, const char *id, bool tty,
                          int *ret_sock, int *ret_report)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return husk_failf(ctx, "socketpair: %s", strerror(errno));
        _cleanup_close_ int mine = sv[0], theirs = sv[1];
        struct husk_start_opts so = { .attach = true, .out_fd = -1, .err_fd = -1, .has_attach_sock = true,
                                      .attach_sock = theirs };
        if (tty)
                (void) husk_term_size(size_fd(), &so.rows, &so.cols);
        struct husk_error err = { 0 };
        (void) fflush(stdout);
        if (husk_engine_start(e, id, &so, ret_report, &err) < 0) {
                (void) husk_fail(ctx, &err);
                return husk_cli_start_exit_code(&err);
        }
        *ret_sock = steal_fd(mine);
        return 0;
}

bool husk_cli_ctr_interactive(const struct husk_ctr *c)
{
        return json_is_true(json_object_get(c->cfg.ctr_config, "Tty")) ||
               json_is_true(json_object_get(c->cfg.ctr_config, "OpenStdin"));
}

int husk_cli_attach_session(const struct husk_ctx *ctx, struct husk_engine *e, const char *id,
                            const struct husk_cli_attach_opts *o)
{
        struct husk_error err = { 0 };
        struct husk_detach_keys keys;
        if (husk_detach_keys_parse(o->detach_keys, &keys, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        if (husk_ctr_load(e->ctrs, id, &c, &err) < 0)
                return husk_fail(ctx, &err);
        bool tty = json_is_true(json_object_get(c.cfg.ctr_config, "Tty"));
        bool in = o->stdin && json_is_true(json_object_get(c.cfg.ctr_config, "OpenStdin"));
        if (!o->start && (c.state != HUSK_CTR_RUNNING || c.monitor_dead))
                return husk_failf(ctx, "You cannot attach to a stopped container, start it first");

        /* Blocked before the container starts, so that none is lost before the loop reads them; the
         * monitor and the container's init reset the mask. */
        sigset_t set;
        sigemptyset(&set);
        const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(sigs); i++)
                sigaddset(&set, sigs[i]);
        _cleanup_(sigmask_restore) struct saved_mask mask = { .active = false };
        if (sigprocmask(SIG_BLOCK, &set, &mask.old) < 0)
                return husk_failf(ctx, "sigprocmask: %s", strerror(errno));
        mask.active = true;
        _cleanup_close_ int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sigfd < 0)
                return husk_failf(ctx, "signalfd: %s", strerror(errno));

        _cleanup_close_ int sock = -1, report = -1;
        if (o->start) {
                int r = start_attached(ctx, e, id, tty, &sock, &report);
                if (r != 0)
                        return r;
        } else if ((sock = attach_connect(e, id, &err)) < 0) {
                return husk_fail(ctx, &err);
        }

        struct sock_peer sp = { .fd = sock, .e = e, .id = id };
        struct husk_relay_peer peer = { .fd = sock, .ud = &sp, .recv = sock_recv, .send = sock_send,
                                        .send_eof = sock_send_eof, .resize = tty ? sock_resize : NULL,
                                        .signal = sock_signal };
        struct husk_relay rl = { .in_fd = in ? STDIN_FILENO : -1, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO,
                                 .sig_fd = sigfd, .size_fd = tty ? size_fd() : -1, .keys = in ? &keys : NULL };
        int r;
        {
                /* Raw only while relaying: restored before anything else is printed, on every path. */
                _cleanup_(husk_term_restore) struct husk_term term = { .raw = false };
                if (tty && in && husk_term_make_raw(STDIN_FILENO, &term, &err) < 0)
                        return husk_fail(ctx, &err);
                r = husk_relay_run(&rl, &peer, &err);
        }
        if (r == HUSK_RELAY_DETACHED)
                return 0; /* the container runs on; its monitor writes the exit report to no one */
        if (r < 0)
                return husk_fail(ctx, &err);
        if (report >= 0) {
                int code = husk_engine_attach_wait(e, id, report, sigfd, &err);
                return code < 0 ? husk_fail(ctx, &err) : code;
        }
        /* attach: the monitor's last word is the code; the record is written after it. */
        int code = 0;
        if (husk_engine_wait(e, id, &code, &err) >= 0)
                return code;
        return sp.got_exit ? sp.exit_code : husk_fail(ctx, &err); /* --rm: the record went with it */
}

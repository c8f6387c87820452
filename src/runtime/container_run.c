/* SPDX-License-Identifier: Apache-2.0 */
/* run: create + start, and in the foreground be the container's parent until its init exits. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "oci/config.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "runtime/console.h"
#include "runtime/runtime.h"
#include "runtime/state_store_internal.h"
#include "util/cleanup.h"

/* Removes a container whose run failed half-way; the original error is what the caller reports. */
static void discard_container(const struct husk_runtime *rt, const char *id)
{
        struct husk_error ignored = { 0 };
        (void) husk_container_delete(rt, id, true, &ignored);
}

struct saved_tty {
        bool active;
        int fd;
        struct termios attrs;
};

static void saved_tty_restore(struct saved_tty *t)
{
        if (t->active) {
                (void) tcsetattr(t->fd, TCSADRAIN, &t->attrs);
                t->active = false;
        }
}

struct saved_sigmask {
        bool active;
        sigset_t old;
};

static void saved_sigmask_restore(struct saved_sigmask *m)
{
        if (m->active) {
                (void) sigprocmask(SIG_SETMASK, &m->old, NULL);
                m->active = false;
        }
}

static int write_all(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, buf, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd p = { .fd = fd, .events = POLLOUT };
                                (void) poll(&p, 1, -1);
                                continue;
                        }
                        return -errno;
                }
                buf += w;
                n -= (size_t) w;
        }
        return 0;
}

/* Copy what is readable from in to out. Returns 1 while in stays open, 0 on its end (EOF, or EIO
 * from a pty master whose slaves are all closed), or a negative errno. */
static int relay_once(int in, int out)
{
        char buf[65536];
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 1;
                if (errno == EIO)
                        return 0;
                return -errno;
        }
        if (n == 0)
                return 0;
        int r = write_all(out, buf, (size_t) n);
        return r < 0 ? r : 1;
}

static void copy_window_size(int from, int master)
{
        struct winsize ws;
        if (ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
                (void) husk_console_set_size(master, ws.ws_row, ws.ws_col, NULL);
}

/* Reap every child that has exited; we are a subreaper, so orphans of the container land here too. */
static int reap_children(pid_t init_pid, bool *init_done, int *init_status, struct husk_error *err)
{
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p == 0)
                        return 0;
                if (p < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ECHILD)
                                return 0;
                        return husk_error_errno(err, errno, "waitpid");
                }
                if (p == init_pid) {
                        *init_done = true;
                        *init_status = st;
                }
        }
}

struct fg {
        pid_t init_pid;
        int init_pidfd;
        int sig_fd;
        int master;       /* -1 without a relayed terminal */
        bool stdin_open;
        bool master_open;
};

/* Forward signals, relay the terminal and reap, until the init has exited. Returns its wait status. */
static int foreground_loop(struct fg *f, int *ret_status, struct husk_error *err)
{
        bool done = false;
        int status = 0;
        /* The init may have exited before the signalfd existed: its SIGCHLD is then long gone. */
        int r = reap_children(f->init_pid, &done, &status, err);
        if (r < 0)
                return r;

        while (!done) {
                struct pollfd p[4] = {
                        { .fd = f->sig_fd, .events = POLLIN },
                        { .fd = f->init_pidfd, .events = POLLIN },
                        { .fd = f->stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
                        { .fd = f->master_open ? f->master : -1, .events = POLLIN },
                };
                if (poll(p, HUSK_ARRAY_SIZE(p), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "poll");
                }
                if (p[3].revents) {
                        r = relay_once(f->master, STDOUT_FILENO);
                        if (r < 0)
                                return husk_error_errno(err, -r, "relay container terminal to stdout");
                        f->master_open = r > 0;
                }
                if (p[2].revents & POLLNVAL) {
                        f->stdin_open = false;
                } else if (p[2].revents) {
                        r = relay_once(STDIN_FILENO, f->master);
                        if (r < 0)
                                return husk_error_errno(err, -r, "relay stdin to container terminal");
                        f->stdin_open = r > 0;
                }
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(f->sig_fd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                int sig = (int) si.ssi_signo;
                                if (sig == SIGCHLD)
                                        continue;
                                /* The kernel sends SIGWINCH to the pty's foreground group itself when
                                 * its size changes: resize instead of forwarding. */
                                if (sig == SIGWINCH && f->master >= 0) {
                                        copy_window_size(STDIN_FILENO, f->master);
                                        continue;
                                }
                                if (pidfd_send_signal(f->init_pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
                                        return husk_error_errno(err, errno, "forward signal %d to pid %d", sig,
                                                                (int) f->init_pid);
                        }
                }
                /* Reap on every wake-up: SIGCHLD coalesces, and pidfd readiness covers an init that
                 * exits while its SIGCHLD is being read. */
                r = reap_children(f->init_pid, &done, &status, err);
                if (r < 0)
                        return r;
                if (!done && (p[1].revents & POLLIN)) {
                        /* Exited, yet not reaped by us: it is not our child (no subreaper effect). */
                        int st;
                        if (waitpid(f->init_pid, &st, WNOHANG) < 0 && errno == ECHILD)
                                return husk_error_set(err, ECHILD,
                                                      "container init pid %d exited but is not our child: "
                                                      "exit status unknown",
                                                      (int) f->init_pid);
                }
        }

        /* What the container wrote just before exiting is still in the pty. */
        if (f->master >= 0 && f->master_open) {
                int fl = fcntl(f->master, F_GETFL);
                if (fl >= 0 && fcntl(f->master, F_SETFL, fl | O_NONBLOCK) == 0) {
                        char buf[65536];
                        ssize_t n;
                        while ((n = read(f->master, buf, sizeof(buf))) > 0)
                                if (write_all(STDOUT_FILENO, buf, (size_t) n) < 0)
                                        break;
                }
        }
        *ret_status = status;
        return 0;
}

static int load_bundle_config(const struct husk_create_opts *o, struct husk_spec **ret, struct husk_error *err)
{
        char path[PATH_MAX];
        int n = snprintf(path, sizeof(path), "%s/config.json", o->bundle ? o->bundle : ".");
        if (n < 0 || (size_t) n >= sizeof(path))
                return husk_error_set(err, ENAMETOOLONG, "bundle path too long: %s", o->bundle);
        return husk_config_load(path, ret, err);
}

static int run_detached(const struct husk_runtime *rt, const struct husk_create_opts *o, bool terminal,
                        int *ret_exit, struct husk_error *err)
{
        if (terminal && !o->console_socket && !o->has_console_fd)
                return husk_error_set(err, EINVAL,
                                      "run container \"%s\": a detached container with process.terminal needs "
                                      "a console socket",
                                      o->id);
        int r = husk_container_create(rt, o, err);
        if (r < 0)
                return r;
        r = husk_container_start(rt, o->id, err);
        if (r < 0) {
                discard_container(rt, o->id);
                return r;
        }
        *ret_exit = 0;
        return 0;
}

int husk_container_run(const struct husk_runtime *rt, const struct husk_create_opts *o, bool detach,
                       int *ret_exit, struct husk_error *err)
{
        int r = husk_validate_id(o->id, err);
        if (r < 0)
                return r;
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        r = load_bundle_config(o, &spec, err);
        if (r < 0)
                return r;
        bool terminal = spec->has_process && spec->process.terminal;
        if (detach)
                return run_detached(rt, o, terminal, ret_exit, err);

        bool relay = terminal && !o->console_socket && !o->has_console_fd;
        struct husk_create_opts co = *o;
        _cleanup_close_ int sock = -1;
        _cleanup_close_ int sock_child = -1;
        if (relay) {
                int sv[2];
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        return husk_error_errno(err, errno, "run container \"%s\": console socketpair", o->id);
                sock = sv[0];
                sock_child = sv[1];
                co.has_console_fd = true;
                co.console_fd = sock_child;
        }

        /* create's intermediate process exits once the init is set up; as subreaper we inherit the
         * init, so we can wait for it and get its exit status. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return husk_error_errno(err, errno, "run container \"%s\": PR_SET_CHILD_SUBREAPER", o->id);

        /* Blocked before create, so that a signal sent to us while the container is being set up
         * is forwarded once it runs rather than killing us and leaving the container behind. The
         * init and the hooks reset their mask before exec. A signalfd, not a handler: no global
         * state. */
        sigset_t set;
        (void) sigemptyset(&set);
        static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(forwarded); i++)
                (void) sigaddset(&set, forwarded[i]);
        _cleanup_(saved_sigmask_restore) struct saved_sigmask mask = { 0 };
        if (sigprocmask(SIG_BLOCK, &set, &mask.old) < 0)
                return husk_error_errno(err, errno, "run container \"%s\": block signals", o->id);
        mask.active = true;
        _cleanup_close_ int sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sig_fd < 0)
                return husk_error_errno(err, errno, "run container \"%s\": signalfd", o->id);

        r = husk_container_create(rt, &co, err);
        if (r < 0)
                return r;
        husk_closep(&sock_child);
        sock_child = -1;

        _cleanup_close_ int master = -1;
        if (relay) {
                r = husk_console_recv_fd(sock, &master, err);
                if (r < 0) {
                        discard_container(rt, o->id);
                        return husk_error_prefix(err, "run container \"%s\": receive the terminal: ", o->id);
                }
        }

        _cleanup_(husk_state_freep) struct husk_state *s = NULL;
        r = husk_container_state(rt, o->id, &s, err);
        if (r < 0) {
                discard_container(rt, o->id);
                return r;
        }
        _cleanup_close_ int init_pidfd = husk_init_pidfd(s->pid, s->pid_start_time, err);
        if (init_pidfd < 0) {
                discard_container(rt, o->id);
                return husk_error_prefix(err, "run container \"%s\": ", o->id);
        }

        _cleanup_(saved_tty_restore) struct saved_tty tty = { .fd = STDIN_FILENO };
        if (relay && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tty.attrs) == 0) {
                struct termios raw = tty.attrs;
                cfmakeraw(&raw);
                if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
                        tty.active = true;
                copy_window_size(STDIN_FILENO, master);
        }

        r = husk_container_start(rt, o->id, err);
        if (r < 0) {
                discard_container(rt, o->id);
                return r;
        }

        struct fg f = {
                .init_pid = s->pid,
                .init_pidfd = init_pidfd,
                .sig_fd = sig_fd,
                .master = master,
                .stdin_open = relay,
                .master_open = relay,
        };
        int status = 0;
        r = foreground_loop(&f, &status, err);
        saved_tty_restore(&tty);
        if (r < 0) {
                discard_container(rt, o->id);
                return husk_error_prefix(err, "run container \"%s\": ", o->id);
        }

        /* delete may leave a poststop warning in err with code 0, for the caller to show. */
        r = husk_container_delete(rt, o->id, true, err);
        if (r < 0)
                return r;
        *ret_exit = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The foreground of run and exec: signal forwarding, terminal relay and reaping (foreground.h). */
#include "runtime/foreground.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/console.h"
#include "util/cleanup.h"

void husk_fg_tty_restore(struct husk_fg_tty *t)
{
        if (t->active) {
                (void) tcsetattr(t->fd, TCSADRAIN, &t->attrs);
                t->active = false;
        }
}

void husk_fg_sigmask_restore(struct husk_fg_sigmask *m)
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

void husk_fg_copy_window_size(int from, int master)
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


int husk_fg_loop(struct husk_fg *f, int *ret_status, struct husk_error *err)
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
                                        husk_fg_copy_window_size(STDIN_FILENO, f->master);
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

void husk_fg_tty_raw(struct husk_fg_tty *t, int master)
{
        if (!isatty(t->fd) || tcgetattr(t->fd, &t->attrs) < 0)
                return;
        struct termios raw = t->attrs;
        cfmakeraw(&raw);
        if (tcsetattr(t->fd, TCSADRAIN, &raw) == 0)
                t->active = true;
        husk_fg_copy_window_size(t->fd, master);
}

int husk_fg_block_signals(struct husk_fg_sigmask *m, struct husk_error *err)
{
        sigset_t set;
        (void) sigemptyset(&set);
        static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(forwarded); i++)
                (void) sigaddset(&set, forwarded[i]);
        if (sigprocmask(SIG_BLOCK, &set, &m->old) < 0)
                return husk_error_errno(err, errno, "block signals");
        m->active = true;
        int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return husk_error_errno(err, errno, "signalfd");
        return fd;
}

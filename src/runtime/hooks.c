/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks: one child per hook, the state on stdin, its output captured, a timeout enforced with a
 * pidfd and poll (no SIGCHLD handler: this is a library, the signal dispositions are the caller's). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "util/cleanup.h"

/* The part of a failing hook's output kept for the error message: its tail, where the reason is. */
#define HOOK_OUTPUT_MAX 4096
/* Without pidfds (Linux < 5.3) the exit is noticed by polling waitpid at this interval. */
#define HOOK_POLL_FALLBACK_MS 50

struct hook_child {
        pid_t pid;
        int pidfd;
        bool reaped;
};

/* Whatever way husk_hooks_run leaves, no hook process survives it: kill (its process group too,
 * for what it forked) and reap. The group is signalled before the reap, while the unreaped leader
 * still pins the pgid so it cannot name someone else's group. */
static void hook_child_cleanup(struct hook_child *c)
{
        if (c->pid > 0 && !c->reaped) {
                (void) kill(-c->pid, SIGKILL);
                if (c->pidfd < 0 || syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0) < 0)
                        (void) kill(c->pid, SIGKILL);
                while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                c->reaped = true;
        }
        husk_closep(&c->pidfd);
}

struct output_tail {
        char buf[HOOK_OUTPUT_MAX];
        size_t len;
};

static void tail_append(struct output_tail *t, const char *data, size_t n)
{
        if (n >= sizeof(t->buf)) {
                memcpy(t->buf, data + n - sizeof(t->buf), sizeof(t->buf));
                t->len = sizeof(t->buf);
                return;
        }
        if (t->len + n > sizeof(t->buf)) {
                size_t drop = t->len + n - sizeof(t->buf);
                memmove(t->buf, t->buf + drop, t->len - drop);
                t->len -= drop;
        }
        memcpy(t->buf + t->len, data, n);
        t->len += n;
}

/* Read what the pipe has now. Returns 1 at EOF, 0 when it would block, negative errno on error. */
static int drain_output(int fd, struct output_tail *t)
{
        char chunk[4096];
        for (;;) {
                ssize_t n = read(fd, chunk, sizeof(chunk));
                if (n > 0) {
                        tail_append(t, chunk, (size_t) n);
                        continue;
                }
                if (n == 0)
                        return 1;
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN)
                        return 0;
                return -errno;
        }
}

/* The state as a file rather than a pipe: a hook that never reads stdin cannot block us on a full
 * pipe nor make us take a SIGPIPE, and each hook reads it from offset 0. */
static int state_file(const char *state_json, struct husk_error *err)
{
        _cleanup_close_ int fd = memfd_create("husk-hook-state", MFD_CLOEXEC);
        if (fd < 0 && (errno == ENOSYS || errno == EPERM))
                /* memfd_create denied by a seccomp profile around the runtime, or very old kernels. */
                fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0)
                return husk_error_errno(err, errno, "create the state file for hooks");
        size_t len = strlen(state_json), off = 0;
        while (off < len) {
                ssize_t n = write(fd, state_json + off, len - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "write the state file for hooks");
                }
                off += (size_t) n;
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return husk_error_errno(err, errno, "rewind the state file for hooks");
        return steal_fd(fd);
}

/* In the forked child: the state on 0, the capture pipe on 1 and 2, nothing else past exec.
 * -1 with errno on failure. */
static int child_stdio(int stdin_fd, int out_fd)
{
        /* Move our fds above 2 first, in case the runtime was started with a closed stdio and one
         * of them landed on 0, 1 or 2. */
        int in = fcntl(stdin_fd, F_DUPFD_CLOEXEC, 3);
        int out = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                return -1;
        /* Nothing else of the runtime's (preserved fds, sockets) reaches the hook. */
        if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0 && errno != ENOSYS &&
            errno != EINVAL)
                return -1;
        return 0;
}

/* In the forked child: only async-signal-safe calls until execve. Reports an exec failure as an
 * errno on err_fd (close-on-exec, so a successful exec reports EOF). */
__attribute__((noreturn)) static void hook_exec_child(const struct husk_hook *h, int stdin_fd, int out_fd, int err_fd)
{
        static char *const empty_env[] = { NULL };
        char *default_args[] = { h->path, NULL };
        char *const *argv = (h->args && h->args[0]) ? h->args : default_args;
        char *const *envp = h->env ? h->env : empty_env;
        int e;

        /* Its own process group, so a timeout can kill what the hook forked as well. */
        (void) setpgid(0, 0);

        /* Signal state is inherited across exec for masks and ignored signals: give the hook the
         * defaults, not whatever the runtime (or the engine above it) had set, e.g. SIGPIPE ignored. */
        sigset_t none;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) sigaction(sig, &dfl, NULL);

        if (child_stdio(stdin_fd, out_fd) == 0)
                execve(h->path, argv, envp);
        e = errno;
        (void) !write(err_fd, &e, sizeof(e));
        _exit(127);
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "<kind> hook <path>: <reason>[: <output>]", with as much of the output's tail as fits. */
static int hook_fail(struct husk_error *err, int code, const char *kind, const char *path, const char *reason,
                     const struct output_tail *t)
{
        char head[HUSK_ERROR_MSG_MAX];
        int hlen = snprintf(head, sizeof(head), "%s hook %s: %s", kind, path, reason);
        size_t len = t ? t->len : 0;
        while (len > 0 && (t->buf[len - 1] == '\n' || t->buf[len - 1] == '\r' || t->buf[len - 1] == ' '))
                len--;
        if (len == 0 || hlen < 0 || (size_t) hlen + 8 >= sizeof(head))
                return husk_error_set(err, code, "%s", head);
        size_t budget = sizeof(head) - (size_t) hlen - 3; /* ": " and the NUL */
        if (len > budget)
                return husk_error_set(err, code, "%s: ...%.*s", head, (int) (budget - 3),
                                      t->buf + len - (budget - 3));
        return husk_error_set(err, code, "%s: %.*s", head, (int) len, t->buf);
}

static int run_one(const struct husk_hook *h, const char *kind, const char *state_json, struct husk_error *err)
{
        if (!h->path)
                return husk_error_set(err, EINVAL, "%s hook: no path", kind);

        _cleanup_close_ int stdin_fd = state_file(state_json, err);
        if (stdin_fd < 0)
                return husk_error_prefix(err, "%s hook %s: ", kind, h->path);

        int out_pipe[2], err_pipe[2];
        if (pipe2(out_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
                return husk_error_errno(err, errno, "%s hook %s: pipe", kind, h->path);
        _cleanup_close_ int out_r = out_pipe[0], out_w = out_pipe[1];
        /* The child's end must block: a hook writing more than a pipe holds should wait, not fail. */
        if (fcntl(out_w, F_SETFL, 0) < 0)
                return husk_error_errno(err, errno, "%s hook %s: fcntl", kind, h->path);
        if (pipe2(err_pipe, O_CLOEXEC) < 0)
                return husk_error_errno(err, errno, "%s hook %s: pipe", kind, h->path);
        _cleanup_close_ int err_r = err_pipe[0], err_w = err_pipe[1];

        _cleanup_(hook_child_cleanup) struct hook_child child = { .pid = -1, .pidfd = -1 };
        int64_t start = now_ms();
        child.pid = fork();
        if (child.pid < 0)
                return husk_error_errno(err, errno, "%s hook %s: fork", kind, h->path);
        if (child.pid == 0)
                hook_exec_child(h, stdin_fd, out_w, err_w);
        husk_closep(&out_w);
        out_w = -1;
        husk_closep(&err_w);
        err_w = -1;

        /* Blocks only until the child's execve, which closes the pipe. */
        int exec_errno = 0;
        ssize_t n;
        do
                n = read(err_r, &exec_errno, sizeof(exec_errno));
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t) sizeof(exec_errno)) {
                char reason[128];
                snprintf(reason, sizeof(reason), "exec: %s", strerror(exec_errno));
                return hook_fail(err, exec_errno, kind, h->path, reason, NULL);
        }

        child.pidfd = (int) syscall(SYS_pidfd_open, child.pid, 0);
        if (child.pidfd < 0 && errno != ENOSYS)
                return husk_error_errno(err, errno, "%s hook %s: pidfd_open", kind, h->path);

        struct output_tail tail = { .len = 0 };
        int64_t deadline = h->has_timeout && h->timeout > 0 ? start + (int64_t) h->timeout * 1000 : -1;
        int status = 0;
        for (;;) {
                int wait_ms = -1;
                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();
                        if (left <= 0) {
                                hook_child_cleanup(&child);
                                char reason[64];
                                snprintf(reason, sizeof(reason), "timed out after %d s", h->timeout);
                                return hook_fail(err, ETIMEDOUT, kind, h->path, reason, NULL);
                        }
                        wait_ms = (int) (left > INT32_MAX ? INT32_MAX : left);
                }
                if (child.pidfd < 0 && (wait_ms < 0 || wait_ms > HOOK_POLL_FALLBACK_MS))
                        wait_ms = HOOK_POLL_FALLBACK_MS;

                struct pollfd pfd[2] = { { .fd = child.pidfd, .events = POLLIN }, { .fd = out_r, .events = POLLIN } };
                if (poll(pfd, 2, wait_ms) < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "%s hook %s: poll", kind, h->path);
                }
                if (out_r >= 0 && pfd[1].revents) {
                        int r = drain_output(out_r, &tail);
                        if (r != 0) {
                                /* EOF (or a broken pipe): stop watching it, keep waiting for the exit. */
                                husk_closep(&out_r);
                                out_r = -1;
                        }
                }
                bool exited;
                if (child.pidfd >= 0) {
                        exited = pfd[0].revents != 0;
                        if (exited && waitpid(child.pid, &status, 0) < 0)
                                return husk_error_errno(err, errno, "%s hook %s: waitpid", kind, h->path);
                } else {
                        pid_t w = waitpid(child.pid, &status, WNOHANG);
                        if (w < 0)
                                return husk_error_errno(err, errno, "%s hook %s: waitpid", kind, h->path);
                        exited = w == child.pid;
                }
                if (exited) {
                        child.reaped = true;
                        /* What it wrote before exiting; not until EOF, which a daemon it left
                         * behind holding the pipe could postpone forever. */
                        if (out_r >= 0)
                                (void) drain_output(out_r, &tail);
                        break;
                }
        }

        char reason[96];
        if (WIFEXITED(status)) {
                if (WEXITSTATUS(status) == 0)
                        return 0;
                snprintf(reason, sizeof(reason), "exit status %d", WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
                snprintf(reason, sizeof(reason), "killed by signal %d (%s)", WTERMSIG(status),
                         strsignal(WTERMSIG(status)));
        } else {
                snprintf(reason, sizeof(reason), "wait status %#x", (unsigned) status);
        }
        return hook_fail(err, EIO, kind, h->path, reason, &tail);
}

int husk_hooks_run(const struct husk_hook_list *list, const char *kind, const char *state_json,
                   struct husk_error *err)
{
        if (!list)
                return 0;
        if (!state_json)
                state_json = "";
        for (size_t i = 0; i < list->n; i++) {
                int r = run_one(&list->hooks[i], kind ? kind : "hook", state_json, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

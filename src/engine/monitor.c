/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor: the process that stays with a container for its whole life (conmon's role for podman).
 * Forked by the `husk` command that starts the container, it
 *   - leaves the caller's session and fds behind (a detached container must not keep a terminal or
 *     the pipes of whoever ran `husk run -d` open),
 *   - becomes a subreaper, so the container's init (forked by libhusk's intermediate process, which
 *     exits) is reparented to it and it alone gets the exit status,
 *   - holds <dir>/monitor.lock for its life: `ps` sees a running record without it as a dead monitor,
 *     and stop/wait/rm wait on it,
 *   - mounts the root, creates and starts the container in-process, reports "ok PID" to the caller,
 *   - copies the container's stdout/stderr into the json-file log (and to an attached caller),
 *   - at the init's exit releases the runtime state, cgroup and mount, records the exit code and time,
 *     and removes the container for --rm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/logfile.h"
#include "engine/prepare.h"
#include "image/rootfs.h"
#include "util/cleanup.h"

struct monitor {
        const struct husk_monitor_args *a;
        struct husk_engine *e;
        struct husk_ctr c;
        int dirfd;
        pid_t init_pid;
        int out_r, err_r;       /* read ends of the container's stdout/stderr pipes */
        int sig_fd;
        struct husk_log_writer log;
        int attach[2];          /* the caller's stdout/stderr, -1 when detached or gone */
};

/* Every fd inherited without O_CLOEXEC (the caller's terminal, a test harness's pipes) is not ours:
 * husk opens all of its own with O_CLOEXEC, so those are exactly the ones to close. */
static void close_inherited_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        if (!d)
                return;
        int self = dirfd(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (fd <= STDERR_FILENO || fd == self)
                        continue;
                int flags = fcntl(fd, F_GETFD);
                if (flags >= 0 && !(flags & FD_CLOEXEC))
                        (void) close(fd);
        }
        (void) closedir(d);
}

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...)
{
        if (fd < 0)
                return;
        char buf[HUSK_ERROR_MSG_MAX + 64];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n >= sizeof(buf))
                n = (int) sizeof(buf) - 1;
        /* One write, shorter than PIPE_BUF: the caller reads it whole. */
        (void) !write(fd, buf, (size_t) n);
}

/* stdin, stdout, stderr onto /dev/null, or (out, err >= 0) stdout and stderr onto those. */
static int redirect_stdio(int out, int err_fd)
{
        _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0)
                return -errno;
        if (dup2(null, STDIN_FILENO) < 0 || dup2(out >= 0 ? out : null, STDOUT_FILENO) < 0 ||
            dup2(err_fd >= 0 ? err_fd : null, STDERR_FILENO) < 0)
                return -errno;
        return 0;
}

/* The record as the failed start leaves it: created (Docker's), with the error and the exit code
 * the caller will also report (126/127 for a command that cannot run). */
static void record_failure(struct monitor *m, const struct husk_error *err)
{
        m->c.state = HUSK_CTR_CREATED;
        m->c.pid = 0;
        m->c.monitor_pid = 0;
        free(m->c.error);
        m->c.error = strdup(err->msg);
        m->c.exit_code = strstr(err->msg, "exec: \"") && err->code == EACCES   ? 126
                         : strstr(err->msg, "exec: \"") && err->code == ENOENT ? 127
                                                                               : 125;
        if (!m->c.cfg.auto_remove) {
                (void) husk_ctr_save(m->e->ctrs, &m->c, NULL);
                return;
        }
        /* --rm: a container that could not start is removed as one that ended. */
        if (!m->c.rootfs && m->dirfd >= 0)
                (void) husk_rootfs_remove(m->dirfd, NULL);
        (void) husk_ctr_remove(m->e->ctrs, m->c.id, m->c.name, NULL);
}

/* Create and start the container with its stdout/stderr on new pipes (fds 1 and 2 while libhusk
 * forks: the init inherits them). */
static int create_and_start(struct monitor *m, struct husk_error *err)
{
        int out[2], errp[2];
        if (pipe2(out, O_CLOEXEC) < 0)
                return husk_error_errno(err, errno, "pipe");
        if (pipe2(errp, O_CLOEXEC) < 0) {
                (void) close(out[0]);
                (void) close(out[1]);
                return husk_error_errno(err, errno, "pipe");
        }
        m->out_r = out[0];
        m->err_r = errp[0];
        int r = redirect_stdio(out[1], errp[1]);
        (void) close(out[1]);
        (void) close(errp[1]);
        if (r < 0)
                return husk_error_errno(err, -r, "container stdio");

        char bundle[4096];
        (void) snprintf(bundle, sizeof(bundle), "%s/%s", husk_ctr_store_path(m->e->ctrs), m->c.id);
        struct husk_create_opts o = { .id = m->c.id, .bundle = bundle, .console_fd = -1 };
        r = husk_container_create(&m->e->rt, &o, err);
        if (r >= 0) {
                _cleanup_(husk_state_freep) struct husk_state *st = NULL;
                r = husk_container_state(&m->e->rt, m->c.id, &st, err);
                if (r >= 0) {
                        m->init_pid = st->pid;
                        r = husk_container_start(&m->e->rt, m->c.id, err);
                }
                if (r < 0) {
                        struct husk_error ignored = { 0 };
                        (void) husk_container_delete(&m->e->rt, m->c.id, true, &ignored);
                        m->init_pid = 0;
                }
        }
        /* Our copies of the pipes' write ends go: the log sees EOF once the container's are closed. */
        (void) redirect_stdio(-1, -1);
        return r;
}

static int monitor_start(struct monitor *m, struct husk_error *err)
{
        _cleanup_close_ int lock = husk_ctr_lock(m->e->ctrs, m->a->id, err);
        if (lock < 0)
                return lock;
        int r = husk_ctr_load(m->e->ctrs, m->a->id, &m->c, err);
        if (r < 0)
                return r;
        if (m->c.state == HUSK_CTR_RUNNING && !m->c.monitor_dead)
                return husk_error_set(err, EBUSY, "container %s is already running", m->c.name);
        m->dirfd = husk_ctr_dir_open(m->e->ctrs, m->c.id, err);
        if (m->dirfd < 0)
                return m->dirfd;
        r = husk_engine_prepare(m->e, &m->c, m->dirfd, err);
        if (r >= 0) {
                r = create_and_start(m, err);
                if (r < 0)
                        husk_engine_release(m->e, &m->c, m->dirfd);
        }
        if (r < 0) {
                record_failure(m, err);
                return r;
        }
        m->c.state = HUSK_CTR_RUNNING;
        m->c.pid = m->init_pid;
        m->c.monitor_pid = getpid();
        m->c.exit_code = 0;
        m->c.started_at = husk_now_ns();
        m->c.finished_at = 0;
        free(steal_ptr(m->c.error));
        return husk_ctr_save(m->e->ctrs, &m->c, err);
}

/* Copy what a pipe has into the log and the attached caller. Returns 0 at EOF (the fd is closed),
 * -1 when a non-blocking read finds nothing, 1 otherwise. */
static int pump(struct monitor *m, int *fd, enum husk_log_stream stream)
{
        char buf[8192];
        ssize_t n = read(*fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
                return 1;
        if (n < 0 && errno == EAGAIN)
                return -1;
        if (n <= 0) {
                (void) close(*fd);
                *fd = -1;
                return 0;
        }
        (void) husk_log_feed(&m->log, stream, buf, (size_t) n);
        int *afd = &m->attach[stream];
        if (*afd >= 0) {
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(*afd, buf + off, (size_t) (n - off));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w <= 0) {
                                /* The caller went away: the container goes on, only the log has it. */
                                (void) close(*afd);
                                *afd = -1;
                                break;
                        }
                        off += w;
                }
        }
        return 1;
}

/* Reap every child we have (we are a subreaper); the init's wait status when it was among them. */
static bool reap(struct monitor *m, int *ret_status)
{
        bool init_done = false;
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p <= 0)
                        break;
                if (p == m->init_pid) {
                        *ret_status = st;
                        init_done = true;
                }
        }
        return init_done;
}

static int monitor_loop(struct monitor *m)
{
        int status = 0;
        bool done = false;
        while (!done) {
                struct pollfd p[3] = {
                        { .fd = m->sig_fd, .events = POLLIN },
                        { .fd = m->out_r, .events = POLLIN },
                        { .fd = m->err_r, .events = POLLIN },
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents)
                        (void) pump(m, &m->out_r, HUSK_LOG_STDOUT);
                if (p[2].revents)
                        (void) pump(m, &m->err_r, HUSK_LOG_STDERR);
                if (p[0].revents) {
                        struct signalfd_siginfo si;
                        (void) !read(m->sig_fd, &si, sizeof(si));
                        done = reap(m, &status);
                }
        }
        /* The init is gone and with it its pid namespace: what is left in the pipes is all there is.
         * Non-blocking, since a process outside that namespace might still hold a write end. */
        for (int i = 0; i < 2; i++) {
                int *fd = i == 0 ? &m->out_r : &m->err_r;
                if (*fd >= 0)
                        (void) fcntl(*fd, F_SETFL, O_NONBLOCK);
                while (*fd >= 0 && pump(m, fd, i == 0 ? HUSK_LOG_STDOUT : HUSK_LOG_STDERR) > 0)
                        ;
        }
        (void) husk_log_flush(&m->log);
        return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
}

static void monitor_finish(struct monitor *m, int code)
{
        husk_engine_release(m->e, &m->c, m->dirfd);
        struct husk_error err = { 0 };
        _cleanup_close_ int lock = husk_ctr_lock(m->e->ctrs, m->c.id, &err);
        if (lock < 0)
                return; /* the record is gone: nothing to write */
        /* Reload: rename or another command may have changed the record meanwhile. */
        struct husk_ctr cur = { 0 };
        if (husk_ctr_load(m->e->ctrs, m->c.id, &cur, &err) == 0) {
                husk_ctr_free_contents(&m->c);
                m->c = cur;
        }
        m->c.state = HUSK_CTR_EXITED;
        m->c.exit_code = code;
        m->c.pid = 0;
        m->c.finished_at = husk_now_ns();
        if (m->c.cfg.auto_remove) {
                if (!m->c.rootfs)
                        (void) husk_rootfs_remove(m->dirfd, NULL);
                (void) husk_ctr_remove(m->e->ctrs, m->c.id, m->c.name, NULL);
        } else {
                (void) husk_ctr_save(m->e->ctrs, &m->c, NULL);
        }
}

static int monitor_run(const struct husk_monitor_args *a, struct monitor *m, struct husk_error *err)
{
        if (setsid() < 0)
                return husk_error_errno(err, errno, "setsid");
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return husk_error_errno(err, errno, "PR_SET_CHILD_SUBREAPER");
        /* SIGCHLD through a signalfd; SIGPIPE blocked rather than ignored, so that a write to a caller
         * that went away fails with EPIPE, and the container (its init resets the mask before exec)
         * does not inherit an ignored SIGPIPE. SIGHUP/SIGINT/SIGTERM: the monitor is not stopped by
         * them; `husk stop`/`kill` signal the container. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGPIPE);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return husk_error_errno(err, errno, "sigprocmask");
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        m->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
        if (m->sig_fd < 0)
                return husk_error_errno(err, errno, "signalfd");
        if (chdir("/") < 0)
                return husk_error_errno(err, errno, "chdir /");

        /* Held (never closed) until we exit: that is what tells the others we live. */
        int lock = husk_ctr_monitor_lock(m->e->ctrs, a->id, err);
        if (lock < 0)
                return lock == -EWOULDBLOCK ? husk_error_set(err, EBUSY, "container %s is already running", a->id)
                                            : lock;
        int r = monitor_start(m, err);
        if (r < 0)
                return r;
        m->log.fd = openat(m->dirfd, HUSK_LOG_FILE, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        report(a->report_fd, "ok %d\n", (int) m->init_pid);
        /* Detached: nobody waits for the exit report. Whatever a start needed and a run does not
         * (the image store, parsed configs) is given back, for a small resident monitor. */
        if (m->attach[0] < 0 && m->attach[1] < 0) {
                (void) close(a->report_fd);
                m->a = NULL;
        }
        if (m->e->store) {
                husk_store_close(m->e->store);
                m->e->store = NULL;
        }
        (void) malloc_trim(0);
        int code = monitor_loop(m);
        monitor_finish(m, code);
        if (m->a)
                report(m->a->report_fd, "exit %d\n", code);
        return 0;
}

_Noreturn void husk_monitor_main(const struct husk_monitor_args *a)
{
        struct monitor m = { .a = a, .e = a->engine, .dirfd = -1, .out_r = -1, .err_r = -1, .sig_fd = -1,
                             .attach = { -1, -1 } };
        m.log.fd = -1;
        struct husk_error err = { 0 };
        close_inherited_fds();
        /* The attached caller's stdout/stderr under fds of our own (0-2 are the container's while
         * it is created, /dev/null after). */
        if (a->out_fd >= 0)
                m.attach[0] = fcntl(a->out_fd, F_DUPFD_CLOEXEC, 3);
        if (a->err_fd >= 0)
                m.attach[1] = fcntl(a->err_fd, F_DUPFD_CLOEXEC, 3);
        if (redirect_stdio(-1, -1) < 0)
                _exit(1);
        if (monitor_run(a, &m, &err) < 0) {
                report(a->report_fd, "err %d %s\n", err.code, err.msg);
                _exit(1);
        }
        _exit(0);
}

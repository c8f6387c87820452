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
 *   - then execs husk-monitor (husk-monitor.c, small and static) in its own place, which copies the
 *     container's output into the json-file log (and to an attached caller) until the init exits, and
 *     execs `husk container cleanup` (husk_engine_cleanup below): the runtime state, cgroup and mount
 *     released, the exit code and time recorded, the container removed for --rm, the attached caller
 *     told the code.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/ctr_network.h"
#include "engine/ctr_volumes.h"
#include "engine/engine.h"
#include "engine/life.h"
#include "engine/log_config.h"
#include "engine/logfile.h"
#include "engine/prepare.h"
#include "image/rootfs.h"
#include "runtime/console.h"
#include "util/cleanup.h"

struct monitor {
        const struct husk_monitor_args *a;
        struct husk_engine *e;
        struct husk_ctr c;
        int dirfd;
        pid_t init_pid;
        int out_r, err_r;       /* read ends of the container's stdout/stderr pipes */
        int sig_fd;
        int log_fd;
        int attach[2];          /* the caller's stdout/stderr, -1 when detached or gone */
        int listen_fd;          /* <dir>/attach (attach.h) */
        int conn_fd;            /* a foreground caller's end of the attach protocol, or -1 */
        int stdin_w;            /* the container's stdin: -i's pipe (write end), -t's pty master, or -1 */
        bool tty, open_stdin, stdin_once;       /* Config.Tty, OpenStdin (-i), StdinOnce */
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

/* stdin, stdout, stderr onto /dev/null, or (in, out, err >= 0) onto those. */
static int redirect_stdio(int in, int out, int err_fd)
{
        _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0)
                return -errno;
        if (dup2(in >= 0 ? in : null, STDIN_FILENO) < 0 || dup2(out >= 0 ? out : null, STDOUT_FILENO) < 0 ||
            dup2(err_fd >= 0 ? err_fd : null, STDERR_FILENO) < 0)
                return -errno;
        return 0;
}

/* The record as the failed start leaves it: created (Docker's), with the error and the exit code
 * the caller will also report (126/127 for a command that cannot run). */
static void record_failure(struct monitor *m, const struct husk_error *err)
{
        if (m->dirfd >= 0)
                (void) unlinkat(m->dirfd, HUSK_ATTACH_SOCKET, 0);
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

/* -i without -t: the container's stdin is a pipe whose write end the monitor keeps (non-blocking:
 * a container that does not read it must not stop the monitor). */
static int stdin_pipe(struct monitor *m, int *ret_read, struct husk_error *err)
{
        int in[2];
        if (pipe2(in, O_CLOEXEC) < 0)
                return husk_error_errno(err, errno, "pipe");
        m->stdin_w = in[1];
        *ret_read = in[0];
        if (fcntl(m->stdin_w, F_SETFL, O_NONBLOCK) < 0)
                return husk_error_errno(err, errno, "stdin pipe");
        return 0;
}

/* The container's stdio: -t a pty (made by the runtime inside the container, its master received
 * over console_sock after create), else stdout/stderr on new pipes and stdin on /dev/null or (-i)
 * a pipe, as fds 0-2 while libhusk forks (the init inherits them). */
static int setup_stdio(struct monitor *m, int *console_sock, struct husk_create_opts *o, struct husk_error *err)
{
        if (m->tty) {
                int sv[2];
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        return husk_error_errno(err, errno, "console socketpair");
                *console_sock = sv[0];
                o->has_console_fd = true;
                o->console_fd = sv[1];
                int r = redirect_stdio(-1, -1, -1);
                return r < 0 ? husk_error_errno(err, -r, "container stdio") : 0;
        }
        _cleanup_close_ int in_r = -1;
        if (m->open_stdin && stdin_pipe(m, &in_r, err) < 0)
                return -err->code;
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
        int r = redirect_stdio(in_r, out[1], errp[1]);
        (void) close(out[1]);
        (void) close(errp[1]);
        if (r < 0)
                return husk_error_errno(err, -r, "container stdio");
        return 0;
}

/* -t: the pty master from the runtime, sized as the caller's terminal before the process runs. */
static int receive_master(struct monitor *m, int console_sock, struct husk_error *err)
{
        int master;
        int r = husk_console_recv_fd(console_sock, &master, err);
        if (r < 0)
                return husk_error_prefix(err, "receive the container's terminal: ");
        m->out_r = master;
        if (m->a->rows && m->a->cols)
                (void) husk_console_set_size(master, m->a->rows, m->a->cols, NULL);
        /* Keys (and sizes) go to it through a second fd (non-blocking: shared by both, reads are polled). */
        m->stdin_w = fcntl(master, F_DUPFD_CLOEXEC, 3);
        if (m->stdin_w < 0 || fcntl(master, F_SETFL, O_NONBLOCK) < 0)
                return husk_error_errno(err, errno, "the container's terminal");
        return 0;
}

/* Create and start the container (its stdio from setup_stdio). */
static int create_and_start(struct monitor *m, struct husk_error *err)
{
        char bundle[4096];
        (void) snprintf(bundle, sizeof(bundle), "%s/%s", husk_ctr_store_path(m->e->ctrs), m->c.id);
        struct husk_create_opts o = { .id = m->c.id, .bundle = bundle, .console_fd = -1 };
        _cleanup_close_ int console_sock = -1;
        int r = setup_stdio(m, &console_sock, &o, err);
        if (r >= 0)
                r = husk_container_create(&m->e->rt, &o, err);
        if (o.has_console_fd)
                (void) close(o.console_fd);
        if (r >= 0 && m->tty) {
                r = receive_master(m, console_sock, err);
                if (r < 0) {
                        struct husk_error ignored = { 0 };
                        (void) husk_container_delete(&m->e->rt, m->c.id, true, &ignored);
                }
        }
        if (r >= 0) {
                _cleanup_(husk_state_freep) struct husk_state *st = NULL;
                r = husk_container_state(&m->e->rt, m->c.id, &st, err);
                if (r >= 0) {
                        m->init_pid = st->pid;
                        /* Its network up before the process runs (the init waits in the runtime's create). */
                        r = husk_ctr_net_start(m->e, &m->c, m->dirfd, m->init_pid, err);
                        if (r >= 0)
                                r = husk_container_start(&m->e->rt, m->c.id, err);
                }
                if (r < 0) {
                        struct husk_error ignored = { 0 };
                        (void) husk_container_delete(&m->e->rt, m->c.id, true, &ignored);
                        m->init_pid = 0;
                }
        }
        /* Our copies of the pipes' write ends go: the log sees EOF once the container's are closed. */
        (void) redirect_stdio(-1, -1, -1);
        return r;
}

/* <dir>/attach, listening (attach.h). Bound through /proc/self/fd/DIRFD: sun_path holds 108 bytes and
 * a storage root may be deeper than that allows (conmon binds the same way). */
static int attach_listen(struct monitor *m, struct husk_error *err)
{
        (void) unlinkat(m->dirfd, HUSK_ATTACH_SOCKET, 0);
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        (void) snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", m->dirfd, HUSK_ATTACH_SOCKET);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return husk_error_errno(err, errno, "attach socket");
        if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0)
                return husk_error_errno(err, errno, "bind the attach socket");
        if (listen(fd, 8) < 0)
                return husk_error_errno(err, errno, "listen on the attach socket");
        m->listen_fd = steal_fd(fd);
        return 0;
}

static int monitor_start(struct monitor *m, struct husk_error *err)
{
        _cleanup_close_ int lock = husk_ctr_lock(m->e->ctrs, m->a->id, err);
        if (lock < 0)
                return lock;
        int r = husk_ctr_load(m->e->ctrs, m->a->id, &m->c, err);
        if (r < 0)
                return r;
        /* We hold the monitor lock: a record that still says running is a run whose monitor died
         * (the probe in load saw our own lock). */
        m->c.monitor_dead = m->c.state == HUSK_CTR_RUNNING;
        m->dirfd = husk_ctr_dir_open(m->e->ctrs, m->c.id, err);
        if (m->dirfd < 0)
                return m->dirfd;
        /* A run whose monitor died left its init, runtime state and mount: released before a new one. */
        if (m->c.monitor_dead)
                husk_engine_release(m->e, &m->c, m->dirfd);
        m->tty = json_is_true(json_object_get(m->c.cfg.ctr_config, "Tty"));
        m->stdin_once = json_is_true(json_object_get(m->c.cfg.ctr_config, "StdinOnce"));
        m->open_stdin = json_is_true(json_object_get(m->c.cfg.ctr_config, "OpenStdin"));
        r = attach_listen(m, err);
        if (r >= 0)
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
        m->c.paused = false;
        free(steal_ptr(m->c.error));
        return husk_ctr_save(m->e->ctrs, &m->c, err);
}

int husk_engine_cleanup(struct husk_engine *e, const char *id, int code, int report_fd, struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        _cleanup_close_ int lock = husk_ctr_lock(e->ctrs, id, err);
        if (lock < 0)
                return lock; /* the record is gone: nothing to release or write */
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        _cleanup_close_ int dirfd = husk_ctr_dir_open(e->ctrs, id, err);
        if (dirfd < 0)
                return dirfd;
        husk_engine_release(e, &c, dirfd);
        (void) unlinkat(dirfd, HUSK_ATTACH_SOCKET, 0);
        c.state = HUSK_CTR_EXITED;
        c.exit_code = code;
        c.pid = 0;
        c.finished_at = husk_now_ns();
        c.paused = false;
        if (c.cfg.auto_remove) {
                if (!c.rootfs)
                        (void) husk_rootfs_remove(dirfd, NULL);
                /* --rm takes the anonymous volumes with it, as Docker's AutoRemove */
                _cleanup_strv_ char **anon = NULL;
                (void) husk_ctr_vol_anonymous(e, &c, &anon, NULL);
                r = husk_ctr_remove(e->ctrs, c.id, c.name, err);
                if (r >= 0)
                        husk_ctr_vol_remove_unused(e, anon);
        } else {
                r = husk_ctr_save(e->ctrs, &c, err);
        }
        /* The attached caller learns the code only now, with everything released and recorded. */
        report(report_fd, "exit %d\n", code);
        return r;
}

/* Where husk-monitor is: $HUSK_MONITOR, the installed one, else the one of the build tree this husk
 * came from (tests and uninstalled use). */
static const char *monitor_path(void)
{
        const char *env = getenv("HUSK_MONITOR");
        if (env && *env)
                return env;
        if (access(HUSK_MONITOR_PATH, X_OK) == 0)
                return HUSK_MONITOR_PATH;
        return HUSK_MONITOR_BUILD_PATH;
}

/* "husk --storage-root R --root S container": the words the exit command (cleanup) and the health
 * checks (healthcheck) husk-monitor runs share. */
#define EXIT_CMD_COMMON_WORDS 6

/* Keep fd open across exec (it was made O_CLOEXEC). */
static int keep(int fd)
{
        if (fd >= 0 && fcntl(fd, F_SETFD, 0) < 0)
                return -errno;
        return 0;
}

/*
 * Become husk-monitor. Everything of ours not handed on (the stores, records, configs) goes with the
 * exec; the container started already, so clearing O_CLOEXEC on these fds cannot reach it (its init
 * has a copy of our fd table from before, where they were all O_CLOEXEC).
 */
static int exec_monitor(struct monitor *m, int lock_fd, int report_fd, struct husk_error *err)
{
        _cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (exe < 0)
                return husk_error_errno(err, errno, "open /proc/self/exe");
        int fds[] = { m->sig_fd, m->out_r, m->err_r, m->log_fd, m->attach[0], m->attach[1], exe, lock_fd, report_fd,
                      m->listen_fd, m->conn_fd, m->stdin_w };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(fds); i++)
                if (keep(fds[i]) < 0)
                        return husk_error_errno(err, errno, "monitor fds");
        char a[10][16];
        int vals[] = { (int) m->init_pid, m->sig_fd, m->out_r, m->err_r, m->log_fd, m->attach[0], m->attach[1], exe,
                       report_fd, lock_fd };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(vals); i++)
                (void) snprintf(a[i], sizeof(a[i]), "%d", vals[i]);
        /* The storage root is the parent of containers/. */
        char root[4096];
        (void) snprintf(root, sizeof(root), "%s", husk_ctr_store_path(m->e->ctrs));
        char *slash = strrchr(root, '/');
        if (slash)
                *slash = '\0';
        char att[64];
        (void) snprintf(att, sizeof(att), "%d,%d,%d,%d", m->listen_fd, m->conn_fd, m->stdin_w,
                        (m->tty ? 1 : 0) | (m->stdin_once ? 2 : 0) | (m->open_stdin ? 4 : 0));
        const char *path = monitor_path();
        /* The first EXIT_CMD_COMMON_WORDS words ("husk ... container") also start the health checks. */
        char *argv[] = { "husk-monitor", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], "--attach", att, "--",
                         "husk", "--storage-root", root, "--root", (char *) m->e->rt.root, "container", "cleanup",
                         "--report-fd", a[8], "--lock-fd", a[9], m->c.id, NULL };
        extern char **environ;
        (void) execve(path, argv, environ);
        return husk_error_errno(err, errno, "exec %s", path);
}

/* What the monitor process is, set once (a restart by the policy finds it set already, in the same
 * process: the session, the subreaper status and the mask survive the execs in between). */
static int monitor_process(struct monitor *m, struct husk_error *err)
{
        /* EPERM: already the leader of the session made at the first start (a restart). */
        if (setsid() < 0 && errno != EPERM)
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
        return 0;
}

/* Not monitored, the container must not run on unseen: killed, released, its end recorded (and told
 * to report_fd, -1: nobody). */
static void abandon(struct monitor *m, int report_fd)
{
        struct husk_error ignored = { 0 };
        (void) husk_container_kill(&m->e->rt, m->c.id, SIGKILL, false, &ignored);
        (void) waitpid(m->init_pid, NULL, 0);
        (void) husk_engine_cleanup(m->e, m->c.id, 255, report_fd, &ignored);
}

/* Start the container and become husk-monitor; lock: the monitor lock, held. Returns on failure. */
static int monitor_launch(struct monitor *m, int lock, int report_fd, struct husk_error *err)
{
        int r = monitor_start(m, err);
        if (r < 0)
                return r;
        /* --log-driver, --log-opt (log_config.h); a log that cannot be opened is no log, as before. */
        struct husk_error ignored = { 0 };
        if (husk_log_open_for_monitor(&m->c, m->dirfd, &m->log_fd, &ignored) < 0)
                m->log_fd = -1;
        /* Health checks (life.h): State.Health starting, husk-monitor's timer. */
        r = husk_health_monitor_setup(m->e, &m->c, EXIT_CMD_COMMON_WORDS, err);
        if (r < 0) {
                abandon(m, -1);
                return r;
        }
        report(report_fd, "ok %d\n", (int) m->init_pid);
        /* Detached: nobody waits for the exit report. */
        if (m->attach[0] < 0 && m->attach[1] < 0 && m->conn_fd < 0 && report_fd >= 0) {
                (void) close(report_fd);
                report_fd = -1;
        }
        r = exec_monitor(m, lock, report_fd, err);
        abandon(m, report_fd);
        return r;
}

static int monitor_run(const struct husk_monitor_args *a, struct monitor *m, struct husk_error *err)
{
        int r = monitor_process(m, err);
        if (r < 0)
                return r;
        /* Held (never closed) until we exit: that is what tells the others we live. */
        int lock = husk_ctr_monitor_lock(m->e->ctrs, a->id, err);
        if (lock < 0)
                return lock == -EWOULDBLOCK ? husk_error_set(err, EBUSY, "container %s is already running", a->id)
                                            : lock;
        return monitor_launch(m, lock, a->report_fd, err);
}

int husk_monitor_restart(struct husk_engine *e, const char *id, int lock_fd, struct husk_error *err)
{
        const struct husk_monitor_args a = { .engine = e, .id = id, .report_fd = -1, .out_fd = -1, .err_fd = -1 };
        struct monitor m = { .a = &a, .e = e, .dirfd = -1, .out_r = -1, .err_r = -1, .sig_fd = -1, .log_fd = -1,
                             .attach = { -1, -1 }, .listen_fd = -1, .conn_fd = -1, .stdin_w = -1 };
        int r = monitor_process(&m, err);
        if (r >= 0)
                r = monitor_launch(&m, lock_fd, -1, err);
        husk_ctr_free_contents(&m.c);
        if (m.dirfd >= 0)
                (void) close(m.dirfd);
        if (m.sig_fd >= 0)
                (void) close(m.sig_fd);
        return r;
}

_Noreturn void husk_monitor_main(const struct husk_monitor_args *a)
{
        struct monitor m = { .a = a, .e = a->engine, .dirfd = -1, .out_r = -1, .err_r = -1, .sig_fd = -1,
                             .log_fd = -1, .attach = { -1, -1 }, .listen_fd = -1, .conn_fd = -1, .stdin_w = -1 };
        struct husk_error err = { 0 };
        close_inherited_fds();
        /* The attached caller's stdout/stderr under fds of our own (0-2 are the container's while
         * it is created, /dev/null after). */
        if (a->out_fd >= 0)
                m.attach[0] = fcntl(a->out_fd, F_DUPFD_CLOEXEC, 3);
        if (a->err_fd >= 0)
                m.attach[1] = fcntl(a->err_fd, F_DUPFD_CLOEXEC, 3);
        if (a->attach_sock >= 0)
                m.conn_fd = fcntl(a->attach_sock, F_DUPFD_CLOEXEC, 3);
        if (redirect_stdio(-1, -1, -1) < 0)
                _exit(1);
        if (monitor_run(a, &m, &err) < 0) {
                report(a->report_fd, "err %d %s\n", err.code, err.msg);
                _exit(1);
        }
        _exit(0);
}

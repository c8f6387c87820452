/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk-monitor: what stays with a running container (conmon's role for podman). The `husk` process
 * that started the container execs this small program (linked statically, libc only) in its place, so
 * that what sits in memory for the container's whole life is tiny; it keeps what that process set up:
 * the subreaper status (the container's init is its child), the blocked signals and the SIGCHLD
 * signalfd, the monitor lock, the read ends of the container's stdout/stderr, the log.
 *
 *   husk-monitor INIT_PID SIGFD OUT_FD ERR_FD LOG_FD ATTACH_OUT ATTACH_ERR EXE_FD
 *                [--attach LISTEN_FD,CONN_FD,STDIN_FD,FLAGS] -- EXIT_CMD...
 *
 * It copies the output into the json-file log (and to an attached caller) until the init exits, then
 * executes EXIT_CMD (through EXE_FD, the sealed husk binary: `husk container cleanup ...`) with the
 * exit code appended, which releases the container and records its exit.
 *
 * The log's format and rotation (--log-driver k8s-file, --log-opt max-size/max-file) come in the
 * environment, taken out before anything else sees it:
 *   HUSK_MONITOR_LOG="FORMAT MAX_SIZE MAX_FILES DIR_FD"  (FORMAT 0 json-file, 1 k8s-file)
 * and so does the health checks' timer (struct health below):
 *   HUSK_MONITOR_HEALTH="INTERVAL_MS WORDS"
 */
#include <errno.h>
#include <linux/close_range.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/logfile.h"
#include "engine/monitor_attach.h"

extern char **environ;

/* The health checks' timer (HUSK_MONITOR_HEALTH="INTERVAL_MS WORDS"): every interval, unless the last
 * probe still runs, `husk container healthcheck ID` from the sealed husk binary, its words the first
 * WORDS of the exit command's, "healthcheck" and the id (the exit command's last word). */
struct health {
        long long interval_ms;          /* 0: no health check */
        char **argv;
        int exe_fd;
        pid_t pid;                      /* the probe running, 0: none */
        long long next_ms;              /* CLOCK_MONOTONIC */
};

struct mon {
        pid_t init_pid;
        int sig_fd;
        int fds[2];             /* the container's stdout and stderr, -1 once at EOF */
        int attach[2];          /* the attached caller's, -1 when none or gone */
        struct husk_log_writer log;
        struct husk_attach_srv att;     /* the attach socket, its callers, the container's stdin */
        struct health health;
};

/* Copy what a pipe has into the log and the attached caller. 0 at EOF (the fd is closed), -1 when a
 * non-blocking read finds nothing, 1 otherwise. */
static int pump(struct mon *m, int stream)
{
        char buf[8192];
        ssize_t n = read(m->fds[stream], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
                return 1;
        if (n < 0 && errno == EAGAIN)
                return -1;
        if (n <= 0) {
                (void) close(m->fds[stream]);
                m->fds[stream] = -1;
                return 0;
        }
        (void) husk_log_feed(&m->log, (enum husk_log_stream) stream, buf, (size_t) n);
        husk_attach_srv_output(&m->att, stream + 1, buf, (size_t) n);
        int *afd = &m->attach[stream];
        for (ssize_t off = 0; *afd >= 0 && off < n;) {
                ssize_t w = write(*afd, buf + off, (size_t) (n - off));
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        /* The caller went away (SIGPIPE is blocked: EPIPE): only the log has it now. */
                        (void) close(*afd);
                        *afd = -1;
                        break;
                }
                off += w;
        }
        return 1;
}

static long long now_ms(void)
{
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int health_setup(struct health *h, char **exit_cmd, int n, int exe_fd)
{
        const char *env = getenv("HUSK_MONITOR_HEALTH");
        if (!env)
                return 0;
        int words;
        if (sscanf(env, "%lld %d", &h->interval_ms, &words) != 2 || h->interval_ms < 1 || words < 1 || words >= n)
                return -1;
        (void) unsetenv("HUSK_MONITOR_HEALTH");
        h->argv = calloc((size_t) words + 3, sizeof(char *));
        if (!h->argv)
                return -1;
        for (int i = 0; i < words; i++)
                h->argv[i] = exit_cmd[i];
        h->argv[words] = "healthcheck";
        h->argv[words + 1] = exit_cmd[n - 1];
        h->exe_fd = exe_fd;
        h->next_ms = now_ms() + h->interval_ms;
        return 0;
}

/* poll's timeout: until the next probe is due (-1: none). */
static int health_timeout(const struct health *h)
{
        if (h->interval_ms == 0)
                return -1;
        long long left = h->next_ms - now_ms();
        return left < 0 ? 0 : left > 60000 ? 60000 : (int) left;
}

/* Start a probe when one is due. */
static void health_tick(struct health *h)
{
        if (h->interval_ms == 0 || now_ms() < h->next_ms)
                return;
        h->next_ms = now_ms() + h->interval_ms;
        if (h->pid > 0)
                return; /* the last one still runs: Docker skips a beat too */
        pid_t pid = fork();
        if (pid == 0) {
                /* None of our fds for it (the report pipe, the lock, the log...): only what it opens. */
                sigset_t none;
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                (void) close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
                (void) execveat(h->exe_fd, "", h->argv, environ, AT_EMPTY_PATH);
                _exit(127);
        }
        if (pid > 0)
                h->pid = pid;
}

/* Reap every child (we are a subreaper); true when the init was among them. */
static bool reap(struct mon *m, int *ret_status)
{
        bool init_done = false;
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p <= 0)
                        break;
                if (p == m->health.pid)
                        m->health.pid = 0;
                if (p == m->init_pid) {
                        *ret_status = st;
                        init_done = true;
                }
        }
        return init_done;
}

static int run(struct mon *m)
{
        int status = 0;
        /* The init may have exited before we got here: its SIGCHLD is queued in the signalfd, and a
         * reap now finds it anyway. */
        bool done = reap(m, &status);
        while (!done) {
                struct pollfd p[3 + HUSK_ATTACH_CLIENTS_MAX + 2] = {
                        { .fd = m->sig_fd, .events = POLLIN },
                        { .fd = m->fds[0], .events = POLLIN },
                        { .fd = m->fds[1], .events = POLLIN },
                };
                size_t na = husk_attach_srv_pollfds(&m->att, p + 3);
                if (poll(p, 3 + na, health_timeout(&m->health)) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                health_tick(&m->health);
                for (int s = 0; s < 2; s++)
                        if (p[1 + s].revents)
                                (void) pump(m, s);
                husk_attach_srv_handle(&m->att, p + 3, na);
                if (p[0].revents) {
                        struct signalfd_siginfo si;
                        (void) !read(m->sig_fd, &si, sizeof(si));
                        done = reap(m, &status);
                }
        }
        /* The init is gone and with it its pid namespace: what is in the pipes is all there is.
         * Non-blocking: a process outside that namespace could still hold a write end. */
        for (int s = 0; s < 2; s++) {
                if (m->fds[s] >= 0)
                        (void) fcntl(m->fds[s], F_SETFL, O_NONBLOCK);
                while (m->fds[s] >= 0 && pump(m, s) > 0)
                        ;
        }
        (void) husk_log_flush(&m->log);
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
        husk_attach_srv_exit(&m->att, code);
        return code;
}

/* HUSK_MONITOR_LOG (above): format and rotation of the log writer. */
static int log_setup(struct mon *m, int *ret_dirfd)
{
        *ret_dirfd = -1;
        const char *env = getenv("HUSK_MONITOR_LOG");
        if (!env)
                return 0;
        int format, max_files, dirfd;
        long long max_size;
        if (sscanf(env, "%d %lld %d %d", &format, &max_size, &max_files, &dirfd) != 4 || format < 0 || format > 1 ||
            max_size < 0 || max_files < 1 || dirfd < -1)
                return -1;
        (void) unsetenv("HUSK_MONITOR_LOG");
        m->log.format = (enum husk_log_format) format;
        m->log.max_size = max_size;
        m->log.max_files = max_files;
        m->log.dirfd = dirfd;
        struct stat st;
        if (m->log.fd >= 0 && fstat(m->log.fd, &st) == 0)
                m->log.size = st.st_size;
        *ret_dirfd = dirfd;
        return 0;
}

static int fd_arg(const char *s)
{
        char *end;
        long v = strtol(s, &end, 10);
        return *s && !*end && v >= -1 && v < 1 << 20 ? (int) v : -2;
}

/* "--attach LISTEN,CONN,STDIN,FLAGS" (FLAGS: 1 STDIN is a tty's master, 2 StdinOnce, 4 OpenStdin). */
static int attach_arg(struct husk_attach_srv *att, char *s)
{
        int v[4];
        for (int i = 0; i < 4; i++) {
                char *comma = strchr(s, ',');
                if ((i < 3) != (comma != NULL))
                        return -1;
                if (comma)
                        *comma = '\0';
                v[i] = fd_arg(s);
                if (v[i] < -1)
                        return -1;
                s = comma + 1;
        }
        att->listen_fd = v[0];
        if (v[1] >= 0)
                husk_attach_srv_add(att, v[1]);
        att->stdin_fd = v[2];
        att->tty = v[3] & 1;
        att->stdin_once = v[3] & 2;
        att->open_stdin = v[3] & 4;
        return 0;
}

int main(int argc, char **argv)
{
        struct mon m = { 0 };
        husk_attach_srv_init(&m.att);
        int dd = 9;
        if (argc > 11 && strcmp(argv[9], "--attach") == 0) {
                if (attach_arg(&m.att, argv[10]) < 0)
                        return 2;
                dd = 11;
        }
        if (argc < dd + 2 || strcmp(argv[dd], "--") != 0) {
                fprintf(stderr, "usage: husk-monitor INIT_PID SIGFD OUT ERR LOG ATTACH_OUT ATTACH_ERR EXE_FD "
                                "[--attach L,C,S,F] -- CMD...\n(started by husk, not by hand)\n");
                return 2;
        }
        int v[8];
        for (int i = 0; i < 8; i++) {
                v[i] = fd_arg(argv[1 + i]);
                if (v[i] < -1)
                        return 2;
        }
        m.init_pid = (pid_t) v[0];
        m.sig_fd = v[1];
        m.fds[0] = v[2];
        m.fds[1] = v[3];
        m.log.fd = v[4];
        m.attach[0] = v[5];
        m.attach[1] = v[6];
        int exe_fd = v[7];
        m.log.dirfd = -1;
        int log_dirfd;
        /* A word we cannot read leaves the defaults (json-file, no rotation; no health checks): the
         * container is monitored all the same. */
        if (log_setup(&m, &log_dirfd) < 0)
                log_dirfd = -1;
        /* Ours only: none of these may reach the cleanup command but the ones it needs (it gets the
         * report fd and the monitor lock through its own arguments and inheritance). */
        int own[] = { m.sig_fd, m.fds[0], m.fds[1], m.log.fd, m.attach[0], m.attach[1], exe_fd, log_dirfd,
                      m.att.listen_fd, m.att.clients[0], m.att.stdin_fd };
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
                if (own[i] >= 0)
                        (void) fcntl(own[i], F_SETFD, FD_CLOEXEC);

        if (health_setup(&m.health, argv + dd + 1, argc - dd - 1, exe_fd) < 0)
                m.health.interval_ms = 0;
        int code = run(&m);

        /* argv[dd + 1..] + the code: the exit command, run from the same (sealed) husk binary. */
        char codebuf[16];
        (void) snprintf(codebuf, sizeof(codebuf), "%d", code);
        int n = argc - dd - 1;
        char **cmd = calloc((size_t) n + 2, sizeof(char *));
        if (!cmd)
                return code;
        for (int i = 0; i < n; i++)
                cmd[i] = argv[dd + 1 + i];
        cmd[n] = codebuf;
        (void) execveat(exe_fd, "", cmd, environ, AT_EMPTY_PATH);
        fprintf(stderr, "husk-monitor: exec the exit command: %s\n", strerror(errno));
        return code;
}

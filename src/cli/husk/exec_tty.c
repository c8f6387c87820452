/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk exec -t`: libhusk's exec sends the pty master to a console socket in a private directory of
 * ours (runc exec --console-socket) and returns once the process runs; we relay the pty with the
 * tty engineer's relay loop (term.h: raw mode, window size, detach keys) and wait for the process,
 * which is our child (the runtime clones it with CLONE_PARENT).
 */
#include "cli/husk/exec_tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/console.h"
#include "util/cleanup.h"

/* The console socket's directory (mkdtemp: 0700, ours alone), removed with what it holds. */
struct sock_dir {
        char path[64];
        char sock[80];
        char pid_file[80];
};

static void sock_dir_remove(struct sock_dir *d)
{
        if (!d->path[0])
                return;
        (void) unlink(d->sock);
        (void) unlink(d->pid_file);
        (void) rmdir(d->path);
}

static int sock_dir_make(struct sock_dir *d, int *ret_listen, struct husk_error *err)
{
        const char *tmp = getenv("TMPDIR");
        if (!tmp || tmp[0] != '/' || strlen(tmp) > 20)
                tmp = "/tmp";
        (void) snprintf(d->path, sizeof(d->path), "%s/husk-exec-XXXXXX", tmp);
        if (!mkdtemp(d->path)) {
                d->path[0] = '\0';
                return husk_error_errno(err, errno, "exec -t: a directory for the console socket in %s", tmp);
        }
        (void) snprintf(d->sock, sizeof(d->sock), "%s/console.sock", d->path);
        (void) snprintf(d->pid_file, sizeof(d->pid_file), "%s/pid", d->path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return husk_error_errno(err, errno, "exec -t: console socket");
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        (void) snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", d->sock);
        if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0 || listen(fd, 1) < 0)
                return husk_error_errno(err, errno, "exec -t: console socket %s", d->sock);
        *ret_listen = steal_fd(fd);
        return 0;
}

static int read_pid(const char *path, pid_t *ret, struct husk_error *err)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        int pid = 0;
        if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0)
                return husk_error_set(err, EIO, "exec -t: the process's pid file %s", path);
        *ret = (pid_t) pid;
        return 0;
}

/* The signals forwarded to the process (Docker's sig-proxy) and SIGWINCH, blocked from before the
 * process exists so that none is lost; the process resets its mask before it execs. */
struct sigs {
        bool active;
        sigset_t old;
};

static void sigs_restore(struct sigs *s)
{
        if (s->active)
                (void) sigprocmask(SIG_SETMASK, &s->old, NULL);
}

static int sigs_block(struct sigs *s, struct husk_error *err)
{
        sigset_t set;
        sigemptyset(&set);
        const int sig[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(sig); i++)
                sigaddset(&set, sig[i]);
        if (sigprocmask(SIG_BLOCK, &set, &s->old) < 0)
                return husk_error_errno(err, errno, "sigprocmask");
        s->active = true;
        int fd = signalfd(-1, &set, SFD_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "signalfd");
        return fd;
}

/* The relay's peer: the pty master, plus the process for the signals (fds first: the fd peer's
 * callbacks take ud as a struct husk_relay_fd). */
struct exec_peer {
        struct husk_relay_fd fds;
        pid_t pid;
};

static void forward_signal(void *ud, int sig)
{
        const struct exec_peer *p = ud;
        /* Our child until we reap it: the pid cannot be another process's. */
        (void) kill(p->pid, sig);
}

/* After a detach: a child of ours, in a session of its own, keeps the master open (a closed master
 * hangs the process up) and reads its output away until the process and everything holding the pty
 * have ended. Its stdio is /dev/null; it holds nothing else of ours (every other fd is CLOEXEC and
 * it does not exec, so they are closed explicitly). */
static int keep_pty(int master, struct husk_error *err)
{
        pid_t pid = fork();
        if (pid < 0)
                return husk_error_errno(err, errno, "exec: keep the terminal after detaching: fork");
        if (pid > 0)
                return 0;
        (void) setsid();
        /* The terminal we were forked on hangs up when husk exits (script, ssh): a SIGHUP sent to our
         * old process group before the setsid is pending behind the blocked mask; ignoring it drops it. */
        (void) signal(SIGHUP, SIG_IGN);
        sigset_t none;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; fd < 3 && null >= 0; fd++)
                (void) dup2(null, fd);
        if (master != 3 && dup3(master, 3, O_CLOEXEC) < 0)
                _exit(1);
        (void) close_range(4, ~0U, 0);
        char buf[4096];
        for (;;) {
                ssize_t n = read(3, buf, sizeof(buf));
                if (n > 0 || (n < 0 && errno == EINTR))
                        continue;
                break; /* EIO: nothing holds the pty's other side any more */
        }
        _exit(0);
}

int husk_cli_exec_tty(struct husk_engine *e, const char *id, struct husk_engine_exec_opts *o, bool interactive,
                      struct husk_detach_keys *keys, int *ret_exit, struct husk_error *err)
{
        _cleanup_(sock_dir_remove) struct sock_dir dir = { .path = "" };
        _cleanup_close_ int lfd = -1;
        int r = sock_dir_make(&dir, &lfd, err);
        if (r < 0)
                return r;
        _cleanup_(sigs_restore) struct sigs sigs = { 0 };
        _cleanup_close_ int sig_fd = sigs_block(&sigs, err);
        if (sig_fd < 0)
                return sig_fd;
        /* The size from the start (Docker's ConsoleSize): a command that asks at once sees ours. */
        int size_fd = isatty(STDIN_FILENO) ? STDIN_FILENO : STDOUT_FILENO;
        (void) husk_term_size(size_fd, &o->console_rows, &o->console_cols);
        o->console_socket = dir.sock;
        o->pid_file = dir.pid_file;
        o->detach = true;
        int ignored_code = 0;
        r = husk_engine_exec(e, id, o, &ignored_code, err);
        if (r < 0)
                return r;
        struct exec_peer peer = { .fds = { .out_fd = -1, .in_fd = -1, .is_pty = true } };
        r = read_pid(dir.pid_file, &peer.pid, err);
        _cleanup_close_ int conn = r < 0 ? -1 : accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        _cleanup_close_ int master = -1;
        if (r >= 0 && conn < 0)
                r = husk_error_errno(err, errno, "exec -t: accept on the console socket");
        if (r >= 0)
                r = husk_console_recv_fd(conn, &master, err);
        if (r < 0) {
                /* It runs without anyone to see it: not left behind. */
                if (peer.pid > 0) {
                        (void) kill(peer.pid, SIGKILL);
                        (void) waitpid(peer.pid, NULL, 0);
                }
                return husk_error_prefix(err, "exec -t: the process's terminal: ");
        }
        peer.fds.out_fd = master;
        peer.fds.in_fd = master;
        struct husk_relay_peer rp;
        husk_relay_peer_fd(&peer.fds, &rp);
        rp.ud = &peer;
        rp.signal = forward_signal;
        _cleanup_(husk_term_restore) struct husk_term term = { .fd = -1 };
        if (interactive) {
                r = husk_term_make_raw(STDIN_FILENO, &term, err);
                if (r < 0)
                        return r;
        }
        struct husk_relay relay = {
                .in_fd = interactive ? STDIN_FILENO : -1,
                .out_fd = STDOUT_FILENO,
                .err_fd = STDERR_FILENO,
                .sig_fd = sig_fd,
                .size_fd = size_fd,
                .keys = interactive ? keys : NULL,
        };
        r = husk_relay_run(&relay, &rp, err);
        if (r == HUSK_RELAY_DETACHED) {
                *ret_exit = 0;
                return keep_pty(master, err);
        }
        int status = 0;
        while (waitpid(peer.pid, &status, 0) < 0)
                if (errno != EINTR)
                        return husk_error_errno(err, errno, "exec: wait for the process");
        if (r < 0)
                return r;
        *ret_exit = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec: the runtime's side. The container is checked (a stopped one is refused, a paused one unless
 * asked), the process built from its config copy (exec_process.c), its seccomp program taken from
 * the cache that create filled, and a joiner forked into its cgroup (exec_child.c), which joins the
 * init's namespaces and clones the process as our child. The process reports errors, hands over a
 * seccomp listener, and its end of the stream at execve says it runs. Detached we return then; in
 * the foreground we forward signals, relay the terminal and wait for it (foreground.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/config.h"
#include "oci/state.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/console.h"
#include "runtime/container_cgroup_internal.h"
#include "runtime/exec_child.h"
#include "runtime/exec_process.h"
#include "runtime/fork_cgroup.h"
#include "runtime/foreground.h"
#include "runtime/init.h"
#include "runtime/lsm.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/state_store.h"
#include "runtime/state_store_internal.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/procfs.h"

#define PEER_JOINER  "exec setup process"
#define PEER_PROCESS "exec process"

static void reap(pid_t pid)
{
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* A process we started and must not leave behind when exec fails half-way. */
struct exec_undo {
        pid_t joiner;     /* > 0 until reaped */
        pid_t process;    /* > 0 until it runs (exec'd) */
};

static void exec_undo_run(struct exec_undo *u)
{
        if (u->joiner > 0) {
                (void) kill(u->joiner, SIGKILL);
                reap(u->joiner);
        }
        if (u->process > 0) {
                /* Our child (CLONE_PARENT): its pid cannot be reused before we reap it. */
                (void) kill(u->process, SIGKILL);
                reap(u->process);
        }
}

/* The user namespace of the init, when it is not ours: a path in the config may name our own, and
 * setns() refuses to "join" the namespace one is already in. */
static int user_ns_differs(pid_t init_pid, bool *ret, struct husk_error *err)
{
        char path[64];
        struct stat self, init;
        (void) snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) init_pid);
        if (stat("/proc/self/ns/user", &self) < 0 || stat(path, &init) < 0)
                return husk_error_errno(err, errno, "compare the user namespace of the container's init");
        *ret = self.st_dev != init.st_dev || self.st_ino != init.st_ino;
        return 0;
}

/* CLONE_NEW* of every namespace the container has: it shares ours for the types it does not list. */
static int ns_flags(const struct husk_spec *spec, pid_t init_pid, int *ret, struct husk_error *err)
{
        int flags = 0;
        for (size_t i = 0; i < spec->linux_.n_namespaces; i++) {
                const struct husk_namespace *ns = &spec->linux_.namespaces[i];
                if (ns->type == HUSK_NS_USER && ns->path) {
                        bool differs = true;
                        int r = user_ns_differs(init_pid, &differs, err);
                        if (r < 0)
                                return r;
                        if (!differs)
                                continue;
                }
                flags |= husk_ns_type_clone_flag(ns->type);
        }
        *ret = flags;
        return 0;
}

/* The container's cgroup, to be born in; *ret stays NULL when it has none. --cgroup entries are
 * checked here and joined by the process (exec_child.c). */
static int load_cgroup(const struct husk_state *s, const struct husk_exec_opts *o, struct husk_cgroup **ret,
                       struct husk_error *err)
{
        for (char *const *c = o->cgroups; c && *c; c++) {
                int r = husk_cgroup_check_sub(*c, err);
                if (r < 0)
                        return r;
        }
        if (!s->cgroup_path || !s->cgroup_path[0]) {
                if (o->cgroups && o->cgroups[0])
                        return husk_error_set(err, ENOTSUP, "--cgroup: container \"%s\" has no cgroup", o->id);
                return 0;
        }
        _cleanup_(husk_cgroup_freep) struct husk_cgroup *cg = NULL;
        int r = husk_cgroup_load_unit(s->cgroup_path, s->systemd_unit, &cg, err);
        if (r < 0)
                return r;
        r = husk_cgroup_prepare_clone(cg, err);
        if (r < 0)
                return r;
        *ret = steal_ptr(cg);
        return 0;
}

struct exec_ctx {
        const struct husk_exec_opts *o;
        const struct husk_spec *spec;
        const struct husk_state *state;
};

/* The process loaded a filter with SCMP_ACT_NOTIFY: its listener goes to the seccomp agent. */
static int hand_over_listener(const struct exec_ctx *x, int sock, int listener, struct husk_error *err)
{
        _cleanup_close_ int fd = listener;
        if (fd < 0)
                return husk_error_set(err, EPROTO, "sync: no seccomp listener fd from the exec process");
        struct husk_state s = *x->state;
        s.status = HUSK_STATUS_RUNNING;
        int r = husk_seccomp_notify_send(&x->spec->linux_.seccomp, &s, fd, err);
        if (r < 0)
                return r;
        return husk_sync_send(sock, HUSK_SYNC_SECCOMP_DONE, 0, NULL, -1, err);
}

/* Until the process's end of the stream (its execve), answering a seccomp handover. */
static int wait_exec(const struct exec_ctx *x, int sock, struct husk_error *err)
{
        for (;;) {
                struct husk_sync_msg m;
                int fd = -1;
                int r = husk_sync_recv(sock, PEER_PROCESS, &m, &fd, err);
                if (r == -EPIPE) {
                        husk_error_clear(err);
                        return 0;
                }
                if (r < 0)
                        return r;
                if (m.type == HUSK_SYNC_ERROR) {
                        husk_closep(&fd);
                        return husk_error_set(err, m.value > 0 ? m.value : EIO, "%s", m.text);
                }
                if (m.type != HUSK_SYNC_SECCOMP) {
                        husk_closep(&fd);
                        return husk_error_set(err, EPROTO, "sync: unexpected message %d from the exec process",
                                              (int) m.type);
                }
                r = hand_over_listener(x, sock, fd, err);
                if (r < 0)
                        return r;
        }
}

static int write_pid_file(const char *path, pid_t pid, struct husk_error *err)
{
        char buf[16];
        int n = snprintf(buf, sizeof(buf), "%d", (int) pid); /* no newline, as runc */
        int r = husk_write_file_atomic_at(AT_FDCWD, path, buf, (size_t) n, 0644, false, err);
        if (r < 0)
                return husk_error_prefix(err, "pid file: ");
        return 0;
}

static int check_status(const struct husk_state *s, const struct husk_exec_opts *o, struct husk_error *err)
{
        /* As runc: created is fine (the process joins the init's namespaces while it waits for start). */
        if (s->status == HUSK_STATUS_STOPPED)
                return husk_error_set(err, EINVAL, "cannot exec in a stopped container \"%s\"", o->id);
        if (s->status == HUSK_STATUS_PAUSED && !o->ignore_paused)
                return husk_error_set(err, EINVAL,
                                      "cannot exec in a paused container \"%s\" (use --ignore-paused to override)",
                                      o->id);
        if (s->status == HUSK_STATUS_CREATING)
                return husk_error_set(err, EINVAL, "cannot exec in container \"%s\": it is still being created", o->id);
        return 0;
}

static int check_terminal(const struct husk_process *p, const struct husk_exec_opts *o, struct husk_error *err)
{
        if (p->terminal && o->detach && !o->console_socket)
                return husk_error_set(err, EINVAL, "exec --detach with a terminal needs --console-socket");
        /* As create: without a terminal nothing would ever be sent, leaving the listener waiting. */
        if (!p->terminal && o->console_socket)
                return husk_error_set(err, EINVAL, "--console-socket given but the process has no terminal (--tty)");
        return 0;
}

/* What exec sets up before the fork; all of it released by exec_setup_done. */
struct exec_setup {
        struct husk_cg_container c;            /* locked directory (shared: delete waits), state */
        struct husk_spec *spec;                /* the container's config copy, its process the one to run */
        struct husk_seccomp_prog seccomp;
        bool has_seccomp;
        int init_pidfd;
        int ns_flags;
        struct husk_cgroup *cg;
        int console_fd;                        /* to the console socket, or our relay pair's far end */
        int relay_fd;                          /* our end of the relay pair (foreground tty), or -1 */
        int proc_fd;
};

static void exec_setup_done(struct exec_setup *x)
{
        husk_cgroup_freep(&x->cg);
        if (x->has_seccomp)
                husk_seccomp_prog_free(&x->seccomp);
        husk_spec_freep(&x->spec);
        husk_cg_container_done(&x->c);
        husk_closep(&x->init_pidfd);
        husk_closep(&x->console_fd);
        husk_closep(&x->relay_fd);
        husk_closep(&x->proc_fd);
}

static int exec_prepare(const struct husk_runtime *rt, const struct husk_exec_opts *o, struct exec_setup *x,
                        struct husk_error *err)
{
        int r = husk_cg_container_open(rt, o->id, false, &x->c, err);
        if (r < 0)
                return r;
        r = check_status(x->c.state, o, err);
        if (r < 0)
                return r;
        r = husk_store_read_config(x->c.dir_fd, &x->spec, err);
        if (r < 0)
                return husk_error_prefix(err, "container \"%s\": ", o->id);
        struct husk_process *p = &x->spec->process;
        r = husk_exec_build_process(p, o->process, o, err);
        if (r < 0)
                return r;
        r = check_terminal(p, o, err);
        if (r < 0)
                return r;
        /* Before anything runs: a label the host cannot apply fails here. */
        r = husk_lsm_check(x->spec, err);
        if (r < 0)
                return r;
        if (x->spec->linux_.has_seccomp) {
                /* The program create compiled, from the cache under the state root. */
                _cleanup_close_ int root_fd = husk_store_open_root_existing(rt->root, err);
                if (root_fd < 0)
                        return root_fd;
                r = husk_seccomp_prepare(&x->spec->linux_.seccomp, root_fd, &x->seccomp, err);
                if (r < 0)
                        return r;
                x->has_seccomp = true;
        }
        x->init_pidfd = husk_init_pidfd(x->c.state->pid, x->c.state->pid_start_time, err);
        if (x->init_pidfd < 0)
                return husk_error_prefix(err, "container \"%s\": ", o->id);
        r = ns_flags(x->spec, x->c.state->pid, &x->ns_flags, err);
        if (r < 0)
                return r;
        r = load_cgroup(x->c.state, o, &x->cg, err);
        if (r < 0)
                return r;
        if (o->console_socket) {
                x->console_fd = husk_console_connect(o->console_socket, err);
                if (x->console_fd < 0)
                        return x->console_fd;
        } else if (p->terminal) {
                int sv[2];
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        return husk_error_errno(err, errno, "console socketpair");
                x->relay_fd = sv[0];
                x->console_fd = sv[1];
        }
        /* The host's procfs, opened here where the mount table is ours: the container's /proc may have
         * anything mounted over the LSM attribute files (util/procfs.h). */
        if (husk_lsm_wanted(p)) {
                x->proc_fd = husk_procfs_open(err);
                if (x->proc_fd < 0)
                        return x->proc_fd;
        }
        return 0;
}

/* Fork the joiner; returns once the process has exec'd, its pid in *ret_pid (our child). */
static int spawn(const struct husk_exec_opts *o, struct exec_setup *x, struct exec_undo *u, pid_t *ret_pid,
                 struct husk_error *err)
{
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return husk_error_errno(err, errno, "socketpair");
        _cleanup_close_ int joiner_sock = pair[0];
        _cleanup_close_ int joiner_child = pair[1];
        /* The process gets a socket of its own: its error could otherwise overtake the joiner's pid. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return husk_error_errno(err, errno, "socketpair");
        _cleanup_close_ int proc_sock = pair[0];
        _cleanup_close_ int proc_child = pair[1];

        struct husk_exec_child_args a = {
                .spec = x->spec,
                .process = &x->spec->process,
                .parent = getpid(),
                .init_pidfd = x->init_pidfd,
                .ns_flags = x->ns_flags,
                .cg = x->cg,
                .cgroups = o->cgroups,
                .joiner_sync_fd = joiner_child,
                .sync_fd = proc_child,
                .console_fd = x->console_fd,
                .proc_fd = x->proc_fd,
                .preserve_fds = o->preserve_fds,
                .seccomp = x->has_seccomp ? &x->seccomp : NULL,
        };
        /* The lock goes before the fork: with --ignore-paused the joiner freezes as it enters the
         * cgroup, and resume must not wait for us. The init's pidfd and the cgroup's fds are held: a
         * delete meanwhile makes the joiner fail (no init to join), it cannot misdirect it. */
        (void) close(steal_fd(x->c.dir_fd));
        pid_t joiner = husk_fork_into_cgroup(x->cg, &a.born_inside);
        if (joiner < 0)
                return husk_error_errno(err, errno, "fork");
        if (joiner == 0) {
                (void) close(joiner_sock);
                (void) close(proc_sock);
                if (x->relay_fd >= 0)
                        (void) close(x->relay_fd);
                husk_exec_joiner_main(&a);
        }
        u->joiner = joiner;
        /* Only the children may hold their ends, or their exit would never read as end of stream. */
        (void) close(steal_fd(joiner_child));
        (void) close(steal_fd(proc_child));
        (void) close(steal_fd(x->console_fd));

        int32_t v;
        int r = husk_sync_expect(joiner_sock, PEER_JOINER, HUSK_SYNC_PID, &v, NULL, err);
        if (r < 0)
                return r;
        reap(joiner);
        u->joiner = 0;
        if (v <= 0)
                return husk_error_set(err, EPROTO, "sync: bad pid %d from the exec setup process", (int) v);
        u->process = (pid_t) v;
        struct exec_ctx ctx = { .o = o, .spec = x->spec, .state = x->c.state };
        r = wait_exec(&ctx, proc_sock, err);
        if (r < 0)
                return r;
        *ret_pid = (pid_t) v;
        return 0;
}

static int foreground(struct exec_setup *x, pid_t pid, int sig_fd, int *ret_exit, struct husk_error *err)
{
        _cleanup_close_ int pidfd = pidfd_open(pid, 0);
        if (pidfd < 0)
                return husk_error_errno(err, errno, "pidfd_open of the exec process %d", (int) pid);
        _cleanup_close_ int master = -1;
        if (x->relay_fd >= 0) {
                int r = husk_console_recv_fd(x->relay_fd, &master, err);
                if (r < 0)
                        return husk_error_prefix(err, "receive the terminal: ");
        }
        _cleanup_(husk_fg_tty_restore) struct husk_fg_tty tty = { .fd = STDIN_FILENO };
        if (master >= 0)
                husk_fg_tty_raw(&tty, master);
        struct husk_fg f = {
                .init_pid = pid,
                .init_pidfd = pidfd,
                .sig_fd = sig_fd,
                .master = master,
                .stdin_open = master >= 0,
                .master_open = master >= 0,
        };
        int status = 0;
        int r = husk_fg_loop(&f, &status, err);
        if (r < 0)
                return r;
        *ret_exit = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        return 0;
}

int husk_container_exec(const struct husk_runtime *rt, const struct husk_exec_opts *o, int *ret_exit,
                        struct husk_error *err)
{
        _cleanup_(exec_setup_done) struct exec_setup x = {
                .c = { .dir_fd = -1 }, .init_pidfd = -1, .console_fd = -1, .relay_fd = -1, .proc_fd = -1,
        };
        int r = exec_prepare(rt, o, &x, err);
        if (r < 0)
                return r;

        /* Blocked before the fork: a signal sent to us meanwhile is forwarded once the process runs. */
        _cleanup_(husk_fg_sigmask_restore) struct husk_fg_sigmask mask = { 0 };
        _cleanup_close_ int sig_fd = -1;
        if (!o->detach) {
                sig_fd = husk_fg_block_signals(&mask, err);
                if (sig_fd < 0)
                        return sig_fd;
        }
        _cleanup_(exec_undo_run) struct exec_undo u = { 0 };
        pid_t pid = 0;
        r = spawn(o, &x, &u, &pid, err);
        if (r < 0)
                return husk_error_prefix(err, "exec in container \"%s\": ", o->id);
        if (o->pid_file) {
                r = write_pid_file(o->pid_file, pid, err);
                if (r < 0)
                        return r;
        }
        if (o->detach) {
                u.process = 0;
                *ret_exit = 0;
                return 0;
        }
        r = foreground(&x, pid, sig_fd, ret_exit, err);
        if (r < 0)
                return husk_error_prefix(err, "exec in container \"%s\": ", o->id);
        u.process = 0; /* reaped by the loop */
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create: the runtime's side of the handshake. The runtime forks an intermediate process that joins
 * and creates the namespaces and forks the container's init (init.c); the runtime writes the user
 * namespace's id maps, runs the prestart/createRuntime hooks, and, once the init reports "created",
 * writes the state. Until then any failure undoes everything: processes killed and reaped, the state
 * directory removed. Mounts need no undoing: they live in the init's mount namespace and vanish with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci/config.h"
#include "oci/state.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/create_internal.h"
#include "runtime/console.h"
#include "runtime/fork_cgroup.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/lsm.h"
#include "runtime/namespaces.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/state_store.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define PEER_INTERMEDIATE "container setup process"
#define PEER_INIT         "container init"

/* What must be undone if create fails after the state directory exists. */
struct create_undo {
        int root_fd;
        int dir_fd;
        const char *id;
        pid_t intermediate;  /* > 0 until reaped */
        int init_pidfd;      /* the init, once the intermediate reported it */
        struct husk_cgroup *cg; /* the container's cgroup, once created */
        bool committed;
};

static void reap(pid_t pid)
{
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

static void create_undo_run(struct create_undo *u)
{
        if (!u->committed) {
                if (u->intermediate > 0) {
                        (void) kill(u->intermediate, SIGKILL);
                        reap(u->intermediate);
                }
                if (u->init_pidfd >= 0) {
                        /* A pidfd, not the pid: the init is not our child, so its pid could have been
                         * reaped and reused by the time we get here. Killing the pid namespace's init
                         * kills everything in it; the poll waits until it is gone (and with it its mount
                         * namespace) before the state directory goes. */
                        (void) pidfd_send_signal(u->init_pidfd, SIGKILL, NULL, 0);
                        struct pollfd p = { .fd = u->init_pidfd, .events = POLLIN };
                        while (poll(&p, 1, -1) < 0 && errno == EINTR)
                                ;
                        /* Reaps it when we are its subreaper (run); ECHILD otherwise. */
                        siginfo_t si;
                        (void) waitid((idtype_t) P_PIDFD, (id_t) u->init_pidfd, &si, WEXITED | WNOHANG);
                }
        }
        husk_create_release(u->cg, u->root_fd, u->dir_fd, u->init_pidfd, u->id, u->committed);
}

void husk_create_release(struct husk_cgroup *cg, int root_fd, int dir_fd, int init_pidfd, const char *id,
                         bool committed)
{
        if (!committed) {
                if (cg) {
                        /* Without a pid namespace (or after criu) the init's children outlive it: the
                         * cgroup still holds them. An empty cgroup is not frozen, so this costs nothing
                         * otherwise. */
                        (void) husk_cgroup_kill(cg, SIGKILL, NULL);
                        (void) husk_cgroup_destroy(cg, NULL);
                }
                if (dir_fd >= 0)
                        (void) husk_store_remove(root_fd, id, NULL);
        }
        husk_cgroup_free(cg);
        if (init_pidfd >= 0)
                (void) close(init_pidfd);
        if (dir_fd >= 0)
                (void) close(dir_fd);
        if (root_fd >= 0)
                (void) close(root_fd);
}

int husk_resolve_rootfs(const char *bundle, const char *root_path, char **ret, struct husk_error *err)
{
        if (!root_path || !root_path[0])
                return husk_error_set(err, EINVAL, "config.json: root.path: required");
        _cleanup_free_ char *joined = NULL;
        if (root_path[0] == '/')
                joined = strdup(root_path);
        else if (asprintf(&joined, "%s/%s", bundle, root_path) < 0)
                joined = NULL;
        if (!joined)
                return husk_error_errno(err, ENOMEM, "rootfs");
        _cleanup_free_ char *real = realpath(joined, NULL);
        if (!real)
                return husk_error_errno(err, errno, "rootfs \"%s\"", joined);
        struct stat st;
        if (stat(real, &st) < 0)
                return husk_error_errno(err, errno, "rootfs \"%s\"", real);
        if (!S_ISDIR(st.st_mode))
                return husk_error_errno(err, ENOTDIR, "rootfs \"%s\"", real);
        *ret = steal_ptr(real);
        return 0;
}

/* exec.fifo is reopened by the init after it has dropped to the container's user (init.c), so that
 * user must own it: the host uid its process.user.uid maps to. In a user namespace joined by path the
 * mapping is not known here; then the fifo is opened up to writes by anyone, as runc's always is
 * (0622): only processes that can reach the 0700 state root can get to it by path. */
static int make_exec_fifo(int dir_fd, const struct husk_spec *spec, const struct husk_ns_plan *plan,
                          struct husk_error *err)
{
        if (mkfifoat(dir_fd, HUSK_STORE_FIFO, 0600) < 0)
                return husk_error_errno(err, errno, "mkfifo %s", HUSK_STORE_FIFO);
        uint32_t uid = spec->process.user.uid;
        if (plan->join_user) {
                if (fchmodat(dir_fd, HUSK_STORE_FIFO, 0622, 0) < 0)
                        return husk_error_errno(err, errno, "chmod %s", HUSK_STORE_FIFO);
        } else {
                if (plan->new_user &&
                    husk_idmap_to_host(spec->linux_.uid_mappings, spec->linux_.n_uid_mappings, uid, &uid) < 0)
                        return husk_error_set(err, EINVAL, "process.user.uid %u is not mapped in linux.uidMappings",
                                              spec->process.user.uid);
                if ((uid_t) uid != geteuid() && fchownat(dir_fd, HUSK_STORE_FIFO, (uid_t) uid, (gid_t) -1, 0) < 0)
                        return husk_error_errno(err, errno, "chown %s to %u", HUSK_STORE_FIFO, uid);
        }
        int fd = openat(dir_fd, HUSK_STORE_FIFO, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", HUSK_STORE_FIFO);
        return fd;
}

/* The intermediate process: joins the namespaces given by path, creates the user namespace (the
 * parent maps it), then the others, and forks the init into them: a new pid (and time) namespace
 * only applies to children of the process that unshared it. */
static int intermediate_run(const struct husk_init_args *a, pid_t parent, const struct husk_cgroup *cg,
                            bool born_inside, struct husk_error *err)
{
        const struct husk_ns_plan *plan = a->plan;
        /* A dying runtime must not leave us behind. The check closes the race with a parent that died
         * before the prctl. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);

        int r;
        /* A systemd scope is made with us as its first process: wait until the parent says we are in. */
        if (cg && husk_cgroup_needs_pid(cg) &&
            (r = husk_sync_expect(a->intermediate_sync_fd, "container runtime", HUSK_SYNC_CGROUP_DONE, NULL, NULL, err)) < 0)
                return r;
        /* Before any namespace: a new cgroup namespace is rooted at the cgroup of the process that
         * unshares it, and everything forked from here on (the init) is born inside the limits. */
        if (cg && (r = born_inside ? husk_cgroup_enter_self_cloned(cg, err) : husk_cgroup_enter_self(cg, err)) < 0)
                return r;

        int fds[HUSK_NS_COUNT];
        r = husk_ns_open_joins(plan, fds, err);
        if (r < 0)
                return r;
        r = husk_ns_enter_joins(plan, fds, err);
        if (r < 0)
                return r;

        if (plan->new_user) {
                if (unshare(CLONE_NEWUSER) < 0)
                        return husk_error_errno(err, errno, "create user namespace");
                r = husk_sync_send(a->intermediate_sync_fd, HUSK_SYNC_USERNS_READY, 0, NULL, -1, err);
                if (r < 0)
                        return r;
                r = husk_sync_expect(a->intermediate_sync_fd, "container runtime", HUSK_SYNC_USERNS_DONE, NULL, NULL, err);
                if (r < 0)
                        return r;
        }
        if (plan->new_user || plan->join_user) {
                /* Become the namespace's root, so that what is created next is created by it. */
                if (setresgid(0, 0, 0) < 0)
                        return husk_error_errno(err, errno, "setresgid 0 in the user namespace");
                if (setresuid(0, 0, 0) < 0)
                        return husk_error_errno(err, errno, "setresuid 0 in the user namespace");
                /* A credential change clears the parent-death signal. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(1);
        }
        if (plan->unshare_flags && unshare(plan->unshare_flags) < 0)
                return husk_error_errno(err, errno, "create namespaces");
        if (plan->time_offsets) {
                r = husk_ns_write_time_offsets(&a->spec->linux_, err);
                if (r < 0)
                        return r;
        }

        pid_t pid = fork();
        if (pid < 0)
                return husk_error_errno(err, errno, "fork the container init");
        if (pid == 0)
                husk_init_main(a);
        /* The pidfd is taken here, by the init's parent, because only until we exit can its pid not be
         * reaped and reused. */
        _cleanup_close_ int pidfd = pidfd_open(pid, 0);
        if (pidfd < 0) {
                int e = errno;
                (void) kill(pid, SIGKILL);
                return husk_error_errno(err, e, "pidfd_open of the container init");
        }
        return husk_sync_send(a->intermediate_sync_fd, HUSK_SYNC_PID, (int32_t) pid, NULL, pidfd, err);
}

static int write_config_copy(int dir_fd, const char *data, size_t len, struct husk_error *err)
{
        /* The directory is new and locked by us: no reader can see a partial file, so no temp+rename. */
        _cleanup_close_ int fd = openat(dir_fd, HUSK_STORE_CONFIG, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return husk_error_errno(err, errno, "create %s", HUSK_STORE_CONFIG);
        while (len) {
                ssize_t n = write(fd, data, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return husk_error_errno(err, n < 0 ? errno : EIO, "write %s", HUSK_STORE_CONFIG);
                data += n;
                len -= (size_t) n;
        }
        return 0;
}

void husk_rfc3339_now(char buf[static 80])
{
        struct timespec ts;
        struct tm tm;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        (void) gmtime_r(&ts.tv_sec, &tm);
        /* Not strftime: it calls tzset, which reads /etc/localtime on every create for nothing. */
        (void) snprintf(buf, 80, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

struct create_inputs {
        const struct husk_create_opts *o;
        const struct husk_spec *spec;
        const char *raw_config;
        size_t raw_len;
        const char *bundle;
        const char *rootfs;
        const struct husk_ns_plan *plan;
};

static int run_parent_hooks(const struct create_inputs *in, pid_t pid, struct husk_error *err)
{
        const struct husk_hooks *h = &in->spec->hooks;
        if (!h->prestart.n && !h->create_runtime.n)
                return 0;
        struct husk_state s;
        husk_init_hook_state(in->spec, in->o->id, in->bundle, in->rootfs, pid, HUSK_STATUS_CREATING, &s);
        _cleanup_free_ char *json = NULL;
        int r = husk_state_to_json(&s, false, &json, err);
        if (r < 0)
                return r;
        r = husk_hooks_run(&h->prestart, "prestart", json, err);
        if (r < 0)
                return r;
        return husk_hooks_run(&h->create_runtime, "createRuntime", json, err);
}

/* The init loaded a filter with SCMP_ACT_NOTIFY: its listener goes to the seccomp agent now, before
 * the init makes a syscall the agent must answer. */
static int hand_over_listener(const struct create_inputs *in, int init_sock, pid_t pid, struct husk_error *err)
{
        _cleanup_close_ int listener = -1;
        int r = husk_sync_expect(init_sock, PEER_INIT, HUSK_SYNC_SECCOMP, NULL, &listener, err);
        if (r < 0)
                return r;
        if (listener < 0)
                return husk_error_set(err, EPROTO, "sync: no seccomp listener fd from the container init");
        struct husk_state s;
        husk_init_hook_state(in->spec, in->o->id, in->bundle, in->rootfs, pid, HUSK_STATUS_CREATING, &s);
        r = husk_seccomp_notify_send(&in->spec->linux_.seccomp, &s, listener, err);
        if (r < 0)
                return r;
        return husk_sync_send(init_sock, HUSK_SYNC_SECCOMP_DONE, 0, NULL, -1, err);
}

/* An init that vanished without a word after its seccomp filter may well have been killed by it
 * (SCMP_ACT_KILL on one of the syscalls it still makes): say so, the bare EOF explains nothing. */
static int seccomp_hint(const struct husk_spec *spec, int r, struct husk_error *err)
{
        if (r != -EPIPE || !spec->linux_.has_seccomp || !err)
                return r;
        size_t n = strnlen(err->msg, sizeof(err->msg));
        (void) snprintf(err->msg + n, sizeof(err->msg) - n,
                        " (it loads linux.seccomp before this point: does the profile let the runtime make the "
                        "syscalls listed in docs/seccomp.md?)");
        return r;
}

/* The init reported "created": record it. Nothing may fail after the pid file. */
static int commit(const struct create_inputs *in, int dir_fd, pid_t pid, const struct husk_cgroup *cg,
                  struct husk_error *err)
{
        struct husk_state s;
        husk_init_hook_state(in->spec, in->o->id, in->bundle, in->rootfs, pid, HUSK_STATUS_CREATED, &s);
        char created[80];
        husk_rfc3339_now(created);
        s.created = created;
        s.owner = getuid();
        s.own_pid_ns = (in->plan->unshare_flags & CLONE_NEWPID) != 0;
        s.cgroup_path = cg ? (char *) husk_cgroup_path(cg) : NULL;
        s.systemd_unit = cg ? (char *) husk_cgroup_systemd_unit(cg) : NULL;
        int r = husk_proc_start_time(pid, &s.pid_start_time, err);
        if (r < 0)
                return r;
        r = write_config_copy(dir_fd, in->raw_config, in->raw_len, err);
        if (r < 0)
                return r;
        r = husk_store_write_state(dir_fd, &s, err);
        if (r < 0)
                return r;
        return in->o->pid_file ? husk_write_pid_file(in->o->pid_file, pid, err) : 0;
}

int husk_write_pid_file(const char *path, pid_t pid, struct husk_error *err)
{
        char buf[16];
        int n = snprintf(buf, sizeof(buf), "%d", (int) pid); /* no newline, as runc */
        int r = husk_write_file_atomic_at(AT_FDCWD, path, buf, (size_t) n, 0644, false, err);
        return r < 0 ? husk_error_prefix(err, "pid file: ") : 0;
}

/* The container's cgroup, with its resources applied; none on a host without cgroups. */
int husk_create_cgroup(const struct husk_runtime *rt, const struct husk_spec *spec, const char *id,
                       struct husk_cgroup **ret, struct husk_error *err)
{
        enum husk_cgroup_mode mode;
        int r = husk_cgroup_detect_mode(&mode, err);
        if (r < 0)
                return r;
        if (mode == HUSK_CGROUP_NONE)
                return 0;
        const struct husk_linux *l = &spec->linux_;
        struct husk_cgroup_config cfg = {
                .id = id,
                .cgroups_path = l->cgroups_path,
                .resources = l->has_resources ? &l->resources : NULL,
                .systemd = rt->systemd_cgroup,
                .rootless = rt->rootless == HUSK_ROOTLESS_TRUE,
        };
        /* As runc's auto: rootless when not root, or root in a user namespace other than the initial
         * one (one read of uid_map, only for root). */
        if (rt->rootless == HUSK_ROOTLESS_AUTO) {
                cfg.rootless = geteuid() != 0;
                if (!cfg.rootless && (r = husk_ns_in_user_namespace(&cfg.rootless, err)) < 0)
                        return r;
        }
        return husk_cgroup_create(&cfg, ret, err);
}

static int create_in_store(const struct husk_runtime *rt, const struct create_inputs *in, struct husk_error *err)
{
        const struct husk_spec *spec = in->spec;
        const struct husk_create_opts *o = in->o;
        _cleanup_(create_undo_run) struct create_undo u = {
                .root_fd = -1, .dir_fd = -1, .id = o->id, .init_pidfd = -1,
        };
        int r;

        u.root_fd = husk_store_open_root(rt->root, err);
        if (u.root_fd < 0)
                return u.root_fd;
        /* Before anything exists: a bad profile fails here with nothing to undo. */
        _cleanup_(husk_seccomp_prog_free) struct husk_seccomp_prog seccomp = { 0 };
        if (spec->linux_.has_seccomp) {
                r = husk_seccomp_prepare(&spec->linux_.seccomp, u.root_fd, &seccomp, err);
                if (r < 0)
                        return r;
        }
        /* Exclusive: a duplicate id fails here, before anything else exists. */
        r = husk_store_create_dir(u.root_fd, o->id, err);
        if (r < 0)
                return r;
        u.dir_fd = r;

        /* After the state directory: a duplicate id has failed by now, before it could touch the
         * existing container's cgroup. */
        r = husk_create_cgroup(rt, in->spec, o->id, &u.cg, err);
        if (r < 0)
                return r;

        _cleanup_close_ int fifo_fd = make_exec_fifo(u.dir_fd, spec, in->plan, err);
        if (fifo_fd < 0)
                return fifo_fd;

        _cleanup_close_ int console_conn = -1;
        if (o->console_socket) {
                console_conn = husk_console_connect(o->console_socket, err);
                if (console_conn < 0)
                        return console_conn;
        }

        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return husk_error_errno(err, errno, "socketpair");
        /* Declared after u: closed before u's undo runs, so an init that is still starting sees the end
         * of the stream and exits on its own. */
        _cleanup_close_ int sock = pair[0];
        _cleanup_close_ int child_sock = pair[1];
        /* The init gets a socket of its own: on a shared one its first message could overtake the
         * intermediate's pid message. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return husk_error_errno(err, errno, "socketpair");
        _cleanup_close_ int init_sock = pair[0];
        _cleanup_close_ int init_child_sock = pair[1];

        struct husk_init_args ia = {
                .spec = spec,
                .opts = o,
                .plan = in->plan,
                .bundle = in->bundle,
                .rootfs = in->rootfs,
                .sync_fd = init_child_sock,
                .intermediate_sync_fd = child_sock,
                .fifo_fd = fifo_fd,
                .console_fd = o->has_console_fd ? o->console_fd : console_conn,
                .pdeathsig = false,
                .seccomp = spec->linux_.has_seccomp ? &seccomp : NULL,
        };
        pid_t parent = getpid();
        bool born_inside;
        pid_t c1 = husk_fork_into_cgroup(u.cg, &born_inside);
        if (c1 < 0)
                return husk_error_errno(err, errno, "fork");
        if (c1 == 0) {
                struct husk_error cerr = { 0 };
                /* The state directory's flock belongs to its open file description: a copy kept
                 * here would hold the lock for the init's whole life and block `start`. */
                (void) close(sock);
                (void) close(init_sock);
                (void) close(u.dir_fd);
                (void) close(u.root_fd);
                if (intermediate_run(&ia, parent, u.cg, born_inside, &cerr) < 0) {
                        husk_sync_send_error(child_sock, &cerr);
                        _exit(1);
                }
                _exit(0);
        }
        u.intermediate = c1;
        /* Only the children may hold their end, or their death would never read as end of stream. */
        (void) close(steal_fd(child_sock));
        (void) close(steal_fd(init_child_sock));
        if (console_conn >= 0)
                (void) close(steal_fd(console_conn));
        if (u.cg && husk_cgroup_needs_pid(u.cg)) {
                r = husk_cgroup_attach_pid(u.cg, c1, err);
                if (r < 0)
                        return r;
                r = husk_sync_send(sock, HUSK_SYNC_CGROUP_DONE, 0, NULL, -1, err);
                if (r < 0)
                        return r;
        }

        if (in->plan->new_user) {
                r = husk_sync_expect(sock, PEER_INTERMEDIATE, HUSK_SYNC_USERNS_READY, NULL, NULL, err);
                if (r < 0)
                        return r;
                r = husk_ns_write_idmaps(c1, &spec->linux_, husk_idmap_needs_setgroups_deny(geteuid()), err);
                if (r < 0)
                        return husk_error_prefix(err, "user namespace: ");
                r = husk_sync_send(sock, HUSK_SYNC_USERNS_DONE, 0, NULL, -1, err);
                if (r < 0)
                        return r;
        }
        int32_t v;
        r = husk_sync_expect(sock, PEER_INTERMEDIATE, HUSK_SYNC_PID, &v, &u.init_pidfd, err);
        if (r < 0)
                return r;
        pid_t pid = (pid_t) v;
        if (u.init_pidfd < 0 || pid <= 0)
                return husk_error_set(err, EPROTO, "sync: no pidfd with the init's pid");
        reap(c1);
        u.intermediate = 0;

        if (husk_init_needs_hook_sync(spec)) {
                r = husk_sync_expect(init_sock, PEER_INIT, HUSK_SYNC_HOOKS_READY, NULL, NULL, err);
                if (r < 0)
                        return r;
                r = run_parent_hooks(in, pid, err);
                if (r < 0)
                        return r;
                r = husk_sync_send(init_sock, HUSK_SYNC_HOOKS_DONE, (int32_t) pid, NULL, -1, err);
                if (r < 0)
                        return r;
        }
        if (seccomp.notify) {
                r = hand_over_listener(in, init_sock, pid, err);
                if (r < 0)
                        return seccomp_hint(spec, r, err);
        }
        r = husk_sync_expect(init_sock, PEER_INIT, HUSK_SYNC_CREATED, NULL, NULL, err);
        if (r < 0)
                return seccomp_hint(spec, r, err);
        r = commit(in, u.dir_fd, pid, u.cg, err);
        if (r < 0)
                return r;
        r = husk_sync_send(init_sock, HUSK_SYNC_COMMITTED, 0, NULL, -1, err);
        if (r < 0)
                return r;
        u.committed = true;
        return 0;
}

int husk_container_create(const struct husk_runtime *rt, const struct husk_create_opts *o, struct husk_error *err)
{
        int r = husk_validate_id(o->id, err);
        if (r < 0)
                return r;

        _cleanup_free_ char *bundle = realpath(o->bundle ? o->bundle : ".", NULL);
        if (!bundle)
                return husk_error_errno(err, errno, "bundle \"%s\"", o->bundle ? o->bundle : ".");
        _cleanup_free_ char *config_path = NULL;
        if (asprintf(&config_path, "%s/config.json", bundle) < 0)
                return husk_error_errno(err, ENOMEM, "bundle");

        /* Read once: the same bytes are parsed and copied into the state directory, so the copy is
         * exactly what the container was created from even if the bundle changes meanwhile. */
        _cleanup_free_ char *raw = NULL;
        size_t raw_len = 0;
        r = husk_read_file_at(AT_FDCWD, config_path, &raw, &raw_len, err);
        if (r < 0)
                return r;
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        r = husk_config_parse(raw, raw_len, "config.json", &spec, err);
        if (r < 0)
                return r;
        if (!spec->has_process)
                return husk_error_set(err, EINVAL, "config.json: process: required by create");

        _cleanup_free_ char *rootfs = NULL;
        r = husk_resolve_rootfs(bundle, spec->root.path, &rootfs, err);
        if (r < 0)
                return r;
        struct husk_ns_plan plan;
        r = husk_ns_plan_build(spec, &plan, err);
        if (r < 0)
                return husk_error_prefix(err, "config.json: ");
        if (spec->process.terminal && !o->console_socket && !o->has_console_fd)
                return husk_error_set(err, EINVAL, "process.terminal is true: --console-socket is required");
        /* As runc: without a terminal nothing would ever be sent, leaving the listener waiting. */
        if (!spec->process.terminal && o->console_socket)
                return husk_error_set(err, EINVAL, "--console-socket given but process.terminal is false");

        /* Before anything exists: a label the host cannot apply fails here, not half way. */
        r = husk_lsm_check(spec, err);
        if (r < 0)
                return husk_error_prefix(err, "config.json: ");

        struct create_inputs in = {
                .o = o,
                .spec = spec,
                .raw_config = raw,
                .raw_len = raw_len,
                .bundle = bundle,
                .rootfs = rootfs,
                .plan = &plan,
        };
        return create_in_store(rt, &in, err);
}

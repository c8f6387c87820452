/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/state.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/procfs.h"

#define INIT_PEER "container runtime"

bool husk_init_needs_hook_sync(const struct husk_spec *spec)
{
        const struct husk_hooks *h = &spec->hooks;
        return h->prestart.n || h->create_runtime.n || h->create_container.n || h->start_container.n;
}

void husk_init_hook_state(const struct husk_spec *spec, const char *id, const char *bundle, const char *rootfs,
                          pid_t pid, enum husk_status status, struct husk_state *ret)
{
        *ret = (struct husk_state){
                .oci_version = spec->oci_version,
                .id = (char *) id,
                .status = status,
                .pid = pid,
                .bundle = (char *) bundle,
                .annotations = spec->annotations,
                .n_annotations = spec->n_annotations,
                .rootfs = (char *) rootfs,
        };
}

static int run_hooks(const struct husk_init_args *a, const struct husk_hook_list *list, const char *kind, pid_t pid,
                     enum husk_status status, struct husk_error *err)
{
        if (!list->n)
                return 0;
        struct husk_state s;
        husk_init_hook_state(a->spec, a->opts->id, a->bundle, a->rootfs, pid, status, &s);
        _cleanup_free_ char *json = NULL;
        int r = husk_state_to_json(&s, false, &json, err);
        if (r < 0)
                return r;
        return husk_hooks_run(list, kind, json, err);
}

/* A session keyring of its own, as runc does, so containers of the same uid do not share the
 * host's (or each other's) keys. */
static int join_session_keyring(const char *id, struct husk_error *err)
{
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, id) < 0 && errno != ENOSYS)
                return husk_error_errno(err, errno, "join session keyring \"%s\"", id);
        return 0;
}

static int set_names(const struct husk_spec *spec, struct husk_error *err)
{
        if (spec->hostname && spec->hostname[0] && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return husk_error_errno(err, errno, "sethostname \"%s\"", spec->hostname);
        if (spec->domainname && spec->domainname[0] &&
            setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return husk_error_errno(err, errno, "setdomainname \"%s\"", spec->domainname);
        return 0;
}

/* Bind the pty slave (from TIOCGPTPEER, never looked up by path) over /dev/console. /dev and the target
 * are opened with O_NOFOLLOW and mounted on through the fd: a /dev or /dev/console symlink planted in
 * the image must not redirect the mount elsewhere (e.g. over a masked /proc file, CVE-2025-52565). */
static int bind_dev_console(int slave, struct husk_error *err)
{
        _cleanup_close_ int dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dev < 0)
                return husk_error_errno(err, errno, "open /dev (a symlink is refused)");
        _cleanup_close_ int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0 && errno == ENOENT)
                target = openat(dev, "console", O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (target < 0)
                return husk_error_errno(err, errno, "open /dev/console");
        struct stat st;
        if (fstat(target, &st) < 0)
                return husk_error_errno(err, errno, "stat /dev/console");
        if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
                return husk_error_set(err, EINVAL, "/dev/console: not a regular file or device");
        char src[32], dst[32];
        (void) snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
        (void) snprintf(dst, sizeof(dst), "/proc/self/fd/%d", target);
        if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
                return husk_error_errno(err, errno, "bind mount the console on /dev/console");
        return 0;
}

static int setup_console(const struct husk_init_args *a, struct husk_error *err)
{
        const struct husk_process *p = &a->spec->process;
        if (!p->terminal) {
                /* A session of its own, as runc's init: a hangup of the caller's terminal does not
                 * reach the container, and CRIU refuses to dump a tree whose session leader is
                 * outside its pid namespace. */
                if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
                        return husk_error_errno(err, errno, "setsid");
                return 0;
        }
        if (a->console_fd < 0)
                return husk_error_set(err, EINVAL, "process.terminal requires --console-socket");

        _cleanup_close_ int slave = husk_console_setup(a->console_fd, p, err);
        if (slave < 0)
                return slave;
        int r = bind_dev_console(slave, err);
        if (r < 0)
                return r;
        r = husk_console_make_controlling(slave, err);
        if (r < 0)
                return r;
        if (slave <= STDERR_FILENO)
                (void) steal_fd(slave); /* it is stdio now */
        return 0;
}

/*
 * Load the container's seccomp filter, compiled by the parent (seccomp.c). With SCMP_ACT_NOTIFY the
 * listener fd goes to the parent at once, which hands it to listenerPath and answers SECCOMP_DONE:
 * from the load on, any syscall of ours that the profile notifies waits for the agent, so the agent
 * must have the fd before we make one. sendmsg is the only syscall in between, and the profile may
 * not notify it (checked by the parent). recvmsg and close after it may be notified: the agent has
 * the fd by then.
 */
int husk_init_load_seccomp(const struct husk_seccomp_prog *prog, int sync_fd, struct husk_error *err)
{
        if (!prog)
                return 0;
        _cleanup_close_ int listener = -1;
        int r = husk_seccomp_load(prog, &listener, err);
        if (r < 0 || listener < 0)
                return r;
        r = husk_sync_send(sync_fd, HUSK_SYNC_SECCOMP, 0, NULL, listener, err);
        if (r < 0)
                return r;
        return husk_sync_expect(sync_fd, INIT_PEER, HUSK_SYNC_SECCOMP_DONE, NULL, NULL, err);
}

static int load_seccomp(const struct husk_init_args *a, struct husk_error *err)
{
        return husk_init_load_seccomp(a->seccomp, a->sync_fd, err);
}

/*
 * Everything up to "created": every error here reaches the caller of create through the parent.
 *
 * The seccomp filter is loaded as late as possible, so that as few of our own syscalls as possible
 * run under it, but before CREATED, so that a failure to load it (and, with SCMP_ACT_NOTIFY, the
 * listener handover) still fails create. As in runc:
 *  - without process.noNewPrivileges, loading needs CAP_SYS_ADMIN: just before the privileges are
 *    dropped, which then run under the filter (setgroups, setresgid/uid, capset, prctl);
 *  - with it, right after no_new_privs is set, at the end of the privilege drop.
 * After the load the init still makes these syscalls, which the profile must allow for the container
 * to start (Docker's does; docs/seccomp.md): sendmsg/recvmsg (CREATED, COMMITTED), close, prctl
 * (PR_SET_PDEATHSIG with run), openat/write/close of exec.fifo, the startContainer hooks (fork,
 * pipe, execve, wait: they run under the filter too, as in runc), openat/read of /etc/passwd when
 * HOME is unset, and execve. A syscall refused with an errno fails with that error (before CREATED
 * the caller of create sees it); one that kills the init shows as "container init exited
 * unexpectedly", with a pointer to the profile (container_create.c).
 */
static int init_create(const struct husk_init_args *a, pid_t *ret_pid, char **ret_exec, int *ret_proc_fd,
                       struct husk_error *err)
{
        const struct husk_spec *spec = a->spec;
        int r;

        /* The runtime may block signals (run uses a signalfd); the container must not inherit that. */
        sigset_t none;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        /* Relative mount sources are relative to the bundle. */
        if (chdir(a->bundle) < 0)
                return husk_error_errno(err, errno, "chdir to bundle \"%s\"", a->bundle);
        /* The host's /proc, opened while nothing of the container is mounted yet, so no mount from
         * the config or the image can stand in for it (util/procfs.h, docs/lsm.md): for the LSM labels,
         * and for reopening exec.fifo at start (init_start). */
        _cleanup_close_ int proc_fd = husk_procfs_open(err);
        if (proc_fd < 0)
                return proc_fd;
        if (!a->opts->no_new_keyring) {
                r = husk_lsm_set_keyring_label(proc_fd, &spec->process, err);
                if (r < 0)
                        return r;
                r = join_session_keyring(a->opts->id, err);
                if (r < 0)
                        return r;
        }
        if (a->plan->unshare_flags & CLONE_NEWNET) {
                r = husk_ns_loopback_up(err);
                if (r < 0)
                        return r;
        }
        r = set_names(spec, err);
        if (r < 0)
                return r;

        struct husk_rootfs_ctx rctx = {
                .spec = spec,
                .rootfs = a->rootfs,
                .no_pivot = a->opts->no_pivot,
                .in_userns = a->plan->new_user || a->plan->join_user,
        };
        r = husk_rootfs_prepare(&rctx, err);
        if (r < 0)
                return r;

        /* The parent runs prestart/createRuntime now: after the mounts, before pivot (runtime.md). It
         * also tells us our pid as the runtime sees it, which the state given to our hooks needs. */
        pid_t pid = 0;
        if (husk_init_needs_hook_sync(spec)) {
                r = husk_sync_send(a->sync_fd, HUSK_SYNC_HOOKS_READY, 0, NULL, -1, err);
                if (r < 0)
                        return r;
                int32_t v;
                r = husk_sync_expect(a->sync_fd, INIT_PEER, HUSK_SYNC_HOOKS_DONE, &v, NULL, err);
                if (r < 0)
                        return r;
                pid = (pid_t) v;
        }
        /* createContainer hooks: in the container's namespaces, but before pivot so their paths still
         * resolve on the host (config.md). */
        r = run_hooks(a, &spec->hooks.create_container, "createContainer", pid, HUSK_STATUS_CREATING, err);
        if (r < 0)
                return r;

        r = husk_rootfs_pivot(&rctx, err);
        if (r < 0)
                return r;
        r = husk_rootfs_finalize(&rctx, err);
        if (r < 0)
                return r;
        r = husk_rootfs_reopen_null_stdio(spec, proc_fd, err);
        if (r < 0)
                return r;
        r = husk_sysctl_apply(spec, err);
        if (r < 0)
                return r;
        r = husk_process_apply_limits(&spec->process, &spec->linux_, err);
        if (r < 0)
                return r;
        r = setup_console(a, err);
        if (r < 0)
                return r;
        if (a->console_fd >= 0)
                (void) close(a->console_fd);

        /* A missing executable fails create, not start (as runc). */
        _cleanup_free_ char *exec_path = NULL;
        r = husk_process_resolve_exec(&spec->process, &exec_path, err);
        if (r < 0)
                return r;
        r = husk_process_close_fds(a->opts->preserve_fds, err);
        if (r < 0)
                return r;
        /* Effective at exec; written while still privileged, as runc. */
        if (husk_lsm_wanted(&spec->process)) {
                r = husk_lsm_set_exec_labels(proc_fd, &spec->process, err);
                if (r < 0)
                        return r;
        }

        /* Privileges are dropped before "created" so that a failure (an unmapped uid, capabilities)
         * still reaches the caller of create. Nothing after this needs privileges: exec.fifo is reopened
         * through the host procfs' self/fd, which the kernel allows a process on its own fds whatever its
         * credentials, and the parent made the fifo's owner the container user's host uid/gid, so the
         * permission check on the inode passes without CAP_DAC_OVERRIDE. startContainer hooks then run
         * as the container user, as in runc. */
        const bool nnp = spec->process.no_new_privileges;
        if (!nnp) {
                r = load_seccomp(a, err);
                if (r < 0)
                        return r;
        }
        r = husk_process_drop_privileges(&spec->process, err);
        if (r < 0)
                return r;
        if (nnp) {
                r = load_seccomp(a, err);
                if (r < 0)
                        return r;
        }

        r = husk_sync_send(a->sync_fd, HUSK_SYNC_CREATED, 0, NULL, -1, err);
        if (r < 0)
                return r;
        /* Wait until the state is written: if the runtime dies first, the end of the stream tells us,
         * and an init nobody knows about must not stay behind on the fifo. */
        r = husk_sync_expect(a->sync_fd, INIT_PEER, HUSK_SYNC_COMMITTED, NULL, NULL, err);
        if (r < 0)
                return r;

        *ret_pid = pid;
        *ret_exec = steal_ptr(exec_path);
        *ret_proc_fd = steal_fd(proc_fd);
        return 0;
}

static int init_start(const struct husk_init_args *a, pid_t pid, const char *exec_path, int proc_fd,
                      struct husk_error *err)
{
        /* The fifo's O_PATH fd is reopened through the host's procfs, opened before the container's
         * mounts existed: the host path is out of reach after pivot, and the container's own /proc
         * may have anything mounted over /proc/self/fd by its config. The host procfs mount is in the
         * detached old root, which this fd keeps alive; "self" there names us by our host pid. The
         * open blocks until `start` opens the read side. */
        char path[32];
        (void) snprintf(path, sizeof(path), "self/fd/%d", a->fifo_fd);
        _cleanup_close_ int fd = -1;
        do
                fd = openat(proc_fd, path, O_WRONLY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
        if (fd < 0)
                return husk_error_errno(err, errno, "open exec fifo");
        (void) close(proc_fd);
        if (write(fd, "0", 1) != 1)
                return husk_error_errno(err, errno, "write exec fifo");
        (void) close(steal_fd(fd));
        (void) close(a->fifo_fd);

        int r = run_hooks(a, &a->spec->hooks.start_container, "startContainer", pid, HUSK_STATUS_CREATED, err);
        if (r < 0)
                return r;
        return husk_process_exec(&a->spec->process, exec_path, err);
}

_Noreturn void husk_init_main(const struct husk_init_args *a)
{
        struct husk_error err = { 0 };
        pid_t pid = 0;
        _cleanup_free_ char *exec_path = NULL;
        int proc_fd = -1;

        /* Only the intermediate may hold its socket: its exit must read as the end of that stream. */
        (void) close(a->intermediate_sync_fd);
        if (init_create(a, &pid, &exec_path, &proc_fd, &err) < 0) {
                husk_sync_send_error(a->sync_fd, &err);
                _exit(1);
        }
        /* Created: the runtime process that started us may now exit without taking us along. */
        if (a->pdeathsig)
                (void) prctl(PR_SET_PDEATHSIG, 0);
        (void) close(a->sync_fd);

        (void) init_start(a, pid, exec_path, proc_fd, &err);
        /* create has returned and nobody listens on the handshake any more: the container's stderr
         * (the caller's, or the pty) is the only place left to say why the container did not start. */
        (void) dprintf(STDERR_FILENO, "husk: %s\n", err.msg);
        _exit(127);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec's children. The joiner is forked by the runtime (born in the container's v2 cgroup where it
 * has one), joins the rest of the cgroup and then every namespace of the container's init with one
 * setns(pidfd, flags): the kernel installs them all at once, the user namespace first, which also
 * gives us the capabilities to join the others; and it costs one syscall instead of opening and
 * joining each /proc/PID/ns file one by one. A new pid namespace only applies to children, so the joiner
 * clones the process with CLONE_PARENT: it is the runtime's own child (waitable for its exit
 * status, no subreaper needed), and the joiner exits. The process then sets itself up the way the
 * init does (init.c) and execs.
 */
#include "runtime/exec_child.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/console.h"
#include "runtime/init.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "util/cleanup.h"

/* struct clone_args of <linux/sched.h> (CLONE_ARGS_SIZE_VER0), which clashes with glibc's <sched.h>. */
struct clone3_args_v0 {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* As the init's (init.c): with SCMP_ACT_NOTIFY the listener goes to the runtime, which hands it to
 * listenerPath, before we make a syscall the agent must answer. */
static int load_seccomp(const struct husk_exec_child_args *a, struct husk_error *err)
{
        return husk_init_load_seccomp(a->seccomp, a->sync_fd, err);
}

static int setup_terminal(const struct husk_exec_child_args *a, struct husk_error *err)
{
        if (!a->process->terminal)
                return 0;
        /* In the container's mount namespace by now: the pty comes from its devpts. */
        _cleanup_close_ int slave = husk_console_setup(a->console_fd, a->process, err);
        if (slave < 0)
                return slave;
        int r = husk_console_make_controlling(slave, err);
        if (r < 0)
                return r;
        if (slave <= STDERR_FILENO)
                (void) steal_fd(slave); /* it is stdio now */
        return 0;
}

/* The process, in every namespace of the container: the same steps as the init's after pivot, in the
 * same order (init.c says why), minus what belongs to the container as a whole (mounts, sysctls,
 * hostname, the session keyring). */
static int process_run(const struct husk_exec_child_args *a, struct husk_error *err)
{
        const struct husk_process *p = a->process;
        int r;

        sigset_t none;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        r = husk_process_apply_limits(p, &a->spec->linux_, err);
        if (r < 0)
                return r;
        r = setup_terminal(a, err);
        if (r < 0)
                return r;
        if (a->console_fd >= 0)
                (void) close(a->console_fd);

        _cleanup_free_ char *exec_path = NULL;
        r = husk_process_resolve_exec(p, &exec_path, err);
        if (r < 0)
                return r;
        r = husk_process_close_fds(a->preserve_fds, err);
        if (r < 0)
                return r;
        if (a->proc_fd >= 0) {
                r = husk_lsm_set_exec_labels(a->proc_fd, p, err);
                if (r < 0)
                        return r;
                (void) close(a->proc_fd);
        }
        if (!p->no_new_privileges) {
                r = load_seccomp(a, err);
                if (r < 0)
                        return r;
        }
        r = husk_process_drop_privileges(p, err);
        if (r < 0)
                return r;
        if (p->no_new_privileges) {
                r = load_seccomp(a, err);
                if (r < 0)
                        return r;
        }
        /* sync_fd is close-on-exec: its end of stream tells the runtime that the exec happened. */
        return husk_process_exec(p, exec_path, err);
}

static int joiner_run(const struct husk_exec_child_args *a, struct husk_error *err)
{
        /* A dying runtime must not leave us behind; the check closes the race with one that died
         * before the prctl. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a->parent)
                _exit(1);
        int r;
        /* Before the namespaces: the cgroup namespace's view is rooted where we are then. */
        if (a->cg && (r = a->born_inside ? husk_cgroup_enter_self_cloned(a->cg, err)
                                         : husk_cgroup_enter_self(a->cg, err)) < 0)
                return r;
        for (char *const *c = a->cgroups; a->cg && c && *c; c++)
                if ((r = husk_cgroup_enter_sub(a->cg, *c, err)) < 0)
                        return r;
        if (a->ns_flags && setns(a->init_pidfd, a->ns_flags) < 0)
                return husk_error_errno(err, errno, "join the namespaces of the container's init");
        (void) close(a->init_pidfd);

        /* Born as the runtime's child: a raw clone3, as husk_fork_into_cgroup's; we are
         * single-threaded and the child only goes on with ordinary calls up to its execve. */
        struct clone3_args_v0 args = { .flags = CLONE_PARENT, .exit_signal = 0 };
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                return husk_error_errno(err, errno, "clone the exec process");
        if (pid == 0) {
                struct husk_error perr = { 0 };
                (void) close(a->joiner_sync_fd);
                (void) process_run(a, &perr);
                husk_sync_send_error(a->sync_fd, &perr);
                _exit(127);
        }
        return husk_sync_send(a->joiner_sync_fd, HUSK_SYNC_PID, (int32_t) pid, NULL, -1, err);
}

_Noreturn void husk_exec_joiner_main(const struct husk_exec_child_args *a)
{
        struct husk_error err = { 0 };
        /* Only the process may hold its socket's end: its exec must read as the end of that stream. */
        if (joiner_run(a, &err) < 0) {
                husk_sync_send_error(a->joiner_sync_fd, &err);
                _exit(1);
        }
        _exit(0);
}

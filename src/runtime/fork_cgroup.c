/* SPDX-License-Identifier: Apache-2.0 */
/* fork() into a container's cgroup: used by create (the intermediate) and exec (the process that
 * joins the container). */
#include "runtime/fork_cgroup.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args of <linux/sched.h> (CLONE_ARGS_SIZE_VER2), which clashes with glibc's <sched.h>. */
struct clone3_args {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
                cgroup;
};

/*
 * fork(), but born in the container's v2 cgroup where it has one: joining by a cgroup.procs write costs
 * an RCU grace period (~9 ms here), being born inside costs nothing (husk_cgroup_clone_fd). A raw
 * clone3 skips glibc's fork bookkeeping; the intermediate is single-threaded and only makes syscalls
 * and forks (glibc's fork sets up its own child properly), as crun's does after the same clone3.
 */
pid_t husk_fork_into_cgroup(const struct husk_cgroup *cg, bool *ret_inside)
{
        *ret_inside = false;
        int fd = cg ? husk_cgroup_clone_fd(cg) : -1;
        if (fd >= 0) {
                struct clone3_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t) fd };
                long pid = syscall(SYS_clone3, &args, sizeof(args));
                if (pid >= 0) {
                        *ret_inside = true;
                        return (pid_t) pid;
                }
                /* Before 5.7 there is no clone3 or no CLONE_INTO_CGROUP: the child joins by writing. */
                if (errno != ENOSYS && errno != EINVAL && errno != E2BIG && errno != EOPNOTSUPP)
                        return -1;
        }
        return fork();
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OOM notification on cgroup v1 (cgroup-v1/memory.rst, "Memory thresholds"/"OOM control"): an eventfd
 * and an fd of memory.oom_control written as "<eventfd> <fd>" to cgroup.event_control. The kernel
 * signals the eventfd at each OOM of the cgroup and once more when the cgroup is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

int husk_cg1_oom_watch_open(struct husk_cg1 *cg, int *ret_fd, int *ret_dirfd, struct husk_error *err)
{
        struct husk_cg1_dir *d = husk_cg1_find(cg, HUSK_CG1_MEMORY);
        if (!d)
                return husk_error_set(err, ENOTSUP, "OOM notification: the container has no memory cgroup");
        _cleanup_close_ int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
                return husk_error_errno(err, errno, "OOM notification: eventfd");
        /* Only needed while registering: the kernel keeps its own reference to the cgroup. */
        _cleanup_close_ int ofd = openat(d->fd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
        if (ofd < 0)
                return husk_error_errno(err, errno, "OOM notification: open %s/memory.oom_control", d->dir);
        _cleanup_close_ int dirfd = fcntl(d->fd, F_DUPFD_CLOEXEC, 3);
        if (dirfd < 0)
                return husk_error_errno(err, errno, "OOM notification: dup %s", d->dir);
        char line[32];
        int n = snprintf(line, sizeof(line), "%d %d", efd, ofd);
        if (husk_write_file_at(d->fd, "cgroup.event_control", line, (size_t) n, err) < 0)
                return husk_error_prefix(err, "OOM notification: %s/cgroup.event_control: ", d->dir);
        *ret_fd = steal_fd(efd);
        *ret_dirfd = steal_fd(dirfd);
        return 0;
}

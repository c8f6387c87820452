/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OOM notification on cgroup v2: memory.events is a file the kernel "modifies" (a file-modified event,
 * cgroup-v2.rst) when one of its counters changes, so an inotify watch on it wakes at each OOM kill.
 * memory.events, not memory.events.local: a kill in a child cgroup of the container counts too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"

int husk_cg2_oom_watch_open(struct husk_cg2 *cg, int *ret_fd, int *ret_dirfd, struct husk_error *err)
{
        /* Missing (ENOENT) when the parent does not enable memory for the container. */
        if (faccessat(cg->dirfd, "memory.events", F_OK, 0) < 0)
                return husk_error_errno(err, errno, "OOM notification: %s/memory.events", cg->dir);
        _cleanup_close_ int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ifd < 0)
                return husk_error_errno(err, errno, "OOM notification: inotify_init1");
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/memory.events", cg->dir) < 0)
                return husk_error_errno(err, ENOMEM, "OOM notification");
        if (inotify_add_watch(ifd, path, IN_MODIFY) < 0)
                return husk_error_errno(err, errno, "OOM notification: watch %s", path);
        _cleanup_close_ int dirfd = fcntl(cg->dirfd, F_DUPFD_CLOEXEC, 3);
        if (dirfd < 0)
                return husk_error_errno(err, errno, "OOM notification: dup %s", cg->dir);
        *ret_fd = steal_fd(ifd);
        *ret_dirfd = steal_fd(dirfd);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The OOM watch of cgroup.h over the two backends' sources: wake-ups counted with oom_kill. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "runtime/cgroup/stats_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct husk_cgroup_oom_watch {
        int fd;        /* eventfd (v1) or inotify (v2) */
        int dirfd;     /* the memory cgroup */
        bool v1;
        uint64_t kills; /* oom_kill when last read */
};

/* oom_kill now; *under_oom: v1's flag (an OOM stalled because the killer is disabled). A counter
 * that cannot be read (the cgroup is being removed) leaves the last value. */
static void read_counter(struct husk_cgroup_oom_watch *w, uint64_t *ret, bool *under_oom)
{
        _cleanup_free_ char *text = NULL;
        *ret = w->kills;
        *under_oom = false;
        if (husk_read_file_at(w->dirfd, w->v1 ? "memory.oom_control" : "memory.events", &text, NULL, NULL) < 0)
                return;
        *ret = husk_cg_keyed(text, "oom_kill");
        *under_oom = w->v1 && husk_cg_keyed(text, "under_oom") > 0;
}

void husk_cgroup_oom_watch_free(struct husk_cgroup_oom_watch *w)
{
        if (w->fd >= 0)
                (void) close(w->fd);
        if (w->dirfd >= 0)
                (void) close(w->dirfd);
        free(w);
}

int husk_cgroup_oom_watch(struct husk_cgroup *cg, struct husk_cgroup_oom_watch **ret, struct husk_error *err)
{
        _cleanup_(husk_cgroup_oom_watch_freep) struct husk_cgroup_oom_watch *w = calloc(1, sizeof(*w));
        if (!w)
                return husk_error_errno(err, ENOMEM, "OOM notification");
        w->fd = w->dirfd = -1;
        /* On a hybrid host memory is a v1 controller; the v2 tree only places the container. */
        w->v1 = cg->v1 != NULL;
        int r = cg->v1   ? husk_cg1_oom_watch_open(cg->v1, &w->fd, &w->dirfd, err)
                : cg->v2 ? husk_cg2_oom_watch_open(cg->v2, &w->fd, &w->dirfd, err)
                         : husk_error_set(err, ENOTSUP, "OOM notification: no cgroup");
        if (r < 0)
                return r;
        /* The baseline after registering: a kill in between is counted at the first wake-up. */
        bool under;
        read_counter(w, &w->kills, &under);
        *ret = steal_ptr(w);
        return 0;
}

int husk_cgroup_oom_watch_fd(const struct husk_cgroup_oom_watch *w)
{
        return w->fd;
}

int husk_cgroup_oom_watch_read(struct husk_cgroup_oom_watch *w, uint64_t *ret_kills, struct husk_error *err)
{
        /* Drain the wake-ups: the eventfd's counter in one read, inotify's queue until EAGAIN. */
        char buf[4096];
        bool woken = false;
        for (;;) {
                ssize_t n = read(w->fd, buf, sizeof(buf));
                if (n > 0) {
                        woken = true;
                        if (w->v1)
                                break;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != EAGAIN)
                        return husk_error_errno(err, errno, "OOM notification: read");
                break;
        }
        uint64_t now;
        bool under_oom;
        read_counter(w, &now, &under_oom);
        uint64_t kills = now >= w->kills ? now - w->kills : 0;
        w->kills = now;
        if (kills == 0 && woken && under_oom)
                kills = 1;
        *ret_kills = kills;
        return 0;
}

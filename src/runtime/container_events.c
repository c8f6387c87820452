/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events: one poll loop over the init's pidfd (the container stops), the cgroup's OOM watch, the
 * caller's stop fd, and a timeout for the next stats interval. No thread and no timer fd: the next
 * tick is a CLOCK_MONOTONIC deadline, so a wake-up for an OOM does not shift the stats' rhythm.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/container_cgroup_internal.h"
#include "runtime/runtime.h"
#include "runtime/state_store_internal.h"
#include "util/cleanup.h"

#define NSEC_PER_SEC 1000000000ull

static uint64_t now_ns(void)
{
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

/* A stats event; when the stats cannot be read, an error event (the loop goes on, as runc's), or with
 * `fatal` (--stats alone) the error itself. */
static int emit_stats(struct husk_cgroup *cg, const char *id, bool fatal, husk_event_fn fn, void *userdata,
                      struct husk_error *err)
{
        _cleanup_(husk_cgroup_stats_done) struct husk_cgroup_stats st = { 0 };
        struct husk_error e = { 0 };
        int r = husk_cgroup_stats(cg, &st, &e);
        if (r < 0 && fatal) {
                if (!err)
                        return r;
                *err = e;
                return husk_error_prefix(err, "stats of container \"%s\": ", id);
        }
        if (r < 0) {
                (void) husk_error_prefix(&e, "stats of container \"%s\": ", id);
                struct husk_event ev = { .type = HUSK_EVENT_ERROR, .error = &e };
                r = fn(&ev, userdata);
        } else {
                struct husk_event ev = { .type = HUSK_EVENT_STATS, .stats = &st };
                r = fn(&ev, userdata);
        }
        return r < 0 ? husk_error_errno(err, -r, "events of container \"%s\"", id) : 0;
}

static int emit_ooms(struct husk_cgroup_oom_watch *w, const char *id, husk_event_fn fn, void *userdata,
                     struct husk_error *err)
{
        uint64_t kills = 0;
        if (!w)
                return 0;
        int r = husk_cgroup_oom_watch_read(w, &kills, err);
        if (r < 0)
                return husk_error_prefix(err, "events of container \"%s\": ", id);
        for (uint64_t i = 0; i < kills; i++) {
                struct husk_event ev = { .type = HUSK_EVENT_OOM };
                r = fn(&ev, userdata);
                if (r < 0)
                        return husk_error_errno(err, -r, "events of container \"%s\"", id);
        }
        return 0;
}

static int event_loop(struct husk_cgroup *cg, int pidfd, struct husk_cgroup_oom_watch *w, const char *id,
                      const struct husk_events_opts *o, husk_event_fn fn, void *userdata, struct husk_error *err)
{
        uint64_t next = now_ns() + o->interval_ns;
        for (;;) {
                struct pollfd p[3] = {
                        { .fd = pidfd, .events = POLLIN },
                        { .fd = w ? husk_cgroup_oom_watch_fd(w) : -1, .events = POLLIN }, /* -1: not polled */
                        { .fd = o->stop_fd, .events = POLLIN },
                };
                uint64_t now = now_ns(), left = next > now ? next - now : 0;
                struct timespec ts = { .tv_sec = (time_t) (left / NSEC_PER_SEC), .tv_nsec = (long) (left % NSEC_PER_SEC) };
                int n = ppoll(p, o->stop_fd >= 0 ? 3 : 2, &ts, NULL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "events of container \"%s\": poll", id);
                int r;
                if (p[1].revents && (r = emit_ooms(w, id, fn, userdata, err)) < 0)
                        return r;
                if (p[2].revents)
                        return 0;
                /* The init is gone: the kills that took it are already counted (the kernel raises
                 * oom_kill before it sends SIGKILL), so report them before ending. */
                if (p[0].revents)
                        return emit_ooms(w, id, fn, userdata, err);
                now = now_ns();
                if (now < next)
                        continue;
                if ((r = emit_stats(cg, id, false, fn, userdata, err)) < 0)
                        return r;
                /* Like Go's ticker, drop the ticks a slow consumer missed instead of bursting them. */
                next += o->interval_ns;
                if (next <= now)
                        next = now + o->interval_ns;
        }
}

int husk_container_events(const struct husk_runtime *rt, const char *id, const struct husk_events_opts *o,
                          husk_event_fn fn, void *userdata, struct husk_error *err)
{
        if (o->interval_ns == 0)
                return husk_error_set(err, EINVAL, "duration interval must be greater than 0");
        _cleanup_(husk_cg_container_done) struct husk_cg_container c = { .dir_fd = -1 };
        int r = husk_cg_container_open(rt, id, false, &c, err);
        if (r < 0)
                return r;
        if (c.state->status == HUSK_STATUS_STOPPED)
                return husk_error_set(err, EINVAL, "container with id %s is not running", id);
        r = husk_cg_container_load_cgroup(&c, id, err);
        if (r < 0)
                return r;
        if (o->stats_only)
                return emit_stats(c.cg, id, true, fn, userdata, err);

        _cleanup_close_ int pidfd = husk_init_pidfd(c.state->pid, c.state->pid_start_time, NULL);
        if (pidfd < 0)
                return husk_error_set(err, EINVAL, "container with id %s is not running", id);
        _cleanup_(husk_cgroup_oom_watch_freep) struct husk_cgroup_oom_watch *w = NULL;
        r = husk_cgroup_oom_watch(c.cg, &w, err);
        /* No memory controller in the container's cgroup (v2 without memory limits, where the parent
         * does not enable it): no OOM can be told apart there, the stats and the end still can. */
        if (r == -ENOENT || r == -ENOTSUP)
                husk_error_clear(err);
        else if (r < 0)
                return husk_error_prefix(err, "events of container \"%s\": ", id);
        /* Unlocked from here on: a delete must not wait for events to end (it ends events instead,
         * through the pidfd). */
        husk_closep(&c.dir_fd);
        c.dir_fd = -1;
        return event_loop(c.cg, pidfd, w, id, o, fn, userdata, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* pause, resume, update, ps, stats: the lifecycle operations that act on a container's cgroup. */
#include <errno.h>
#include <stdlib.h>

#include "oci/spec.h"
#include "oci/state.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/container_cgroup_internal.h"
#include "runtime/members.h"
#include "runtime/runtime.h"
#include "runtime/state_store.h"
#include "runtime/state_store_internal.h"
#include "util/cleanup.h"

void husk_cg_container_done(struct husk_cg_container *c)
{
        husk_cgroup_freep(&c->cg);
        husk_state_freep(&c->state);
        husk_closep(&c->dir_fd);
}

int husk_cg_container_open(const struct husk_runtime *rt, const char *id, bool exclusive, struct husk_cg_container *c,
                           struct husk_error *err)
{
        int r = husk_validate_id(id, err);
        if (r < 0)
                return r;
        _cleanup_close_ int root_fd = husk_store_open_root_existing(rt->root, err);
        if (root_fd == -ENOENT)
                return husk_error_set(err, ENOENT, "container \"%s\" does not exist", id);
        if (root_fd < 0)
                return root_fd;
        c->dir_fd = husk_store_open_dir(root_fd, id, exclusive, err);
        if (c->dir_fd < 0)
                return c->dir_fd;
        /* No state file: a create that died half-way, which is no container (as in container_ops.c). */
        r = husk_store_read_state(c->dir_fd, &c->state, err);
        if (r == -ENOENT)
                return husk_error_set(err, ENOENT, "container \"%s\" does not exist", id);
        if (r < 0)
                return r;
        return husk_state_refresh(c->dir_fd, c->state, err);
}

int husk_cg_container_load_cgroup(struct husk_cg_container *c, const char *id, struct husk_error *err)
{
        if (!c->state->cgroup_path || !c->state->cgroup_path[0])
                return husk_error_set(err, ENOTSUP, "container \"%s\" has no cgroup", id);
        int r = husk_cgroup_load_unit(c->state->cgroup_path, c->state->systemd_unit, &c->cg, err);
        if (r < 0)
                return husk_error_prefix(err, "container \"%s\": ", id);
        return 0;
}

static int set_frozen(const struct husk_runtime *rt, const char *id, bool frozen, struct husk_error *err)
{
        const char *verb = frozen ? "pause" : "resume";
        _cleanup_(husk_cg_container_done) struct husk_cg_container c = { .dir_fd = -1 };
        int r = husk_cg_container_open(rt, id, true, &c, err);
        if (r < 0)
                return r;
        /* As runc: only a running container pauses (a created init blocked on exec.fifo would be
         * frozen in the middle of its start), and only a paused one resumes. */
        enum husk_status want = frozen ? HUSK_STATUS_RUNNING : HUSK_STATUS_PAUSED;
        if (c.state->status != want)
                return husk_error_set(err, EINVAL, "cannot %s container \"%s\": it is %s, not %s", verb, id,
                                      husk_status_to_string(c.state->status), husk_status_to_string(want));
        r = husk_cg_container_load_cgroup(&c, id, err);
        if (r < 0)
                return r;
        r = husk_cgroup_freeze(c.cg, frozen, err);
        if (r < 0)
                return husk_error_prefix(err, "%s container \"%s\": ", verb, id);
        return 0;
}

int husk_container_pause(const struct husk_runtime *rt, const char *id, struct husk_error *err)
{
        return set_frozen(rt, id, true, err);
}

int husk_container_resume(const struct husk_runtime *rt, const char *id, struct husk_error *err)
{
        return set_frozen(rt, id, false, err);
}

int husk_container_update(const struct husk_runtime *rt, const char *id, const struct husk_resources *res,
                          struct husk_error *err)
{
        if (!res)
                return husk_error_set(err, EINVAL, "update container \"%s\": no resources", id);
        _cleanup_(husk_cg_container_done) struct husk_cg_container c = { .dir_fd = -1 };
        int r = husk_cg_container_open(rt, id, true, &c, err);
        if (r < 0)
                return r;
        /* A stopped container's cgroup is on its way out (delete removes it): limits set now would
         * apply to nothing, so say so, as runc does. */
        if (c.state->status == HUSK_STATUS_STOPPED)
                return husk_error_set(err, EINVAL, "cannot update container \"%s\": it is stopped", id);
        r = husk_cg_container_load_cgroup(&c, id, err);
        if (r < 0)
                return r;
        r = husk_cgroup_update(c.cg, res, err);
        if (r < 0)
                return husk_error_prefix(err, "update container \"%s\": ", id);
        return 0;
}

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return (x > y) - (x < y);
}

/* The container's processes: those of its cgroup, or without one (a rootless container with no
 * cgroup of its own) its pid namespace's members or the init's descendants, from /proc. */
static int container_pids(struct husk_cg_container *c, const char *id, pid_t **ret, size_t *ret_n, struct husk_error *err)
{
        const struct husk_state *s = c->state;
        if (!s->cgroup_path || !s->cgroup_path[0]) {
                *ret = NULL;
                *ret_n = 0;
                /* A stopped container's are beyond finding that way (reparented, or gone). */
                return s->status == HUSK_STATUS_STOPPED ? 0 : husk_members_list(s->pid, s->own_pid_ns, ret, ret_n, err);
        }
        /* A stopped container is not refused: without a pid namespace, processes that left its init
         * behind may still live in its cgroup, and ps is how one finds them. */
        int r = husk_cg_container_load_cgroup(c, id, err);
        if (r < 0)
                return r;
        return husk_cgroup_pids(c->cg, ret, ret_n, err);
}

int husk_container_ps(const struct husk_runtime *rt, const char *id, pid_t **ret, size_t *ret_n,
                      struct husk_error *err)
{
        _cleanup_(husk_cg_container_done) struct husk_cg_container c = { .dir_fd = -1 };
        int r = husk_cg_container_open(rt, id, false, &c, err);
        if (r < 0)
                return r;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        r = container_pids(&c, id, &pids, &n, err);
        if (r < 0)
                return husk_error_prefix(err, "ps container \"%s\": ", id);
        if (n > 1)
                qsort(pids, n, sizeof(*pids), cmp_pid);
        *ret = steal_ptr(pids);
        *ret_n = n;
        return 0;
}

int husk_container_stats(const struct husk_runtime *rt, const char *id, struct husk_cgroup_stats *ret,
                         struct husk_error *err)
{
        _cleanup_(husk_cg_container_done) struct husk_cg_container c = { .dir_fd = -1 };
        int r = husk_cg_container_open(rt, id, false, &c, err);
        if (r < 0)
                return r;
        r = husk_cg_container_load_cgroup(&c, id, err);
        if (r < 0)
                return r;
        struct husk_cgroup_stats st = { 0 };
        r = husk_cgroup_stats(c.cg, &st, err);
        if (r < 0)
                return husk_error_prefix(err, "stats of container \"%s\": ", id);
        *ret = st;
        return 0;
}

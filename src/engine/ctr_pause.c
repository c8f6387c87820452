/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's pause and unpause: libhusk's freezer (cgroup v1 freezer.state, v2 cgroup.freeze) with the
 * record's State.Paused changed under the container's lock, so ps and inspect show "paused". */
#include <errno.h>

#include "engine/ctr_exec.h"
#include "util/cleanup.h"

static int set_paused(struct husk_engine *e, const char *id, bool paused, struct husk_error *err)
{
        _cleanup_close_ int lock = husk_ctr_lock(e->ctrs, id, err);
        if (lock < 0)
                return lock;
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        if (c.state != HUSK_CTR_RUNNING || c.monitor_dead)
                return husk_error_set(err, EINVAL, "Container %s is not running", c.id);
        if (c.paused == paused)
                return husk_error_set(err, EINVAL, paused ? "Container %s is already paused" : "Container %s is not paused",
                                      c.id);
        r = paused ? husk_container_pause(&e->rt, c.id, err) : husk_container_resume(&e->rt, c.id, err);
        if (r < 0)
                return husk_error_prefix(err, "Cannot %s container %s: ", paused ? "pause" : "unpause", c.id);
        c.paused = paused;
        r = husk_ctr_save(e->ctrs, &c, err);
        if (r < 0 && paused) {
                /* Not recorded: not left frozen either, where nothing would show it. */
                struct husk_error ignored = { 0 };
                (void) husk_container_resume(&e->rt, c.id, &ignored);
        }
        return r;
}

int husk_engine_pause(struct husk_engine *e, const char *id, struct husk_error *err)
{
        return set_paused(e, id, true, err);
}

int husk_engine_unpause(struct husk_engine *e, const char *id, struct husk_error *err)
{
        return set_paused(e, id, false, err);
}

void husk_engine_thaw_after_signal(struct husk_engine *e, const char *id)
{
        struct husk_error ignored = { 0 };
        _cleanup_close_ int lock = husk_ctr_lock(e->ctrs, id, &ignored);
        if (lock < 0)
                return;
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        if (husk_ctr_load(e->ctrs, id, &c, &ignored) < 0 || !c.paused)
                return;
        (void) husk_container_resume(&e->rt, c.id, &ignored);
        c.paused = false;
        (void) husk_ctr_save(e->ctrs, &c, &ignored);
}

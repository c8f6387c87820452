/* SPDX-License-Identifier: Apache-2.0 */
/* Restart policies (engine/life.h): Docker's restartmanager, run by `husk container cleanup`. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/life.h"
#include "util/cleanup.h"

/* moby/restartmanager: 100 ms, doubled at each restart up to a minute, back to 100 ms once a run
 * lasted 10 s. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 60000
#define BACKOFF_RESET_NS (10LL * 1000000000)

bool husk_restart_decide(json_t *policy, int exit_code, int64_t ran_ns, struct husk_life *l, int64_t *ret_delay_ms)
{
        const char *name = json_string_value(json_object_get(policy, "Name"));
        if (!name || !*name || strcmp(name, "no") == 0 || l->manually_stopped)
                return false;
        json_int_t max = json_integer_value(json_object_get(policy, "MaximumRetryCount"));
        bool restart = false;
        if (strcmp(name, "always") == 0 || strcmp(name, "unless-stopped") == 0)
                restart = true;
        else if (strcmp(name, "on-failure") == 0)
                restart = exit_code != 0 && (max <= 0 || l->restart_count < max);
        if (!restart)
                return false;
        if (ran_ns >= BACKOFF_RESET_NS)
                l->backoff_ms = 0;
        l->backoff_ms = l->backoff_ms <= 0 ? BACKOFF_FIRST_MS : l->backoff_ms * 2;
        if (l->backoff_ms > BACKOFF_MAX_MS)
                l->backoff_ms = BACKOFF_MAX_MS;
        *ret_delay_ms = l->backoff_ms;
        return true;
}

/* Under the container's lock: decide, and record the decision (RestartCount, restarting). */
static int decide(struct husk_engine *e, const char *id, bool *ret_restart, int64_t *ret_delay_ms,
                  struct husk_error *err)
{
        *ret_restart = false;
        _cleanup_close_ int lock = husk_ctr_lock(e->ctrs, id, err);
        if (lock < 0)
                return lock == -ENOENT ? 0 : lock;
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        if (!husk_life_has_policy(&c) || c.state != HUSK_CTR_EXITED)
                return 0;
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, id, err);
        if (dfd < 0)
                return dfd;
        _cleanup_(husk_life_done) struct husk_life l = { 0 };
        r = husk_life_load(dfd, &l, err);
        if (r < 0)
                return r;
        json_t *policy = json_object_get(c.cfg.host_config, "RestartPolicy");
        *ret_restart = husk_restart_decide(policy, c.exit_code, c.finished_at - c.started_at, &l, ret_delay_ms);
        if (*ret_restart)
                l.restart_count++;
        l.restarting = *ret_restart;
        return husk_life_save(dfd, &l, err);
}

/* Still to be restarted: not stopped by a user, not removed. Under the container's lock; final: the
 * wait is over (restarting ends: the start follows). */
static bool still_wanted(struct husk_engine *e, const char *id, bool final)
{
        struct husk_error ignored = { 0 };
        _cleanup_close_ int lock = husk_ctr_lock(e->ctrs, id, &ignored);
        if (lock < 0)
                return false;
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, id, &ignored);
        _cleanup_(husk_life_done) struct husk_life l = { 0 };
        if (dfd < 0 || husk_life_load(dfd, &l, &ignored) < 0)
                return false;
        bool wanted = l.restarting && !l.manually_stopped;
        if (l.restarting && (final || !wanted)) {
                /* A stop that asked is waiting for us to let go; what it sees next is "exited". */
                l.restarting = false;
                (void) husk_life_save(dfd, &l, &ignored);
        }
        return wanted;
}

int husk_engine_restart_policy(struct husk_engine *e, const char *id, int lock_fd, struct husk_error *err)
{
        bool restart;
        int64_t delay_ms = 0;
        int r = decide(e, id, &restart, &delay_ms, err);
        if (r < 0 || !restart)
                return r;
        /* The wait, looking every 50 ms whether a user stopped or removed it meanwhile: `stop` marks
         * the life file and waits for the monitor lock we hold. */
        for (int64_t waited = 0;; waited += 50) {
                if (!still_wanted(e, id, waited >= delay_ms))
                        return 0;
                if (waited >= delay_ms)
                        break;
                struct timespec ts = { 0, (delay_ms - waited < 50 ? delay_ms - waited : 50) * 1000000L };
                (void) nanosleep(&ts, NULL);
        }
        return husk_monitor_restart(e, id, lock_fd, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's lifecycle beyond one run, as Docker keeps it: RestartCount, State.Restarting,
 * State.Health, and whether a user stopped it (Docker's HasBeenManuallyStopped: the restart policy
 * then rests until the next `start`). Kept in <id>/life.json beside the record (a file of its own:
 * health checks rewrite it every interval, and only containers with a restart policy or a health
 * check have one), read and written under the container's lock.
 *
 * The restart policy (HostConfig.RestartPolicy) runs in `husk container cleanup`, which husk-monitor
 * execs when the init exited and which holds the monitor lock: after the exit is recorded it decides
 * as Docker's restartmanager (no | on-failure[:N] | always | unless-stopped; a delay of 100 ms
 * doubling to 1 minute, back to 100 ms after a run of 10 s), waits, and becomes the container's
 * monitor again (monitor.c husk_monitor_restart).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/engine.h"
#include "util/error.h"

#define HUSK_LIFE_FILE "life.json"

struct husk_life {
        int restart_count;      /* RestartCount: restarts by the policy since the last user start */
        bool restarting;        /* the policy restarts it (shown while the record is not running) */
        bool manually_stopped;  /* stop/kill by a user: the policy rests */
        int64_t backoff_ms;     /* the restart manager's current delay, 0: none yet */
        json_t *health;         /* State.Health {Status, FailingStreak, Log}, NULL: none */
};

void husk_life_done(struct husk_life *l);
/* <dir>/life.json; a missing file is all zeros. The caller holds the container's lock. */
int husk_life_load(int ctr_dirfd, struct husk_life *ret, struct husk_error *err);
/* The same by id (ps, inspect): the common case, no file, costs one failed openat. */
int husk_life_load_by_id(struct husk_ctr_store *s, const char *id, struct husk_life *ret, struct husk_error *err);
int husk_life_save(int ctr_dirfd, const struct husk_life *l, struct husk_error *err);

/* Load, change (fn: 0 or -errno), save, under the container's lock. */
int husk_life_update(struct husk_engine *e, const char *id, int (*fn)(struct husk_life *l, void *ud), void *ud,
                     struct husk_error *err);

/* Has c a restart policy other than "no"? */
bool husk_life_has_policy(const struct husk_ctr *c);
/* `stop`/`kill` by a user: the policy rests (written under the container's lock; nothing without a
 * policy). */
int husk_life_mark_stopped(struct husk_engine *e, const struct husk_ctr *c, struct husk_error *err);
/* A user's `start`: Docker resets RestartCount and the manual stop. */
int husk_life_reset_on_start(struct husk_engine *e, const char *id, struct husk_error *err);

/* Docker's State.Status of a container with its life state: "paused", "restarting" while the policy waits
 * to start it again, else the record's. */
const char *husk_life_status(const struct husk_ctr *c, const struct husk_life *l);
/* The health status ("starting", "healthy", "unhealthy") or NULL when it has no health check. */
const char *husk_life_health_status(const struct husk_life *l);

/* `husk inspect`: RestartCount, State.Restarting and State.Status "restarting", State.Health into
 * the container's document. */
void husk_life_inspect(struct husk_ctr_store *s, const struct husk_ctr *c, json_t *doc);

/* The restart policy as Docker's restartmanager decides (pure): policy is HostConfig.RestartPolicy
 * (NULL: no). Updates l->backoff_ms; *ret_delay_ms: the wait before the restart. */
bool husk_restart_decide(json_t *policy, int exit_code, int64_t ran_ns, struct husk_life *l, int64_t *ret_delay_ms);

/*
 * After the exit is recorded (husk container cleanup): restart the container when its policy says
 * so. lock_fd is the monitor lock this process holds. Returns 0 when no restart is due (or a user
 * stopped or removed it meanwhile); on a restart it does not return (the process becomes the
 * container's husk-monitor) unless the start failed (< 0, recorded in the container as a failed
 * start is).
 */
int husk_engine_restart_policy(struct husk_engine *e, const char *id, int lock_fd, struct husk_error *err);

/* ---- health checks (health.c) ---- */
struct husk_health_cfg {
        char **test;            /* the probe's argv (CMD-SHELL: /bin/sh -c CMD); NULL: none or NONE */
        int64_t interval_ns, timeout_ns, start_period_ns;
        int retries;
};
void husk_health_cfg_done(struct husk_health_cfg *h);
/* Config.Healthcheck of the record, Docker's defaults for what it leaves 0 (30 s, 30 s, 3, 0). */
int husk_health_cfg_get(const struct husk_ctr *c, struct husk_health_cfg *ret, struct husk_error *err);
/* At create: the image's Healthcheck under the container's (the fields it does not set), as Docker's
 * Config in inspect shows it. */
int husk_health_from_image(struct husk_store *s, const char *image_id, struct husk_ctr_config *cfg,
                           struct husk_error *err);
/* At each start, before the monitor becomes husk-monitor: State.Health starts over ("starting") and
 * HUSK_MONITOR_HEALTH="INTERVAL_MS WORDS" tells husk-monitor to run the first WORDS words of its exit
 * command, "healthcheck" and the container's id every interval. Nothing without a health check. */
int husk_health_monitor_setup(struct husk_engine *e, const struct husk_ctr *c, int words, struct husk_error *err);
/* `husk container healthcheck ID`: one probe, recorded. */
int husk_engine_healthcheck(struct husk_engine *e, const char *id, struct husk_error *err);

/* The same process state and launch as a first start (monitor.c), for a restart by the policy from
 * the cleanup process, which holds the monitor lock (lock_fd) already. Returns only on failure. */
int husk_monitor_restart(struct husk_engine *e, const char *id, int lock_fd, struct husk_error *err);

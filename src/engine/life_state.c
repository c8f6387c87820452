/* SPDX-License-Identifier: Apache-2.0 */
/* <id>/life.json: RestartCount, restarting, the manual stop, State.Health (engine/life.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/life.h"
#include "engine/log_config.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

void husk_life_done(struct husk_life *l)
{
        json_decref(l->health);
        memset(l, 0, sizeof(*l));
}

int husk_life_load(int ctr_dirfd, struct husk_life *ret, struct husk_error *err)
{
        memset(ret, 0, sizeof(*ret));
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        struct husk_error rerr = { 0 };
        int r = husk_read_file_at(ctr_dirfd, HUSK_LIFE_FILE, &data, &len, &rerr);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return husk_error_errno(err, -r, "%s", rerr.msg);
        json_error_t jerr;
        _cleanup_json_ json_t *doc = json_loadb(data, len, 0, &jerr);
        if (!json_is_object(doc))
                return husk_error_set(err, EINVAL, HUSK_LIFE_FILE ": line %d: %s", jerr.line,
                                      doc ? "must be an object" : jerr.text);
        ret->restart_count = (int) json_integer_value(json_object_get(doc, "RestartCount"));
        ret->restarting = json_is_true(json_object_get(doc, "Restarting"));
        ret->manually_stopped = json_is_true(json_object_get(doc, "HasBeenManuallyStopped"));
        ret->backoff_ms = (int64_t) json_integer_value(json_object_get(doc, "BackoffMs"));
        json_t *h = json_object_get(doc, "Health");
        ret->health = json_is_object(h) ? json_incref(h) : NULL;
        return 0;
}

int husk_life_save(int ctr_dirfd, const struct husk_life *l, struct husk_error *err)
{
        _cleanup_json_ json_t *doc = json_pack("{s:i, s:b, s:b, s:I}", "RestartCount", l->restart_count, "Restarting",
                                               l->restarting, "HasBeenManuallyStopped", l->manually_stopped,
                                               "BackoffMs", (json_int_t) l->backoff_ms);
        if (!doc || (l->health && json_object_set(doc, "Health", l->health) < 0))
                return husk_error_errno(err, ENOMEM, HUSK_LIFE_FILE);
        _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
        if (!text)
                return husk_error_errno(err, ENOMEM, HUSK_LIFE_FILE);
        return husk_write_file_atomic_at(ctr_dirfd, HUSK_LIFE_FILE, text, strlen(text), 0600, false, err);
}

int husk_life_update(struct husk_engine *e, const char *id, int (*fn)(struct husk_life *l, void *ud), void *ud,
                     struct husk_error *err)
{
        _cleanup_close_ int lock = husk_ctr_lock(e->ctrs, id, err);
        if (lock < 0)
                return lock;
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, id, err);
        if (dfd < 0)
                return dfd;
        _cleanup_(husk_life_done) struct husk_life l = { 0 };
        int r = husk_life_load(dfd, &l, err);
        if (r < 0)
                return r;
        r = fn(&l, ud);
        if (r < 0)
                return husk_error_errno(err, -r, "container %s: " HUSK_LIFE_FILE, id);
        return husk_life_save(dfd, &l, err);
}

static int stopped(struct husk_life *l, void *ud)
{
        (void) ud;
        l->manually_stopped = true;
        return 0;
}

static int started(struct husk_life *l, void *ud)
{
        (void) ud;
        l->manually_stopped = false;
        l->restarting = false;
        l->restart_count = 0;
        l->backoff_ms = 0;
        /* A new run's health starts over (Docker: "starting" until the first check). */
        json_decref(l->health);
        l->health = NULL;
        return 0;
}

bool husk_life_has_policy(const struct husk_ctr *c)
{
        json_t *p = c->cfg.host_config ? json_object_get(c->cfg.host_config, "RestartPolicy") : NULL;
        const char *name = json_string_value(json_object_get(p, "Name"));
        return name && *name && strcmp(name, "no") != 0;
}

int husk_life_mark_stopped(struct husk_engine *e, const struct husk_ctr *c, struct husk_error *err)
{
        /* Only a policy reads it: the others' stop writes nothing. */
        if (!husk_life_has_policy(c))
                return 0;
        return husk_life_update(e, c->id, stopped, NULL, err);
}

int husk_life_reset_on_start(struct husk_engine *e, const char *id, struct husk_error *err)
{
        /* The start path is measured: without a life file (no policy, no health check) one failed
         * faccessat is all this costs. */
        char path[HUSK_CTR_ID_LEN + sizeof("/" HUSK_LIFE_FILE)];
        (void) snprintf(path, sizeof(path), "%s/" HUSK_LIFE_FILE, id);
        if (faccessat(husk_ctr_store_fd(e->ctrs), path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        return husk_life_update(e, id, started, NULL, err);
}

const char *husk_life_status(const struct husk_ctr *c, const struct husk_life *l)
{
        bool running = c->state == HUSK_CTR_RUNNING && !c->monitor_dead;
        if (running)
                return c->paused ? "paused" : "running";
        if (c->monitor_dead)
                return "exited";
        if (l && l->restarting && c->state == HUSK_CTR_EXITED)
                return "restarting";
        return husk_ctr_state_to_string(c->state);
}

const char *husk_life_health_status(const struct husk_life *l)
{
        json_t *s = l && l->health ? json_object_get(l->health, "Status") : NULL;
        return json_is_string(s) ? json_string_value(s) : NULL;
}

int husk_life_load_by_id(struct husk_ctr_store *s, const char *id, struct husk_life *ret, struct husk_error *err)
{
        /* One openat from the store's fd: ps calls this for every container. */
        char path[HUSK_CTR_ID_LEN + sizeof("/" HUSK_LIFE_FILE)];
        (void) snprintf(path, sizeof(path), "%s/" HUSK_LIFE_FILE, id);
        memset(ret, 0, sizeof(*ret));
        if (!husk_ctr_id_valid(id))
                return husk_error_set(err, EINVAL, "invalid container id \"%s\"", id);
        _cleanup_close_ int fd = openat(husk_ctr_store_fd(s), path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : husk_error_errno(err, errno, "open %s", path);
        _cleanup_close_ int dfd = husk_ctr_dir_open(s, id, err);
        if (dfd < 0)
                return dfd;
        return husk_life_load(dfd, ret, err);
}

void husk_life_inspect(struct husk_ctr_store *s, const struct husk_ctr *c, json_t *doc)
{
        _cleanup_(husk_life_done) struct husk_life l = { 0 };
        struct husk_error ignored = { 0 };
        (void) husk_life_load_by_id(s, c->id, &l, &ignored);
        json_t *state = json_object_get(doc, "State");
        bool restarting = strcmp(husk_life_status(c, &l), "restarting") == 0;
        (void) json_object_set_new(doc, "RestartCount", json_integer(l.restart_count));
        /* The log's file as the driver names it (Docker: "" for none). */
        struct husk_log_opts lo;
        json_t *path = json_object_get(doc, "LogPath");
        if (json_is_string(path) && husk_log_opts_get(c, &lo, &ignored) == 0 && (lo.none || lo.format == HUSK_LOG_K8S)) {
                char buf[4200] = "";
                const char *slash = strrchr(json_string_value(path), '/');
                if (!lo.none && slash)
                        (void) snprintf(buf, sizeof(buf), "%.*s/%s", (int) (slash - json_string_value(path)),
                                        json_string_value(path), HUSK_LOG_FILE_K8S);
                (void) json_object_set_new(doc, "LogPath", json_string(buf));
        }
        if (!json_is_object(state))
                return;
        if (restarting) {
                (void) json_object_set_new(state, "Status", json_string("restarting"));
                (void) json_object_set_new(state, "Restarting", json_true());
        }
        if (l.health)
                (void) json_object_set(state, "Health", l.health);
}

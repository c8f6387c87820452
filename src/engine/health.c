/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health checks as Docker runs them (engine/life.h): Config.Healthcheck (the flags over the image's),
 * a probe every Interval started by husk-monitor (`husk container healthcheck ID`), run in the
 * container by libhusk's exec with Timeout, its result kept in State.Health: Status starting until
 * the first success (failures inside StartPeriod do not count), healthy, unhealthy after Retries
 * failures in a row; FailingStreak; the last 5 probes in Log with their output (4 KiB at most).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/life.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

/* moby/daemon/health.go */
#define DEFAULT_INTERVAL_NS (30LL * 1000000000)
#define DEFAULT_TIMEOUT_NS (30LL * 1000000000)
#define DEFAULT_RETRIES 3
#define MAX_OUTPUT 4096
#define MAX_LOG_ENTRIES 5
#define PID_FILE "health.pid"

void husk_health_cfg_done(struct husk_health_cfg *h)
{
        husk_strv_free(h->test);
        memset(h, 0, sizeof(*h));
}

static int64_t ns_or(json_t *o, const char *key, int64_t def)
{
        json_int_t v = json_integer_value(json_object_get(o, key));
        return v > 0 ? (int64_t) v : def;
}

int husk_health_cfg_get(const struct husk_ctr *c, struct husk_health_cfg *ret, struct husk_error *err)
{
        memset(ret, 0, sizeof(*ret));
        json_t *hc = c->cfg.ctr_config ? json_object_get(c->cfg.ctr_config, "Healthcheck") : NULL;
        json_t *test = json_object_get(hc, "Test");
        const char *kind = json_string_value(json_array_get(test, 0));
        if (!kind || strcmp(kind, "NONE") == 0)
                return 0;
        size_t n = json_array_size(test);
        bool shell = strcmp(kind, "CMD-SHELL") == 0;
        if ((!shell && strcmp(kind, "CMD") != 0) || n < 2 || (shell && n != 2))
                return husk_error_set(err, EINVAL, "container %s: Healthcheck.Test: must be [\"NONE\"], [\"CMD\", ARG...] "
                                                   "or [\"CMD-SHELL\", COMMAND]", c->name);
        _cleanup_strv_ char **argv = calloc(n + 2, sizeof(char *));
        if (!argv)
                return husk_error_errno(err, ENOMEM, "health check");
        size_t k = 0;
        if (shell && (!(argv[k++] = strdup("/bin/sh")) || !(argv[k++] = strdup("-c"))))
                return husk_error_errno(err, ENOMEM, "health check");
        for (size_t i = 1; i < n; i++) {
                const char *s = json_string_value(json_array_get(test, i));
                if (!s)
                        return husk_error_set(err, EINVAL, "container %s: Healthcheck.Test[%zu]: must be a string", c->name, i);
                if (!(argv[k++] = strdup(s)))
                        return husk_error_errno(err, ENOMEM, "health check");
        }
        ret->test = steal_ptr(argv);
        ret->interval_ns = ns_or(hc, "Interval", DEFAULT_INTERVAL_NS);
        ret->timeout_ns = ns_or(hc, "Timeout", DEFAULT_TIMEOUT_NS);
        ret->start_period_ns = ns_or(hc, "StartPeriod", 0);
        ret->retries = (int) ns_or(hc, "Retries", DEFAULT_RETRIES);
        return 0;
}

int husk_health_from_image(struct husk_store *s, const char *image_id, struct husk_ctr_config *cfg,
                           struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = husk_blob_read(s, image_id, 4 << 20, &data, &len, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *doc = json_loadb(data, len, 0, NULL);
        json_t *img = json_object_get(json_object_get(doc, "config"), "Healthcheck");
        if (!json_is_object(img))
                return 0;
        json_t *mine = json_object_get(cfg->ctr_config, "Healthcheck");
        /* Docker's merge: what the container does not set (its zero fields) comes from the image. */
        _cleanup_json_ json_t *merged = json_deep_copy(img);
        if (!merged || (json_is_object(mine) && json_object_update(merged, mine) < 0) ||
            json_object_set(cfg->ctr_config, "Healthcheck", merged) < 0)
                return husk_error_errno(err, ENOMEM, "image %s: Healthcheck", image_id);
        return 0;
}

static int set_starting(struct husk_life *l, void *ud)
{
        (void) ud;
        json_decref(l->health);
        l->health = json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
        return l->health ? 0 : -ENOMEM;
}

int husk_health_monitor_setup(struct husk_engine *e, const struct husk_ctr *c, int words, struct husk_error *err)
{
        _cleanup_(husk_health_cfg_done) struct husk_health_cfg h = { 0 };
        int r = husk_health_cfg_get(c, &h, err);
        if (r < 0 || !h.test)
                return r;
        r = husk_life_update(e, c->id, set_starting, NULL, err);
        if (r < 0)
                return r;
        char env[64];
        (void) snprintf(env, sizeof(env), "%lld %d", (long long) (h.interval_ns / 1000000), words);
        if (setenv("HUSK_MONITOR_HEALTH", env, 1) < 0)
                return husk_error_errno(err, errno, "health check of %s", c->name);
        return 0;
}

struct probe {
        int64_t start, end;
        int exit_code;          /* -1: timed out or could not run */
        char output[MAX_OUTPUT + 1];
        size_t len;
};

/* The probe's process: stdout and stderr onto the pipe, libhusk's exec in the foreground. */
_Noreturn static void probe_child(struct husk_engine *e, const struct husk_ctr *c, const struct husk_health_cfg *h,
                                  int out, const char *pid_file)
{
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
                _exit(125);
        struct husk_exec_opts x = { .id = c->id, .args = h->test, .no_new_privs = -1, .pid_file = pid_file };
        struct husk_error err = { 0 };
        int code = 0;
        if (husk_container_exec(&e->rt, &x, &code, &err) < 0) {
                dprintf(STDERR_FILENO, "%s\n", err.msg);
                _exit(err.code == ENOENT ? 127 : err.code == EACCES ? 126 : 125);
        }
        _exit(code & 0xff);
}

/* Go's Duration.String() for the whole milliseconds a timeout has: "500ms", "30s", "1m30s", "1.5s". */
static void go_duration(int64_t ns, char *buf, size_t size)
{
        long long ms = (long long) (ns / 1000000);
        if (ms < 1000) {
                (void) snprintf(buf, size, "%lldms", ms);
                return;
        }
        long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
        int n = 0;
        if (h)
                n += snprintf(buf + n, size - (size_t) n, "%lldh", h);
        if (h || m)
                n += snprintf(buf + n, size - (size_t) n, "%lldm", m);
        if (frac == 0)
                (void) snprintf(buf + n, size - (size_t) n, "%llds", s);
        else if (frac % 100 == 0)
                (void) snprintf(buf + n, size - (size_t) n, "%lld.%llds", s, frac / 100);
        else if (frac % 10 == 0)
                (void) snprintf(buf + n, size - (size_t) n, "%lld.%02llds", s, frac / 10);
        else
                (void) snprintf(buf + n, size - (size_t) n, "%lld.%03llds", s, frac);
}

/* Run the test in the container within the timeout; what it wrote, its code. */
static int run_probe(struct husk_engine *e, const struct husk_ctr *c, int dirfd, const struct husk_health_cfg *h,
                     struct probe *p, struct husk_error *err)
{
        char pid_file[4200];
        (void) snprintf(pid_file, sizeof(pid_file), "%s/%s/" PID_FILE, husk_ctr_store_path(e->ctrs), c->id);
        (void) unlinkat(dirfd, PID_FILE, 0);
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return husk_error_errno(err, errno, "health check of %s: pipe", c->name);
        p->start = husk_now_ns();
        pid_t pid = fork();
        if (pid < 0) {
                (void) close(fds[0]);
                (void) close(fds[1]);
                return husk_error_errno(err, errno, "health check of %s: fork", c->name);
        }
        if (pid == 0)
                probe_child(e, c, h, fds[1], pid_file);
        (void) close(fds[1]);
        _cleanup_close_ int rd = fds[0];
        int64_t deadline = p->start + h->timeout_ns;
        bool timed_out = false;
        for (;;) {
                int64_t left_ms = (deadline - husk_now_ns()) / 1000000;
                if (left_ms <= 0) {
                        timed_out = true;
                        break;
                }
                struct pollfd pf = { .fd = rd, .events = POLLIN };
                int n = poll(&pf, 1, left_ms > 1000 ? 1000 : (int) left_ms);
                if (n < 0 && errno != EINTR)
                        break;
                if (n <= 0)
                        continue;
                char buf[4096];
                ssize_t got = read(rd, buf, sizeof(buf));
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        break; /* EOF: the probe (and whatever it started) closed its output */
                size_t keep = MAX_OUTPUT - p->len < (size_t) got ? MAX_OUTPUT - p->len : (size_t) got;
                memcpy(p->output + p->len, buf, keep);
                p->len += keep;
        }
        /* Its output closed, the probe may still run: it has until the deadline to end. */
        int status = 0;
        pid_t done = 0;
        while (!timed_out && (done = waitpid(pid, &status, WNOHANG)) == 0) {
                if (husk_now_ns() >= deadline) {
                        timed_out = true;
                        break;
                }
                struct timespec ts = { 0, 10 * 1000 * 1000 };
                (void) nanosleep(&ts, NULL);
        }
        if (timed_out) {
                /* The process in the container first (the exec's wrapper cannot pass SIGKILL on). */
                _cleanup_free_ char *pid_text = NULL;
                size_t len = 0;
                struct husk_error ignored = { 0 };
                if (husk_read_file_at(dirfd, PID_FILE, &pid_text, &len, &ignored) == 0 && atoi(pid_text) > 1)
                        (void) kill((pid_t) atoi(pid_text), SIGKILL);
                (void) kill(pid, SIGKILL);
        }
        while (done != pid && waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        (void) unlinkat(dirfd, PID_FILE, 0);
        p->end = husk_now_ns();
        p->output[p->len] = '\0';
        if (timed_out) {
                /* Docker's words and code for it. */
                char d[48];
                go_duration(h->timeout_ns, d, sizeof(d));
                p->len = (size_t) snprintf(p->output, sizeof(p->output), "Health check exceeded timeout (%s)", d);
                p->exit_code = -1;
        } else {
                p->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        return 0;
}

struct record_args {
        const struct probe *p;
        const struct husk_health_cfg *h;
        int64_t started_at;
};

/* moby's handleProbeResult: the log entry, the streak, the status. */
static int record(struct husk_life *l, void *ud)
{
        const struct record_args *a = ud;
        if (!l->health && set_starting(l, NULL) < 0)
                return -ENOMEM;
        char start[64], end[64];
        husk_time_rfc3339(a->p->start, start, sizeof(start));
        husk_time_rfc3339(a->p->end, end, sizeof(end));
        json_t *log = json_object_get(l->health, "Log");
        if (!json_is_array(log)) {
                log = json_array();
                if (!log || json_object_set_new(l->health, "Log", log) < 0)
                        return -ENOMEM;
        }
        json_t *out = json_stringn(a->p->output, a->p->len);
        json_t *entry = json_pack("{s:s, s:s, s:i, s:o}", "Start", start, "End", end, "ExitCode", a->p->exit_code,
                                  "Output", out ? out : json_string("(the output is not UTF-8)"));
        if (!entry || json_array_append_new(log, entry) < 0)
                return -ENOMEM;
        while (json_array_size(log) > MAX_LOG_ENTRIES)
                (void) json_array_remove(log, 0);
        const char *status = json_string_value(json_object_get(l->health, "Status"));
        int streak = (int) json_integer_value(json_object_get(l->health, "FailingStreak"));
        if (a->p->exit_code == 0) {
                streak = 0;
                status = "healthy";
        } else if (!(status && strcmp(status, "starting") == 0 && a->p->start - a->started_at < a->h->start_period_ns)) {
                /* Failures inside the start period of a container never healthy yet do not count. */
                if (++streak >= a->h->retries)
                        status = "unhealthy";
        }
        if (json_object_set_new(l->health, "Status", json_string(status ? status : "starting")) < 0 ||
            json_object_set_new(l->health, "FailingStreak", json_integer(streak)) < 0)
                return -ENOMEM;
        return 0;
}

int husk_engine_healthcheck(struct husk_engine *e, const char *id, struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        /* Ended meanwhile: nothing to probe; paused: a frozen container cannot answer (no failure). */
        if (c.state != HUSK_CTR_RUNNING || c.monitor_dead || c.paused)
                return 0;
        _cleanup_(husk_health_cfg_done) struct husk_health_cfg h = { 0 };
        r = husk_health_cfg_get(&c, &h, err);
        if (r < 0 || !h.test)
                return r;
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, id, err);
        if (dfd < 0)
                return dfd;
        struct probe p = { 0 };
        r = run_probe(e, &c, dfd, &h, &p, err);
        if (r < 0)
                return r;
        struct record_args a = { .p = &p, .h = &h, .started_at = c.started_at };
        return husk_life_update(e, id, record, &a, err);
}

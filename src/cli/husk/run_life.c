/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle options of `husk run` / `husk create` (run_life.h). */
#include "cli/husk/run_life.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/husk/life_parse.h"
#include "engine/log_config.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static const char *env_lookup(const char *name)
{
        return getenv(name);
}

/* Each file's entries appended to *v; read relative to the caller's directory, as Docker. */
static int read_kv_files(const struct husk_ctx *ctx, const struct arg_strings *files, const char *flag,
                         const char *(*lookup)(const char *), char ***v, size_t *n)
{
        for (size_t i = 0; i < files->n; i++) {
                struct husk_error err = { 0 };
                _cleanup_free_ char *data = NULL;
                size_t len = 0;
                if (husk_read_file_at(AT_FDCWD, files->v[i], &data, &len, &err) < 0 ||
                    husk_kv_file_parse(data, len, files->v[i], lookup, v, n, &err) < 0)
                        return husk_usage_error(ctx, "--%s: %s", flag, err.msg);
        }
        return 0;
}

/* --env-file entries first, then -e's (which win: a later entry of a name replaces an earlier one
 * when the OCI process env is made, as in Docker). */
static int apply_env_files(const struct husk_ctx *ctx, const struct run_life_flags *f, struct husk_ctr_config *cfg)
{
        if (f->env_files.n == 0)
                return 0;
        _cleanup_strv_ char **env = NULL;
        size_t n = 0;
        int r = read_kv_files(ctx, &f->env_files, "env-file", env_lookup, &env, &n);
        if (r != 0)
                return r;
        size_t m = 0;
        while (cfg->env && cfg->env[m])
                m++;
        char **all = realloc(env, (n + m + 1) * sizeof(char *));
        if (!all)
                return husk_failf(ctx, "out of memory");
        env = all;
        for (size_t i = 0; i < m; i++)
                env[n + i] = cfg->env[i];
        env[n + m] = NULL;
        free(cfg->env);
        cfg->env = steal_ptr(env);
        return 0;
}

static int apply_labels(const struct husk_ctx *ctx, const struct run_life_flags *f, struct husk_ctr_config *cfg)
{
        if (f->labels.n == 0 && f->label_files.n == 0)
                return 0;
        _cleanup_strv_ char **v = NULL;
        size_t n = 0;
        int r = read_kv_files(ctx, &f->label_files, "label-file", NULL, &v, &n);
        if (r != 0)
                return r;
        _cleanup_json_ json_t *labels = json_object();
        if (!labels)
                return husk_failf(ctx, "out of memory");
        /* Files first, then -l: a later one of a key wins, as Docker. */
        for (size_t i = 0; i < n + f->labels.n; i++) {
                const char *kv = i < n ? v[i] : f->labels.v[i - n];
                const char *eq = strchr(kv, '=');
                _cleanup_free_ char *key = eq ? strndup(kv, (size_t) (eq - kv)) : strdup(kv);
                if (!key)
                        return husk_failf(ctx, "out of memory");
                if (!*key)
                        return husk_usage_error(ctx, "invalid label '%s': empty name", kv);
                if (json_object_set_new(labels, key, json_string(eq ? eq + 1 : "")) < 0)
                        return husk_usage_error(ctx, "invalid label '%s': not UTF-8", kv);
        }
        if (json_object_set(cfg->ctr_config, "Labels", labels) < 0)
                return husk_failf(ctx, "out of memory");
        return 0;
}

static int apply_health(const struct husk_ctx *ctx, const struct run_life_flags *f, struct husk_ctr_config *cfg)
{
        struct {
                const char *flag, *val;
                const char *key;
        } durs[] = { { "health-interval", f->health_interval, "Interval" },
                     { "health-timeout", f->health_timeout, "Timeout" },
                     { "health-start-period", f->health_start_period, "StartPeriod" } };
        bool any = f->health_cmd || f->health_retries;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(durs); i++)
                any = any || durs[i].val;
        if (f->no_healthcheck) {
                if (any)
                        return husk_usage_error(ctx, "--no-healthcheck conflicts with --health-* options");
                json_t *none = json_pack("{s:[s]}", "Test", "NONE");
                if (!none || json_object_set_new(cfg->ctr_config, "Healthcheck", none) < 0)
                        return husk_failf(ctx, "out of memory");
                return 0;
        }
        if (!any)
                return 0;
        /* Docker keeps the zero fields out (omitempty): the image's values fill them at start. */
        _cleanup_json_ json_t *hc = json_object();
        if (!hc)
                return husk_failf(ctx, "out of memory");
        if (f->health_cmd && json_object_set_new(hc, "Test", json_pack("[s, s]", "CMD-SHELL", f->health_cmd)) < 0)
                return husk_failf(ctx, "out of memory");
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(durs); i++) {
                int64_t ns;
                struct husk_error err = { 0 };
                if (!durs[i].val)
                        continue;
                if (husk_health_duration_parse(durs[i].flag, durs[i].val, &ns, &err) < 0)
                        return husk_usage_error(ctx, "%s", err.msg);
                if (ns && json_object_set_new(hc, durs[i].key, json_integer(ns)) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        if (f->health_retries) {
                char *end;
                long n = strtol(f->health_retries, &end, 10);
                if (!*f->health_retries || *end || n < 0 || n > INT32_MAX)
                        return husk_usage_error(ctx, "invalid argument \"%s\" for \"--health-retries\" flag",
                                                f->health_retries);
                if (n && json_object_set_new(hc, "Retries", json_integer(n)) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        if (json_object_set(cfg->ctr_config, "Healthcheck", hc) < 0)
                return husk_failf(ctx, "out of memory");
        return 0;
}

int husk_run_life_apply(const struct husk_ctx *ctx, const struct run_life_flags *f, struct husk_ctr_config *cfg)
{
        struct husk_error err = { 0 };
        json_t *policy = NULL, *log = NULL;
        if (f->restart) {
                if (husk_restart_policy_parse(f->restart, &policy, &err) < 0)
                        return husk_usage_error(ctx, "%s", err.msg);
                bool no = strcmp(json_string_value(json_object_get(policy, "Name")), "no") == 0;
                if (!no && cfg->auto_remove) {
                        json_decref(policy);
                        return husk_usage_error(ctx, "conflicting options: cannot specify both --restart and --rm");
                }
        } else {
                policy = json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0);
        }
        if (!policy || json_object_set_new(cfg->host_config, "RestartPolicy", policy) < 0)
                return husk_failf(ctx, "out of memory");
        if (husk_log_config_parse(f->log_driver, f->log_opts.v, f->log_opts.n, &log, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        if (json_object_set_new(cfg->host_config, "LogConfig", log) < 0)
                return husk_failf(ctx, "out of memory");
        if (f->cidfile) {
                /* Docker refuses an existing file before it makes anything. */
                if (access(f->cidfile, F_OK) == 0)
                        return husk_failf(ctx, "container ID file found, make sure the other container isn't running or delete %s",
                                          f->cidfile);
                if (json_object_set_new(cfg->host_config, "ContainerIDFile", json_string(f->cidfile)) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        int r = apply_env_files(ctx, f, cfg);
        if (r == 0)
                r = apply_labels(ctx, f, cfg);
        if (r == 0)
                r = apply_health(ctx, f, cfg);
        return r;
}

int husk_run_life_created(const struct husk_ctx *ctx, const struct run_life_flags *f, const struct husk_ctr *c)
{
        if (!f->cidfile)
                return 0;
        /* O_EXCL: another run that raced us to the same file loses here. */
        _cleanup_close_ int fd = open(f->cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return husk_failf(ctx, "failed to create the container ID file: %s: %s", f->cidfile, strerror(errno));
        size_t len = strlen(c->id);
        if (write(fd, c->id, len) != (ssize_t) len) {
                int e = errno;
                (void) unlink(f->cidfile);
                return husk_failf(ctx, "failed to write the container ID file %s: %s", f->cidfile, strerror(e));
        }
        return 0;
}

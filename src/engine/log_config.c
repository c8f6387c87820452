/* SPDX-License-Identifier: Apache-2.0 */
/* --log-driver / --log-opt as HostConfig.LogConfig, and what the monitor makes of it (log_config.h). */
#include "engine/log_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

/* go-units FromHumanSize, which Docker's json-file uses for max-size: decimal multiples ("10m" is
 * 10,000,000 bytes), an optional "b" or "ib" after the unit. */
static int parse_human_size(const char *s, int64_t *ret)
{
        char *end;
        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s)
                return -EINVAL;
        if (*end == ' ')
                end++;
        static const char units[] = "kmgtp";
        double mult = 1;
        const char *u = *end ? strchr(units, tolower((unsigned char) *end)) : NULL;
        if (u) {
                for (const char *q = units; q <= u; q++)
                        mult *= 1000;
                end++;
                if (tolower((unsigned char) *end) == 'i')
                        end++;
        }
        if (tolower((unsigned char) *end) == 'b')
                end++;
        if (*end || !isfinite(v * mult) || v * mult >= 9.2e18)
                return -EINVAL;
        *ret = (int64_t) (v * mult);
        return 0;
}

int husk_log_config_parse(const char *driver, char *const *opts, size_t n, json_t **ret, struct husk_error *err)
{
        if (!driver)
                driver = "json-file";
        bool file = strcmp(driver, "json-file") == 0 || strcmp(driver, "k8s-file") == 0;
        if (!file && strcmp(driver, "none") != 0)
                return husk_error_set(err, EINVAL,
                                      "--log-driver %s: logger not supported (husk has json-file, k8s-file and none)",
                                      driver);
        _cleanup_json_ json_t *cfg = json_object();
        if (!cfg)
                return husk_error_errno(err, ENOMEM, "--log-opt");
        int64_t size = 0;
        long files = 1;
        bool has_files = false;
        for (size_t i = 0; i < n; i++) {
                const char *eq = strchr(opts[i], '=');
                if (!eq || eq == opts[i])
                        return husk_error_set(err, EINVAL, "invalid key value pair format in log-opt: '%s'", opts[i]);
                _cleanup_free_ char *key = strndup(opts[i], (size_t) (eq - opts[i]));
                if (!key)
                        return husk_error_errno(err, ENOMEM, "--log-opt");
                const char *val = eq + 1;
                if (file && strcmp(key, "max-size") == 0) {
                        if (parse_human_size(val, &size) < 0 || size <= 0)
                                return husk_error_set(err, EINVAL, "--log-opt max-size=%s: must be a positive size (10k, 10m, 1g)",
                                                      val);
                } else if (file && strcmp(key, "max-file") == 0) {
                        char *end;
                        errno = 0;
                        files = strtol(val, &end, 10);
                        if (!*val || *end || errno || files < 1 || files > 1000)
                                return husk_error_set(err, EINVAL, "--log-opt max-file=%s: max-file cannot be less than 1",
                                                      val);
                        has_files = true;
                } else {
                        return husk_error_set(err, EINVAL, "unknown log opt '%s' for %s log driver", key, driver);
                }
                if (json_object_set_new(cfg, key, json_string(val)) < 0)
                        return husk_error_errno(err, ENOMEM, "--log-opt");
        }
        if (has_files && files > 1 && size == 0)
                return husk_error_set(err, EINVAL, "--log-opt max-file=%ld: max-file cannot be set without max-size", files);
        *ret = json_pack("{s:s, s:O}", "Type", driver, "Config", cfg);
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "--log-opt");
}

int husk_log_opts_get(const struct husk_ctr *c, struct husk_log_opts *ret, struct husk_error *err)
{
        *ret = (struct husk_log_opts){ .format = HUSK_LOG_JSON, .max_files = 1 };
        json_t *lc = c->cfg.host_config ? json_object_get(c->cfg.host_config, "LogConfig") : NULL;
        if (!lc)
                return 0;
        const char *type = json_string_value(json_object_get(lc, "Type"));
        json_t *cfg = json_object_get(lc, "Config");
        const char *size = json_string_value(json_object_get(cfg, "max-size"));
        const char *files = json_string_value(json_object_get(cfg, "max-file"));
        if (type && strcmp(type, "none") == 0)
                ret->none = true;
        else if (type && strcmp(type, "k8s-file") == 0)
                ret->format = HUSK_LOG_K8S;
        else if (type && strcmp(type, "json-file") != 0)
                return husk_error_set(err, EINVAL, "container %s: LogConfig.Type \"%s\" unknown", c->name, type);
        if (size && parse_human_size(size, &ret->max_size) < 0)
                return husk_error_set(err, EINVAL, "container %s: LogConfig max-size \"%s\" invalid", c->name, size);
        if (files) {
                long n = strtol(files, NULL, 10);
                ret->max_files = n >= 1 && n <= 1000 ? (int) n : 1;
        }
        return 0;
}

int husk_log_open_for_monitor(const struct husk_ctr *c, int dirfd, int *ret_fd, struct husk_error *err)
{
        struct husk_log_opts o;
        int r = husk_log_opts_get(c, &o, err);
        if (r < 0)
                return r;
        *ret_fd = -1;
        if (o.none)
                return 0;
        int fd = openat(dirfd, husk_log_file_name(o.format), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
                        0600);
        if (fd < 0)
                return husk_error_errno(err, errno, "open the log of %s", c->name);
        /* The default (json-file, no rotation) needs no word to husk-monitor nor the directory. */
        if (o.format == HUSK_LOG_JSON && o.max_size == 0) {
                *ret_fd = fd;
                return 0;
        }
        char env[96];
        (void) snprintf(env, sizeof(env), "%d %lld %d %d", (int) o.format, (long long) o.max_size, o.max_files,
                        o.max_size > 0 ? dirfd : -1);
        if (setenv("HUSK_MONITOR_LOG", env, 1) < 0 || (o.max_size > 0 && fcntl(dirfd, F_SETFD, 0) < 0)) {
                r = husk_error_errno(err, errno, "log of %s", c->name);
                (void) close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

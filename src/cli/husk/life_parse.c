/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parsers of the lifecycle options of run/create (life_parse.h). */
#include "cli/husk/life_parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/units.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static int append(char ***env, size_t *n, char *s)
{
        if (!s)
                return -ENOMEM;
        char **v = realloc(*env, (*n + 2) * sizeof(char *));
        if (!v) {
                free(s);
                return -ENOMEM;
        }
        v[(*n)++] = s;
        v[*n] = NULL;
        *env = v;
        return 0;
}

int husk_kv_file_parse(const char *data, size_t len, const char *file, const char *(*lookup)(const char *name),
                       char ***env, size_t *n, struct husk_error *err)
{
        size_t lineno = 0;
        for (size_t off = 0; off < len;) {
                const char *nl = memchr(data + off, '\n', len - off);
                size_t end = nl ? (size_t) (nl - data) : len;
                const char *p = data + off;
                size_t l = end - off;
                off = end + 1;
                lineno++;
                if (l > 0 && p[l - 1] == '\r')
                        l--;
                while (l > 0 && isspace((unsigned char) *p)) {
                        p++;
                        l--;
                }
                if (l == 0 || *p == '#')
                        continue;
                if (memchr(p, '\0', l))
                        return husk_error_set(err, EINVAL, "%s: line %zu: contains a NUL byte", file, lineno);
                const char *eq = memchr(p, '=', l);
                size_t name_len = eq ? (size_t) (eq - p) : l;
                if (name_len == 0)
                        return husk_error_set(err, EINVAL, "%s: line %zu: no variable name on line '%.*s'", file,
                                              lineno, (int) l, p);
                for (size_t i = 0; i < name_len; i++)
                        if (isspace((unsigned char) p[i]))
                                return husk_error_set(err, EINVAL, "%s: line %zu: variable '%.*s' contains whitespaces",
                                                      file, lineno, (int) name_len, p);
                char *entry = NULL;
                if (eq) {
                        entry = strndup(p, l);
                } else {
                        _cleanup_free_ char *name = strndup(p, l);
                        if (!name)
                                return husk_error_errno(err, ENOMEM, "%s", file);
                        const char *v = lookup ? lookup(name) : NULL;
                        if (!v)
                                continue; /* a pass-through of something unset: nothing, as Docker */
                        if (asprintf(&entry, "%s=%s", name, v) < 0)
                                entry = NULL;
                }
                if (append(env, n, entry) < 0)
                        return husk_error_errno(err, ENOMEM, "%s", file);
        }
        return 0;
}

int husk_restart_policy_parse(const char *s, json_t **ret, struct husk_error *err)
{
        char name[32];
        long max = 0;
        const char *colon = strchr(s, ':');
        size_t nl = colon ? (size_t) (colon - s) : strlen(s);
        if (nl >= sizeof(name))
                return husk_error_set(err, EINVAL, "invalid restart policy '%s'", s);
        memcpy(name, s, nl);
        name[nl] = '\0';
        if (strcmp(name, "no") != 0 && strcmp(name, "always") != 0 && strcmp(name, "unless-stopped") != 0 &&
            strcmp(name, "on-failure") != 0)
                return husk_error_set(err, EINVAL,
                                      "invalid restart policy '%s': use no, always, unless-stopped or on-failure[:max-retry]",
                                      s);
        if (colon) {
                if (strcmp(name, "on-failure") != 0)
                        return husk_error_set(err, EINVAL,
                                              "invalid restart policy '%s': maximum retry count can only be used with 'on-failure'",
                                              s);
                char *end;
                errno = 0;
                max = strtol(colon + 1, &end, 10);
                if (!colon[1] || *end || errno || max < 0 || max > INT32_MAX)
                        return husk_error_set(err, EINVAL, "invalid restart policy '%s': maximum retry count must be a non-negative integer",
                                              s);
        }
        *ret = json_pack("{s:s, s:I}", "Name", name, "MaximumRetryCount", (json_int_t) max);
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "--restart");
}

int husk_health_duration_parse(const char *flag, const char *s, int64_t *ret, struct husk_error *err)
{
        double secs;
        if (husk_parse_go_duration(s, &secs) < 0 || secs * 1e9 >= 9.2e18)
                return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--%s\" flag: time: invalid duration \"%s\"",
                                      s, flag, s);
        int64_t ns = (int64_t) (secs * 1e9 + 0.5);
        if (ns != 0 && ns < 1000000)
                return husk_error_set(err, EINVAL, "--%s cannot be less than 1ms", flag);
        *ret = ns;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Resource option values as the docker client parses them (go-units, opts/, strconv): pure. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "engine/resources.h"
#include "util/cleanup.h"

int husk_res_parse_bytes(const char *s, int64_t *ret)
{
        /* go-units: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ then ParseFloat of the number. */
        const char *p = s;
        if (!s || !isdigit((unsigned char) *p))
                return -EINVAL;
        while (isdigit((unsigned char) *p))
                p++;
        int dots = 0;
        while (*p == '.' && isdigit((unsigned char) p[1])) {
                dots++;
                p++;
                while (isdigit((unsigned char) *p))
                        p++;
        }
        if (dots > 1) /* the pattern allows "1.2.3"; ParseFloat then refuses it */
                return -EINVAL;
        size_t num_len = (size_t) (p - s);
        if (*p == ' ')
                p++;
        static const char units[] = "kmgtp";
        double mul = 1;
        const char *u = *p ? strchr(units, tolower((unsigned char) *p)) : NULL;
        if (u) {
                for (const char *q = units; q <= u; q++)
                        mul *= 1024;
                p++;
        }
        if (*p == 'i' || *p == 'I')
                p++;
        if (*p == 'b' || *p == 'B')
                p++;
        if (*p)
                return -EINVAL;
        char num[64];
        if (num_len >= sizeof(num))
                return -ERANGE;
        memcpy(num, s, num_len);
        num[num_len] = '\0';
        double v = strtod(num, NULL) * mul;
        if (!isfinite(v) || v >= 9223372036854775808.0)
                return -ERANGE;
        *ret = (int64_t) v;
        return 0;
}

int husk_res_parse_i64(const char *s, int64_t *ret)
{
        if (!s || !*s || isspace((unsigned char) *s))
                return -EINVAL;
        const char *digits = (*s == '+' || *s == '-') ? s + 1 : s;
        if (!isdigit((unsigned char) *digits))
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE)
                return -ERANGE;
        *ret = (int64_t) v;
        return 0;
}

int husk_res_parse_nano_cpus(const char *s, int64_t *ret)
{
        /* big.Rat.SetString of a decimal, times 1e9, which must come out whole: exact integer
         * arithmetic, not a double (0.3 CPUs is 300000000 nano-CPUs, not 299999999). */
        const char *p = s;
        bool neg = false;
        if (!s)
                return -EINVAL;
        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        const char *int_start = p;
        while (isdigit((unsigned char) *p))
                p++;
        size_t int_len = (size_t) (p - int_start);
        const char *frac = NULL;
        size_t frac_len = 0;
        if (*p == '.') {
                frac = ++p;
                while (isdigit((unsigned char) *p))
                        p++;
                frac_len = (size_t) (p - frac);
        }
        if (*p || int_len + frac_len == 0)
                return -EINVAL;
        int64_t whole = 0, nano = 0;
        for (size_t i = 0; i < int_len; i++) {
                if (whole > (INT64_MAX / 1000000000 - 9) / 10)
                        return -ERANGE;
                whole = whole * 10 + (int_start[i] - '0');
        }
        for (size_t i = 0; i < frac_len; i++) {
                if (i < 9)
                        nano = nano * 10 + (frac[i] - '0');
                else if (frac[i] != '0')
                        return -ERANGE; /* "value is too precise" */
        }
        for (size_t i = frac_len; i < 9; i++)
                nano *= 10;
        int64_t v = whole * 1000000000 + nano;
        *ret = neg ? -v : v;
        return 0;
}

static const struct {
        const char *name;
        int resource;
} ulimits[] = {
        { "core", RLIMIT_CORE },         { "cpu", RLIMIT_CPU },         { "data", RLIMIT_DATA },
        { "fsize", RLIMIT_FSIZE },       { "locks", RLIMIT_LOCKS },     { "memlock", RLIMIT_MEMLOCK },
        { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },       { "nofile", RLIMIT_NOFILE },
        { "nproc", RLIMIT_NPROC },       { "rss", RLIMIT_RSS },         { "rtprio", RLIMIT_RTPRIO },
        { "rttime", RLIMIT_RTTIME },     { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
};

int husk_res_ulimit_resource(const char *name)
{
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(ulimits); i++)
                if (strcmp(ulimits[i].name, name) == 0)
                        return ulimits[i].resource;
        return -1;
}

int husk_res_parse_ulimit(const char *s, json_t **ret, struct husk_error *err)
{
        const char *eq = strchr(s, '=');
        if (!eq)
                return husk_error_set(err, EINVAL, "invalid ulimit argument: %s", s);
        _cleanup_free_ char *name = strndup(s, (size_t) (eq - s));
        if (!name)
                return husk_error_errno(err, ENOMEM, "--ulimit");
        if (husk_res_ulimit_resource(name) < 0)
                return husk_error_set(err, EINVAL, "invalid ulimit type: %s", name);
        const char *vals = eq + 1, *colon = strchr(vals, ':');
        if (colon && strchr(colon + 1, ':'))
                return husk_error_set(err, EINVAL,
                                      "too many limit value arguments - %s, can only have up to two, `soft[:hard]`", vals);
        _cleanup_free_ char *soft_s = colon ? strndup(vals, (size_t) (colon - vals)) : strdup(vals);
        if (!soft_s)
                return husk_error_errno(err, ENOMEM, "--ulimit");
        int64_t soft, hard;
        int r = husk_res_parse_i64(soft_s, &soft);
        if (r == 0 && colon)
                r = husk_res_parse_i64(colon + 1, &hard);
        else
                hard = soft;
        if (r < 0)
                return husk_error_set(err, -r, "invalid ulimit value %s: %s", vals,
                                      r == -ERANGE ? "value out of range" : "invalid syntax");
        if ((soft < -1 || hard < -1))
                return husk_error_set(err, EINVAL, "invalid ulimit value %s: must be a number >= 0, or -1 (unlimited)",
                                      vals);
        if (hard != -1 && soft == -1)
                return husk_error_set(err, EINVAL,
                                      "ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: %" PRId64,
                                      hard);
        if (hard != -1 && soft > hard)
                return husk_error_set(err, EINVAL,
                                      "ulimit soft limit must be less than or equal to hard limit: %" PRId64 " > %" PRId64,
                                      soft, hard);
        *ret = json_pack("{s:s, s:I, s:I}", "Name", name, "Hard", (json_int_t) hard, "Soft", (json_int_t) soft);
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "--ulimit");
}

int husk_res_parse_device(const char *s, enum husk_res_dev_kind kind, json_t **ret, struct husk_error *err)
{
        const char *colon = strchr(s, ':');
        if (!colon || colon == s)
                return husk_error_set(err, EINVAL, "bad format: %s", s);
        if (strncmp(s, "/dev/", 5) != 0)
                return husk_error_set(err, EINVAL, "bad format for device path: %s", s);
        _cleanup_free_ char *path = strndup(s, (size_t) (colon - s));
        if (!path)
                return husk_error_errno(err, ENOMEM, "%s", s);
        const char *v = colon + 1;
        int64_t n;
        switch (kind) {
        case HUSK_RES_DEV_WEIGHT:
                /* strconv.ParseUint(v, 10, 16): no sign */
                if (!isdigit((unsigned char) *v) || husk_res_parse_i64(v, &n) < 0 || n > UINT16_MAX ||
                    (n > 0 && (n < 10 || n > 1000)))
                        return husk_error_set(err, EINVAL, "invalid weight for device: %s", s);
                *ret = json_pack("{s:s, s:I}", "Path", path, "Weight", (json_int_t) n);
                break;
        case HUSK_RES_DEV_BPS:
                if (husk_res_parse_bytes(v, &n) < 0)
                        return husk_error_set(err, EINVAL,
                                              "invalid rate for device: %s. The correct format is <device-path>:<number>[<unit>]. "
                                              "Number must be a positive integer. Unit is optional and can be kb, mb, or gb",
                                              s);
                *ret = json_pack("{s:s, s:I}", "Path", path, "Rate", (json_int_t) n);
                break;
        case HUSK_RES_DEV_IOPS:
                if (!isdigit((unsigned char) *v) || husk_res_parse_i64(v, &n) < 0)
                        return husk_error_set(err, EINVAL,
                                              "invalid rate for device: %s. The correct format is <device-path>:<number>. "
                                              "Number must be a positive integer",
                                              s);
                *ret = json_pack("{s:s, s:I}", "Path", path, "Rate", (json_int_t) n);
                break;
        }
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "%s", s);
}

/* The next "N" or "N-M" of a cpuset list; *p moves past it and its comma. */
static int next_range(const char **p, unsigned long *lo, unsigned long *hi)
{
        char *end;
        if (!isdigit((unsigned char) **p))
                return -EINVAL;
        *lo = *hi = strtoul(*p, &end, 10);
        if (*end == '-') {
                if (!isdigit((unsigned char) end[1]))
                        return -EINVAL;
                *hi = strtoul(end + 1, &end, 10);
                if (*hi < *lo)
                        return -EINVAL;
        }
        if (*end == ',' && end[1])
                end++;
        else if (*end && *end != '\n')
                return -EINVAL;
        *p = *end == '\n' ? end + 1 : end;
        return 0;
}

static int in_list(const char *list, unsigned long v, bool *ret)
{
        unsigned long lo, hi;
        *ret = false;
        for (const char *p = list; *p;) {
                if (next_range(&p, &lo, &hi) < 0)
                        return -EINVAL;
                if (v >= lo && v <= hi)
                        *ret = true;
        }
        return 0;
}

int husk_res_cpuset_within(const char *req, const char *avail, bool *ret_subset)
{
        unsigned long lo, hi;
        bool all = true;
        for (const char *p = req; *p;) {
                if (next_range(&p, &lo, &hi) < 0)
                        return -EINVAL;
                /* A range wider than any machine is not worth walking: some of it is missing. */
                if (hi - lo > 65536) {
                        all = false;
                        continue;
                }
                for (unsigned long v = lo; all && v <= hi; v++) {
                        bool in;
                        if (in_list(avail, v, &in) < 0)
                                return -EINVAL;
                        all = in;
                }
        }
        *ret_subset = all;
        return 0;
}

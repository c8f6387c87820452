/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/husk/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* go-units CustomSize: divided by base while it is at least base, "%.*g" and the unit. */
static void custom_size(char *buf, size_t size, double bytes, int precision, double base, const char *const units[9])
{
        size_t i = 0;
        while (bytes >= base && i < 8) {
                bytes /= base;
                i++;
        }
        (void) snprintf(buf, size, "%.*g%s", precision, bytes, units[i]);
}

void husk_human_size(char *buf, size_t size, double bytes, int precision)
{
        static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
        custom_size(buf, size, bytes, precision, 1000.0, units);
}

void husk_bytes_size(char *buf, size_t size, double bytes)
{
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB" };
        custom_size(buf, size, bytes, 4, 1024.0, units);
}

void husk_human_duration(char *buf, size_t size, int64_t seconds)
{
        int64_t hours = (int64_t) ((double) seconds / 3600.0 + 0.5);
        if (seconds < 1)
                (void) snprintf(buf, size, "Less than a second");
        else if (seconds == 1)
                (void) snprintf(buf, size, "1 second");
        else if (seconds < 60)
                (void) snprintf(buf, size, "%d seconds", (int) seconds);
        else if (seconds / 60 == 1)
                (void) snprintf(buf, size, "About a minute");
        else if (seconds / 60 < 60)
                (void) snprintf(buf, size, "%d minutes", (int) (seconds / 60));
        else if (hours == 1)
                (void) snprintf(buf, size, "About an hour");
        else if (hours < 48)
                (void) snprintf(buf, size, "%d hours", (int) hours);
        else if (hours < 24 * 7 * 2)
                (void) snprintf(buf, size, "%d days", (int) (hours / 24));
        else if (hours < 24 * 30 * 2)
                (void) snprintf(buf, size, "%d weeks", (int) (hours / 24 / 7));
        else if (hours < 24 * 365 * 2)
                (void) snprintf(buf, size, "%d months", (int) (hours / 24 / 30));
        else
                (void) snprintf(buf, size, "%d years", (int) (seconds / 3600 / 24 / 365));
}

void husk_time_ago(char *buf, size_t size, int64_t when, int64_t now)
{
        if (when == 0) {
                (void) snprintf(buf, size, "N/A");
                return;
        }
        char d[64];
        husk_human_duration(d, sizeof(d), now - when);
        (void) snprintf(buf, size, "%s ago", d);
}

void husk_time_string(char *buf, size_t size, int64_t when)
{
        time_t t = (time_t) when;
        struct tm tm;
        if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm) == 0)
                (void) snprintf(buf, size, "%lld", (long long) when);
}

static int digits(const char **p, int n, int *ret)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char) (*p)[i]))
                        return -EINVAL;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return 0;
}

static int expect(const char **p, const char *chars)
{
        if (!**p || !strchr(chars, **p))
                return -EINVAL;
        (*p)++;
        return 0;
}

int husk_parse_rfc3339(const char *s, int64_t *ret)
{
        struct tm tm = { 0 };
        int y, mo, d, h, mi, sec;
        const char *p = s;
        if (!s || digits(&p, 4, &y) < 0 || expect(&p, "-") < 0 || digits(&p, 2, &mo) < 0 || expect(&p, "-") < 0 ||
            digits(&p, 2, &d) < 0 || expect(&p, "Tt ") < 0 || digits(&p, 2, &h) < 0 || expect(&p, ":") < 0 ||
            digits(&p, 2, &mi) < 0 || expect(&p, ":") < 0 || digits(&p, 2, &sec) < 0)
                return -EINVAL;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
                return -EINVAL;
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                while (isdigit((unsigned char) *p))
                        p++;
        }
        int64_t offset = 0;
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, oh, om;
                if (digits(&p, 2, &oh) < 0 || expect(&p, ":") < 0 || digits(&p, 2, &om) < 0 || oh > 23 || om > 59)
                        return -EINVAL;
                offset = sign * (oh * 3600 + om * 60);
        } else {
                return -EINVAL;
        }
        if (*p)
                return -EINVAL;
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
        *ret = (int64_t) timegm(&tm) - offset;
        return 0;
}

int husk_parse_go_duration(const char *s, double *ret)
{
        static const struct {
                const char *unit;
                double seconds;
        } units[] = { { "ns", 1e-9 }, { "us", 1e-6 }, { "\u00b5s", 1e-6 }, { "ms", 1e-3 },
                      { "s", 1 },     { "m", 60 },    { "h", 3600 } };
        double total = 0;
        const char *p = s;
        if (!s || !*s)
                return -EINVAL;
        if (strcmp(s, "0") == 0) {
                *ret = 0;
                return 0;
        }
        while (*p) {
                char *end;
                if (!isdigit((unsigned char) *p) && *p != '.')
                        return -EINVAL;
                errno = 0;
                double v = strtod(p, &end);
                if (errno || end == p)
                        return -EINVAL;
                p = end;
                /* The longest unit that matches: "ms" before "m". */
                size_t best = 0, best_len = 0;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                        size_t len = strlen(units[i].unit);
                        if (len > best_len && strncmp(p, units[i].unit, len) == 0) {
                                best = i;
                                best_len = len;
                        }
                }
                if (best_len == 0)
                        return -EINVAL;
                total += v * units[best].seconds;
                p += best_len;
        }
        if (!isfinite(total))
                return -EINVAL;
        *ret = total;
        return 0;
}

int husk_parse_timestamp(const char *s, int64_t now, int64_t *ret)
{
        double d;
        if (husk_parse_go_duration(s, &d) == 0) {
                *ret = now - (int64_t) d;
                return 0;
        }
        if (husk_parse_rfc3339(s, ret) == 0)
                return 0;
        /* A date alone: midnight UTC. */
        char full[32];
        if (strlen(s) == 10 && snprintf(full, sizeof(full), "%sT00:00:00Z", s) > 0 && husk_parse_rfc3339(full, ret) == 0)
                return 0;
        char *end;
        errno = 0;
        double secs = strtod(s, &end);
        if (errno || end == s || *end || !isdigit((unsigned char) *s) || !isfinite(secs))
                return -EINVAL;
        *ret = (int64_t) secs;
        return 0;
}

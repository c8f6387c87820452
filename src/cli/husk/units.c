/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/husk/units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

void husk_human_size(char *buf, size_t size, double bytes, int precision)
{
        static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
        size_t i = 0;
        while (bytes >= 1000.0 && i < sizeof(units) / sizeof(units[0]) - 1) {
                bytes /= 1000.0;
                i++;
        }
        (void) snprintf(buf, size, "%.*g%s", precision, bytes, units[i]);
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

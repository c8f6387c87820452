/* SPDX-License-Identifier: Apache-2.0 */
/* Wall-clock times of records and log entries (libc only: the husk-monitor binary has it too). */
#include <stdio.h>
#include <time.h>

#include "engine/container.h"

int64_t husk_now_ns(void)
{
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void husk_time_rfc3339(int64_t ns, char *buf, size_t len)
{
        time_t secs = (time_t) (ns / 1000000000);
        struct tm tm;
        if (!gmtime_r(&secs, &tm)) {
                (void) snprintf(buf, len, "0001-01-01T00:00:00Z");
                return;
        }
        /* By hand, not strftime: that would pull the locale machinery into the static husk-monitor. */
        (void) snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long) (ns % 1000000000));
}

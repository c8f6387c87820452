/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's go-units sizes and durations, RFC 3339 times. */
#include <errno.h>
#include <stdlib.h>

#include "cli/husk/units.h"
#include "test.h"

TEST(human_size)
{
        char b[32];
        husk_human_size(b, sizeof(b), 0, 3);
        CHECK_STR_EQ(b, "0B");
        husk_human_size(b, sizeof(b), 999, 3);
        CHECK_STR_EQ(b, "999B");
        husk_human_size(b, sizeof(b), 1000, 3);
        CHECK_STR_EQ(b, "1kB");
        husk_human_size(b, sizeof(b), 4261024, 3);
        CHECK_STR_EQ(b, "4.26MB");
        husk_human_size(b, sizeof(b), 4261024, 4);
        CHECK_STR_EQ(b, "4.261MB");
        husk_human_size(b, sizeof(b), 1.5e9, 3);
        CHECK_STR_EQ(b, "1.5GB");
        husk_human_size(b, sizeof(b), 123456789012.0, 3);
        CHECK_STR_EQ(b, "123GB");
        husk_human_size(b, sizeof(b), 1e27, 3);
        CHECK_STR_EQ(b, "1e+03YB");  /* past the last unit, as Go's %g */
}

TEST(human_duration)
{
        char b[64];
        static const struct {
                int64_t s;
                const char *want;
        } cases[] = {
                { 0, "Less than a second" }, { 1, "1 second" },     { 59, "59 seconds" },
                { 60, "About a minute" },    { 119, "About a minute" }, { 120, "2 minutes" },
                { 3599, "59 minutes" },      { 3600, "About an hour" }, { 5399, "About an hour" },
                { 5400, "2 hours" },         { 47 * 3600, "47 hours" }, { 48 * 3600, "2 days" },
                { 13 * 86400, "13 days" },   { 14 * 86400, "2 weeks" }, { 60 * 86400, "2 months" },
                { 729 * 86400, "24 months" }, { 730 * 86400, "2 years" }, { -5, "Less than a second" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                husk_human_duration(b, sizeof(b), cases[i].s);
                CHECK_STR_EQ(b, cases[i].want);
        }
        husk_time_ago(b, sizeof(b), 1000, 1000 + 7200);
        CHECK_STR_EQ(b, "2 hours ago");
        husk_time_ago(b, sizeof(b), 0, 1000);
        CHECK_STR_EQ(b, "N/A");
}

TEST(rfc3339)
{
        int64_t t;
        CHECK(husk_parse_rfc3339("2026-11-29T01:02:03Z", &t) == 0);
        CHECK(t == 1795914123);
        CHECK(husk_parse_rfc3339("2026-11-29T01:02:03.123456789Z", &t) == 0);
        CHECK(t == 1795914123);
        CHECK(husk_parse_rfc3339("2026-11-29T02:02:03+01:00", &t) == 0);
        CHECK(t == 1795914123);
        CHECK(husk_parse_rfc3339("2026-11-28T20:32:03-04:30", &t) == 0);
        CHECK(t == 1795914123);
        CHECK(husk_parse_rfc3339("1970-01-01T00:00:00Z", &t) == 0);
        CHECK(t == 0);
        static const char *const bad[] = { "", "2026-11-29", "2026-11-29T01:02:03", "2026-13-29T01:02:03Z",
                                           "2026-11-29T01:02:03.Z", "2026-11-29T01:02:03Zjunk", "x026-11-29T01:02:03Z",
                                           "2026-11-29T01:02:03+0100" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK(husk_parse_rfc3339(bad[i], &t) == -EINVAL);
}

TEST(time_string)
{
        char b[64];
        setenv("TZ", "UTC", 1);
        husk_time_string(b, sizeof(b), 1795914123);
        CHECK_STR_EQ(b, "2026-11-29 01:02:03 +0000 UTC");
}

TEST(durations_and_timestamps)
{
        double d;
        CHECK(husk_parse_go_duration("90s", &d) == 0 && d == 90);
        CHECK(husk_parse_go_duration("1h30m", &d) == 0 && d == 5400);
        CHECK(husk_parse_go_duration("1.5h", &d) == 0 && d == 5400);
        CHECK(husk_parse_go_duration("250ms", &d) == 0 && d > 0.249 && d < 0.251);
        CHECK(husk_parse_go_duration("0", &d) == 0 && d == 0);
        CHECK(husk_parse_go_duration("10", &d) == -EINVAL);     /* Go wants a unit */
        CHECK(husk_parse_go_duration("-1h", &d) == -EINVAL);
        CHECK(husk_parse_go_duration("1x", &d) == -EINVAL);
        CHECK(husk_parse_go_duration("", &d) == -EINVAL);
        CHECK(husk_parse_go_duration("h", &d) == -EINVAL);

        int64_t t;
        CHECK(husk_parse_timestamp("24h", 1000000, &t) == 0 && t == 1000000 - 86400);
        CHECK(husk_parse_timestamp("1795914123", 0, &t) == 0 && t == 1795914123);
        CHECK(husk_parse_timestamp("1795914123.75", 0, &t) == 0 && t == 1795914123);
        CHECK(husk_parse_timestamp("2026-11-29T01:02:03Z", 0, &t) == 0 && t == 1795914123);
        CHECK(husk_parse_timestamp("2026-11-29", 0, &t) == 0 && t == 1795914123 - 3723);
        CHECK(husk_parse_timestamp("yesterday", 0, &t) == -EINVAL);
        CHECK(husk_parse_timestamp("12abc", 0, &t) == -EINVAL);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* events: Go durations, and runc's event lines byte for byte. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/events_json.h"
#include "test.h"
#include "util/cleanup.h"

TEST(durations)
{
        static const struct {
                const char *s;
                int64_t ns;
        } ok[] = {
                { "5s", 5000000000 },     { "500ms", 500000000 },  { "2m", 120000000000 },
                { "1h30m", 5400000000000 }, { "1.5s", 1500000000 }, { ".5s", 500000000 },
                { "1s500ms", 1500000000 }, { "100us", 100000 },    { "100\xc2\xb5s", 100000 },
                { "7ns", 7 },             { "0", 0 },              { "-1s", -1000000000 },
                { "+2s", 2000000000 },    { "0s", 0 },             { "2562047h47m16.854775807s", INT64_MAX },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(ok); i++) {
                int64_t v = -42;
                int r = cli_parse_duration(ok[i].s, &v);
                if (r != 0 || v != ok[i].ns)
                        printf("#   %s -> %d, %lld\n", ok[i].s, r, (long long) v);
                CHECK(r == 0 && v == ok[i].ns);
        }
        static const char *const bad[] = { "", "5", "s", "abc", "1x", "1.s.", "-", "1s ", " 1s", "..5s", "1e3s" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                int64_t v;
                if (cli_parse_duration(bad[i], &v) != -EINVAL)
                        printf("#   \"%s\" accepted\n", bad[i]);
                CHECK(cli_parse_duration(bad[i], &v) == -EINVAL);
        }
        int64_t v;
        CHECK(cli_parse_duration("2562048h", &v) == -ERANGE);
        CHECK(cli_parse_duration("99999999999999999999s", &v) == -ERANGE);
}

static char *render(const struct husk_cgroup_stats *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        int r = s ? cli_events_write_stats(f, "c1", s) : cli_events_write_oom(f, "c1");
        fclose(f);
        if (r < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

TEST(oom_line)
{
        _cleanup_free_ char *out = render(NULL);
        CHECK_STR_EQ(out, "{\"type\":\"oom\",\"id\":\"c1\"}\n");
}

TEST(empty_stats_as_runc)
{
        struct husk_cgroup_stats s = { 0 };
        _cleanup_free_ char *out = render(&s);
        /* Go's omitempty drops zero numbers and empty slices and maps, never a struct. */
        CHECK_STR_EQ(out, "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{"
                          "\"cpu\":{\"usage\":{\"kernel\":0,\"user\":0},\"throttling\":{}},"
                          "\"cpuset\":{\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,\"memory_migrate\":0,"
                          "\"memory_spread_page\":0,\"memory_spread_slab\":0,\"memory_pressure\":0,"
                          "\"sched_load_balance\":0,\"sched_relax_domain_level\":0},"
                          "\"memory\":{\"usage\":{\"limit\":0,\"failcnt\":0},\"swap\":{\"limit\":0,\"failcnt\":0},"
                          "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0}},"
                          "\"pids\":{},\"blkio\":{},\"hugetlb\":{},\"intel_rdt\":{},\"network_interfaces\":null}}\n");
}

TEST(full_stats_sorted_maps)
{
        uint64_t percpu[] = { 3, 4 };
        uint16_t cpus[] = { 0, 1 };
        struct husk_cg_stat_kv raw[] = { { "rss", 5 }, { "cache", 6 }, { "a\"b", 1 } };
        struct husk_cg_blkio_entry io[] = { { .major = 8, .minor = 0, .value = 4096, .op = "Read" } };
        struct husk_cg_hugetlb_entry h[] = { { .pagesize = "2MB", .usage = 1 }, { .pagesize = "1GB", .failcnt = 2 } };
        struct husk_cgroup_stats s = {
                .cpu_usage_ns = 7, .cpu_user_ns = 1, .cpu_system_ns = 2, .cpu_periods = 9,
                .percpu = { percpu, 2 },
                .cpuset = { .cpus = { cpus, 2 }, .sched_load_balance = 1, .sched_relax_domain_level = -1 },
                .memory_cache = 6,
                .memory = { .limit = UINT64_MAX, .usage = 10, .max = 11, .failcnt = 0 },
                .memory_raw = raw, .n_memory_raw = 3,
                .pids_current = 1, .pids_limit = 50,
                .io_service_bytes = io, .n_io_service_bytes = 1,
                .hugetlb = h, .n_hugetlb = 2,
        };
        _cleanup_free_ char *out = render(&s);
        CHECK_CONTAINS(out, "\"cpu\":{\"usage\":{\"total\":7,\"percpu\":[3,4],\"kernel\":2,\"user\":1},"
                            "\"throttling\":{\"periods\":9}}");
        CHECK_CONTAINS(out, "\"cpuset\":{\"cpus\":[0,1],\"cpu_exclusive\":0,\"mem_hardwall\"");
        CHECK_CONTAINS(out, "\"sched_load_balance\":1,\"sched_relax_domain_level\":-1}");
        CHECK_CONTAINS(out, "\"memory\":{\"cache\":6,\"usage\":{\"limit\":18446744073709551615,\"usage\":10,\"max\":11,"
                            "\"failcnt\":0}");
        CHECK_CONTAINS(out, "\"raw\":{\"a\\\"b\":1,\"cache\":6,\"rss\":5}}");
        CHECK_CONTAINS(out, "\"pids\":{\"current\":1,\"limit\":50}");
        CHECK_CONTAINS(out, "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":4096}]}");
        CHECK_CONTAINS(out, "\"hugetlb\":{\"1GB\":{\"failcnt\":2},\"2MB\":{\"usage\":1,\"failcnt\":0}}");
        /* the caller's arrays are left in their order */
        CHECK_STR_EQ(raw[0].key, "rss");
        CHECK_STR_EQ(h[0].pagesize, "2MB");
}

TEST(write_error_reported)
{
        FILE *f = fopen("/dev/full", "w");
        if (!f)
                return; /* no /dev/full here: nothing to check */
        int r = cli_events_write_oom(f, "c1");
        fclose(f);
        CHECK(r == -ENOSPC);
}

RUN_TESTS()

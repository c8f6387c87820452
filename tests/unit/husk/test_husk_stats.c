/* SPDX-License-Identifier: Apache-2.0 */
/* `husk stats` figures as the docker client computes them (stats_calc.c), and go-units BytesSize. */
#include <errno.h>
#include <string.h>

#include "cli/husk/stats_calc.h"
#include "cli/husk/units.h"
#include "test.h"

TEST(bytes_size)
{
        char b[32];
        husk_bytes_size(b, sizeof(b), 0);
        CHECK_STR_EQ(b, "0B");
        husk_bytes_size(b, sizeof(b), 1023);
        CHECK_STR_EQ(b, "1023B");
        husk_bytes_size(b, sizeof(b), 1536);
        CHECK_STR_EQ(b, "1.5KiB");
        husk_bytes_size(b, sizeof(b), 64.0 * 1024 * 1024);
        CHECK_STR_EQ(b, "64MiB");
        husk_bytes_size(b, sizeof(b), 25275486208.0);
        CHECK_STR_EQ(b, "23.54GiB");
}

TEST(mem_usage_less_inactive_file)
{
        struct husk_cg_stat_kv v1[] = { { "cache", 500 }, { "inactive_file", 100 }, { "total_inactive_file", 300 } };
        CHECK(husk_stats_mem_usage(1000, v1, 3) == 700);
        struct husk_cg_stat_kv v2[] = { { "anon", 10 }, { "inactive_file", 100 } };
        CHECK(husk_stats_mem_usage(1000, v2, 2) == 900);
        /* More inactive file pages than usage (counted at other moments): usage as it is. */
        CHECK(husk_stats_mem_usage(50, v2, 2) == 50);
        CHECK(husk_stats_mem_usage(1000, NULL, 0) == 1000);
}

TEST(cpu_percent)
{
        struct husk_stats_sample a = { .valid = true, .cpu_ns = 1000000000, .system_ns = 10000000000, .online_cpus = 2 };
        struct husk_stats_sample b = a;
        b.cpu_ns += 500000000;  /* half a CPU-second */
        b.system_ns += 2000000000; /* one second of two CPUs */
        double p = husk_stats_cpu_percent(&a, &b);
        CHECK(p > 49.99 && p < 50.01);
        CHECK(husk_stats_cpu_percent(NULL, &b) == 0.0);
        a.valid = false;
        CHECK(husk_stats_cpu_percent(&a, &b) == 0.0);
        a.valid = true;
        b.system_ns = a.system_ns;
        CHECK(husk_stats_cpu_percent(&a, &b) == 0.0);
}

TEST(proc_files)
{
        uint64_t ns, rx, tx, mem;
        CHECK(husk_stats_parse_proc_stat("cpu  10 20 30 40 50 60 70 80 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n", 100, &ns) == 0);
        CHECK(ns == (10 + 20 + 30 + 40 + 50 + 60 + 70) * 10000000ULL);
        CHECK(husk_stats_parse_proc_stat("intr 1 2\n", 100, &ns) == -EINVAL);
        const char *dev = "Inter-|   Receive                                                |  Transmit\n"
                          " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
                          "    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0\n"
                          "  eth0:    4242       3    0    0    0     0          0         0      648       8    0    0    0     0       0          0\n"
                          "  eth1:       8       1    0    0    0     0          0         0        2       1    0    0    0     0       0          0\n";
        CHECK(husk_stats_parse_net_dev(dev, &rx, &tx) == 0);
        CHECK(rx == 4250 && tx == 650);
        CHECK(husk_stats_parse_net_dev("Inter-|\n face |\n  eth0: 1 2\n", &rx, &tx) == -EINVAL);
        CHECK(husk_stats_parse_meminfo("MemTotal:       24683092 kB\nMemFree: 1 kB\n", &mem) == 0);
        CHECK(mem == 24683092ULL * 1024);
        CHECK(husk_stats_parse_meminfo("MemFree: 1 kB\n", &mem) == -EINVAL);
}

TEST(columns)
{
        struct husk_stats_sample prev = { .valid = true, .cpu_ns = 0, .system_ns = 0, .online_cpus = 1 };
        struct husk_stats_sample cur = { .valid = true, .cpu_ns = 250000000, .system_ns = 1000000000, .online_cpus = 1,
                                         .mem_usage = 1536 * 1024, .mem_limit = 64 * 1024 * 1024, .net_rx = 4261,
                                         .net_tx = 0, .blk_read = 1500000, .blk_write = 8192, .pids = 3 };
        struct husk_stats_cols c;
        husk_stats_columns(&prev, &cur, &c);
        CHECK_STR_EQ(c.cpu, "25.00%");
        CHECK_STR_EQ(c.mem_usage, "1.5MiB / 64MiB");
        CHECK_STR_EQ(c.mem_perc, "2.34%");
        CHECK_STR_EQ(c.net_io, "4.26kB / 0B");
        CHECK_STR_EQ(c.block_io, "1.5MB / 8.19kB");
        CHECK_STR_EQ(c.pids, "3");
        /* A stopped container: zeros, as `docker stats -a` shows it. */
        cur.valid = false;
        husk_stats_columns(&prev, &cur, &c);
        CHECK_STR_EQ(c.cpu, "0.00%");
        CHECK_STR_EQ(c.mem_usage, "0B / 0B");
        CHECK_STR_EQ(c.pids, "0");
}

RUN_TESTS()

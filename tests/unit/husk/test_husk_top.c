/* SPDX-License-Identifier: Apache-2.0 */
/* husk top's ps: options, /proc/PID/stat parsing, the columns as procps writes them. */
#include <errno.h>
#include <string.h>

#include "cli/husk/top_ps.h"
#include "test.h"

/* A process whose name has blanks and a ')' (comm ends at the last one), on pts/3, nice -5,
 * 3 threads, started 100 s after boot, 250 ticks of CPU. */
#define STAT "4242 (my (x) prog) S 4200 4242 4242 34819 4242 4194560 1 0 0 0 200 50 0 0 15 -5 3 0 10000 " \
             "8392704 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
#define STATUS "Name:\tprog\nUmask:\t0022\nState:\tS\nUid:\t1000\t1001\t1001\t1001\nGid:\t50\t51\t51\t51\n"

static const char *uname_of(uid_t uid, void *ud)
{
        (void) ud;
        return uid == 1001 ? "web" : NULL;
}

static struct husk_top_host host(void)
{
        /* 1000 s since boot: it has run 900 s. */
        struct husk_top_host h = { .hz = 100, .boot_time = 1700000000, .now = 1700001000, .page_size = 4096,
                                   .mem_total = 4096 * 1000, .user_name = uname_of };
        return h;
}

TEST(stat_parsed)
{
        struct husk_top_proc p;
        CHECK(husk_top_parse_stat(STAT, STATUS, &p) == 0);
        CHECK(p.pid == 4242 && p.ppid == 4200 && p.pgid == 4242 && p.sid == 4242);
        CHECK_STR_EQ(p.comm, "my (x) prog");
        CHECK(p.state == 'S' && p.tty_nr == 34819 && p.tpgid == 4242);
        CHECK(p.utime == 200 && p.stime == 50 && p.nice == -5 && p.nlwp == 3 && p.starttime == 10000);
        CHECK(p.vsize == 8392704 && p.rss == 300);
        CHECK(p.ruid == 1000 && p.euid == 1001 && p.egid == 51);
        CHECK(husk_top_parse_stat("garbage", NULL, &p) == -EINVAL);
        CHECK(husk_top_parse_stat("1 (x) S 1 2", NULL, &p) == -EINVAL);
        const char cmd[] = "sh\0-c\0echo hi\0";
        husk_top_set_args(&p, cmd, sizeof(cmd) - 1);
        CHECK_STR_EQ(p.args, "sh -c echo hi");
}

TEST(columns_as_procps)
{
        struct husk_top_proc p;
        CHECK(husk_top_parse_stat(STAT, STATUS, &p) == 0);
        p.args[0] = '\0';
        struct husk_top_host h = host();
        char b[256];
        static const struct {
                enum husk_top_field f;
                const char *want;
        } cases[] = {
                { TOP_PID, "4242" },       { TOP_USER, "web" },    { TOP_UID, "1001" },      { TOP_GROUP, "51" },
                { TOP_TTY, "pts/3" },      { TOP_TIME, "00:00:02" }, { TOP_ETIME, "15:00" }, { TOP_STAT, "S<sl+" },
                { TOP_ARGS, "[my (x) prog]" }, { TOP_C, "0" },     { TOP_PCPU, "0.2" },      { TOP_RSS, "1200" },
                { TOP_VSZ, "8196" },       { TOP_PMEM, "30.0" },   { TOP_NLWP, "3" },        { TOP_NI, "-5" },
                { TOP_PRI, "24" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                husk_top_format(cases[i].f, &p, &h, b, sizeof(b));
                CHECK_STR_EQ(b, cases[i].want);
        }
        p.tty_nr = 0;
        husk_top_format(TOP_TTY, &p, &h, b, sizeof(b));
        CHECK_STR_EQ(b, "?");
        husk_top_format(TOP_STAT, &p, &h, b, sizeof(b));
        CHECK_STR_EQ(b, "S<sl");
        /* More than a day of CPU and of life. */
        p.utime = 100 * (86400 + 3661);
        h.now = h.boot_time + 100 + 2 * 86400 + 5;
        husk_top_format(TOP_TIME, &p, &h, b, sizeof(b));
        CHECK_STR_EQ(b, "1-01:01:01");
        husk_top_format(TOP_ETIME, &p, &h, b, sizeof(b));
        CHECK_STR_EQ(b, "2-00:00:05");
}

TEST(options)
{
        struct husk_top_col c[HUSK_TOP_MAX_COLS];
        size_t n = 0;
        struct husk_error err = { 0 };
        CHECK(husk_top_parse_args(0, NULL, c, &n, &err) == 0);
        CHECK(n == 8 && c[0].field == TOP_USER && strcmp(c[0].header, "UID") == 0 && c[7].field == TOP_ARGS);
        char *ef[] = { "-ef" };
        CHECK(husk_top_parse_args(1, ef, c, &n, &err) == 0 && n == 8);
        char *e[] = { "-e" };
        CHECK(husk_top_parse_args(1, e, c, &n, &err) == 0 && n == 4 && c[3].field == TOP_COMM);
        char *eo[] = { "-eo", "pid,comm", "-o", "user=WHO,stat" };
        CHECK(husk_top_parse_args(4, eo, c, &n, &err) == 0);
        CHECK(n == 4 && c[0].field == TOP_PID && c[1].field == TOP_COMM && c[2].field == TOP_USER);
        CHECK_STR_EQ(c[2].header, "WHO");
        CHECK(c[3].field == TOP_STAT);
        char *joined[] = { "-opid,args" };
        CHECK(husk_top_parse_args(1, joined, c, &n, &err) == 0 && n == 2 && c[1].field == TOP_ARGS);
        char *aux[] = { "aux" };
        CHECK(husk_top_parse_args(1, aux, c, &n, &err) == 0 && n == 11 && c[2].field == TOP_PCPU);
        char *bad[] = { "-L" };
        CHECK(husk_top_parse_args(1, bad, c, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "-L");
        char *badf[] = { "-o", "pid,wchan" };
        CHECK(husk_top_parse_args(2, badf, c, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "wchan");
        char *noarg[] = { "-o" };
        CHECK(husk_top_parse_args(1, noarg, c, &n, &err) == -EINVAL);
}

RUN_TESTS()

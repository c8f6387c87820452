/* SPDX-License-Identifier: Apache-2.0 */
/* The parsers behind the cgroup stats (stats_parse.c), on texts shaped like the kernel's files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/stats_internal.h"
#include "test.h"
#include "util/cleanup.h"

TEST(keyed)
{
        const char *oom = "oom_kill_disable 0\nunder_oom 1\noom_kill 3\n";
        CHECK(husk_cg_keyed(oom, "oom_kill") == 3);
        CHECK(husk_cg_keyed(oom, "under_oom") == 1);
        CHECK(husk_cg_keyed(oom, "oom") == 0); /* a prefix of a key is not the key */
        CHECK(husk_cg_keyed("", "x") == 0);
}

TEST(kv_in_order)
{
        _cleanup_free_ struct husk_cg_stat_kv *kv = NULL;
        size_t n = 0;
        CHECK(husk_cg_parse_kv("cache 8192\nrss 53248\nbogus\n\nhierarchical_memory_limit 9223372036854771712\n", &kv,
                               &n) == 0);
        CHECK(n == 3);
        CHECK_STR_EQ(kv[0].key, "cache");
        CHECK(kv[0].value == 8192);
        CHECK_STR_EQ(kv[2].key, "hierarchical_memory_limit");
        CHECK(kv[2].value == 9223372036854771712ull);
}

TEST(u64_list)
{
        struct husk_cg_u64v v = { 0 };
        CHECK(husk_cg_parse_u64_list("1615424 7089032 \n", &v) == 0);
        CHECK(v.n == 2 && v.v[0] == 1615424 && v.v[1] == 7089032);
        free(v.v);
        CHECK(husk_cg_parse_u64_list("\n", &v) == 0);
        CHECK(v.n == 0);
        free(v.v);
}

TEST(id_list)
{
        struct husk_cg_u16v v = { 0 };
        CHECK(husk_cg_parse_id_list("0-2,5,7-8\n", &v) == 0);
        CHECK(v.n == 6);
        CHECK(v.v[0] == 0 && v.v[2] == 2 && v.v[3] == 5 && v.v[4] == 7 && v.v[5] == 8);
        free(v.v);
        CHECK(husk_cg_parse_id_list("\n", &v) == 0); /* an empty cpuset */
        CHECK(v.n == 0);
        free(v.v);
}

TEST(blkio_v1)
{
        _cleanup_free_ struct husk_cg_blkio_entry *e = NULL;
        size_t n = 0;
        CHECK(husk_cg1_parse_blkio("8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:16 Discard 0\nTotal 12288\n", &e,
                                   &n) == 0);
        CHECK(n == 4);
        CHECK(e[0].major == 8 && e[0].minor == 0 && e[0].value == 4096);
        CHECK_STR_EQ(e[1].op, "Write");
        CHECK(e[3].minor == 16);
}

TEST(io_stat_v2)
{
        _cleanup_free_ struct husk_cg_blkio_entry *b = NULL, *o = NULL;
        size_t nb = 0, no = 0;
        CHECK(husk_cg2_parse_io_stat("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6\n253:1 rbytes=7 wbytes=0 rios=1 "
                                     "wios=0 dbytes=0 dios=0\n",
                                     &b, &nb, &o, &no) == 0);
        CHECK(nb == 6 && no == 6);
        CHECK(b[0].major == 8 && b[0].value == 1);
        CHECK_STR_EQ(b[0].op, "Read");
        CHECK_STR_EQ(b[2].op, "Discard");
        CHECK(b[2].value == 5);
        CHECK(o[1].value == 4);
        CHECK_STR_EQ(o[1].op, "Write");
        CHECK(b[3].major == 253 && b[3].minor == 1 && b[3].value == 7);

        struct husk_cgroup_stats s = { .io_service_bytes = b, .n_io_service_bytes = nb, .io_serviced = o, .n_io_serviced = no };
        husk_cg_blkio_sum(&s);
        CHECK(s.io_read_bytes == 8 && s.io_write_bytes == 2 && s.io_read_ops == 4 && s.io_write_ops == 4);
}

TEST(hugetlb_pagesize)
{
        char ps[16];
        CHECK(husk_cg_hugetlb_pagesize("hugetlb.2MB.usage_in_bytes", "usage_in_bytes", ps) == 0);
        CHECK_STR_EQ(ps, "2MB");
        CHECK(husk_cg_hugetlb_pagesize("hugetlb.1GB.current", "current", ps) == 0);
        CHECK_STR_EQ(ps, "1GB");
        CHECK(husk_cg_hugetlb_pagesize("hugetlb.2MB.rsvd.current", "current", ps) == -EINVAL);
        CHECK(husk_cg_hugetlb_pagesize("hugetlb.2MB.max", "current", ps) == -EINVAL);
        CHECK(husk_cg_hugetlb_pagesize("hugetlb..current", "current", ps) == -EINVAL);
        CHECK(husk_cg_hugetlb_pagesize("memory.current", "current", ps) == -EINVAL);
}

TEST(stats_done_frees_and_zeroes)
{
        struct husk_cgroup_stats s = { .pids_current = 3 };
        CHECK(husk_cg_parse_kv("a 1\n", &s.memory_raw, &s.n_memory_raw) == 0);
        CHECK(husk_cg_parse_id_list("0-1", &s.cpuset.cpus) == 0);
        husk_cgroup_stats_done(&s);
        CHECK(s.memory_raw == NULL && s.n_memory_raw == 0 && s.cpuset.cpus.v == NULL && s.pids_current == 0);
        husk_cgroup_stats_done(&s); /* twice is harmless */
}

RUN_TESTS()

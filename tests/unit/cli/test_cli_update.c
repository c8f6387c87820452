/* SPDX-License-Identifier: Apache-2.0 */
/* update's flags (runc's update.go semantics), `update -r`'s resources file, and ps's table filter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/ps_filter.h"
#include "cli/update_flags.h"
#include "oci/config.h"
#include "test.h"
#include "util/cleanup.h"

static void resources_done(struct husk_resources *r)
{
        husk_resources_free_contents(r);
}

#define PARSE(f, res, err, ...)                                                                         \
        ({                                                                                              \
                char *argv_[] = { __VA_ARGS__, NULL };                                                  \
                args_parse(cli_update_opts, CLI_UPDATE_N_OPTS, 0, (int) HUSK_ARRAY_SIZE(argv_) - 1, argv_, \
                           (f), (res), (err));                                                          \
        })

TEST(ram_in_bytes)
{
        int64_t v = 0;
        CHECK(cli_parse_ram_in_bytes("1024", &v) == 0 && v == 1024);
        CHECK(cli_parse_ram_in_bytes("100m", &v) == 0 && v == 100 * 1024 * 1024);
        CHECK(cli_parse_ram_in_bytes("100M", &v) == 0 && v == 100 * 1024 * 1024);
        CHECK(cli_parse_ram_in_bytes("1g", &v) == 0 && v == 1024LL * 1024 * 1024);
        CHECK(cli_parse_ram_in_bytes("1GB", &v) == 0 && v == 1024LL * 1024 * 1024);
        CHECK(cli_parse_ram_in_bytes("2KiB", &v) == 0 && v == 2048);
        CHECK(cli_parse_ram_in_bytes("512 kb", &v) == 0 && v == 512 * 1024);
        CHECK(cli_parse_ram_in_bytes("1.5k", &v) == 0 && v == 1536);
        CHECK(cli_parse_ram_in_bytes("10b", &v) == 0 && v == 10);
        CHECK(cli_parse_ram_in_bytes("1t", &v) == 0 && v == 1024LL * 1024 * 1024 * 1024);
        CHECK(cli_parse_ram_in_bytes("1p", &v) == 0 && v == 1024LL * 1024 * 1024 * 1024 * 1024);
        /* Refused as go-units refuses them. */
        CHECK(cli_parse_ram_in_bytes("", &v) == -EINVAL);
        CHECK(cli_parse_ram_in_bytes("m", &v) == -EINVAL);
        CHECK(cli_parse_ram_in_bytes("-1", &v) == -EINVAL);
        CHECK(cli_parse_ram_in_bytes("12x", &v) == -EINVAL);
        CHECK(cli_parse_ram_in_bytes("1mx", &v) == -EINVAL);
        CHECK(cli_parse_ram_in_bytes("1kbb", &v) == -EINVAL);
        CHECK(cli_parse_ram_in_bytes("1.2.3", &v) == -EINVAL);
        CHECK(cli_parse_ram_in_bytes("1  m", &v) == -EINVAL);
        CHECK(cli_parse_ram_in_bytes("9000000p", &v) == -EINVAL); /* past int64 */
}

TEST(flags_to_resources)
{
        struct cli_update_flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, "--memory", "100m", "--memory-swap=-1", "--cpu-shares", "512", "--cpu-quota",
                    "-1", "--cpuset-cpus", "0-1", "--pids-limit", "42", "--blkio-weight", "300", "ctr") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK(res.n_pos == 1);
        CHECK_STR_EQ(pos[0], "ctr");

        _cleanup_(resources_done) struct husk_resources r = { 0 };
        CHECK(cli_update_resources_from_flags(&f, &r, &err) == 0);
        CHECK(r.has_memory && r.memory.has_limit && r.memory.limit == 100 * 1024 * 1024);
        CHECK(r.memory.has_swap && r.memory.swap == -1);
        CHECK(!r.memory.has_reservation && !r.memory.has_kernel);
        CHECK(r.has_cpu && r.cpu.has_shares && r.cpu.shares == 512);
        CHECK(r.cpu.has_quota && r.cpu.quota == -1);
        CHECK(!r.cpu.has_period);
        CHECK_STR_EQ(r.cpu.cpus, "0-1");
        CHECK(r.cpu.mems == NULL);
        CHECK(r.has_pids && r.pids_limit == 42);
        CHECK(r.has_blkio && r.blkio.has_weight && r.blkio.weight == 300);
}

TEST(runc_cpu_share_spelling_and_nothing_set)
{
        struct cli_update_flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, "ctr", "--cpu-share", "1024") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK(res.n_pos == 1 && strcmp(pos[0], "ctr") == 0);
        _cleanup_(resources_done) struct husk_resources r = { 0 };
        CHECK(cli_update_resources_from_flags(&f, &r, &err) == 0);
        CHECK(r.cpu.has_shares && r.cpu.shares == 1024);
        CHECK(!r.has_memory && !r.has_pids && !r.has_blkio);
}

TEST(zero_is_unchanged)
{
        struct cli_update_flags f = { .memory = "0", .pids_limit = "0", .cpu_period = "0", .cpu_idle = "0" };
        struct husk_error err = { 0 };
        _cleanup_(resources_done) struct husk_resources r = { 0 };
        CHECK(cli_update_resources_from_flags(&f, &r, &err) == 0);
        CHECK(!r.memory.has_limit);
        CHECK(!r.has_pids);
        CHECK(!r.cpu.has_period);
        /* cpu.idle 0 is a value (back to the default), not "unchanged". */
        CHECK(r.cpu.has_idle && r.cpu.idle == 0);

        struct cli_update_flags g = { .pids_limit = "-1" };
        _cleanup_(resources_done) struct husk_resources u = { 0 };
        CHECK(cli_update_resources_from_flags(&g, &u, &err) == 0);
        CHECK(u.has_pids && u.pids_limit == -1);
}

TEST(errors_name_the_flag)
{
        struct husk_error err = { 0 };
        struct {
                struct cli_update_flags f;
                const char *msg;
        } cases[] = {
                { { .memory = "12x" }, "invalid value for --memory: invalid size: '12x'" },
                { { .memory_reservation = "lots" }, "--memory-reservation" },
                { { .cpu_period = "-5" }, "--cpu-period" },
                { { .cpu_share = "1k" }, "--cpu-share" },
                { { .cpu_quota = "q" }, "--cpu-quota" },
                { { .pids_limit = "many" }, "--pids-limit" },
                { { .blkio_weight = "70000" }, "--blkio-weight" },
                { { .l3_cache_schema = "L3:0=f" }, "--l3-cache-schema" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cases); i++) {
                _cleanup_(resources_done) struct husk_resources r = { 0 };
                husk_error_clear(&err);
                CHECK(cli_update_resources_from_flags(&cases[i].f, &r, &err) < 0);
                CHECK_CONTAINS(err.msg, cases[i].msg);
        }
}

TEST(unknown_flag_refused)
{
        struct cli_update_flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, "--memroy", "1m", "ctr") < 0);
        CHECK_CONTAINS(err.msg, "memroy");
        free(res.pos);
}

TEST(resources_file)
{
        static const char doc[] = "{\"memory\":{\"limit\":104857600,\"swap\":-1},\"cpu\":{\"shares\":256,"
                                  "\"cpus\":\"0\"},\"pids\":{\"limit\":10},\"blockIO\":{\"weight\":0}}";
        struct husk_error err = { 0 };
        _cleanup_(resources_done) struct husk_resources r = { 0 };
        CHECK(husk_resources_parse(doc, strlen(doc), "r.json", &r, &err) == 0);
        CHECK(r.has_memory && r.memory.has_limit && r.memory.limit == 104857600);
        CHECK(r.memory.has_swap && r.memory.swap == -1 && !r.memory.has_reservation);
        CHECK(r.has_cpu && r.cpu.has_shares && r.cpu.shares == 256 && !r.cpu.has_quota);
        CHECK_STR_EQ(r.cpu.cpus, "0");
        CHECK(r.has_pids && r.pids_limit == 10);
        CHECK(r.blkio.has_weight);
        cli_update_zero_is_unchanged(&r);
        CHECK(!r.blkio.has_weight);
        CHECK(r.memory.has_limit);
}

TEST(resources_file_errors)
{
        struct husk_error err = { 0 };
        struct husk_resources r = { 0 };
        static const char bad_limit[] = "{\"memory\":{\"limit\":\"lots\"}}";
        CHECK(husk_resources_parse(bad_limit, strlen(bad_limit), "r.json", &r, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "r.json: memory.limit");
        husk_error_clear(&err);
        CHECK(husk_resources_parse("[1]", 3, "r.json", &r, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "r.json: must be a JSON object");
        husk_error_clear(&err);
        CHECK(husk_resources_parse("{", 1, "r.json", &r, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "r.json: line 1");
        /* A failure half-way leaves nothing behind for the caller (checked under ASan). */
        husk_error_clear(&err);
        static const char bad_shares[] = "{\"cpu\":{\"cpus\":\"0\",\"shares\":-3}}";
        CHECK(husk_resources_parse(bad_shares, strlen(bad_shares), "r.json", &r, &err) < 0);
        CHECK(r.cpu.cpus == NULL);
}

TEST(ps_filter)
{
        static const char out[] = "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                                  "root           1       0  0 Nov28 ?        00:00:01 /sbin/init\n"
                                  "root         100       1  0 02:00 ?        00:00:00 sleep 100\n"
                                  "root         101     100  0 02:00 ?        00:00:00 sh -c x  y\n"
                                  "\n"
                                  "root        1000       1  0 02:00 ?        00:00:00 other\n";
        pid_t pids[] = { 100, 101 };
        struct husk_error err = { 0 };
        _cleanup_free_ char *t = NULL;
        CHECK(cli_ps_filter(out, pids, 2, &t, &err) == 0);
        CHECK_STR_EQ(t, "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                        "root         100       1  0 02:00 ?        00:00:00 sleep 100\n"
                        "root         101     100  0 02:00 ?        00:00:00 sh -c x  y\n");

        _cleanup_free_ char *e = NULL;
        CHECK(cli_ps_filter(out, NULL, 0, &e, &err) == 0);
        CHECK_STR_EQ(e, "UID          PID    PPID  C STIME TTY          TIME CMD\n");

        /* `ps -o comm,pid`: the PID column found by name, not by place. */
        _cleanup_free_ char *o = NULL;
        CHECK(cli_ps_filter("COMMAND PID\nsleep 101\nbash 7\n", pids, 2, &o, &err) == 0);
        CHECK_STR_EQ(o, "COMMAND PID\nsleep 101\n");

        char *bad = NULL;
        CHECK(cli_ps_filter("COMMAND\nsleep\n", pids, 2, &bad, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "couldn't find PID field");
        CHECK(cli_ps_filter("PID CMD\nxx sleep\n", pids, 2, &bad, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "unable to parse pid");
}

RUN_TESTS()

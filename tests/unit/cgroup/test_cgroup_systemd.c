/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd driver's pure parts: cgroupsPath -> unit and cgroup path, resources -> unit properties. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/systemd_internal.h"
#include "test.h"
#include "util/cleanup.h"

static void unit_donep(struct husk_sd_unit *u)
{
        husk_sd_unit_done(u);
}

static void props_donep(struct husk_sd_props *p)
{
        husk_sd_props_done(p);
}

/* The properties as "Name=value" lines, for whole-list comparisons. */
static char *dump(const struct husk_sd_props *p)
{
        static const size_t cap = 4096;
        char *out = calloc(1, cap);
        size_t at = 0;
        for (size_t i = 0; out && i < p->n; i++) {
                char line[256];
                if (husk_sd_prop_format(&p->v[i], line, sizeof(line)) < 0)
                        return out;
                at += (size_t) snprintf(out + at, cap - at, "%s\n", line);
        }
        return out;
}

static char *expand(const char *slice)
{
        char *p = NULL;
        return husk_sd_expand_slice(slice, &p) == 0 ? p : NULL;
}

TEST(expand_slice)
{
        _cleanup_free_ char *a = expand("system.slice"), *b = expand("a-b-c.slice"), *root = expand("-.slice");
        CHECK_STR_EQ(a, "/system.slice");
        CHECK_STR_EQ(b, "/a.slice/a-b.slice/a-b-c.slice");
        CHECK_STR_EQ(root, "/");
        static const char *const bad[] = { "", ".slice", "a", "a.scope", "-a.slice", "a--b.slice", "a-.slice", "a/b.slice" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                char *p = NULL;
                if (husk_sd_expand_slice(bad[i], &p) != -EINVAL) {
                        printf("#   accepted \"%s\"\n", bad[i]);
                        free(p);
                        CHECK(0);
                }
        }
}

TEST(parse_path_scope)
{
        struct husk_error err = { 0 };
        _cleanup_(unit_donep) struct husk_sd_unit u = { 0 };
        CHECK(husk_sd_parse_path("c1", "machine-x.slice:podman:abc", &u, &err) == 0);
        CHECK_STR_EQ(u.slice, "machine-x.slice");
        CHECK_STR_EQ(u.unit, "podman-abc.scope");
        CHECK_STR_EQ(u.path, "/machine.slice/machine-x.slice/podman-abc.scope");
        CHECK(!u.is_slice);
}

TEST(parse_path_defaults)
{
        struct husk_error err = { 0 };
        _cleanup_(unit_donep) struct husk_sd_unit a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
        /* No cgroupsPath: system.slice:husk:<id>. */
        CHECK(husk_sd_parse_path("c1", NULL, &a, &err) == 0);
        CHECK_STR_EQ(a.unit, "husk-c1.scope");
        CHECK_STR_EQ(a.path, "/system.slice/husk-c1.scope");
        /* An empty slice is system.slice; an empty prefix leaves the name alone. */
        CHECK(husk_sd_parse_path("c1", "::n", &b, &err) == 0);
        CHECK_STR_EQ(b.slice, "system.slice");
        CHECK_STR_EQ(b.unit, "n.scope");
        /* The root slice. */
        CHECK(husk_sd_parse_path("c1", "-.slice:p:n", &c, &err) == 0);
        CHECK_STR_EQ(c.path, "/p-n.scope");
        CHECK(husk_sd_parse_path("c1", "", &d, &err) == 0);
        CHECK_STR_EQ(d.path, "/system.slice/husk-c1.scope");
}

TEST(parse_path_slice_unit)
{
        struct husk_error err = { 0 };
        _cleanup_(unit_donep) struct husk_sd_unit u = { 0 };
        CHECK(husk_sd_parse_path("c1", "system.slice:ignored:test-x.slice", &u, &err) == 0);
        CHECK(u.is_slice);
        CHECK_STR_EQ(u.unit, "test-x.slice");
        /* Where systemd puts it: the name decides, the first field becomes its Wants=. */
        CHECK_STR_EQ(u.path, "/test.slice/test-x.slice");
        CHECK_STR_EQ(u.slice, "system.slice");
}

TEST(parse_path_rejects)
{
        static const struct {
                const char *path, *msg;
        } cases[] = {
                { "system.slice:husk", "expected the systemd form \"slice:prefix:name\"" },
                { "/husk/c1", "expected the systemd form" },
                { "a:b:c:d", "expected the systemd form" },
                { "system.slice:husk:", "the name (the third field) is empty" },
                { "system:husk:c1", "the slice (the first field) is not a valid slice name" },
                { "a--b.slice:husk:c1", "the slice (the first field)" },
                { "system.slice:hu/sk:c1", "prefix and name may only hold" },
                { "system.slice:husk:c 1", "prefix and name may only hold" },
                { "system.slice:x:-.slice", "the name (the third field) is not a valid slice name" },
                { "system.slice:x:a--b.slice", "the name (the third field) is not a valid slice name" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cases); i++) {
                struct husk_error err = { 0 };
                struct husk_sd_unit u = { 0 };
                int r = husk_sd_parse_path("c1", cases[i].path, &u, &err);
                if (r != -EINVAL)
                        printf("#   \"%s\": %d\n", cases[i].path, r);
                CHECK(r == -EINVAL);
                CHECK_CONTAINS(err.msg, "--systemd-cgroup: linux.cgroupsPath");
                CHECK_CONTAINS(err.msg, cases[i].path);
                CHECK_CONTAINS(err.msg, cases[i].msg);
                CHECK(u.unit == NULL && u.path == NULL);
        }
        /* Too long for systemd. */
        char longname[300];
        memset(longname, 'x', sizeof(longname));
        memcpy(longname, "s.slice:p:", 10);
        longname[sizeof(longname) - 1] = '\0';
        struct husk_error err = { 0 };
        struct husk_sd_unit u = { 0 };
        CHECK(husk_sd_parse_path("c1", longname, &u, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "longer than systemd allows");
}

TEST(unit_props_scope_and_slice)
{
        struct husk_error err = { 0 };
        _cleanup_(unit_donep) struct husk_sd_unit scope = { 0 }, slice = { 0 };
        CHECK(husk_sd_parse_path("c1", "system.slice:husk:c1", &scope, &err) == 0);
        CHECK(husk_sd_parse_path("c1", "system.slice:husk:h-c1.slice", &slice, &err) == 0);
        _cleanup_(props_donep) struct husk_sd_props p = { 0 }, q = { 0 };
        CHECK(husk_sd_unit_props(&scope, "c1", &p, &err) == 0);
        _cleanup_free_ char *d = dump(&p);
        CHECK_STR_EQ(d, "Description=husk container c1\nSlice=system.slice\nDelegate=yes\nDefaultDependencies=no\n"
                        "MemoryAccounting=yes\nCPUAccounting=yes\nIOAccounting=yes\nTasksAccounting=yes\n");
        CHECK(husk_sd_unit_props(&slice, "c1", &q, &err) == 0);
        _cleanup_free_ char *e = dump(&q);
        CHECK_CONTAINS(e, "Wants=system.slice\n");
        CHECK(strstr(e, "Slice=") == NULL && strstr(e, "Delegate") == NULL);
        CHECK(husk_sd_props_add_pid(&p, "PIDs", 4242) == 0);
        CHECK(strcmp(p.v[p.n - 1].sig, "au") == 0 && p.v[p.n - 1].u64 == 4242);
}

TEST(resource_props_v2)
{
        struct husk_resources r = { 0 };
        r.has_memory = true;
        r.memory = (struct husk_memory){ .has_limit = true, .limit = 64 << 20, .has_reservation = true,
                                         .reservation = 32 << 20, .has_swap = true, .swap = 96 << 20 };
        r.has_cpu = true;
        char cpus[] = "0-2,9", mems[] = "0";
        r.cpu = (struct husk_cpu){ .has_shares = true, .shares = 1024, .has_quota = true, .quota = 50000,
                                   .has_period = true, .period = 100000, .cpus = cpus, .mems = mems };
        r.has_pids = true;
        r.pids_limit = 20;
        r.has_blkio = true;
        r.blkio.has_weight = true;
        r.blkio.weight = 500;
        struct husk_error err = { 0 };
        _cleanup_(props_donep) struct husk_sd_props p = { 0 };
        CHECK(husk_sd_resource_props(&r, true, &p, &err) == 0);
        _cleanup_free_ char *d = dump(&p);
        /* shares 1024 -> weight 39 (runc's formula), blkio 500 -> io 4950, 50 ms per 100 ms -> 500 ms/s. */
        CHECK_STR_EQ(d, "MemoryMax=67108864\nMemoryLow=33554432\nMemorySwapMax=33554432\nCPUWeight=39\n"
                        "CPUQuotaPeriodUSec=100000\nCPUQuotaPerSecUSec=500000\nAllowedCPUs=0x0702\n"
                        "AllowedMemoryNodes=0x01\nTasksMax=20\nIOWeight=4950\n");
}

TEST(resource_props_v1_and_unlimited)
{
        struct husk_resources r = { 0 };
        r.has_memory = true;
        r.memory = (struct husk_memory){ .has_limit = true, .limit = -1, .has_reservation = true, .reservation = 5 };
        r.has_cpu = true;
        r.cpu = (struct husk_cpu){ .has_shares = true, .shares = 512, .has_quota = true, .quota = -1 };
        r.has_pids = true;
        r.pids_limit = -1;
        r.has_blkio = true;
        r.blkio.has_weight = true;
        r.blkio.weight = 300;
        struct husk_error err = { 0 };
        _cleanup_(props_donep) struct husk_sd_props p = { 0 };
        CHECK(husk_sd_resource_props(&r, false, &p, &err) == 0);
        _cleanup_free_ char *d = dump(&p);
        /* v1: the v1 names; no MemoryLow, no cpuset (systemd has no cpuset controller on v1). */
        CHECK_STR_EQ(d, "MemoryLimit=infinity\nCPUShares=512\nCPUQuotaPerSecUSec=infinity\nTasksMax=infinity\n"
                        "BlockIOWeight=300\n");
        _cleanup_(props_donep) struct husk_sd_props none = { 0 };
        CHECK(husk_sd_resource_props(NULL, true, &none, &err) == 0 && none.n == 0);
}

TEST(resource_props_quota_rounding)
{
        struct husk_resources r = { 0 };
        r.has_cpu = true;
        /* 12345 us per 50000 us = 246900 us/s, rounded up to systemd's 1%: 250000. */
        r.cpu = (struct husk_cpu){ .has_quota = true, .quota = 12345, .has_period = true, .period = 50000 };
        struct husk_error err = { 0 };
        _cleanup_(props_donep) struct husk_sd_props p = { 0 }, q = { 0 };
        CHECK(husk_sd_resource_props(&r, true, &p, &err) == 0);
        _cleanup_free_ char *d = dump(&p);
        CHECK_STR_EQ(d, "CPUQuotaPeriodUSec=50000\nCPUQuotaPerSecUSec=250000\n");
        /* A quota without a period: the default period of 100 ms. */
        r.cpu = (struct husk_cpu){ .has_quota = true, .quota = 20000 };
        CHECK(husk_sd_resource_props(&r, true, &q, &err) == 0);
        _cleanup_free_ char *e = dump(&q);
        CHECK_STR_EQ(e, "CPUQuotaPerSecUSec=200000\n");
}

TEST(resource_props_errors)
{
        struct husk_error err = { 0 };
        struct husk_resources r = { 0 };
        r.has_memory = true;
        r.memory = (struct husk_memory){ .has_limit = true, .limit = 100, .has_swap = true, .swap = 50 };
        _cleanup_(props_donep) struct husk_sd_props p = { 0 }, q = { 0 };
        CHECK(husk_sd_resource_props(&r, true, &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "linux.resources.memory.swap 50 with limit 100");
        struct husk_resources c = { 0 };
        c.has_cpu = true;
        char cpus[] = "1-x";
        c.cpu = (struct husk_cpu){ .cpus = cpus };
        CHECK(husk_sd_resource_props(&c, true, &q, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "linux.resources.cpu.cpus \"1-x\"");
}

TEST(cpuset_mask)
{
        uint8_t *m = NULL;
        size_t n = 0;
        CHECK(husk_sd_cpuset_mask("0", &m, &n) == 0 && n == 1 && m[0] == 0x01);
        free(m);
        CHECK(husk_sd_cpuset_mask("1,3-4,15\n", &m, &n) == 0 && n == 2 && m[0] == 0x1a && m[1] == 0x80);
        free(m);
        static const char *const bad[] = { "", ",", "1,", "3-1", "a", "1-", "-1", "8192", "1 2" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                m = NULL;
                if (husk_sd_cpuset_mask(bad[i], &m, &n) != -EINVAL) {
                        printf("#   accepted \"%s\"\n", bad[i]);
                        free(m);
                        CHECK(0);
                }
        }
}

RUN_TESTS()

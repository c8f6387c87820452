/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The v1 value formatting (pure), and the v1 backend against the host's real v1 hierarchies: a
 * throwaway cgroup /husk/husktest-unit-<pid> per test, removed even when a check fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

static const char *rule(bool allow, char type, int64_t major, int64_t minor, const char *access, char *buf)
{
        struct husk_device_cgroup_rule r = {
                .allow = allow, .type = type, .has_major = major >= 0, .has_minor = minor >= 0,
                .major = major, .minor = minor, .access = (char *) access,
        };
        struct husk_error err = { 0 };
        if (husk_cg1_device_rule(&r, buf, 64, &err) < 0)
                (void) snprintf(buf, 64, "%.63s", err.msg);
        return buf;
}

TEST(device_rules)
{
        char buf[64];
        CHECK_STR_EQ(rule(true, 'c', 1, 3, "rwm", buf), "c 1:3 rwm");
        CHECK_STR_EQ(rule(false, 0, -1, -1, NULL, buf), "a *:* rwm");
        CHECK_STR_EQ(rule(true, 'b', 8, -1, "r", buf), "b 8:* r");
        CHECK_STR_EQ(rule(true, 'c', -1, 200, "", buf), "c *:200 rwm");
        CHECK_CONTAINS(rule(true, 'x', 1, 1, "r", buf), "must be a, b or c");
        CHECK_CONTAINS(rule(true, 'c', 1, 1, "rx", buf), "subset of rwm");
}

TEST(default_devices_end_with_tun)
{
        size_t n = 0;
        while (husk_cg1_default_devices[n])
                n++;
        CHECK(n == 12);
        CHECK_STR_EQ(husk_cg1_default_devices[2], "c 1:3 rwm");
        CHECK_STR_EQ(husk_cg1_default_devices[n - 1], "c 10:200 rwm");
}

TEST(memory_swap_order)
{
        struct husk_cg1_write w[2];
        struct husk_memory m = { .has_limit = true, .limit = 64 << 20, .has_swap = true, .swap = 128 << 20 };
        /* Raising from 32M: memsw first, or the new limit would exceed the old memsw. */
        CHECK(husk_cg1_memory_plan(&m, true, 32 << 20, w) == 2);
        CHECK_STR_EQ(w[0].file, "memory.memsw.limit_in_bytes");
        CHECK_STR_EQ(w[0].value, "134217728");
        CHECK_STR_EQ(w[1].file, "memory.limit_in_bytes");
        CHECK_STR_EQ(w[1].value, "67108864");
        /* Lowering from unlimited (above the new memsw): the limit first. */
        CHECK(husk_cg1_memory_plan(&m, true, UINT64_MAX / 2, w) == 2);
        CHECK_STR_EQ(w[0].file, "memory.limit_in_bytes");
        CHECK_STR_EQ(w[1].file, "memory.memsw.limit_in_bytes");
        /* Unlimited swap: memsw first. */
        m.swap = -1;
        CHECK(husk_cg1_memory_plan(&m, true, UINT64_MAX / 2, w) == 2);
        CHECK_STR_EQ(w[0].file, "memory.memsw.limit_in_bytes");
        CHECK_STR_EQ(w[0].value, "-1");
        /* Unlimited memory with swap unset: swap becomes unlimited too, where the kernel has it. */
        struct husk_memory u = { .has_limit = true, .limit = -1 };
        CHECK(husk_cg1_memory_plan(&u, true, 1 << 20, w) == 2);
        CHECK_STR_EQ(w[0].file, "memory.memsw.limit_in_bytes");
        CHECK_STR_EQ(w[1].value, "-1");
        CHECK(husk_cg1_memory_plan(&u, false, 1 << 20, w) == 1);
        CHECK_STR_EQ(w[0].file, "memory.limit_in_bytes");
        /* Only a limit. */
        struct husk_memory l = { .has_limit = true, .limit = 1000 };
        CHECK(husk_cg1_memory_plan(&l, true, 0, w) == 1);
        CHECK_STR_EQ(w[0].value, "1000");
        struct husk_memory none = { 0 };
        CHECK(husk_cg1_memory_plan(&none, true, 0, w) == 0);
}

TEST(needed_controllers)
{
        unsigned always = HUSK_CG1_BIT(HUSK_CG1_PIDS) | HUSK_CG1_BIT(HUSK_CG1_MEMORY) | HUSK_CG1_BIT(HUSK_CG1_DEVICES) |
                          HUSK_CG1_BIT(HUSK_CG1_FREEZER) | HUSK_CG1_BIT(HUSK_CG1_NAME_SYSTEMD) |
                          HUSK_CG1_BIT(HUSK_CG1_CPU) | HUSK_CG1_BIT(HUSK_CG1_CPUACCT) | HUSK_CG1_BIT(HUSK_CG1_BLKIO);
        CHECK(husk_cg1_needed(NULL) == always);
        struct husk_resources r = { .has_cpu = true };
        /* An empty cpu object: no cpu, no cpuset (creating cpuset costs a static-key flip). */
        CHECK(husk_cg1_needed(&r) == always);
        r.cpu.cpus = (char *) "0";
        CHECK(husk_cg1_needed(&r) == (always | HUSK_CG1_BIT(HUSK_CG1_CPUSET)));
        r.cpu.has_shares = true;
        CHECK(husk_cg1_needed(&r) & HUSK_CG1_BIT(HUSK_CG1_CPU));
        struct husk_resources b = { .has_blkio = true, .blkio = { .has_weight = true } };
        CHECK(husk_cg1_needed(&b) == always);
}

/* ---- against the host's v1 hierarchies ---- */

static bool have_v1(void)
{
        enum husk_cgroup_mode m;
        if (geteuid() != 0 || husk_cgroup_detect_mode(&m, NULL) < 0 || (m != HUSK_CGROUP_V1 && m != HUSK_CGROUP_HYBRID)) {
                printf("# skipped: needs root on a cgroup v1 or hybrid host\n");
                return false;
        }
        return true;
}

struct live {
        struct husk_cgroup *cg;
        pid_t child;
};

static void live_done(struct live *l)
{
        if (l->child > 0) {
                (void) kill(l->child, SIGKILL);
                (void) waitpid(l->child, NULL, 0);
        }
        if (l->cg) {
                (void) husk_cgroup_destroy(l->cg, NULL);
                husk_cgroup_free(l->cg);
        }
}

static char *knob(const char *ctrl, const char *path, const char *file)
{
        char p[512];
        (void) snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s/%s", ctrl, path, file);
        char *s = NULL;
        size_t len;
        if (husk_read_file_at(AT_FDCWD, p, &s, &len, NULL) < 0)
                return NULL;
        s[strcspn(s, "\n")] = '\0';
        return s;
}

static bool exists(const char *ctrl, const char *path)
{
        char p[512];
        struct stat st;
        (void) snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", ctrl, path);
        return stat(p, &st) == 0;
}

TEST(live_create_apply_join_freeze_kill_destroy)
{
        if (!have_v1())
                return;
        char id[64];
        (void) snprintf(id, sizeof(id), "husktest-unit-%d", (int) getpid());
        struct husk_device_cgroup_rule devs[] = {
                { .allow = false, .type = 'a' },
                { .allow = true, .type = 'c', .has_major = true, .has_minor = true, .major = 1, .minor = 3 },
        };
        struct husk_resources r = {
                .devices = devs, .n_devices = 2,
                .has_memory = true, .memory = { .has_limit = true, .limit = 64 << 20, .has_swappiness = true, .swappiness = 10 },
                .has_pids = true, .pids_limit = 7,
                .has_cpu = true, .cpu = { .has_shares = true, .shares = 512, .has_quota = true, .quota = 20000,
                                          .has_period = true, .period = 100000 },
        };
        struct husk_cgroup_config cfg = { .id = id, .resources = &r };
        struct husk_error err = { 0 };
        _cleanup_(live_done) struct live l = { 0 };
        int rc = husk_cgroup_create(&cfg, &l.cg, &err);
        if (rc < 0)
                printf("# %s\n", err.msg);
        CHECK(rc == 0);
        const char *path = husk_cgroup_path(l.cg);
        char want[96];
        (void) snprintf(want, sizeof(want), "/husk/%s", id);
        CHECK_STR_EQ(path, want);

        _cleanup_free_ char *lim = knob("memory", path, "memory.limit_in_bytes");
        CHECK_STR_EQ(lim, "67108864");
        _cleanup_free_ char *sw = knob("memory", path, "memory.swappiness");
        CHECK_STR_EQ(sw, "10");
        _cleanup_free_ char *pm = knob("pids", path, "pids.max");
        CHECK_STR_EQ(pm, "7");
        _cleanup_free_ char *sh = knob("cpu", path, "cpu.shares");
        CHECK_STR_EQ(sh, "512");
        _cleanup_free_ char *q = knob("cpu", path, "cpu.cfs_quota_us");
        CHECK_STR_EQ(q, "20000");
        _cleanup_free_ char *dl = knob("devices", path, "devices.list");
        CHECK_CONTAINS(dl, "c 1:3 rwm");
        CHECK(!strstr(dl, "a *:* rwm"));
        CHECK(exists("freezer", path) && exists("systemd", path));
        /* Not asked for: no cpuset (static key); blkio always, so that update can set it. */
        CHECK(!exists("cpuset", path) && exists("blkio", path));

        int pfd[2];
        CHECK(pipe2(pfd, O_CLOEXEC) == 0);
        l.child = fork();
        CHECK(l.child >= 0);
        if (l.child == 0) {
                char c = husk_cgroup_enter_self(l.cg, NULL) == 0 ? 'y' : 'n';
                (void) write(pfd[1], &c, 1);
                for (;;)
                        pause();
        }
        (void) close(pfd[1]);
        char c = 0;
        CHECK(read(pfd[0], &c, 1) == 1);
        (void) close(pfd[0]);
        CHECK(c == 'y');

        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        CHECK(husk_cgroup_pids(l.cg, &pids, &n, &err) == 0);
        CHECK(n == 1 && pids[0] == l.child);

        bool frozen = false;
        CHECK(husk_cgroup_freeze(l.cg, true, &err) == 0);
        CHECK(husk_cgroup_is_frozen(l.cg, &frozen, &err) == 0 && frozen);
        CHECK(husk_cgroup_freeze(l.cg, false, &err) == 0);
        CHECK(husk_cgroup_is_frozen(l.cg, &frozen, &err) == 0 && !frozen);

        _cleanup_(husk_cgroup_stats_done) struct husk_cgroup_stats stats = { 0 };
        CHECK(husk_cgroup_stats(l.cg, &stats, &err) == 0);
        CHECK(stats.pids_current == 1 && stats.pids_limit == 7);
        CHECK(stats.memory_limit == 64 << 20);
        CHECK(stats.memory_usage > 0);
        /* runc's fuller form: the memory entry, memory.stat, per-cpu usage */
        CHECK(stats.memory.limit == 64 << 20 && stats.memory.usage == stats.memory_usage);
        CHECK(stats.n_memory_raw > 5 && stats.percpu.n > 0);

        /* Raising memory and memsw past the old memsw, then lowering both below the old limit: each
         * only works in its own order. */
        struct husk_resources up = { .has_memory = true,
                                     .memory = { .has_limit = true, .limit = 128 << 20, .has_swap = true, .swap = 256 << 20 } };
        CHECK(husk_cgroup_update(l.cg, &up, &err) == 0);
        _cleanup_free_ char *sw1 = knob("memory", path, "memory.memsw.limit_in_bytes");
        CHECK_STR_EQ(sw1, "268435456");
        struct husk_resources down = { .has_memory = true,
                                       .memory = { .has_limit = true, .limit = 32 << 20, .has_swap = true, .swap = 48 << 20 } };
        CHECK(husk_cgroup_update(l.cg, &down, &err) == 0);
        _cleanup_free_ char *l2 = knob("memory", path, "memory.limit_in_bytes");
        _cleanup_free_ char *sw2 = knob("memory", path, "memory.memsw.limit_in_bytes");
        CHECK_STR_EQ(l2, "33554432");
        CHECK_STR_EQ(sw2, "50331648");
        /* update makes the cpuset create left out (it is lazy) and moves the container's process in. */
        struct husk_resources cs = { .has_cpu = true, .cpu = { .cpus = (char *) "0" } };
        CHECK(husk_cgroup_update(l.cg, &cs, &err) == 0);
        _cleanup_free_ char *cpus = knob("cpuset", path, "cpuset.cpus");
        CHECK_STR_EQ(cpus, "0");
        _cleanup_free_ char *procs = knob("cpuset", path, "cgroup.procs");
        char pid_s[16];
        (void) snprintf(pid_s, sizeof(pid_s), "%d", (int) l.child);
        CHECK_STR_EQ(procs, pid_s);

        /* A value the kernel refuses names the file and the value. */
        CHECK(husk_cg1_set(l.cg->v1, HUSK_CG1_MEMORY, "memory.limit_in_bytes", "abc", &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "cgroup memory: write memory.limit_in_bytes \"abc\": Invalid argument");

        /* Reloaded by path, as later commands do, and killed through the cgroup. */
        _cleanup_(husk_cgroup_freep) struct husk_cgroup *again = NULL;
        CHECK(husk_cgroup_load(path, &again, &err) == 0);
        CHECK(husk_cgroup_kill(again, SIGKILL, &err) == 0);
        int st;
        CHECK(waitpid(l.child, &st, 0) == l.child);
        l.child = 0;
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

        CHECK(husk_cgroup_destroy(again, &err) == 0);
        CHECK(!exists("memory", path) && !exists("pids", path) && !exists("devices", path) && !exists("cpuset", path));
        /* Destroying what is gone is not an error. */
        CHECK(husk_cgroup_destroy(l.cg, &err) == 0);
}

TEST(live_failed_create_leaves_nothing)
{
        if (!have_v1())
                return;
        char id[64], path[96];
        (void) snprintf(id, sizeof(id), "husktest-unit-fail-%d", (int) getpid());
        (void) snprintf(path, sizeof(path), "/husk/%s", id);
        /* cpu.shares 1 is clamped by the kernel: refused after the directories exist. */
        struct husk_resources r = { .has_cpu = true, .cpu = { .has_shares = true, .shares = 1 } };
        struct husk_cgroup_config cfg = { .id = id, .resources = &r };
        struct husk_error err = { 0 };
        _cleanup_(live_done) struct live l = { 0 };
        CHECK(husk_cgroup_create(&cfg, &l.cg, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "cpu.shares 1");
        CHECK(!exists("memory", path) && !exists("cpu", path) && !exists("pids", path) && !exists("unified", path));

        /* unified keys are refused on v1. */
        struct husk_kv kv = { .key = (char *) "memory.high", .value = (char *) "1M" };
        struct husk_resources u = { .unified = &kv, .n_unified = 1 };
        cfg.resources = &u;
        CHECK(husk_cgroup_create(&cfg, &l.cg, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "linux.resources.unified");
        CHECK(!exists("memory", path));
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 backend: the pure translations and BPF generator, then the real thing on this host's
 * cgroup2 tree (/sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on a unified one): throwaway
 * cgroups named husk-test-v2-<pid>, removed even when a check fails, holding only children forked
 * here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/v2_internal.h"
#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* ---------------- pure ---------------- */

TEST(shares_to_weight)
{
        CHECK(husk_cg_shares_to_weight(0) == 0);
        CHECK(husk_cg_shares_to_weight(2) == 1);
        CHECK(husk_cg_shares_to_weight(1024) == 39);
        CHECK(husk_cg_shares_to_weight(262144) == 10000);
        CHECK(husk_cg_shares_to_weight(1) == 1);          /* clamped like v1's cpu.shares */
        CHECK(husk_cg_shares_to_weight(1000000) == 10000);
}

TEST(blkio_weight_to_io_weight)
{
        CHECK(husk_cg_blkio_weight_to_io_weight(0) == 0);
        CHECK(husk_cg_blkio_weight_to_io_weight(10) == 1);
        CHECK(husk_cg_blkio_weight_to_io_weight(500) == 4950);
        CHECK(husk_cg_blkio_weight_to_io_weight(1000) == 10000);
}

TEST(swap_max)
{
        int64_t v = 42;
        CHECK(husk_cg2_swap_max(100, 300, &v) == 0 && v == 200);
        CHECK(husk_cg2_swap_max(100, 100, &v) == 0 && v == 0);
        CHECK(husk_cg2_swap_max(100, -1, &v) == 0 && v == -1);
        CHECK(husk_cg2_swap_max(100, 0, &v) == 0 && v == 0);
        CHECK(husk_cg2_swap_max(-1, 0, &v) == 0 && v == -1);
        CHECK(husk_cg2_swap_max(0, 300, &v) == -EINVAL);
        CHECK(husk_cg2_swap_max(-1, 300, &v) == -EINVAL);
        CHECK(husk_cg2_swap_max(300, 100, &v) == -EINVAL);
}

TEST(num)
{
        char buf[21];
        CHECK_STR_EQ(husk_cg2_num(-1, buf), "max");
        CHECK_STR_EQ(husk_cg2_num(0, buf), "0");
        CHECK_STR_EQ(husk_cg2_num(INT64_MAX, buf), "9223372036854775807");
}

TEST(io_max_lines)
{
        struct husk_throttle_device rbps[] = { { 8, 0, 1048576 }, { 253, 1, 0 } };
        struct husk_throttle_device wiops[] = { { 8, 0, 10 } };
        struct husk_throttle_device riops[] = { { 253, 1, 77 } };
        struct husk_blkio b = { 0 };
        b.throttle_read_bps = rbps;
        b.n_throttle_read_bps = 2;
        b.throttle_write_iops = wiops;
        b.n_throttle_write_iops = 1;
        b.throttle_read_iops = riops;
        b.n_throttle_read_iops = 1;
        _cleanup_strv_ char **lines = NULL;
        CHECK(husk_cg2_io_max_lines(&b, &lines) == 0);
        CHECK_STR_EQ(lines[0], "8:0 rbps=1048576 wiops=10");
        CHECK_STR_EQ(lines[1], "253:1 rbps=max riops=77");
        CHECK(lines[2] == NULL);

        struct husk_blkio empty = { 0 };
        _cleanup_strv_ char **none = NULL;
        CHECK(husk_cg2_io_max_lines(&empty, &none) == 0);
        CHECK(none[0] == NULL);
}

TEST(unified_keys)
{
        CHECK(husk_cg2_unified_key_mask("memory.high") == HUSK_CG2_MEMORY);
        CHECK(husk_cg2_unified_key_mask("cpu.weight.nice") == HUSK_CG2_CPU);
        CHECK(husk_cg2_unified_key_mask("cpuset.cpus.partition") == HUSK_CG2_CPUSET);
        CHECK(husk_cg2_unified_key_mask("cgroup.max.depth") == 0);
        CHECK(husk_cg2_unified_key_mask("../memory.max") == -EINVAL);
        CHECK(husk_cg2_unified_key_mask("a/memory.max") == -EINVAL);
        CHECK(husk_cg2_unified_key_mask("..") == -EINVAL);
        CHECK(husk_cg2_unified_key_mask("") == -EINVAL);
}

TEST(resources_mask)
{
        CHECK(husk_cg2_resources_mask(NULL) == 0);
        struct husk_resources r = { 0 };
        CHECK(husk_cg2_resources_mask(&r) == 0);
        /* Devices need no controller (BPF) and kernel memory alone is ignored on v2. */
        struct husk_device_cgroup_rule dev = { .allow = false, .type = 'a' };
        r.devices = &dev;
        r.n_devices = 1;
        r.has_memory = true;
        r.memory.has_kernel = true;
        CHECK(husk_cg2_resources_mask(&r) == 0);
        r.memory.has_limit = true;
        r.has_pids = true;
        r.has_cpu = true;
        r.cpu.cpus = (char *) "0";
        struct husk_kv kv = { (char *) "io.weight", (char *) "default 100" };
        r.unified = &kv;
        r.n_unified = 1;
        CHECK(husk_cg2_resources_mask(&r) == (HUSK_CG2_MEMORY | HUSK_CG2_PIDS | HUSK_CG2_CPUSET | HUSK_CG2_IO));
}

static bool insn_eq(struct bpf_insn a, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        return a.code == code && a.dst_reg == dst && a.src_reg == src && a.off == off && a.imm == imm;
}

#define JNE_K (BPF_JMP | BPF_JNE | BPF_K)
#define JNE_X (BPF_JMP | BPF_JNE | BPF_X)
#define MOV_K (BPF_ALU64 | BPF_MOV | BPF_K)
#define EXIT_ (BPF_JMP | BPF_EXIT)

static bool prologue_ok(const struct bpf_insn *p)
{
        return insn_eq(p[0], BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0) && insn_eq(p[1], BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff) &&
               insn_eq(p[2], BPF_LDX | BPF_W | BPF_MEM, 3, 1, 0, 0) && insn_eq(p[3], BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16) &&
               insn_eq(p[4], BPF_LDX | BPF_W | BPF_MEM, 4, 1, 4, 0) && insn_eq(p[5], BPF_LDX | BPF_W | BPF_MEM, 5, 1, 8, 0);
}

/* runc's default: deny all, then allow /dev/null. Reverse order: null first, then the catch-all
 * deny ends the program (nothing after it, not even the default). */
TEST(bpf_deny_all_then_allow_null)
{
        struct husk_device_cgroup_rule rules[] = {
                { .allow = false, .type = 'a' },
                { .allow = true, .type = 'c', .has_major = true, .major = 1, .has_minor = true, .minor = 3 },
        };
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t n = 0;
        struct husk_error err = { 0 };
        CHECK(husk_cg2_devices_program(rules, 2, &p, &n, &err) == 0);
        CHECK(n == 13);
        CHECK(prologue_ok(p));
        CHECK(insn_eq(p[6], JNE_K, 2, 0, 4, BPF_DEVCG_DEV_CHAR));
        CHECK(insn_eq(p[7], JNE_K, 4, 0, 3, 1));
        CHECK(insn_eq(p[8], JNE_K, 5, 0, 2, 3));
        CHECK(insn_eq(p[9], MOV_K, 0, 0, 0, 1));
        CHECK(insn_eq(p[10], EXIT_, 0, 0, 0, 0));
        CHECK(insn_eq(p[11], MOV_K, 0, 0, 0, 0));
        CHECK(insn_eq(p[12], EXIT_, 0, 0, 0, 0));
}

/* Partial access, wildcard minor, a block rule, and the default deny at the end. */
TEST(bpf_access_and_default)
{
        struct husk_device_cgroup_rule rules[] = {
                { .allow = true, .type = 'b', .has_major = true, .major = 8, .access = (char *) "rw" },
                { .allow = false, .type = 'c', .has_major = true, .major = 5, .has_minor = true, .minor = -1,
                  .access = (char *) "m" },
        };
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t n = 0;
        struct husk_error err = { 0 };
        CHECK(husk_cg2_devices_program(rules, 2, &p, &n, &err) == 0);
        CHECK(n == 6 + 7 + 7 + 2);
        /* rules[1]: c 5:* m deny; block of 7 */
        CHECK(insn_eq(p[6], JNE_K, 2, 0, 6, BPF_DEVCG_DEV_CHAR));
        CHECK(insn_eq(p[7], BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0));
        CHECK(insn_eq(p[8], BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, BPF_DEVCG_ACC_MKNOD));
        CHECK(insn_eq(p[9], JNE_X, 1, 3, 3, 0));
        CHECK(insn_eq(p[10], JNE_K, 4, 0, 2, 5));
        CHECK(insn_eq(p[11], MOV_K, 0, 0, 0, 0));
        CHECK(insn_eq(p[12], EXIT_, 0, 0, 0, 0));
        /* rules[0]: b 8:* rw allow */
        CHECK(insn_eq(p[13], JNE_K, 2, 0, 6, BPF_DEVCG_DEV_BLOCK));
        CHECK(insn_eq(p[15], BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE));
        CHECK(insn_eq(p[17], JNE_K, 4, 0, 2, 8));
        CHECK(insn_eq(p[18], MOV_K, 0, 0, 0, 1));
        CHECK(insn_eq(p[20], MOV_K, 0, 0, 0, 0));
        CHECK(insn_eq(p[21], EXIT_, 0, 0, 0, 0));
}

TEST(bpf_bad_rules)
{
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t n = 0;
        struct husk_error err = { 0 };
        struct husk_device_cgroup_rule bad_access = { .allow = true, .type = 'c', .access = (char *) "rx" };
        CHECK(husk_cg2_devices_program(&bad_access, 1, &p, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid access \"rx\"");
        struct husk_device_cgroup_rule bad_type = { .allow = true, .type = 'p' };
        CHECK(husk_cg2_devices_program(&bad_type, 1, &p, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid type 'p'");
}

/* ---------------- the kernel ---------------- */

static const char *v2_mount(void)
{
        static const char *const cands[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cands); i++) {
                struct statfs s;
                if (statfs(cands[i], &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
                        return cands[i];
        }
        return NULL;
}

#define NEED_V2(m)                                                          \
        const char *m = v2_mount();                                         \
        if (!m) {                                                           \
                printf("# skip: no cgroup2 mount on this host\n");        \
                return;                                                     \
        }

struct scratch {
        char top[256]; /* <mount>/husk-test-v2-<pid>: rm'd at scope exit whatever happened */
        struct husk_cg2 *cg;
        pid_t child;
};

static void rm_tree(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                char sub[512];
                snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
                rm_tree(sub);
        }
        for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++)
                usleep(5000);
}

static void scratch_done(struct scratch *s)
{
        if (s->child > 0) {
                kill(s->child, SIGKILL);
                (void) waitpid(s->child, NULL, 0);
        }
        husk_cg2_free(s->cg);
        if (s->top[0])
                rm_tree(s->top);
}

#define SCRATCH(s, mount)                                                                    \
        _cleanup_(scratch_done) struct scratch s = { .child = -1 };                          \
        snprintf(s.top, sizeof(s.top), "%s/husk-test-v2-%d", mount, (int) getpid())

static bool exists(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0;
}

/* The hybrid-host start path: nested parents created, nothing but mkdir + cgroup.procs. */
TEST(create_enter_pids_freeze_kill_destroy)
{
        NEED_V2(mount);
        SCRATCH(s, mount);
        char path[128];
        snprintf(path, sizeof(path), "/husk-test-v2-%d/a/b", (int) getpid());
        struct husk_error err = { 0 };
        CHECK(husk_cg2_create(mount, path, NULL, &s.cg, &err) == 0);
        CHECK(exists(s.cg->dir));

        int pfd[2];
        CHECK(pipe2(pfd, O_CLOEXEC) == 0);
        s.child = fork();
        CHECK(s.child >= 0);
        if (s.child == 0) {
                struct husk_error cerr;
                if (husk_cg2_enter_self(s.cg, &cerr) < 0)
                        _exit(3);
                /* Burn 20 ms of CPU (its own CPU clock: wall time on a busy shared VM is not CPU
                 * time) so cpu.stat has something to show. */
                struct timespec t;
                do
                        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
                while (t.tv_sec == 0 && t.tv_nsec < 20000000L);
                (void) write(pfd[1], "x", 1);
                for (;;)
                        pause();
        }
        close(pfd[1]);
        char c;
        ssize_t got = read(pfd[0], &c, 1);
        close(pfd[0]);
        CHECK(got == 1);

        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        CHECK(husk_cg2_pids(s.cg, &pids, &n, &err) == 0);
        CHECK(n == 1 && pids[0] == s.child);

        _cleanup_(husk_cgroup_stats_done) struct husk_cgroup_stats st = { 0 };
        CHECK(husk_cg2_stats(s.cg, &st, &err) == 0);
        /* Without the cpu controller the base stats are tick-sampled: coarse under emulation, but
         * 20 ms of burning shows up as something. */
        CHECK(st.cpu_usage_ns > 0);

        bool frozen = false;
        CHECK(husk_cg2_freeze(s.cg, true, &err) == 0);
        CHECK(husk_cg2_is_frozen(s.cg, &frozen, &err) == 0 && frozen);
        _cleanup_free_ char *ev = NULL;
        CHECK(husk_read_file_at(s.cg->dirfd, "cgroup.events", &ev, NULL, &err) == 0);
        CHECK_CONTAINS(ev, "frozen 1");
        CHECK(husk_cg2_freeze(s.cg, false, &err) == 0);
        CHECK(husk_cg2_is_frozen(s.cg, &frozen, &err) == 0 && !frozen);

        /* A non-SIGKILL signal goes the freeze/signal/thaw way. */
        CHECK(husk_cg2_kill(s.cg, SIGTERM, &err) == 0);
        int status;
        CHECK(waitpid(s.child, &status, 0) == s.child);
        s.child = -1;
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

        CHECK(husk_cg2_destroy(s.cg, &err) == 0);
        CHECK(!exists(s.cg->dir));
        CHECK(husk_cg2_destroy(s.cg, &err) == 0); /* missing is not an error */
}

TEST(kill_sigkill_uses_cgroup_kill_and_reaches_children)
{
        NEED_V2(mount);
        SCRATCH(s, mount);
        char path[128];
        snprintf(path, sizeof(path), "/husk-test-v2-%d", (int) getpid());
        struct husk_error err = { 0 };
        CHECK(husk_cg2_create(mount, path, NULL, &s.cg, &err) == 0);
        s.child = fork();
        CHECK(s.child >= 0);
        if (s.child == 0) {
                struct husk_error cerr;
                if (husk_cg2_enter_self(s.cg, &cerr) < 0)
                        _exit(3);
                if (fork() == 0) /* a grandchild that kill must reach too */
                        for (;;)
                                pause();
                for (;;)
                        pause();
        }
        size_t n = 0;
        for (int i = 0; i < 400 && n < 2; i++) {
                _cleanup_free_ pid_t *pids = NULL;
                CHECK(husk_cg2_pids(s.cg, &pids, &n, &err) == 0);
                if (n < 2)
                        usleep(5000);
        }
        CHECK(n == 2);
        CHECK(husk_cg2_kill(s.cg, SIGKILL, &err) == 0);
        int status;
        CHECK(waitpid(s.child, &status, 0) == s.child);
        s.child = -1;
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* The grandchild is reparented away from us; it is gone once the cgroup is empty. */
        for (int i = 0; i < 400 && n > 0; i++) {
                _cleanup_free_ pid_t *pids = NULL;
                CHECK(husk_cg2_pids(s.cg, &pids, &n, &err) == 0);
                if (n)
                        usleep(5000);
        }
        CHECK(n == 0);
        CHECK(husk_cg2_destroy(s.cg, &err) == 0);
}

/* A cgroup loaded from its path (as exec does) can be joined: in a child, so that the test process
 * stays out of a cgroup that later tests kill. */
TEST(enter_self_of_a_loaded_cgroup)
{
        NEED_V2(mount);
        SCRATCH(s, mount);
        char path[128];
        snprintf(path, sizeof(path), "/husk-test-v2-%d", (int) getpid());
        struct husk_error err = { 0 };
        CHECK(husk_cg2_create(mount, path, NULL, &s.cg, &err) == 0);
        struct husk_cg2 *loaded = NULL;
        CHECK(husk_cg2_load(mount, path, &loaded, &err) == 0);
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
                struct husk_error cerr = { 0 };
                if (husk_cg2_enter_self(loaded, &cerr) < 0)
                        _exit(2);
                char *cg = NULL;
                size_t len;
                if (husk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &cg, &len, NULL) < 0)
                        _exit(3);
                _exit(strstr(cg, path) ? 0 : 4);
        }
        husk_cg2_free(loaded);
        int st = 0;
        CHECK(waitpid(child, &st, 0) == child);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK(husk_cg2_load(mount, "/husk-test-v2-does-not-exist", &loaded, &err) == -ENOENT);
        CHECK(husk_cg2_load(mount, "/../etc", &loaded, &err) == -EINVAL);
}

/* Nothing is left behind when applying fails; the messages say what and where. */
TEST(create_failures_leave_nothing)
{
        NEED_V2(mount);
        SCRATCH(s, mount);
        char path[128];
        snprintf(path, sizeof(path), "/husk-test-v2-%d/c", (int) getpid());
        struct husk_error err = { 0 };

        struct husk_kv kv = { (char *) "../cgroup.procs", (char *) "1" };
        struct husk_resources r = { 0 };
        r.unified = &kv;
        r.n_unified = 1;
        CHECK(husk_cg2_create(mount, path, &r, &s.cg, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "\"../cgroup.procs\"");
        CHECK(!exists(s.top));

        kv.key = (char *) "nosuch.file";
        CHECK(husk_cg2_create(mount, path, &r, &s.cg, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "nosuch.file does not exist");
        CHECK(!exists(s.top));

        /* A controller the tree does not offer or the host's root does not delegate. */
        _cleanup_free_ char *subtree = NULL;
        CHECK(husk_read_file_at(AT_FDCWD, "/sys/fs/cgroup/unified/cgroup.subtree_control", &subtree, NULL, &err) == 0 ||
              strcmp(mount, "/sys/fs/cgroup") == 0);
        if (subtree && !strstr(subtree, "memory")) {
                struct husk_resources mr = { 0 };
                mr.has_memory = true;
                mr.memory.has_limit = true;
                mr.memory.limit = 1 << 24;
                CHECK(husk_cg2_create(mount, path, &mr, &s.cg, &err) == -ENOTSUP);
                CHECK_CONTAINS(err.msg, "controller memory is not enabled in");
                CHECK(!exists(s.top));
        }
        CHECK(s.cg == NULL);
}

TEST(bpf_loads_in_the_kernel)
{
        struct husk_device_cgroup_rule rules[] = {
                { .allow = false, .type = 'a' },
                { .allow = true, .type = 'c', .has_major = true, .major = 1, .has_minor = true, .minor = 3 },
                { .allow = true, .type = 'c', .has_major = true, .major = 136, .access = (char *) "rw" },
                { .allow = false, .type = 'b', .has_major = true, .major = 8, .has_minor = true, .minor = 0, .access = (char *) "m" },
                { .allow = true, .type = 'a', .access = (char *) "m" },
        };
        for (size_t k = 0; k <= HUSK_ARRAY_SIZE(rules); k++) {
                _cleanup_free_ struct bpf_insn *p = NULL;
                size_t n = 0;
                struct husk_error err = { 0 };
                CHECK(husk_cg2_devices_program(rules, k, &p, &n, &err) == 0);
                _cleanup_close_ int fd = husk_cg2_bpf_load(p, n, &err);
                if (fd < 0)
                        printf("#   %s\n", err.msg);
                CHECK(fd >= 0);
        }
}

static uint32_t attached(int dirfd)
{
        uint32_t ids[8];
        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.query.target_fd = (uint32_t) dirfd;
        a.query.attach_type = BPF_CGROUP_DEVICE;
        a.query.prog_ids = (uint64_t) (uintptr_t) ids;
        a.query.prog_cnt = 8;
        if (syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)) < 0)
                return UINT32_MAX;
        return a.query.prog_cnt;
}

/* Exit code 0: /dev/null opens (a default device), /dev/kmsg opens for writing (allowed) but not for
 * reading (a later rule denies r), a node of /dev/port's number made here (mknod: a default) is
 * refused (default deny). */
static int probe_devices(struct husk_cg2 *cg, const char *tmpdir)
{
        struct husk_error err;
        if (husk_cg2_enter_self(cg, &err) < 0)
                return 10;
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return 11;
        close(fd);
        fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return 12;
        close(fd);
        fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
        if (fd >= 0 || errno != EPERM)
                return 13;
        char node[512];
        snprintf(node, sizeof(node), "%s/port", tmpdir);
        if (mknod(node, S_IFCHR | 0600, makedev(1, 4)) < 0)
                return 14;
        fd = open(node, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 || errno != EPERM)
                return 15;
        return 0;
}

static void rm_tmpdir(char **dir)
{
        if (!*dir)
                return;
        char node[512];
        snprintf(node, sizeof(node), "%s/port", *dir);
        (void) unlink(node);
        (void) rmdir(*dir);
}

TEST(bpf_filter_enforced_and_replaced)
{
        NEED_V2(mount);
        SCRATCH(s, mount);
        char path[128];
        snprintf(path, sizeof(path), "/husk-test-v2-%d", (int) getpid());
        char tmpl[] = "/tmp/husk-test-v2-XXXXXX";
        _cleanup_(rm_tmpdir) char *tmpdir = mkdtemp(tmpl);
        CHECK(tmpdir);
        struct husk_device_cgroup_rule rules[] = {
                { .allow = false, .type = 'a' },
                /* allowed, then reading denied again by a later rule: the later one wins */
                { .allow = true, .type = 'c', .has_major = true, .major = 1, .has_minor = true, .minor = 11 },
                { .allow = false, .type = 'c', .has_major = true, .major = 1, .has_minor = true, .minor = 11, .access = (char *) "r" },
        };
        struct husk_resources r = { 0 };
        r.devices = rules;
        r.n_devices = HUSK_ARRAY_SIZE(rules);
        struct husk_error err = { 0 };
        int rc = husk_cg2_create(mount, path, &r, &s.cg, &err);
        if (rc < 0)
                printf("#   %s\n", err.msg);
        CHECK(rc == 0);
        CHECK(attached(s.cg->dirfd) == 1);
        /* update: the new filter replaces the old one, never two left */
        CHECK(husk_cg2_update(s.cg, &r, &err) == 0);
        CHECK(attached(s.cg->dirfd) == 1);

        s.child = fork();
        CHECK(s.child >= 0);
        if (s.child == 0)
                _exit(probe_devices(s.cg, tmpdir));
        int status;
        CHECK(waitpid(s.child, &status, 0) == s.child);
        s.child = -1;
        CHECK(WIFEXITED(status));
        if (WEXITSTATUS(status) != 0)
                printf("#   probe exit %d\n", WEXITSTATUS(status));
        CHECK(WEXITSTATUS(status) == 0);
        /* our own access is untouched: the filter is on the child's cgroup only */
        int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        CHECK(fd >= 0);
        close(fd);
        CHECK(husk_cg2_destroy(s.cg, &err) == 0);
        CHECK(!exists(s.top));
}

/* A new container's cgroup with no device rule still gets the filter (defaults only); the hybrid
 * placement (r NULL) gets none. */
TEST(device_filter_only_for_v2_containers)
{
        NEED_V2(mount);
        SCRATCH(s, mount);
        char path[128];
        snprintf(path, sizeof(path), "/husk-test-v2-%d/x", (int) getpid());
        struct husk_error err = { 0 };
        CHECK(husk_cg2_create(mount, path, NULL, &s.cg, &err) == 0);
        CHECK(attached(s.cg->dirfd) == 0);
        CHECK(husk_cg2_destroy(s.cg, &err) == 0);
        husk_cg2_free(s.cg);
        s.cg = NULL;
        struct husk_resources none = { 0 };
        CHECK(husk_cg2_create(mount, path, &none, &s.cg, &err) == 0);
        CHECK(attached(s.cg->dirfd) == 1);
        /* an update without device rules leaves it alone */
        CHECK(husk_cg2_update(s.cg, &none, &err) == 0);
        CHECK(attached(s.cg->dirfd) == 1);
}

static bool file_is(const struct husk_cg2 *cg, const char *file, const char *want)
{
        struct husk_error err;
        _cleanup_free_ char *v = NULL;
        if (husk_read_file_at(cg->dirfd, file, &v, NULL, &err) < 0) {
                printf("#   %s\n", err.msg);
                return false;
        }
        v[strcspn(v, "\n")] = '\0';
        if (strcmp(v, want) != 0)
                printf("#   %s: \"%s\", want \"%s\"\n", file, v, want);
        return strcmp(v, want) == 0;
}

/* Only where the tree delegates memory, cpu and pids (a v2 host, the test VM): the values written,
 * the parents' subtree_control, and update's partial changes. */
TEST(resources_written_and_updated)
{
        NEED_V2(mount);
        _cleanup_free_ char *root = NULL;
        struct husk_error err = { 0 };
        char rootfile[256];
        snprintf(rootfile, sizeof(rootfile), "%s/cgroup.subtree_control", mount);
        CHECK(husk_read_file_at(AT_FDCWD, rootfile, &root, NULL, &err) == 0);
        if (!strstr(root, "memory") || !strstr(root, "cpu") || !strstr(root, "pids")) {
                printf("# skip: %s does not delegate memory, cpu and pids\n", mount);
                return;
        }
        SCRATCH(s, mount);
        char path[128];
        snprintf(path, sizeof(path), "/husk-test-v2-%d/r", (int) getpid());
        struct husk_kv kv = { (char *) "memory.high", (char *) "max" };
        struct husk_resources r = { 0 };
        r.has_memory = true;
        r.memory.has_limit = r.memory.has_swap = r.memory.has_reservation = true;
        r.memory.limit = 64 << 20;
        r.memory.swap = 96 << 20;
        r.memory.reservation = 16 << 20;
        r.has_cpu = true;
        r.cpu.has_shares = r.cpu.has_quota = r.cpu.has_period = true;
        r.cpu.shares = 1024;
        r.cpu.quota = 50000;
        r.cpu.period = 100000;
        r.has_pids = true;
        r.pids_limit = 0; /* unlimited */
        r.unified = &kv;
        r.n_unified = 1;
        int rc = husk_cg2_create(mount, path, &r, &s.cg, &err);
        if (rc < 0)
                printf("#   %s\n", err.msg);
        CHECK(rc == 0);
        CHECK(file_is(s.cg, "memory.max", "67108864"));
        CHECK(file_is(s.cg, "memory.low", "16777216"));
        bool swap = faccessat(s.cg->dirfd, "memory.swap.max", F_OK, 0) == 0;
        CHECK(!swap || file_is(s.cg, "memory.swap.max", "33554432"));
        CHECK(file_is(s.cg, "cpu.weight", "39"));
        CHECK(file_is(s.cg, "cpu.max", "50000 100000"));
        CHECK(file_is(s.cg, "pids.max", "max"));
        CHECK(file_is(s.cg, "memory.high", "max"));
        _cleanup_free_ char *parent = NULL;
        char pfile[320];
        snprintf(pfile, sizeof(pfile), "%s/cgroup.subtree_control", s.top);
        CHECK(husk_read_file_at(AT_FDCWD, pfile, &parent, NULL, &err) == 0);
        CHECK_CONTAINS(parent, "memory");
        CHECK_CONTAINS(parent, "pids");
        CHECK(strstr(parent, "io") == NULL); /* only what was needed */

        /* update: the period alone keeps the quota; swap alone is computed against the limit there */
        struct husk_resources u = { 0 };
        u.has_cpu = true;
        u.cpu.has_period = true;
        u.cpu.period = 200000;
        u.has_memory = true;
        u.memory.has_swap = true;
        u.memory.swap = 64 << 20; /* = the limit: no swap */
        u.has_pids = true;
        u.pids_limit = 77;
        rc = husk_cg2_update(s.cg, &u, &err);
        if (rc < 0)
                printf("#   %s\n", err.msg);
        CHECK(rc == 0);
        CHECK(file_is(s.cg, "cpu.max", "50000 200000"));
        CHECK(!swap || file_is(s.cg, "memory.swap.max", "0"));
        CHECK(file_is(s.cg, "memory.max", "67108864"));
        CHECK(file_is(s.cg, "pids.max", "77"));

        /* swap below the limit cannot be translated */
        u.memory.swap = 1 << 20;
        CHECK(husk_cg2_update(s.cg, &u, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "memory.swap");

        _cleanup_(husk_cgroup_stats_done) struct husk_cgroup_stats st = { 0 };
        CHECK(husk_cg2_stats(s.cg, &st, &err) == 0);
        CHECK(st.memory_limit == 67108864 && st.pids_limit == 77);
        CHECK(husk_cg2_destroy(s.cg, &err) == 0);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp layer's pure parts (name tables, the cache key), the cache files, and compiling with
 * the real libseccomp. Loading is covered by tests/integration/seccomp.bats. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "test.h"
#include "util/fs.h"

TEST(actions)
{
        struct husk_error err = { 0 };
        uint32_t v;
        CHECK(husk_seccomp_action("SCMP_ACT_ERRNO", false, 0, "x", &v, &err) == 0 && v == (0x50000U | EPERM));
        CHECK(husk_seccomp_action("SCMP_ACT_ERRNO", true, 28, "x", &v, &err) == 0 && v == 0x5001cU);
        CHECK(husk_seccomp_action("SCMP_ACT_TRACE", false, 0, "x", &v, &err) == 0 && v == (0x7ff00000U | EPERM));
        CHECK(husk_seccomp_action("SCMP_ACT_TRACE", true, 4242, "x", &v, &err) == 0 && v == (0x7ff00000U | 4242));
        CHECK(husk_seccomp_action("SCMP_ACT_KILL", false, 0, "x", &v, &err) == 0 && v == SECCOMP_RET_KILL_THREAD);
        CHECK(husk_seccomp_action("SCMP_ACT_KILL_THREAD", false, 0, "x", &v, &err) == 0 && v == SECCOMP_RET_KILL_THREAD);
        CHECK(husk_seccomp_action("SCMP_ACT_KILL_PROCESS", false, 0, "x", &v, &err) == 0 && v == SECCOMP_RET_KILL_PROCESS);
        CHECK(husk_seccomp_action("SCMP_ACT_TRAP", false, 0, "x", &v, &err) == 0 && v == SECCOMP_RET_TRAP);
        CHECK(husk_seccomp_action("SCMP_ACT_ALLOW", false, 0, "x", &v, &err) == 0 && v == SECCOMP_RET_ALLOW);
        CHECK(husk_seccomp_action("SCMP_ACT_LOG", false, 0, "x", &v, &err) == 0 && v == SECCOMP_RET_LOG);
        CHECK(husk_seccomp_action("SCMP_ACT_NOTIFY", false, 0, "x", &v, &err) == 0 && v == SECCOMP_RET_USER_NOTIF);

        CHECK(husk_seccomp_action("SCMP_ACT_ALLOW", true, 1, "linux.seccomp.syscalls[2]", &v, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "linux.seccomp.syscalls[2]: SCMP_ACT_ALLOW does not take an errno (only SCMP_ACT_ERRNO "
                              "and SCMP_ACT_TRACE do)");
        CHECK(husk_seccomp_action("SCMP_ACT_ERRNO", true, 4096, "d", &v, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "d: errno 4096 is out of range (at most 4095)");
        CHECK(husk_seccomp_action("SCMP_ACT_TRACE", true, 65536, "d", &v, &err) == -EINVAL);
        CHECK(husk_seccomp_action("SCMP_ACT_NOPE", false, 0, "d", &v, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "d: unknown seccomp action \"SCMP_ACT_NOPE\"");
        /* Every listed name translates. */
        for (const char *const *a = husk_seccomp_action_names; *a; a++)
                CHECK(husk_seccomp_action(*a, false, 0, *a, &v, NULL) == 0);
}

TEST(operators_archs_flags)
{
        CHECK(husk_seccomp_operator("SCMP_CMP_NE") == SCMP_CMP_NE);
        CHECK(husk_seccomp_operator("SCMP_CMP_LT") == SCMP_CMP_LT);
        CHECK(husk_seccomp_operator("SCMP_CMP_LE") == SCMP_CMP_LE);
        CHECK(husk_seccomp_operator("SCMP_CMP_EQ") == SCMP_CMP_EQ);
        CHECK(husk_seccomp_operator("SCMP_CMP_GE") == SCMP_CMP_GE);
        CHECK(husk_seccomp_operator("SCMP_CMP_GT") == SCMP_CMP_GT);
        CHECK(husk_seccomp_operator("SCMP_CMP_MASKED_EQ") == SCMP_CMP_MASKED_EQ);
        CHECK(husk_seccomp_operator("SCMP_CMP_XX") == -EINVAL);
        CHECK(husk_seccomp_operator(NULL) == -EINVAL);

        uint32_t a = 0;
        CHECK(husk_seccomp_arch("SCMP_ARCH_X86_64", &a) == 0 && a == 0xc000003eU);
        CHECK(husk_seccomp_arch("SCMP_ARCH_X86", &a) == 0 && a == 0x40000003U);
        CHECK(husk_seccomp_arch("SCMP_ARCH_AARCH64", &a) == 0 && a == 0xc00000b7U);
        CHECK(husk_seccomp_arch("SCMP_ARCH_VAX", &a) == -EINVAL);
#ifdef SCMP_ARCH_LOONGARCH64
        CHECK(husk_seccomp_arch("SCMP_ARCH_LOONGARCH64", &a) == 0);
#else
        CHECK(husk_seccomp_arch("SCMP_ARCH_LOONGARCH64", &a) == -EOPNOTSUPP);
#endif
        for (const char *const *n = husk_seccomp_arch_names; *n; n++)
                CHECK(husk_seccomp_arch(*n, &a) == 0);

        CHECK(husk_seccomp_flag("SECCOMP_FILTER_FLAG_TSYNC") == SECCOMP_FILTER_FLAG_TSYNC);
        CHECK(husk_seccomp_flag("SECCOMP_FILTER_FLAG_LOG") == SECCOMP_FILTER_FLAG_LOG);
        CHECK(husk_seccomp_flag("SECCOMP_FILTER_FLAG_SPEC_ALLOW") == SECCOMP_FILTER_FLAG_SPEC_ALLOW);
        CHECK(husk_seccomp_flag("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == (1U << 5));
        CHECK(husk_seccomp_flag("SECCOMP_FILTER_FLAG_NEW_LISTENER") == 0);
}

/* A small profile built by hand: ALLOW by default, ERRNO(28) for mkdir when arg1 == 0700. */
struct profile {
        char *names[3];
        char *archs[3];
        char *flags[2];
        struct husk_seccomp_arg args[1];
        struct husk_seccomp_syscall rules[1];
        struct husk_seccomp s;
};

static void profile_init(struct profile *p)
{
        memset(p, 0, sizeof(*p));
        p->names[0] = "mkdir";
        p->names[1] = "mkdirat";
        p->archs[0] = "SCMP_ARCH_X86_64";
        p->args[0] = (struct husk_seccomp_arg){ .index = 1, .value = 0700, .op = "SCMP_CMP_EQ" };
        p->rules[0] = (struct husk_seccomp_syscall){
                .names = p->names,
                .n_names = 2,
                .action = "SCMP_ACT_ERRNO",
                .has_errno_ret = true,
                .errno_ret = 28,
                .args = p->args,
                .n_args = 1,
        };
        p->s = (struct husk_seccomp){
                .default_action = "SCMP_ACT_ALLOW",
                .architectures = p->archs,
                .flags = p->flags,
                .syscalls = p->rules,
                .n_syscalls = 1,
        };
}

static const struct husk_seccomp_lib_id lib = { .dev = 1, .ino = 2, .size = 3, .mtime_sec = 4, .mtime_nsec = 5 };

static void key_of(const struct husk_seccomp *s, const struct husk_seccomp_lib_id *l, char out[HUSK_SECCOMP_KEY_SIZE])
{
        husk_seccomp_cache_key(s, l, out);
}

TEST(cache_key_covers_the_profile)
{
        struct profile p;
        profile_init(&p);
        char base[HUSK_SECCOMP_KEY_SIZE], k[HUSK_SECCOMP_KEY_SIZE];
        key_of(&p.s, &lib, base);
        CHECK(strlen(base) == 64);
        key_of(&p.s, &lib, k);
        CHECK_STR_EQ(k, base);

#define CHANGED(stmt)                                         \
        do {                                                  \
                profile_init(&p);                             \
                stmt;                                         \
                key_of(&p.s, &lib, k);                        \
                CHECK(strcmp(k, base) != 0);                  \
        } while (0)
        CHANGED(p.s.default_action = "SCMP_ACT_LOG");
        CHANGED(p.s.has_default_errno_ret = true);
        CHANGED(p.s.default_errno_ret = 1);
        CHANGED(p.archs[1] = "SCMP_ARCH_X86");
        CHANGED(p.s.architectures = NULL);
        CHANGED(p.flags[0] = "SECCOMP_FILTER_FLAG_LOG");
        CHANGED(p.names[1] = "mkdirat2");
        CHANGED(p.rules[0].action = "SCMP_ACT_TRAP");
        CHANGED(p.rules[0].errno_ret = 29);
        CHANGED(p.rules[0].has_errno_ret = false);
        CHANGED(p.rules[0].n_args = 0);
        CHANGED(p.args[0].index = 2);
        CHANGED(p.args[0].value = 0755);
        CHANGED(p.args[0].value_two = 1);
        CHANGED(p.args[0].op = "SCMP_CMP_NE");
        CHANGED(p.s.n_syscalls = 0);
        /* Length-prefixed: moving a character between two names is another profile. */
        CHANGED((p.names[0] = "mkdirm", p.names[1] = "kdirat"));
#undef CHANGED

        /* The library: another file (an upgrade) is another key. */
        struct husk_seccomp_lib_id other = lib;
        profile_init(&p);
        other.ino = 99;
        key_of(&p.s, &other, k);
        CHECK(strcmp(k, base) != 0);
        other = lib;
        other.mtime_nsec = 6;
        key_of(&p.s, &other, k);
        CHECK(strcmp(k, base) != 0);

        /* Not in the program, and different per container: not in the key. */
        p.s.listener_path = "/run/agent.sock";
        p.s.listener_metadata = "x";
        key_of(&p.s, &lib, k);
        CHECK_STR_EQ(k, base);
}

static char *make_tmpdir(void)
{
        char tmpl[] = "/tmp/husk-seccomp-test.XXXXXX";
        char *d = mkdtemp(tmpl);
        return d ? strdup(d) : NULL;
}

TEST(cache_files)
{
        char *dir = make_tmpdir();
        CHECK(dir);
        int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(root >= 0);
        struct husk_error err = { 0 };
        int cache = husk_seccomp_cache_open(root, &err);
        CHECK(cache >= 0);
        struct stat st;
        CHECK(fstat(cache, &st) == 0 && (st.st_mode & 0777) == 0700);

        struct sock_filter prog[3] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 83, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        const char *key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        struct sock_filter *got = NULL;
        size_t n = 0;
        CHECK(husk_seccomp_cache_read(cache, key, &got, &n) == -ENOENT);
        CHECK(husk_seccomp_cache_write(cache, key, prog, 3, &err) == 0);
        CHECK(fstatat(cache, key, &st, 0) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 12 + 3 * 8);
        CHECK(husk_seccomp_cache_read(cache, key, &got, &n) == 0);
        CHECK(n == 3 && memcmp(got, prog, sizeof(prog)) == 0);
        free(got);

        /* Truncated, or a count that does not match the size: a miss. */
        int fd = openat(cache, key, O_WRONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK(ftruncate(fd, 12 + 2 * 8) == 0);
        close(fd);
        CHECK(husk_seccomp_cache_read(cache, key, &got, &n) == -ENOENT);
        CHECK(husk_seccomp_cache_write(cache, key, prog, 0, &err) == -EINVAL);

        /* A cache directory others may write to is refused. */
        CHECK(fchmod(cache, 0777) == 0);
        close(cache);
        CHECK(husk_seccomp_cache_open(root, &err) == -EPERM);
        CHECK_CONTAINS(err.msg, "not writable by others");

        close(root);
        CHECK(husk_rm_rf_at(AT_FDCWD, dir, &err) == 0);
        free(dir);
}

TEST(compile_with_libseccomp)
{
        struct profile p;
        profile_init(&p);
        struct husk_error err = { 0 };
        struct sock_filter *insns = NULL;
        size_t n = 0;
        CHECK(husk_seccomp_compile(&p.s, &insns, &n, &err) == 0);
        CHECK(n > 4);
        /* The ERRNO(28) return is in the program. */
        bool found = false;
        for (size_t i = 0; i < n; i++)
                if (insns[i].code == (BPF_RET | BPF_K) && insns[i].k == 0x5001cU)
                        found = true;
        free(insns);
        CHECK(found);

        /* Unknown names: skipped for ALLOW, an error naming the rule otherwise. */
        p.names[1] = "no_such_syscall";
        CHECK(husk_seccomp_compile(&p.s, &insns, &n, &err) < 0);
        CHECK_CONTAINS(err.msg, "config.json: linux.seccomp.syscalls[0]: unknown syscall \"no_such_syscall\"");
        p.s.default_action = "SCMP_ACT_ERRNO";
        p.rules[0].action = "SCMP_ACT_ALLOW";
        p.rules[0].has_errno_ret = false;
        CHECK(husk_seccomp_compile(&p.s, &insns, &n, &err) == 0);
        free(insns);

        /* A condition with valueTwo under another operator than MASKED_EQ names the argument. */
        profile_init(&p);
        p.args[0].value_two = 5;
        CHECK(husk_seccomp_compile(&p.s, &insns, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "linux.seccomp.syscalls[0].args[0].valueTwo");
        p.args[0].value_two = 0;
        p.args[0].op = "SCMP_CMP_MASKED_EQ";
        p.args[0].value_two = 0;
        CHECK(husk_seccomp_compile(&p.s, &insns, &n, &err) == 0);
        free(insns);
}

RUN_TESTS()

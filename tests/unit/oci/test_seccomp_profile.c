/* SPDX-License-Identifier: Apache-2.0 */
/* Docker-format seccomp profiles: parsing, resolution by capability, architecture and kernel, the
 * built-in default profile, the JSON written for config.json, and the errors. */
#include <errno.h>
#include <fcntl.h>

#include "oci/capabilities.h"
#include "oci/seccomp_profile.h"
#include "oci_test.h"
#include "test.h"

#define CAP(name) (UINT64_C(1) << husk_cap_from_name(name))

static struct husk_seccomp_profile *parse(const char *json)
{
        struct husk_seccomp_profile *p = NULL;
        struct husk_error err = { 0 };
        if (husk_seccomp_profile_parse(json, strlen(json), "p.json", &p, &err) < 0) {
                printf("#   unexpected error: %s\n", err.msg);
                return NULL;
        }
        return p;
}

/* Resolves `p` for (caps, arch, kernel) into *out; 0 or the negative errno. */
static int resolve(const struct husk_seccomp_profile *p, uint64_t caps, const char *arch, const char *kernel,
                   struct husk_seccomp *out)
{
        struct husk_seccomp_target t = { .caps = caps, .arch = arch, .kernel_release = kernel };
        struct husk_error err = { 0 };
        int r = husk_seccomp_profile_resolve(p, &t, out, &err);
        if (r < 0)
                printf("#   resolve: %s\n", err.msg);
        return r;
}

/* Index of the first rule naming `name` with action `action` (NULL: any) after rule `from`, or -1. */
static int find_rule(const struct husk_seccomp *s, const char *name, const char *action, int from)
{
        for (size_t i = (size_t) (from + 1); i < s->n_syscalls; i++) {
                if (action && strcmp(s->syscalls[i].action, action) != 0)
                        continue;
                for (size_t j = 0; j < s->syscalls[i].n_names; j++)
                        if (strcmp(s->syscalls[i].names[j], name) == 0)
                                return (int) i;
        }
        return -1;
}

static bool allowed(const struct husk_seccomp *s, const char *name)
{
        return find_rule(s, name, "SCMP_ACT_ALLOW", -1) >= 0;
}

/* Parse failure with exactly `msg`. */
static int expect_parse_fail(const char *json, const char *msg, char *got, size_t gotsz)
{
        struct husk_seccomp_profile *p = NULL;
        struct husk_error err = { 0 };
        int r = husk_seccomp_profile_parse(json, strlen(json), "p.json", &p, &err);
        (void) snprintf(got, gotsz, "%s", r < 0 ? err.msg : "(parsed)");
        if (r >= 0) {
                husk_seccomp_profile_free(p);
                return -1;
        }
        return p == NULL && r == -EINVAL && strcmp(err.msg, msg) == 0 ? 0 : -1;
}

#define EXPECT_PARSE_FAIL(json, msg)                                                                      \
        do {                                                                                              \
                char got_[HUSK_ERROR_MSG_MAX];                                                            \
                if (expect_parse_fail((json), (msg), got_, sizeof(got_)) < 0) {                           \
                        printf("#   %s:%d: got \"%s\"\n#   want \"%s\"\n", __FILE__, __LINE__, got_, (msg)); \
                        *failed_ = 1;                                                                     \
                        return;                                                                           \
                }                                                                                         \
        } while (0)

#define RULES(...) "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" __VA_ARGS__ "]}"
#define ALLOW(name, extra) "{\"names\":[\"" name "\"],\"action\":\"SCMP_ACT_ALLOW\"" extra "}"

TEST(default_profile_without_caps_on_amd64)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_seccomp_profile_default(&p, &err) == 0);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
        CHECK(resolve(p, 0, "amd64", "6.1.0-18-amd64", &s) == 0);
        CHECK_STR_EQ(s.default_action, "SCMP_ACT_ERRNO");
        CHECK(s.has_default_errno_ret && s.default_errno_ret == EPERM);
        CHECK(s.architectures && s.architectures[0] && s.architectures[1] && s.architectures[2] &&
              !s.architectures[3]);
        CHECK_STR_EQ(s.architectures[0], "SCMP_ARCH_X86_64");
        CHECK_STR_EQ(s.architectures[1], "SCMP_ARCH_X86");
        CHECK_STR_EQ(s.architectures[2], "SCMP_ARCH_X32");
        /* ordinary work */
        const char *ok[] = { "read", "write", "openat", "execve", "exit_group", "futex", "getrandom", "arch_prctl",
                             "ptrace", "rt_sigreturn", "wait4", "statx", "clock_gettime" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(ok); i++)
                CHECK(allowed(&s, ok[i]));
        /* what Docker refuses without capabilities, and what husk refuses on top (modify_ldt) */
        const char *denied[] = { "mount", "umount2", "unshare", "setns", "keyctl", "add_key", "request_key",
                                 "kexec_load", "kexec_file_load", "bpf", "reboot", "io_uring_setup",
                                 "io_uring_enter", "open_by_handle_at", "perf_event_open", "swapon",
                                 "swapoff", "init_module", "finit_module", "delete_module", "settimeofday",
                                 "clock_settime", "userfaultfd", "pivot_root", "chroot", "acct", "syslog",
                                 "kcmp", "pidfd_getfd", "modify_ldt", "iopl", "vhangup", "mbind" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(denied); i++) {
                if (find_rule(&s, denied[i], NULL, -1) >= 0)
                        printf("#   %s has a rule\n", denied[i]);
                CHECK(find_rule(&s, denied[i], NULL, -1) < 0);
        }
        /* clone only without namespace flags; clone3 answers ENOSYS so libc falls back to clone */
        int c = find_rule(&s, "clone", NULL, -1);
        CHECK(c >= 0 && s.syscalls[c].n_args == 1);
        CHECK_STR_EQ(s.syscalls[c].args[0].op, "SCMP_CMP_MASKED_EQ");
        CHECK(s.syscalls[c].args[0].index == 0 && s.syscalls[c].args[0].value == 0x7E020000);
        CHECK(find_rule(&s, "clone", NULL, c) < 0);
        int c3 = find_rule(&s, "clone3", NULL, -1);
        CHECK(c3 >= 0 && s.syscalls[c3].has_errno_ret && s.syscalls[c3].errno_ret == ENOSYS);
        CHECK_STR_EQ(s.syscalls[c3].action, "SCMP_ACT_ERRNO");
        /* socket per family, personality per value: every rule conditional */
        int n_socket = 0;
        for (int i = find_rule(&s, "socket", NULL, -1); i >= 0; i = find_rule(&s, "socket", NULL, i), n_socket++)
                CHECK(s.syscalls[i].n_args == 1 && strcmp(s.syscalls[i].args[0].op, "SCMP_CMP_EQ") == 0);
        CHECK(n_socket == 5);
        for (int i = find_rule(&s, "personality", NULL, -1); i >= 0; i = find_rule(&s, "personality", NULL, i))
                CHECK(s.syscalls[i].n_args == 1 && s.syscalls[i].args[0].value != 0x0040000);
}

TEST(default_profile_caps_include_and_exclude)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_seccomp_profile_default(&p, &err) == 0);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
        uint64_t caps = CAP("CAP_SYS_ADMIN") | CAP("CAP_SYS_BOOT") | CAP("CAP_SYS_TIME") | CAP("CAP_SYS_PTRACE");
        CHECK(resolve(p, caps, "amd64", "6.18.0", &s) == 0);
        const char *now_ok[] = { "mount", "umount2", "unshare", "setns", "reboot", "settimeofday", "clock_settime",
                                 "kcmp", "pidfd_getfd", "bpf", "perf_event_open", "clone3" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(now_ok); i++)
                CHECK(allowed(&s, now_ok[i]));
        /* with CAP_SYS_ADMIN the unconditional clone rule replaces the flag-checking one (excludes) */
        for (int i = find_rule(&s, "clone", NULL, -1); i >= 0; i = find_rule(&s, "clone", NULL, i))
                CHECK(s.syscalls[i].n_args == 0);
        CHECK(find_rule(&s, "clone3", "SCMP_ACT_ERRNO", -1) < 0);
        /* still refused: no rule names them whatever the capabilities */
        CHECK(find_rule(&s, "keyctl", NULL, -1) < 0);
        CHECK(find_rule(&s, "io_uring_setup", NULL, -1) < 0);
        CHECK(find_rule(&s, "init_module", NULL, -1) < 0); /* needs CAP_SYS_MODULE */
}

TEST(includes_need_every_cap_excludes_any)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = parse(
                RULES(ALLOW("both", ",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"]}") ","
                      ALLOW("notany", ",\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"]}")));
        CHECK(p);
        uint64_t sets[] = { 0, CAP("CAP_SYS_ADMIN"), CAP("CAP_NET_ADMIN"), CAP("CAP_SYS_ADMIN") | CAP("CAP_NET_ADMIN"),
                            CAP("CAP_CHOWN") };
        bool want_both[] = { false, false, false, true, false };
        bool want_notany[] = { true, false, false, false, true };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(sets); i++) {
                _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
                CHECK(resolve(p, sets[i], "amd64", "6.1", &s) == 0);
                CHECK(allowed(&s, "both") == want_both[i]);
                CHECK(allowed(&s, "notany") == want_notany[i]);
        }
}

TEST(arches_include_exclude_and_aliases)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = parse(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":["
                "{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]},"
                "{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":null}],\"syscalls\":["
                ALLOW("x86only", ",\"includes\":{\"arches\":[\"x86_64\",\"x86\"]}") ","
                ALLOW("notarm", ",\"excludes\":{\"arches\":[\"arm64\"]}") "]}");
        CHECK(p);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp a = { 0 };
        CHECK(resolve(p, 0, "amd64", "6.1", &a) == 0);
        CHECK(allowed(&a, "x86only") && allowed(&a, "notarm"));
        CHECK(a.architectures && !a.architectures[2]);
        CHECK_STR_EQ(a.architectures[1], "SCMP_ARCH_X86");
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp b = { 0 };
        CHECK(resolve(p, 0, "aarch64", "6.1", &b) == 0);
        CHECK(!allowed(&b, "x86only") && !allowed(&b, "notarm"));
        CHECK(b.architectures && !b.architectures[1]);
        CHECK_STR_EQ(b.architectures[0], "SCMP_ARCH_AARCH64");
        /* no archMap entry: no list (native only), as Docker */
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp c = { 0 };
        CHECK(resolve(p, 0, "riscv64", "6.1", &c) == 0);
        CHECK(c.architectures == NULL && !allowed(&c, "x86only") && allowed(&c, "notarm"));
        /* this build's arch when none is given */
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp d = { 0 };
        CHECK(resolve(p, 0, NULL, "6.1", &d) == 0);
        CHECK(husk_seccomp_arch_native() != NULL);
}

TEST(default_profile_other_arches)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_seccomp_profile_default(&p, &err) == 0);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
        CHECK(resolve(p, 0, "s390x", "6.1", &s) == 0);
        CHECK_STR_EQ(s.architectures[0], "SCMP_ARCH_S390X");
        CHECK(!allowed(&s, "arch_prctl") && allowed(&s, "s390_runtime_instr"));
        int c = find_rule(&s, "clone", NULL, -1); /* s390 swaps clone's first two arguments */
        CHECK(c >= 0 && s.syscalls[c].args[0].index == 1 && find_rule(&s, "clone", NULL, c) < 0);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp a = { 0 };
        CHECK(resolve(p, 0, "arm64", "6.1", &a) == 0);
        CHECK(allowed(&a, "set_tls") && !allowed(&a, "arch_prctl"));
        CHECK_STR_EQ(a.architectures[1], "SCMP_ARCH_ARM");
}

TEST(min_kernel)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p =
                parse(RULES(ALLOW("new", ",\"includes\":{\"minKernel\":\"4.8\"}") ","
                            ALLOW("old", ",\"excludes\":{\"minKernel\":\"5.10\"}") ","
                            ALLOW("empty", ",\"includes\":{\"minKernel\":\"\"}")));
        CHECK(p);
        struct {
                const char *release;
                bool new_, old;
        } cases[] = {
                { "4.7.0", false, true },         { "4.8", true, true },        { "4.8.0-rc1", true, true },
                { "3.12-1-amd64", false, true },  { "4.19.0-gentoo", true, true }, { "5.9.16", true, true },
                { "5.10.0-28-amd64", true, false }, { "6.18.0", true, false }, { "10.0", true, false },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cases); i++) {
                _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
                CHECK(resolve(p, 0, "amd64", cases[i].release, &s) == 0);
                if (allowed(&s, "new") != cases[i].new_ || allowed(&s, "old") != cases[i].old)
                        printf("#   kernel %s\n", cases[i].release);
                CHECK(allowed(&s, "new") == cases[i].new_);
                CHECK(allowed(&s, "old") == cases[i].old);
                CHECK(allowed(&s, "empty"));
        }
        /* the default profile: ptrace from 4.8 on, as Docker */
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *d = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_seccomp_profile_default(&d, &err) == 0);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp o = { 0 };
        CHECK(resolve(d, 0, "amd64", "4.4.0-210-generic", &o) == 0);
        CHECK(!allowed(&o, "ptrace") && !allowed(&o, "process_vm_readv"));
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp o2 = { 0 };
        CHECK(resolve(d, CAP("CAP_SYS_PTRACE"), "amd64", "4.4.0", &o2) == 0);
        CHECK(allowed(&o2, "ptrace"));
}

TEST(old_format_and_passthrough)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = parse(
                "{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"defaultErrnoRet\":38,"
                "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
                "\"listenerPath\":\"/run/l.sock\",\"listenerMetadata\":\"m\",\"syscalls\":["
                "{\"name\":\"getpid\",\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":12345,\"comment\":\"x\","
                "\"args\":[{\"index\":1,\"value\":7,\"valueTwo\":3,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
                "{\"name\":\"read\",\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}]}");
        CHECK(p);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
        CHECK(resolve(p, 0, "arm64", "6.1", &s) == 0);
        CHECK_STR_EQ(s.default_action, "SCMP_ACT_KILL_PROCESS");
        CHECK(s.has_default_errno_ret && s.default_errno_ret == 38);
        CHECK(s.architectures && !s.architectures[1]); /* "architectures" is passed on as written */
        CHECK_STR_EQ(s.architectures[0], "SCMP_ARCH_X86_64");
        CHECK(s.flags && !s.flags[1]);
        CHECK_STR_EQ(s.flags[0], "SECCOMP_FILTER_FLAG_LOG");
        CHECK_STR_EQ(s.listener_path, "/run/l.sock");
        CHECK_STR_EQ(s.listener_metadata, "m");
        CHECK(s.n_syscalls == 2 && s.syscalls[0].n_names == 1);
        CHECK_STR_EQ(s.syscalls[0].names[0], "getpid");
        CHECK(s.syscalls[0].has_errno_ret && s.syscalls[0].errno_ret == 12345);
        CHECK(s.syscalls[0].n_args == 1 && s.syscalls[0].args[0].index == 1 && s.syscalls[0].args[0].value == 7 &&
              s.syscalls[0].args[0].value_two == 3);
        CHECK_STR_EQ(s.syscalls[0].args[0].op, "SCMP_CMP_MASKED_EQ");
        CHECK_STR_EQ(s.syscalls[1].names[0], "read");
}

TEST(json_round_trip_through_config_parser)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_seccomp_profile_default(&p, &err) == 0);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
        CHECK(resolve(p, CAP("CAP_SYS_ADMIN"), "amd64", "6.1", &s) == 0);
        json_t *j = NULL;
        CHECK(husk_seccomp_to_json(&s, &j, &err) == 0);
        json_t *doc = json_pack("{s:s, s:{s:s}, s:{s:o}}", "ociVersion", "1.2.0", "root", "path", "rootfs", "linux",
                                "seccomp", j);
        CHECK(doc);
        _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        CHECK(text);
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        CHECK(husk_config_parse(text, strlen(text), "config.json", &spec, &err) == 0);
        const struct husk_seccomp *b = &spec->linux_.seccomp;
        CHECK(spec->linux_.has_seccomp && b->n_syscalls == s.n_syscalls);
        CHECK_STR_EQ(b->default_action, s.default_action);
        CHECK(b->has_default_errno_ret && b->default_errno_ret == s.default_errno_ret);
        CHECK_STR_EQ(b->architectures[2], "SCMP_ARCH_X32");
        for (size_t i = 0; i < s.n_syscalls; i++) {
                CHECK(b->syscalls[i].n_names == s.syscalls[i].n_names && b->syscalls[i].n_args == s.syscalls[i].n_args);
                CHECK_STR_EQ(b->syscalls[i].action, s.syscalls[i].action);
                CHECK(b->syscalls[i].has_errno_ret == s.syscalls[i].has_errno_ret);
                for (size_t k = 0; k < s.syscalls[i].n_names; k++)
                        CHECK_STR_EQ(b->syscalls[i].names[k], s.syscalls[i].names[k]);
                for (size_t k = 0; k < s.syscalls[i].n_args; k++)
                        CHECK(b->syscalls[i].args[k].value == s.syscalls[i].args[k].value);
        }
}

TEST(json_refuses_values_jansson_cannot_write)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = parse(
                RULES("{\"names\":[\"x\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
                      "\"value\":18446744073709551615,\"op\":\"SCMP_CMP_EQ\"}]}"));
        CHECK(p);
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
        CHECK(resolve(p, 0, "amd64", "6.1", &s) == 0);
        CHECK(s.syscalls[0].args[0].value == UINT64_MAX);
        json_t *j = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_seccomp_to_json(&s, &j, &err) == -ERANGE && j == NULL);
        CHECK_CONTAINS(err.msg, "linux.seccomp.syscalls[0].args[0]");
}

TEST(parse_errors_name_file_and_path)
{
        EXPECT_PARSE_FAIL("{\"defaultAction\":", "p.json: line 1 column 17: unexpected token near end of file");
        EXPECT_PARSE_FAIL("[]", "p.json: must be a JSON object");
        EXPECT_PARSE_FAIL("{\"syscalls\":[]}", "p.json: defaultAction: is required");
        EXPECT_PARSE_FAIL(RULES(ALLOW("a", "") ",{\"names\":[\"b\"],\"action\":\"SCMP_ACT_NOPE\"}"),
                          "p.json: syscalls[1].action: unknown seccomp action \"SCMP_ACT_NOPE\"");
        EXPECT_PARSE_FAIL(RULES(ALLOW("a", ",\"includes\":{\"caps\":[\"CAP_CHOWN\",\"CAP_NOPE\"]}")),
                          "p.json: syscalls[0].includes.caps[1]: unknown capability \"CAP_NOPE\"");
        EXPECT_PARSE_FAIL(RULES(ALLOW("a", ",\"excludes\":{\"arches\":[\"amd64\",\"vax\"]}")),
                          "p.json: syscalls[0].excludes.arches[1]: unknown architecture \"vax\"");
        EXPECT_PARSE_FAIL(RULES(ALLOW("a", ",\"includes\":{\"caps\":\"CAP_CHOWN\"}")),
                          "p.json: syscalls[0].includes.caps: must be an array of strings");
        EXPECT_PARSE_FAIL(RULES(ALLOW("a", ",\"includes\":[]")), "p.json: syscalls[0].includes: must be an object");
        const char *bad_versions[] = { "0.0", "4", "4.8.1", "256.1", "4.x", "-4.8", " 4.8", "4.8 ", "4.", ".8" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad_versions); i++) {
                char json[256], msg[256];
                (void) snprintf(json, sizeof(json),
                                RULES(ALLOW("a", ",\"includes\":{\"minKernel\":\"%s\"}")), bad_versions[i]);
                (void) snprintf(msg, sizeof(msg),
                                "p.json: syscalls[0].includes.minKernel: invalid kernel version \"%s\", expected "
                                "\"<kernel>.<major>\"",
                                bad_versions[i]);
                EXPECT_PARSE_FAIL(json, msg);
        }
        EXPECT_PARSE_FAIL(RULES(ALLOW("a", ",\"includes\":{\"minKernel\":4.8}")),
                          "p.json: syscalls[0].includes.minKernel: must be a string");
        EXPECT_PARSE_FAIL(RULES("{\"name\":\"a\",\"names\":[\"b\"],\"action\":\"SCMP_ACT_ALLOW\"}"),
                          "p.json: syscalls[0]: both \"name\" and \"names\" are given, use one of them");
        EXPECT_PARSE_FAIL(RULES("{\"name\":7,\"action\":\"SCMP_ACT_ALLOW\"}"), "p.json: syscalls[0].name: must be a string");
        EXPECT_PARSE_FAIL(RULES(ALLOW("a", ",\"comment\":[]")), "p.json: syscalls[0].comment: must be a string");
        EXPECT_PARSE_FAIL(RULES("{\"action\":\"SCMP_ACT_ALLOW\"}"),
                          "p.json: syscalls[0].names: must be a non-empty array of strings");
        EXPECT_PARSE_FAIL("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86\"],"
                          "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
                          "p.json: both \"architectures\" and \"archMap\" are given, use one of them");
        EXPECT_PARSE_FAIL("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_VAX\"}]}",
                          "p.json: archMap[0].architecture: unknown architecture \"SCMP_ARCH_VAX\"");
        EXPECT_PARSE_FAIL("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
                          "\"subArchitectures\":[\"SCMP_ARCH_X86\",\"x32\"]}]}",
                          "p.json: archMap[0].subArchitectures[1]: unknown architecture \"x32\"");
        EXPECT_PARSE_FAIL("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{}]}",
                          "p.json: archMap[0].architecture: is required");
}

TEST(resolve_errors_leave_output_untouched)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = parse(RULES(ALLOW("a", "")));
        CHECK(p);
        struct husk_seccomp s = { .n_syscalls = 77 };
        struct husk_error err = { 0 };
        struct husk_seccomp_target t = { .arch = "vax", .kernel_release = "6.1" };
        CHECK(husk_seccomp_profile_resolve(p, &t, &s, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "seccomp profile: unknown architecture \"vax\"");
        t.arch = "amd64";
        const char *bad[] = { "", "x", "6", "6.", "6.x", ".1", "-6.1" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                t.kernel_release = bad[i];
                CHECK(husk_seccomp_profile_resolve(p, &t, &s, &err) == -EINVAL);
                CHECK_CONTAINS(err.msg, "expected <kernel>.<major>");
        }
        CHECK(s.n_syscalls == 77 && s.syscalls == NULL && s.default_action == NULL);
}

TEST(kernel_release_parse)
{
        unsigned int a = 0, b = 0;
        CHECK(husk_kernel_release_parse("6.18.0-1-cloud-amd64", &a, &b, NULL) == 0 && a == 6 && b == 18);
        CHECK(husk_kernel_release_parse("3.12-1-amd64", &a, &b, NULL) == 0 && a == 3 && b == 12);
        CHECK(husk_kernel_release_parse("4.8", &a, &b, NULL) == 0 && a == 4 && b == 8);
        CHECK(husk_kernel_release_parse(NULL, &a, &b, NULL) == -EINVAL);
}

TEST(arch_names)
{
        CHECK_STR_EQ(husk_seccomp_arch_canonical("x86_64"), "amd64");
        CHECK_STR_EQ(husk_seccomp_arch_canonical("aarch64"), "arm64");
        CHECK_STR_EQ(husk_seccomp_arch_canonical("mips3l64n32"), "mipsel64n32");
        CHECK(husk_seccomp_arch_canonical("SCMP_ARCH_X86_64") == NULL);
        CHECK_STR_EQ(husk_seccomp_arch_scmp("amd64"), "SCMP_ARCH_X86_64");
        CHECK_STR_EQ(husk_seccomp_arch_from_scmp("SCMP_ARCH_PPC64LE"), "ppc64le");
        CHECK(husk_seccomp_arch_from_scmp("amd64") == NULL);
}

TEST(embedded_profile_is_the_data_file)
{
        char path[PATH_MAX];
        _cleanup_free_ char *data = NULL;
        size_t len = 0, emb_len = 0;
        struct husk_error err = { 0 };
        CHECK(husk_read_file_at(AT_FDCWD, oci_test_data("../../data/seccomp/default.json", path), &data, &len, &err) == 0);
        const char *emb = husk_seccomp_default_profile_json(&emb_len);
        CHECK(emb && emb_len > 1000 && strlen(emb) == emb_len);
        json_t *a = json_loadb(data, len, 0, NULL), *b = json_loadb(emb, emb_len, 0, NULL);
        bool same = a && b && json_equal(a, b);
        json_decref(a);
        json_decref(b);
        CHECK(same);
}

TEST(spec_gets_the_profile_resolved_for_its_bounding_set)
{
        static const char config[] =
                "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],"
                "\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"]}},\"linux\":{\"seccomp\":"
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],\"action\":\"SCMP_ACT_KILL\"}]}}}";
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_config_parse(config, strlen(config), "config.json", &spec, &err) == 0);
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = NULL;
        CHECK(husk_seccomp_profile_default(&p, &err) == 0);
        CHECK(husk_spec_set_seccomp_profile(spec, p, &err) == 0);
        const struct husk_seccomp *s = &spec->linux_.seccomp;
        CHECK(spec->linux_.has_seccomp);
        CHECK_STR_EQ(s->default_action, "SCMP_ACT_ERRNO");
        CHECK(allowed(s, "mount") && allowed(s, "read") && !allowed(s, "reboot") && !allowed(s, "x"));
        /* a spec without process or linux: no capabilities, and linux gets made */
        static const char bare[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}}";
        _cleanup_(husk_spec_freep) struct husk_spec *b = NULL;
        CHECK(husk_config_parse(bare, strlen(bare), "config.json", &b, &err) == 0);
        CHECK(husk_spec_set_seccomp_profile(b, p, &err) == 0);
        CHECK(b->has_linux && b->linux_.has_seccomp && !allowed(&b->linux_.seccomp, "mount"));
        CHECK(allowed(&b->linux_.seccomp, "read"));
}

RUN_TESTS()

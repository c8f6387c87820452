/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime-spec's seccomp names (config-linux.md) and the values libseccomp and the kernel use.
 * Only the headers of libseccomp are needed here: the SCMP_* values are macros and enum constants. */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "runtime/seccomp.h"
#include "util/cleanup.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The kernel returns at most MAX_ERRNO as an errno; SECCOMP_RET_DATA holds 16 bits for TRACE's message. */
#define MAX_ERRNO     4095
#define MAX_RET_DATA  0xffff

const char *const husk_seccomp_action_names[] = {
        "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL,
};

/* In the order of enum scmp_compare, which starts at SCMP_CMP_NE = 1. */
const char *const husk_seccomp_operator_names[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

struct arch_name {
        const char *name;
        uint32_t value; /* 0: this libseccomp does not know it */
};

/* Every architecture of the spec; the newer ones exist only in newer libseccomp headers. */
static const struct arch_name archs[] = {
        { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
        { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
        { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
        { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
        { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
#ifdef SCMP_ARCH_LOONGARCH64
        { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#else
        { "SCMP_ARCH_LOONGARCH64", 0 },
#endif
#ifdef SCMP_ARCH_M68K
        { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#else
        { "SCMP_ARCH_M68K", 0 },
#endif
        { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
        { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
        { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
        { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
        { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
        { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
        { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
        { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
        { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
        { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
        { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
#ifdef SCMP_ARCH_SH
        { "SCMP_ARCH_SH", SCMP_ARCH_SH },
        { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#else
        { "SCMP_ARCH_SH", 0 },
        { "SCMP_ARCH_SHEB", 0 },
#endif
        { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
        { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
        { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
};

/* Only the architectures this build can compile for (features lists what is supported). */
const char *const husk_seccomp_arch_names[] = {
        "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",       "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64",
#ifdef SCMP_ARCH_LOONGARCH64
        "SCMP_ARCH_LOONGARCH64",
#endif
#ifdef SCMP_ARCH_M68K
        "SCMP_ARCH_M68K",
#endif
        "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",       "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
#ifdef SCMP_ARCH_SH
        "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
#endif
        "SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64",   NULL,
};

struct flag_name {
        const char *name;
        unsigned int value;
};

static const struct flag_name flags[] = {
        { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
        { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
        { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

const char *const husk_seccomp_flag_names[] = {
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
        NULL,
};

static int name_index(const char *const *names, const char *name)
{
        for (int i = 0; name && names[i]; i++)
                if (strcmp(names[i], name) == 0)
                        return i;
        return -1;
}

int husk_seccomp_action(const char *name, bool has_errno_ret, uint32_t errno_ret, const char *what, uint32_t *ret,
                        struct husk_error *err)
{
        static const uint32_t plain[] = {
                SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, 0,
                0,             SCMP_ACT_ALLOW,        SCMP_ACT_LOG,         SCMP_ACT_NOTIFY,
        };
        int i = name_index(husk_seccomp_action_names, name);
        if (i < 0)
                return husk_error_set(err, EINVAL, "%s: unknown seccomp action \"%s\"", what, name ? name : "");
        if (strcmp(name, "SCMP_ACT_ERRNO") == 0) {
                uint32_t e = has_errno_ret ? errno_ret : EPERM;
                if (e > MAX_ERRNO)
                        return husk_error_set(err, EINVAL, "%s: errno %u is out of range (at most %d)", what, e,
                                              MAX_ERRNO);
                *ret = SCMP_ACT_ERRNO(e);
                return 0;
        }
        if (strcmp(name, "SCMP_ACT_TRACE") == 0) {
                /* The value is the tracer's message (PTRACE_GETEVENTMSG); EPERM by default, as runc.
                 * Without a tracer the kernel fails the syscall with ENOSYS whatever it is. */
                uint32_t e = has_errno_ret ? errno_ret : EPERM;
                if (e > MAX_RET_DATA)
                        return husk_error_set(err, EINVAL, "%s: errno %u is out of range (at most %d)", what, e,
                                              MAX_RET_DATA);
                *ret = SCMP_ACT_TRACE(e);
                return 0;
        }
        /* config-linux.md: "When the action doesn't support an errno, the runtime MUST print and error and fail." */
        if (has_errno_ret)
                return husk_error_set(err, EINVAL, "%s: %s does not take an errno (only SCMP_ACT_ERRNO and "
                                      "SCMP_ACT_TRACE do)", what, name);
        *ret = plain[i];
        return 0;
}

int husk_seccomp_operator(const char *name)
{
        int i = name_index(husk_seccomp_operator_names, name);
        return i < 0 ? -EINVAL : i + SCMP_CMP_NE;
}

int husk_seccomp_arch(const char *name, uint32_t *ret)
{
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(archs); i++) {
                if (strcmp(archs[i].name, name) != 0)
                        continue;
                if (!archs[i].value)
                        return -EOPNOTSUPP;
                *ret = archs[i].value;
                return 0;
        }
        return -EINVAL;
}

unsigned int husk_seccomp_flag(const char *name)
{
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(flags); i++)
                if (strcmp(flags[i].name, name) == 0)
                        return flags[i].value;
        return 0;
}

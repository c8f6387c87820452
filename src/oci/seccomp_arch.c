/* SPDX-License-Identifier: Apache-2.0 */
/* Architecture names of seccomp profiles: Docker's (Go's "amd64", "arm64", libseccomp's for the
 * rest), their aliases, and the runtime-spec's SCMP_ARCH_* for each. */
#include <string.h>

#include "oci/seccomp_profile.h"
#include "util/cleanup.h"

struct arch_name {
        const char *name; /* canonical, as Docker's profiles write it */
        const char *alias; /* also accepted, may be NULL */
        const char *scmp;
};

static const struct arch_name arches[] = {
        { "x86", "i386", "SCMP_ARCH_X86" },
        { "amd64", "x86_64", "SCMP_ARCH_X86_64" },
        { "x32", NULL, "SCMP_ARCH_X32" },
        { "arm", NULL, "SCMP_ARCH_ARM" },
        { "arm64", "aarch64", "SCMP_ARCH_AARCH64" },
        { "loongarch64", "loong64", "SCMP_ARCH_LOONGARCH64" },
        { "m68k", NULL, "SCMP_ARCH_M68K" },
        { "mips", NULL, "SCMP_ARCH_MIPS" },
        { "mipsel", "mipsle", "SCMP_ARCH_MIPSEL" },
        { "mips64", NULL, "SCMP_ARCH_MIPS64" },
        { "mips64n32", NULL, "SCMP_ARCH_MIPS64N32" },
        { "mipsel64", NULL, "SCMP_ARCH_MIPSEL64" },
        /* moby's table spells it "mips3l64n32"; profiles copied from it may too. */
        { "mipsel64n32", "mips3l64n32", "SCMP_ARCH_MIPSEL64N32" },
        { "ppc", NULL, "SCMP_ARCH_PPC" },
        { "ppc64", NULL, "SCMP_ARCH_PPC64" },
        { "ppc64le", NULL, "SCMP_ARCH_PPC64LE" },
        { "s390", NULL, "SCMP_ARCH_S390" },
        { "s390x", NULL, "SCMP_ARCH_S390X" },
        { "parisc", NULL, "SCMP_ARCH_PARISC" },
        { "parisc64", NULL, "SCMP_ARCH_PARISC64" },
        { "riscv64", NULL, "SCMP_ARCH_RISCV64" },
        { "sh", NULL, "SCMP_ARCH_SH" },
        { "sheb", NULL, "SCMP_ARCH_SHEB" },
};

const char *husk_seccomp_arch_canonical(const char *name)
{
        for (size_t i = 0; name && i < HUSK_ARRAY_SIZE(arches); i++)
                if (strcmp(arches[i].name, name) == 0 || (arches[i].alias && strcmp(arches[i].alias, name) == 0))
                        return arches[i].name;
        return NULL;
}

const char *husk_seccomp_arch_scmp(const char *canonical)
{
        for (size_t i = 0; canonical && i < HUSK_ARRAY_SIZE(arches); i++)
                if (strcmp(arches[i].name, canonical) == 0)
                        return arches[i].scmp;
        return NULL;
}

const char *husk_seccomp_arch_from_scmp(const char *scmp)
{
        for (size_t i = 0; scmp && i < HUSK_ARRAY_SIZE(arches); i++)
                if (strcmp(arches[i].scmp, scmp) == 0)
                        return arches[i].name;
        return NULL;
}

const char *husk_seccomp_arch_native(void)
{
        /* The ABI this code was compiled for, as the kernel's seccomp sees its syscalls. */
#if defined(__x86_64__) && defined(__ILP32__)
        return "x32";
#elif defined(__x86_64__)
        return "amd64";
#elif defined(__i386__)
        return "x86";
#elif defined(__aarch64__)
        return "arm64";
#elif defined(__arm__)
        return "arm";
#elif defined(__loongarch64)
        return "loongarch64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
        return "ppc64le";
#elif defined(__powerpc64__)
        return "ppc64";
#elif defined(__powerpc__)
        return "ppc";
#elif defined(__s390x__)
        return "s390x";
#elif defined(__s390__)
        return "s390";
#elif defined(__riscv) && __riscv_xlen == 64
        return "riscv64";
#elif defined(__mips__) && defined(_ABIN32) && defined(__MIPSEL__)
        return "mipsel64n32";
#elif defined(__mips__) && defined(_ABIN32)
        return "mips64n32";
#elif defined(__mips__) && defined(_ABI64) && defined(__MIPSEL__)
        return "mipsel64";
#elif defined(__mips__) && defined(_ABI64)
        return "mips64";
#elif defined(__mips__) && defined(__MIPSEL__)
        return "mipsel";
#elif defined(__mips__)
        return "mips";
#else
        return NULL;
#endif
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/capabilities.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Indexed by capability number (linux/capability.h). Hand-written rather than taken from libcap so
 * that the start path does not load it, and so names of capabilities newer than the build host's
 * headers are still understood. */
static const char *const cap_names[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int husk_cap_from_name(const char *name)
{
        if (!name)
                return -1;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cap_names); i++)
                if (strcmp(cap_names[i], name) == 0)
                        return (int) i;
        return -1;
}

const char *husk_cap_to_name(int cap)
{
        if (cap < 0 || (size_t) cap >= HUSK_ARRAY_SIZE(cap_names))
                return NULL;
        return cap_names[cap];
}

int husk_cap_last_known(void)
{
        return (int) HUSK_ARRAY_SIZE(cap_names) - 1;
}

int husk_cap_last_kernel(void)
{
        _cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char buf[16];
        ssize_t n;

        /* Without /proc (early in a container's setup, or masked) assume the kernel matches the
         * table: callers use this to drop capabilities the kernel does not have. */
        if (fd < 0)
                return husk_cap_last_known();
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return husk_cap_last_known();
        buf[n] = '\0';
        char *end;
        long v = strtol(buf, &end, 10);
        if (end == buf || v < 0 || v > 63)
                return husk_cap_last_known();
        return (int) v;
}

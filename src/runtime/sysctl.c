/* SPDX-License-Identifier: Apache-2.0 */
/* linux.sysctl: only keys that belong to a namespace the container has of its own (runc's rules). */
#include "runtime/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "runtime/rootfs.h"
#include "util/cleanup.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* IPC namespace sysctls (ipc/ipc_sysctl.c), plus everything under fs.mqueue. */
static const char *const ipc_keys[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool valid_key_syntax(const char *key)
{
        /* "/" would let a key name another path under /proc/sys; an empty component (".." in the
         * dotted form, a leading or trailing ".") is never a real sysctl. */
        if (!*key || strchr(key, '/') || key[0] == '.' || key[strlen(key) - 1] == '.' || strstr(key, ".."))
                return false;
        return true;
}

/* Compare with runs of blanks collapsed: "250 32000 32 128" reads back tab-separated. */
static bool same_value(const char *a, const char *b)
{
        for (;;) {
                while (*a == ' ' || *a == '\t' || *a == '\n')
                        a++;
                while (*b == ' ' || *b == '\t' || *b == '\n')
                        b++;
                if (!*a || !*b)
                        return !*a && !*b;
                while (*a && *a != ' ' && *a != '\t' && *a != '\n' && *a == *b) {
                        a++;
                        b++;
                }
                if ((*a && *a != ' ' && *a != '\t' && *a != '\n') || (*b && *b != ' ' && *b != '\t' && *b != '\n'))
                        return false;
        }
}

/* husk_rootfs_finalize writes the sysctls before /proc/sys becomes read-only (runc's order); a later
 * husk_sysctl_apply then finds every value in place and writes nothing. */
static bool already_set(int sys_fd, const char *rel, const char *want)
{
        char cur[4096];
        _cleanup_close_ int fd = openat(sys_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return false;
        ssize_t n = read(fd, cur, sizeof(cur) - 1);
        if (n < 0 || (size_t) n == sizeof(cur) - 1)
                return false;
        cur[n] = '\0';
        return same_value(cur, want);
}

int husk_sysctl_validate(const struct husk_spec *spec, const char *key, struct husk_error *err)
{
        if (!key || !valid_key_syntax(key))
                return husk_error_set(err, EINVAL, "sysctl \"%s\": invalid key", key ? key : "");

        bool ipc = strncmp(key, "fs.mqueue.", 10) == 0;
        for (size_t i = 0; !ipc && i < HUSK_ARRAY_SIZE(ipc_keys); i++)
                ipc = strcmp(key, ipc_keys[i]) == 0;
        if (ipc) {
                if (!husk_rootfs_has_ns(spec, HUSK_NS_IPC))
                        return husk_error_set(err, EPERM, "sysctl \"%s\" is not allowed in the host's ipc namespace", key);
                return 0;
        }
        if (strncmp(key, "net.", 4) == 0) {
                if (!husk_rootfs_has_ns(spec, HUSK_NS_NETWORK))
                        return husk_error_set(err, EPERM, "sysctl \"%s\" is not allowed in the host's network namespace",
                                              key);
                return 0;
        }
        if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0) {
                if (!husk_rootfs_has_ns(spec, HUSK_NS_UTS))
                        return husk_error_set(err, EPERM, "sysctl \"%s\" is not allowed in the host's uts namespace", key);
                return 0;
        }
        return husk_error_set(err, EPERM, "sysctl \"%s\" is not in a separate kernel namespace", key);
}

int husk_sysctl_apply(const struct husk_spec *spec, struct husk_error *err)
{
        if (!spec->has_linux || spec->linux_.n_sysctl == 0)
                return 0;
        /* All or nothing: refuse the config before the first write. */
        for (size_t i = 0; i < spec->linux_.n_sysctl; i++) {
                int r = husk_sysctl_validate(spec, spec->linux_.sysctl[i].key, err);
                if (r < 0)
                        return r;
        }

        _cleanup_close_ int sys = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (sys < 0)
                return husk_error_errno(err, errno, "open /proc/sys");
        /* A rootfs without a proc mount could offer a plain directory there: writing into it would
         * silently set nothing. */
        struct statfs sfs;
        if (fstatfs(sys, &sfs) < 0)
                return husk_error_errno(err, errno, "statfs /proc/sys");
        if (sfs.f_type != PROC_SUPER_MAGIC)
                return husk_error_set(err, EINVAL, "/proc/sys is not a procfs mount: mount proc to set sysctls");

        for (size_t i = 0; i < spec->linux_.n_sysctl; i++) {
                const struct husk_kv *kv = &spec->linux_.sysctl[i];
                _cleanup_free_ char *rel = strdup(kv->key);
                if (!rel)
                        return husk_error_errno(err, ENOMEM, "sysctl \"%s\"", kv->key);
                for (char *p = rel; *p; p++)
                        if (*p == '.')
                                *p = '/';
                const char *v = kv->value ? kv->value : "";
                if (already_set(sys, rel, v))
                        continue;
                _cleanup_close_ int fd = openat(sys, rel, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return husk_error_errno(err, errno, "sysctl \"%s\": open /proc/sys/%s", kv->key, rel);
                size_t len = strlen(v);
                ssize_t n = write(fd, v, len);
                if (n < 0)
                        return husk_error_errno(err, errno, "sysctl \"%s\": write \"%s\"", kv->key, v);
                if ((size_t) n != len)
                        return husk_error_set(err, EIO, "sysctl \"%s\": short write", kv->key);
        }
        return 0;
}

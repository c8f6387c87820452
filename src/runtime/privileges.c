/* SPDX-License-Identifier: Apache-2.0 */
/* Becoming the container's user: cwd, groups, gid/uid and the capability sets, in the one order in
 * which each step still has the privilege it needs (runc's finalizeNamespace/setupUser). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/capabilities.h"
#include "runtime/process.h"
#include "util/cleanup.h"
#include "util/path.h"

/* The highest capability of the running kernel. husk_cap_last_kernel() falls back to our table
 * when /proc is unreadable; a kernel newer than the table would then keep its extra capabilities
 * in the bounding set, so probe upwards: PR_CAPBSET_READ fails with EINVAL past the last one. */
static int kernel_cap_last_cap(void)
{
        int last = husk_cap_last_kernel();
        while (last < 63 && prctl(PR_CAPBSET_READ, (unsigned long) last + 1, 0, 0, 0) >= 0)
                last++;
        return last;
}

/* "CAP_NET_ADMIN", or "capability 41" for one newer than our table. */
static const char *cap_name(int cap, char buf[static 32])
{
        const char *name = husk_cap_to_name(cap);
        if (name)
                return name;
        snprintf(buf, 32, "capability %d", cap);
        return buf;
}

/* True when the kernel will refuse setgroups() for good: a user namespace whose
 * /proc/self/setgroups says "deny" (written before a gid_map by an unprivileged owner). */
static bool setgroups_denied(void)
{
        _cleanup_close_ int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        char buf[16] = { 0 };
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        return n > 0 && strncmp(buf, "deny", 4) == 0;
}

static int drop_bounding(uint64_t keep, int last_cap, struct husk_error *err)
{
        for (int cap = 0; cap <= last_cap; cap++) {
                if (keep & (UINT64_C(1) << cap))
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long) cap, 0, 0, 0) < 0) {
                        char buf[32];
                        return husk_error_errno(err, errno, "drop %s from the bounding set", cap_name(cap, buf));
                }
        }
        return 0;
}

static int set_capabilities(const struct husk_capabilities *c, struct husk_error *err)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
        for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
                data[i].effective = (uint32_t) (c->effective >> (32 * i));
                data[i].permitted = (uint32_t) (c->permitted >> (32 * i));
                data[i].inheritable = (uint32_t) (c->inheritable >> (32 * i));
        }
        if (syscall(SYS_capset, &hdr, data) < 0)
                return husk_error_errno(err, errno, "capset (effective %#llx, permitted %#llx, inheritable %#llx)",
                                        (unsigned long long) c->effective, (unsigned long long) c->permitted,
                                        (unsigned long long) c->inheritable);
        return 0;
}

static int set_ambient(uint64_t ambient, int last_cap, struct husk_error *err)
{
        /* Start from nothing: an ambient set inherited from the runtime must not survive. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                /* Kernels before 4.3 have no ambient set; only an error if one was asked for. */
                if (errno == EINVAL && ambient == 0)
                        return 0;
                return husk_error_errno(err, errno, "clear the ambient capabilities");
        }
        for (int cap = 0; cap <= last_cap; cap++) {
                if (!(ambient & (UINT64_C(1) << cap)))
                        continue;
                /* The kernel requires the capability in both permitted and inheritable. */
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) cap, 0, 0) < 0) {
                        char buf[32];
                        return husk_error_errno(err, errno,
                                                "raise ambient %s (it must also be permitted and inheritable)",
                                                cap_name(cap, buf));
                }
        }
        return 0;
}

static int set_final_capabilities(const struct husk_capabilities *c, int last_cap, struct husk_error *err)
{
        /* KEEPCAPS off again so a later setuid in the container process behaves normally. */
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return husk_error_errno(err, errno, "prctl PR_SET_KEEPCAPS 0");
        /* capset after setresuid: the uid change cleared the effective set (KEEPCAPS keeps only
         * the permitted one), and only the kept permitted set lets us choose the final sets. */
        int r = set_capabilities(c, err);
        if (r < 0)
                return r;
        /* Ambient last: raising needs the capability in the final permitted and inheritable sets.
         * runc's own default spec lists ambient capabilities without inheritable ones, and runc
         * silently raises none of them; do the same rather than fail every such config. */
        return set_ambient(c->ambient & c->permitted & c->inheritable, last_cap, err);
}

/* process.cwd, resolved inside "/" (the container's root by now) without magic links: a
 * "/proc/self/fd/N" naming a directory fd of the host must not become the container's cwd
 * (CVE-2024-21626). Returns 0 or a negative errno. */
static int chdir_in_root(const char *cwd)
{
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return -errno;
        struct husk_error ignored = { 0 };
        _cleanup_close_ int fd = husk_open_in_root(root, cwd, O_PATH | O_DIRECTORY, 0, &ignored);
        if (fd < 0)
                return fd;
        if (fchdir(fd) < 0)
                return -errno;
        /* The kernel says "(unreachable)", which glibc turns into ENOENT, for a cwd outside the root:
         * a last check that costs one syscall. */
        char buf[PATH_MAX];
        if (!getcwd(buf, sizeof(buf)) && errno == ENOENT)
                return -EXDEV;
        return 0;
}

static int cwd_error(const char *cwd, int r, struct husk_error *err)
{
        if (r == -ELOOP || r == -EXDEV)
                return husk_error_set(err, -r,
                                      "chdir to cwd (\"%s\") set in config.json failed: it leads out of the container "
                                      "root (a magic link such as /proc/self/fd/N, or a symlink loop)", cwd);
        return husk_error_errno(err, -r, "chdir to cwd (\"%s\") set in config.json failed", cwd);
}

int husk_process_drop_privileges(const struct husk_process *p, struct husk_error *err)
{
        const struct husk_user *u = &p->user;
        /* No "capabilities" in the config means none at all, as in runc: never whatever the caller of
         * the runtime had, inheritable and ambient sets included (CVE-2022-27650 class). */
        static const struct husk_capabilities no_caps = { 0 };
        const struct husk_capabilities *c = p->has_capabilities ? &p->capabilities : &no_caps;
        int last_cap = -1, r;

        /* chdir while still root: a directory root can enter but the user cannot (a volume not
         * yet chowned) still works. EACCES is retried as the user after setuid, for the opposite
         * case: root squashed on NFS, or a directory only the container user can enter. */
        bool chdir_again = false;
        if (p->cwd && (r = chdir_in_root(p->cwd)) < 0) {
                if (r != -EACCES && r != -EPERM)
                        return cwd_error(p->cwd, r, err);
                chdir_again = true;
        }

        /* setgroups before setresgid/setresuid: it needs CAP_SETGID, gone once we are the user. */
        if (setgroups(u->n_additional_gids, u->additional_gids) < 0) {
                /* In a user namespace with setgroups denied, an empty list is what we have anyway. */
                if (!(errno == EPERM && u->n_additional_gids == 0 && setgroups_denied()))
                        return husk_error_errno(err, errno, "setgroups (%zu additional gids)", u->n_additional_gids);
        }

        last_cap = kernel_cap_last_cap();
        /* PR_CAPBSET_DROP needs CAP_SETPCAP in the effective set: only root has it still. */
        r = drop_bounding(c->bounding, last_cap, err);
        if (r < 0)
                return r;
        /* Without KEEPCAPS, a setresuid from 0 to non-zero empties the permitted set, and
         * capset could then only ask for less: nothing. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return husk_error_errno(err, errno, "prctl PR_SET_KEEPCAPS 1");

        /* gid first: once the uid is not 0 we would lack CAP_SETGID to change it. */
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return husk_error_errno(err, errno, "setresgid %u", (unsigned) u->gid);
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return husk_error_errno(err, errno, "setresuid %u", (unsigned) u->uid);

        if (chdir_again && (r = chdir_in_root(p->cwd)) < 0)
                return cwd_error(p->cwd, r, err);

        r = set_final_capabilities(c, last_cap, err);
        if (r < 0)
                return r;

        /* After the uid change: no_new_privs forbids nothing of the above, but it must be in place
         * before exec (and before seccomp, which requires it when unprivileged). */
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return husk_error_errno(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The "cgroup" mount type: cgroup2 on a unified host, a tmpfs of v1 hierarchies otherwise (runc's
 * mountCgroupV1 / mountCgroupV2). */
#include "runtime/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/path.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define HOST_CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_FS_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* One host hierarchy, from /proc/self/mountinfo. Pointers into the mountinfo buffer. */
struct hierarchy {
        const char *root;       /* mount root inside the hierarchy, usually "/" */
        const char *mountpoint; /* /sys/fs/cgroup/cpu,cpuacct */
        const char *name;       /* cpu,cpuacct (basename) */
        char ctrls[256];        /* controllers as /proc/self/cgroup lists them; "" for cgroup2 */
        bool v2;
};

/* "rw,cpu,cpuacct" -> "cpu,cpuacct"; "rw,xattr,name=systemd" -> "name=systemd". release_agent is
 * dropped: a container must never get to set it (CVE-2022-0492). */
static void superopts_to_ctrls(const char *opts, char *out, size_t size)
{
        static const char *const skip[] = { "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode" };
        size_t o = 0;
        out[0] = '\0';
        while (*opts) {
                const char *end = strchrnul(opts, ',');
                size_t n = (size_t) (end - opts);
                bool keep = n > 0 && strncmp(opts, "release_agent=", 14) != 0;
                for (size_t i = 0; keep && i < HUSK_ARRAY_SIZE(skip); i++)
                        if (strlen(skip[i]) == n && strncmp(opts, skip[i], n) == 0)
                                keep = false;
                if (keep && o + n + 2 < size) {
                        if (o)
                                out[o++] = ',';
                        memcpy(out + o, opts, n);
                        o += n;
                        out[o] = '\0';
                }
                opts = *end ? end + 1 : end;
        }
}

/* Splits mountinfo in place; fills up to `max` hierarchies mounted below /sys/fs/cgroup/. */
static size_t parse_hierarchies(char *mountinfo, struct hierarchy *h, size_t max)
{
        size_t n = 0;
        char *save = NULL;
        for (char *line = strtok_r(mountinfo, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
                char *f[6] = { 0 };
                char *s2 = NULL, *tok = strtok_r(line, " ", &s2);
                for (int i = 0; tok && i < 5; i++, tok = strtok_r(NULL, " ", &s2))
                        f[i] = tok;
                /* skip optional fields up to the "-" separator */
                while (tok && strcmp(tok, "-") != 0)
                        tok = strtok_r(NULL, " ", &s2);
                char *fstype = tok ? strtok_r(NULL, " ", &s2) : NULL;
                char *source = fstype ? strtok_r(NULL, " ", &s2) : NULL;
                char *superopts = source ? strtok_r(NULL, " ", &s2) : NULL;
                if (!superopts || !f[4] || strncmp(f[4], HOST_CGROUP_ROOT "/", sizeof(HOST_CGROUP_ROOT)) != 0)
                        continue;
                bool v2 = strcmp(fstype, "cgroup2") == 0;
                if (!v2 && strcmp(fstype, "cgroup") != 0)
                        continue;
                const char *name = f[4] + sizeof(HOST_CGROUP_ROOT);
                if (!*name || strchr(name, '/'))
                        continue;
                h[n] = (struct hierarchy){ .root = f[3], .mountpoint = f[4], .name = name, .v2 = v2 };
                if (!v2)
                        superopts_to_ctrls(superopts, h[n].ctrls, sizeof(h[n].ctrls));
                n++;
        }
        return n;
}

/* This process's cgroup in a hierarchy, from /proc/self/cgroup ("4:cpu,cpuacct:/path", "0::/path"). */
static const char *own_cgroup(const char *proc_cgroup, const struct hierarchy *h, char *buf, size_t size)
{
        const char *line = proc_cgroup;
        while (line && *line) {
                const char *nl = strchrnul(line, '\n');
                const char *c1 = memchr(line, ':', (size_t) (nl - line));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t) (nl - c1 - 1)) : NULL;
                if (c2) {
                        size_t clen = (size_t) (c2 - c1 - 1);
                        bool match = h->v2 ? clen == 0 && strncmp(line, "0:", 2) == 0
                                           : clen == strlen(h->ctrls) && strncmp(c1 + 1, h->ctrls, clen) == 0;
                        if (match) {
                                (void) snprintf(buf, size, "%.*s", (int) (nl - c2 - 1), c2 + 1);
                                return buf;
                        }
                }
                line = *nl ? nl + 1 : NULL;
        }
        return NULL;
}

static int mount_v1_hierarchy(const struct husk_rootfs_ctx *ctx, int tmpfs_fd, const struct hierarchy *h,
                              const char *proc_cgroup, const struct husk_mount_options *o, const char *dest,
                              struct husk_error *err)
{
        bool ro = o->flags & MS_RDONLY;
        char buf[32];

        if (mkdirat(tmpfs_fd, h->name, 0755) < 0 && errno != EEXIST)
                return husk_error_errno(err, errno, "mkdir \"%s/%s\"", dest, h->name);
        _cleanup_close_ int sub = openat(tmpfs_fd, h->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
                return husk_error_errno(err, errno, "open \"%s/%s\"", dest, h->name);

        if (husk_rootfs_has_ns(ctx->spec, HUSK_NS_CGROUP)) {
                /* In its own cgroup namespace the container sees its cgroup as the hierarchy root. */
                const char *type = h->v2 ? "cgroup2" : "cgroup";
                unsigned long flags = CGROUP_FS_FLAGS | (ro ? MS_RDONLY : 0);
                if (mount(type, husk_fd_path(sub, buf), type, flags, h->v2 ? NULL : h->ctrls) < 0)
                        return husk_error_errno(err, errno, "mount \"%s\" (%s) on \"%s/%s\"", type,
                                                h->v2 ? "cgroup2" : h->ctrls, dest, h->name);
                return 0;
        }

        /* No cgroup namespace: bind the container's own cgroup, so it does not see its siblings. */
        char cg[4096], src[4096 + 512];
        const char *path = own_cgroup(proc_cgroup, h, cg, sizeof(cg));
        if (!path)
                path = "/";
        size_t rl = strlen(h->root);
        if (strcmp(h->root, "/") != 0 && strncmp(path, h->root, rl) == 0)
                path += rl;
        (void) snprintf(src, sizeof(src), "%s%s", h->mountpoint, path);
        uint64_t set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | (ro ? MOUNT_ATTR_RDONLY : 0);
        int r = husk_bind_onto(AT_FDCWD, src, sub, true, set, 0, 0, 0);
        if (r < 0)
                return husk_error_errno(err, -r, "mount \"%s\" on \"%s/%s\"", src, dest, h->name);
        return 0;
}

/* "cpu,cpuacct" -> cpu and cpuacct symlinks to it, as runc and systemd make them. */
static void comount_symlinks(int tmpfs_fd, const struct hierarchy *h)
{
        if (h->v2 || !strchr(h->name, ',') || strchr(h->name, '='))
                return;
        char names[256];
        (void) snprintf(names, sizeof(names), "%s", h->name);
        char *save = NULL;
        for (char *ss = strtok_r(names, ",", &save); ss; ss = strtok_r(NULL, ",", &save))
                (void) symlinkat(h->name, tmpfs_fd, ss); /* EEXIST: already a hierarchy of its own */
}

static int mount_v1(const struct husk_rootfs_ctx *ctx, int root_fd, const char *dest,
                    const struct husk_mount_options *o, struct husk_error *err)
{
        _cleanup_free_ char *mountinfo = NULL, *proc_cgroup = NULL;
        struct hierarchy h[32];
        char buf[32];
        int r;

        r = husk_rootfs_read_text("/proc/self/mountinfo", &mountinfo, err);
        if (r < 0)
                return r;
        r = husk_rootfs_read_text("/proc/self/cgroup", &proc_cgroup, err);
        if (r < 0)
                return r;
        size_t n = parse_hierarchies(mountinfo, h, HUSK_ARRAY_SIZE(h));

        {
                _cleanup_close_ int d = husk_mkdir_in_root(root_fd, dest, 0755, false, err);
                if (d < 0)
                        return d;
                if (mount("tmpfs", husk_fd_path(d, buf), "tmpfs", CGROUP_FS_FLAGS, "mode=755") < 0)
                        return husk_error_errno(err, errno, "mount \"tmpfs\" on \"%s\"", dest);
        }
        _cleanup_close_ int tmpfs_fd = husk_open_in_root(root_fd, dest, O_PATH | O_DIRECTORY, 0, err);
        if (tmpfs_fd < 0)
                return tmpfs_fd;
        for (size_t i = 0; i < n; i++) {
                r = mount_v1_hierarchy(ctx, tmpfs_fd, &h[i], proc_cgroup, o, dest, err);
                if (r < 0)
                        return r;
                comount_symlinks(tmpfs_fd, &h[i]);
        }
        if (o->flags & MS_RDONLY) {
                struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
                if (mount_setattr(tmpfs_fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
                        return husk_error_errno(err, errno, "remount \"%s\" read-only", dest);
        }
        return 0;
}

int husk_mount_cgroup(const struct husk_rootfs_ctx *ctx, int root_fd, const char *dest,
                      const struct husk_mount_options *o, struct husk_error *err)
{
        struct statfs sfs;
        char buf[32];

        if (statfs(HOST_CGROUP_ROOT, &sfs) < 0)
                return husk_error_errno(err, errno, "statfs %s", HOST_CGROUP_ROOT);
        if (sfs.f_type != CGROUP2_SUPER_MAGIC)
                return mount_v1(ctx, root_fd, dest, o, err);

        _cleanup_close_ int d = husk_mkdir_in_root(root_fd, dest, 0755, false, err);
        if (d < 0)
                return d;
        if (mount("cgroup2", husk_fd_path(d, buf), "cgroup2", o->flags | CGROUP_FS_FLAGS, o->data) == 0)
                return 0;
        /* A user namespace without its own cgroup namespace may not mount cgroup2: bind the host's,
         * as runc does. */
        if (errno != EPERM && errno != EBUSY)
                return husk_error_errno(err, errno, "mount \"cgroup2\" on \"%s\"", dest);
        uint64_t set, clr;
        husk_mount_options_to_attr(o, &set, &clr);
        int r = husk_bind_onto(AT_FDCWD, HOST_CGROUP_ROOT, d, true, set, clr, o->rattr_set, o->rattr_clr);
        if (r < 0)
                return husk_error_errno(err, -r, "mount \"%s\" on \"%s\"", HOST_CGROUP_ROOT, dest);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which driver AUTO means: overlay when the kernel has overlayfs and the filesystem that will hold the
 * upper layers takes it (not overlayfs itself, for one: overlay on overlay has no upper), else copy.
 * The only reliable question is the kernel's own answer, so the probe makes a one-layer overlay with the
 * options a real mount uses, in a scratch directory, and drops it without attaching it anywhere.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "image/rootfs_layers.h"
#include "util/cleanup.h"
#include "util/fs.h"

static const char *fs_name(int fd, char buf[static 32])
{
        static const struct {
                unsigned long magic;
                const char *name;
        } known[] = {
                { 0xEF53, "ext4" },          { 0x58465342, "xfs" },    { 0x9123683E, "btrfs" },
                { 0x01021994, "tmpfs" },     { 0x794c7630, "overlayfs" }, { 0x2fc12fc1, "zfs" },
                { 0x6969, "nfs" },           { 0x65735546, "fuse" },   { 0x01021997, "9p" },
                { 0xF2F52010, "f2fs" },
        };
        struct statfs sf;

        if (fstatfs(fd, &sf) < 0)
                return "an unknown filesystem";
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(known); i++)
                if ((unsigned long) sf.f_type == known[i].magic)
                        return known[i].name;
        (void) snprintf(buf, 32, "filesystem 0x%lx", (unsigned long) sf.f_type);
        return buf;
}

static int say(char *why, size_t why_len, enum husk_rootfs_driver *ret, enum husk_rootfs_driver d,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int say(char *why, size_t why_len, enum husk_rootfs_driver *ret, enum husk_rootfs_driver d,
               const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (why && why_len)
                (void) vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
        *ret = d;
        return 0;
}

/* A one-layer overlay in <scratch>/rootfs-probe-XXXX/{lower,upper,work}: 0 when the kernel made it.
 * *ret_setup says that the failure was ours (the scratch directory), not the kernel's answer. */
static int try_overlay(int scratch, const struct husk_rootfs_opts *opts, bool *ret_setup, struct husk_error *err)
{
        uint64_t rnd = 0;
        char name[64];

        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
                rnd = (uint64_t) getpid();
        (void) snprintf(name, sizeof(name), "rootfs-probe-%d-%016llx", (int) getpid(), (unsigned long long) rnd);
        *ret_setup = true;
        if (mkdirat(scratch, name, 0700) < 0)
                return husk_error_errno(err, errno, "rootfs probe: mkdir %s", name);

        int r;
        {
                _cleanup_close_ int dir = openat(scratch, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir < 0 || mkdirat(dir, "lower", 0755) < 0 || mkdirat(dir, "upper", 0755) < 0 ||
                    mkdirat(dir, "work", 0700) < 0) {
                        r = husk_error_errno(err, errno, "rootfs probe: make %s", name);
                } else {
                        _cleanup_close_ int lower = openat(dir, "lower", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        _cleanup_close_ int upper = openat(dir, "upper", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        _cleanup_close_ int work = openat(dir, "work", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (lower < 0 || upper < 0 || work < 0) {
                                r = husk_error_errno(err, errno, "rootfs probe: open %s", name);
                        } else {
                                struct husk_rootfs_layer l = { .fd = lower, .what = "probe layer" };
                                struct husk_rootfs_stack st = { .layers = &l, .n = 1, .links_fd = -1 };
                                *ret_setup = false;
                                /* volatile: dropping a superblock with an upper layer syncs the upper's
                                 * whole filesystem (2-10 ms on ext4 here) unless it is volatile. Kernels
                                 * before 5.10 do not know it: asked again without. */
                                struct husk_rootfs_opts quick = *opts;
                                quick.volatile_upper = true;
                                _cleanup_close_ int fs = husk_rootfs_overlay_create(&st, upper, work, &quick, err);
                                if (fs < 0 && strstr(err->msg, "overlay: volatile"))
                                        fs = husk_rootfs_overlay_create(&st, upper, work, opts, err);
                                r = fs < 0 ? fs : 0;
                        }
                }
        }
        struct husk_error ignored;
        (void) husk_rm_rf_at(scratch, name, &ignored);
        return r;
}

int husk_rootfs_driver_from_env(enum husk_rootfs_driver *ret, char *why, size_t why_len, struct husk_error *err)
{
        /* For tests and for hosts where overlayfs misbehaves. */
        const char *env = secure_getenv("HUSK_ROOTFS_DRIVER");
        if (!env || !env[0])
                return 0;
        if (strcmp(env, "overlay") == 0)
                (void) say(why, why_len, ret, HUSK_ROOTFS_OVERLAY, "overlay: HUSK_ROOTFS_DRIVER=overlay");
        else if (strcmp(env, "copy") == 0)
                (void) say(why, why_len, ret, HUSK_ROOTFS_COPY, "copy: HUSK_ROOTFS_DRIVER=copy");
        else
                return husk_error_set(err, EINVAL, "HUSK_ROOTFS_DRIVER=%s: must be overlay or copy", env);
        return 1;
}

int husk_rootfs_probe_at(int scratch_dirfd, const struct husk_rootfs_opts *opts, enum husk_rootfs_driver *ret,
                         char *why, size_t why_len, struct husk_error *err)
{
        int r = husk_rootfs_driver_from_env(ret, why, why_len, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (opts->driver == HUSK_ROOTFS_OVERLAY)
                return say(why, why_len, ret, HUSK_ROOTFS_OVERLAY, "overlay: asked for");
        if (opts->driver == HUSK_ROOTFS_COPY)
                return say(why, why_len, ret, HUSK_ROOTFS_COPY, "copy: asked for");

        struct husk_error perr = { 0 };
        bool setup_failed;
        r = try_overlay(scratch_dirfd, opts, &setup_failed, &perr);
        if (r == 0)
                return say(why, why_len, ret, HUSK_ROOTFS_OVERLAY, "overlay");
        if (r == -ENODEV || r == -ENOSYS)
                return say(why, why_len, ret, HUSK_ROOTFS_COPY, "copy: %s", perr.msg);
        /* The scratch directory itself could not be made: that is no answer about overlayfs. */
        if (setup_failed) {
                *err = perr;
                return r;
        }
        char fsb[32];
        return say(why, why_len, ret, HUSK_ROOTFS_COPY, "copy: %s cannot hold an overlayfs upper layer (%s)",
                   fs_name(scratch_dirfd, fsb), perr.msg);
}

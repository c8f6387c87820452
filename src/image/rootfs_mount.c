/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container directory's root filesystem: which driver, the directories each needs, and undoing all of
 * it. Whatever fails leaves the container directory as it was found (what this call made is removed, a
 * mount it attached is detached).
 *
 *   overlay: upper/ work/ merged/ (merged/ the mount point; n == 0 layers: upper/ bound on merged/)
 *   copy:    merged/ the finished copy, made in merged.tmp/ and renamed: a merged/ without upper/ is
 *            always complete, a merged.tmp/ is a killed copy
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "image/rootfs_layers.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

/* overlayfs's mark of a volatile mount, which it refuses to mount again while present. */
#define VOLATILE_MARK "work/incompat/volatile"

static bool exists_at(int dirfd, const char *name)
{
        struct stat st;
        return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* 1 when fd is the root of a mount, 0 when not, negative errno. */
static int is_mount_root(int fd)
{
        struct statx stx;

        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
                return -errno;
        if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return !!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
        /* Before 5.8: another device than the parent (misses a bind mount of the same filesystem). */
        struct stat parent;
        if (fstatat(fd, "..", &parent, 0) < 0)
                return -errno;
        return makedev(stx.stx_dev_major, stx.stx_dev_minor) != parent.st_dev;
}

static int open_dir(int dirfd, const char *name, int flags, struct husk_error *err)
{
        int fd = openat(dirfd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s/", name);
        return fd;
}

/* The directories made by this call, removed again (last first) unless it succeeds. */
struct made {
        int dirfd;
        const char *names[3];
        size_t n;
};

static void made_undo(struct made *m)
{
        while (m->n > 0) {
                struct husk_error ignored;
                (void) husk_rm_rf_at(m->dirfd, m->names[--m->n], &ignored);
        }
}

static int ensure_dir(struct made *m, const char *name, mode_t mode, struct husk_error *err)
{
        if (mkdirat(m->dirfd, name, mode) == 0) {
                m->names[m->n++] = name;
                return 0;
        }
        if (errno != EEXIST)
                return husk_error_errno(err, errno, "mkdir %s/", name);
        struct stat st;
        if (fstatat(m->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(err, errno, "stat %s/", name);
        if (!S_ISDIR(st.st_mode))
                return husk_error_set(err, ENOTDIR, "%s: not a directory", name);
        return 0;
}

/* The merged view's root directory is upper/: it gets the owner, mode and times of the top layer's
 * root, as the copy driver's root does (else the image's "/" would be whatever mkdir made). */
static int copy_root_attrs(int upper_fd, const struct husk_rootfs_stack *st, struct husk_error *err)
{
        struct stat top;

        if (st->n == 0)
                return 0;
        if (fstat(st->layers[0].fd, &top) < 0)
                return husk_error_errno(err, errno, "stat layer %s", st->layers[0].what);
        struct timespec ts[2] = { top.st_atim, top.st_mtim };
        if (fchown(upper_fd, top.st_uid, top.st_gid) < 0 || fchmod(upper_fd, top.st_mode & 07777) < 0 ||
            futimens(upper_fd, ts) < 0)
                return husk_error_errno(err, errno, "upper/: owner, mode and times of the image's root");
        return 0;
}

static int mount_overlay(const struct husk_rootfs_stack *st, int cfd, const struct husk_rootfs_opts *opts,
                         struct husk_error *err)
{
        if (!exists_at(cfd, "upper") && exists_at(cfd, "merged"))
                return husk_error_set(err, EEXIST, "the root was made by the copy driver (merged/ without upper/)");
        _cleanup_(made_undo) struct made m = { .dirfd = cfd };

        int r = ensure_dir(&m, "upper", 0755, err);
        if (r < 0)
                return r;
        bool fresh_upper = m.n == 1;
        if ((r = ensure_dir(&m, "work", 0700, err)) < 0 || (r = ensure_dir(&m, "merged", 0755, err)) < 0)
                return r;

        _cleanup_close_ int upper = open_dir(cfd, "upper", O_RDONLY, err);
        if (upper < 0)
                return upper;
        _cleanup_close_ int work = open_dir(cfd, "work", O_RDONLY, err);
        if (work < 0)
                return work;
        _cleanup_close_ int merged = open_dir(cfd, "merged", O_PATH, err);
        if (merged < 0)
                return merged;
        r = is_mount_root(merged);
        if (r < 0)
                return husk_error_errno(err, -r, "stat merged/");
        if (r > 0)
                return husk_error_set(err, EBUSY, "merged/ is mounted already");
        if (exists_at(work, VOLATILE_MARK))
                return husk_error_set(err, EUCLEAN,
                                      "the upper layer of this volatile root was not unmounted cleanly (a crash?) "
                                      "and may be incomplete: remove the container");
        if (fresh_upper && (r = copy_root_attrs(upper, st, err)) < 0)
                return r;
        r = husk_rootfs_overlay_mount(st, upper, work, merged, opts, err);
        if (r < 0)
                return r;
        m.n = 0;        /* mounted: keep everything */
        return 0;
}

static int mount_copy(const struct husk_rootfs_stack *st, int cfd, const struct husk_rootfs_opts *opts,
                      struct husk_error *err)
{
        if (exists_at(cfd, "upper"))
                return husk_error_set(err, EEXIST, "the root was made by the overlay driver (upper/ exists)");
        if (opts->idmap)
                return husk_error_set(err, EOPNOTSUPP, "a user namespace needs the overlay driver (idmapped layers); "
                                      "the copy driver keeps the layers' owners as they are");
        if (exists_at(cfd, "merged"))
                return 0;       /* a finished copy: a restart */

        /* A killed copy's leftover; merged.tmp/ is ours alone. */
        int r = husk_rm_rf_at(cfd, "merged.tmp", err);
        if (r < 0)
                return r;
        _cleanup_(made_undo) struct made m = { .dirfd = cfd };
        if ((r = ensure_dir(&m, "merged.tmp", 0755, err)) < 0)
                return r;
        _cleanup_close_ int dst = open_dir(cfd, "merged.tmp", O_RDONLY, err);
        if (dst < 0)
                return dst;
        r = husk_rootfs_copy_layers(st, dst, opts, err);
        if (r < 0)
                return r;
        /* Durable before it is called complete, as overlayfs's copy-up is (unless volatile). */
        if (!opts->volatile_upper && syncfs(dst) < 0)
                return husk_error_errno(err, errno, "copy: sync merged.tmp/");
        if (renameat(cfd, "merged.tmp", cfd, "merged") < 0)
                return husk_error_errno(err, errno, "copy: rename merged.tmp/ to merged/");
        m.n = 0;
        return 0;
}

int husk_rootfs_mount_stack(const struct husk_rootfs_stack *st, int container_dirfd, int scratch_dirfd,
                            const struct husk_rootfs_opts *opts, enum husk_rootfs_driver *ret_driver,
                            struct husk_error *err)
{
        enum husk_rootfs_driver d = opts->driver;
        int r;

        if (d == HUSK_ROOTFS_AUTO) {
                /* A container keeps the driver it started with: its writes are in that driver's form. */
                if (exists_at(container_dirfd, "upper"))
                        d = HUSK_ROOTFS_OVERLAY;
                else if (exists_at(container_dirfd, "merged"))
                        d = HUSK_ROOTFS_COPY;
                else if ((r = husk_rootfs_driver_from_env(&d, NULL, 0, err)) < 0)
                        return r;
        }
        if (d == HUSK_ROOTFS_AUTO) {
                r = mount_overlay(st, container_dirfd, opts, err);
                if (r < 0) {
                        /* Left nothing behind; was it overlayfs itself that cannot work here? */
                        struct husk_error perr = { 0 };
                        char why[HUSK_ERROR_MSG_MAX];
                        int scratch = scratch_dirfd >= 0 ? scratch_dirfd : container_dirfd;
                        if (husk_rootfs_probe_at(scratch, opts, &d, why, sizeof(why), &perr) < 0 ||
                            d != HUSK_ROOTFS_COPY)
                                return r;
                        r = mount_copy(st, container_dirfd, opts, err);
                } else {
                        d = HUSK_ROOTFS_OVERLAY;
                }
        } else {
                r = d == HUSK_ROOTFS_OVERLAY ? mount_overlay(st, container_dirfd, opts, err)
                                             : mount_copy(st, container_dirfd, opts, err);
        }
        if (r < 0)
                return r;
        if (ret_driver)
                *ret_driver = d;
        return 0;
}

/* After a clean unmount of a volatile overlay its upper layer is complete once synced: the mark goes,
 * so a restart can mount it again. After a crash or a lazy unmount it stays, and the mount refuses. */
static int clear_volatile_mark(int cfd, struct husk_error *err)
{
        _cleanup_close_ int work = openat(cfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (work < 0 || !exists_at(work, VOLATILE_MARK))
                return 0;
        if (syncfs(work) < 0)
                return husk_error_errno(err, errno, "sync the volatile upper layer");
        return husk_rm_rf_at(work, VOLATILE_MARK, err);    /* volatile/dirty inside */
}

/* keep_upper: the upper layer is kept (unmount): a volatile one is synced and its mark cleared. Else it is
 * about to be removed (remove): nothing is synced. */
static int unmount_merged(int container_dirfd, bool keep_upper, struct husk_error *err)
{
        bool detached = false, unmounted = false;

        /* Until merged/ is no mount root: a mount stacked on ours goes first. Bounded, so that a
         * mount propagated back in a loop cannot keep us here. */
        for (int i = 0; i < 64; i++) {
                _cleanup_close_ int merged = openat(container_dirfd, "merged",
                                                    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (merged < 0) {
                        if (errno == ENOENT || errno == ENOTDIR)
                                return 0;
                        return husk_error_errno(err, errno, "open merged/");
                }
                int r = is_mount_root(merged);
                if (r < 0)
                        return husk_error_errno(err, -r, "stat merged/");
                if (r == 0)
                        return keep_upper && unmounted && !detached ? clear_volatile_mark(container_dirfd, err) : 0;
                /* By name below the container directory, with no fd of ours left open on the mount: an
                 * O_PATH fd of its root would itself make it busy. */
                (void) close(steal_fd(merged));
                char p[64];
                (void) snprintf(p, sizeof(p), "/proc/self/fd/%d/merged", container_dirfd);
                if (umount2(p, UMOUNT_NOFOLLOW) < 0) {
                        if (errno != EBUSY)
                                return husk_error_errno(err, errno, "unmount merged/");
                        /* In use (a process inside, an open file): gone from the tree now, freed when
                         * the last user lets go. */
                        if (umount2(p, UMOUNT_NOFOLLOW | MNT_DETACH) < 0)
                                return husk_error_errno(err, errno, "unmount merged/ (detach)");
                        detached = true;
                }
                unmounted = true;
        }
        return husk_error_set(err, EBUSY, "unmount merged/: still a mount point after 64 unmounts");
}

int husk_rootfs_unmount(int container_dirfd, struct husk_error *err)
{
        return unmount_merged(container_dirfd, true, err);
}

int husk_rootfs_remove(int container_dirfd, struct husk_error *err)
{
        int r = unmount_merged(container_dirfd, false, err);
        if (r < 0)
                return r;
        static const char *const names[] = { "merged", "merged.tmp", "work", "upper" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(names); i++) {
                r = husk_rm_rf_at(container_dirfd, names[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

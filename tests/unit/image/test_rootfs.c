/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container roots from layer directories (src/image/rootfs*.c), for real: overlay and copy drivers,
 * whiteouts and opaque directories, failures that must leave nothing behind, busy unmounts, deep stacks,
 * the probe. Runs as root in a private mount namespace of its own, so that no mount can outlive it.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "test.h"
#include "image/rootfs_layers.h"
#include "util/cleanup.h"

__attribute__((constructor)) static void private_mounts(void)
{
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                perror("unshare a mount namespace (root needed)");
                exit(1);
        }
}

/* ---- a scratch directory per test ---- */

struct scratch {
        char path[64];
        int fd;
};

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) st;
        (void) ftw;
        return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void scratch_free(struct scratch *s)
{
        if (s->fd >= 0)
                (void) close(s->fd);
        if (s->path[0]) {
                /* Whatever a failed check left mounted below it. */
                char mnt[PATH_MAX];
                for (int i = 0; i < 8; i++) {
                        (void) snprintf(mnt, sizeof(mnt), "%s/c/merged", s->path);
                        (void) umount2(mnt, MNT_DETACH);
                        (void) snprintf(mnt, sizeof(mnt), "%s/c", s->path);
                        (void) umount2(mnt, MNT_DETACH);
                }
                (void) umount2(s->path, MNT_DETACH);    /* the tmpfs of scratch_new, if any */
                (void) nftw(s->path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
        }
}

static int scratch_new(struct scratch *s)
{
        (void) snprintf(s->path, sizeof(s->path), "/var/tmp/husk-rootfs-test.XXXXXX");
        s->fd = -1;
        if (!mkdtemp(s->path)) {
                s->path[0] = '\0';
                return -1;
        }
        /* On overlayfs (the test VM's root) nothing can be an upper layer and no 0:0 device can be
         * made: a tmpfs of our own mount namespace instead. */
        struct statfs sf;
        if (statfs(s->path, &sf) == 0 && sf.f_type == 0x794c7630 &&
            mount("husk-test", s->path, "tmpfs", 0, "mode=0700") < 0)
                return -1;
        s->fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return s->fd < 0 || mkdirat(s->fd, "c", 0700) < 0 ? -1 : 0;
}

/* tmpfs before Linux 6.6 has no user.* xattrs: what needs them is checked only where they exist. */
static bool user_xattrs(int dirfd)
{
        char p[64];
        (void) snprintf(p, sizeof(p), "/proc/self/fd/%d", dirfd);
        if (setxattr(p, "user.husk-test", "1", 1, 0) < 0)
                return false;
        (void) removexattr(p, "user.husk-test");
        return true;
}

static int put(int dirfd, const char *rel, const char *data)
{
        _cleanup_close_ int fd = openat(dirfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        return fd >= 0 && write(fd, data, strlen(data)) == (ssize_t) strlen(data) ? 0 : -1;
}

static bool exists(int dirfd, const char *rel)
{
        struct stat st;
        return fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool is_whiteout_at(int dirfd, const char *rel)
{
        struct stat st;
        return fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0;
}

static bool empty_dir(int dirfd, const char *rel)
{
        int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return false;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        return false;
        return d != NULL;
}

static bool mounted_at(const char *path)
{
        struct statx stx;
        return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) == 0 &&
               (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/*
 * Three layers, base first:
 *   l1: a, a2 (a hard link of a), b (setuid, 1234:5678, user.foo, mtime 2001), d/x, lnk -> /etc (a symlink
 *       out of the root), fifo, e/old
 *   l2: a deleted (whiteout), d opaque with d/z, lnk a directory with lnk/f (a directory over a symlink)
 *   l3: c, e deleted, b2 a symlink, f a file over l1's directory f/ (with f/in)
 */
static int make_layers(int sfd)
{
        int r = 0;
        r |= mkdirat(sfd, "l1", 0755) | mkdirat(sfd, "l2", 0755) | mkdirat(sfd, "l3", 0755);
        r |= mkdirat(sfd, "l1/d", 0755) | mkdirat(sfd, "l1/e", 0750) | mkdirat(sfd, "l2/d", 0711) |
             mkdirat(sfd, "l2/lnk", 0755);
        r |= put(sfd, "l1/a", "a") | put(sfd, "l1/b", "bee") | put(sfd, "l1/d/x", "x") | put(sfd, "l1/e/old", "o");
        r |= linkat(sfd, "l1/a", sfd, "l1/a2", 0) | symlinkat("/etc", sfd, "l1/lnk") |
             mknodat(sfd, "l1/fifo", S_IFIFO | 0640, 0);
        r |= fchownat(sfd, "l1/b", 1234, 5678, 0) | fchmodat(sfd, "l1/b", 04755, 0);
        char p[PATH_MAX];
        (void) snprintf(p, sizeof(p), "/proc/self/fd/%d/l1/b", sfd);
        if (user_xattrs(sfd))
                r |= setxattr(p, "user.foo", "bar", 3, 0);
        struct timespec ts[2] = { { 978307200, 0 }, { 978307200, 0 } };
        r |= utimensat(sfd, "l1/b", ts, 0);
        r |= mknodat(sfd, "l2/a", S_IFCHR, makedev(0, 0)) | put(sfd, "l2/d/z", "z") | put(sfd, "l2/lnk/f", "f");
        (void) snprintf(p, sizeof(p), "/proc/self/fd/%d/l2/d", sfd);
        r |= setxattr(p, "trusted.overlay.opaque", "y", 1, 0);
        r |= put(sfd, "l3/c", "c") | mknodat(sfd, "l3/e", S_IFCHR, makedev(0, 0)) | symlinkat("b", sfd, "l3/b2");
        r |= mkdirat(sfd, "l1/f", 0755) | put(sfd, "l1/f/in", "in") | put(sfd, "l3/f", "file");
        return r ? -1 : 0;
}

struct layers {
        struct husk_rootfs_layer l[3];
};

static void layers_close(struct layers *ls)
{
        for (int i = 0; i < 3; i++)
                if (ls->l[i].fd > 0)
                        (void) close(ls->l[i].fd);
}

/* Top first. */
static struct husk_rootfs_stack open_layers(int sfd, struct layers *ls, size_t n)
{
        static const char *const names[] = { "l3", "l2", "l1" };
        for (size_t i = 0; i < n; i++) {
                ls->l[i].fd = openat(sfd, names[3 - n + i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                ls->l[i].what = names[3 - n + i];
        }
        return (struct husk_rootfs_stack) { .layers = ls->l, .n = n, .links_fd = -1 };
}

/* One line per entry of the tree below dir: what a container sees (nlink aside: a copied file that lost
 * a name in a higher layer has one less than overlayfs shows of the lower inode). */
static char *listing_buf;
static size_t listing_len, listing_root;

static int list_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) type;
        (void) ftw;
        char line[PATH_MAX + 256], target[PATH_MAX] = "", xa[64] = "";
        if (S_ISLNK(st->st_mode)) {
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                target[n > 0 ? n : 0] = '\0';
        } else {
                ssize_t n = lgetxattr(path, "user.foo", xa, sizeof(xa) - 1);
                xa[n > 0 ? n : 0] = '\0';
        }
        int w = snprintf(line, sizeof(line), "%s %o %u:%u %lld %lld %s %s\n", path + listing_root,
                         (unsigned) st->st_mode, (unsigned) st->st_uid, (unsigned) st->st_gid,
                         S_ISDIR(st->st_mode) ? 0LL : (long long) st->st_size, (long long) st->st_mtim.tv_sec,
                         target, xa);
        char *n = realloc(listing_buf, listing_len + (size_t) w + 1);
        if (!n)
                return -1;
        listing_buf = n;
        memcpy(listing_buf + listing_len, line, (size_t) w + 1);
        listing_len += (size_t) w;
        return 0;
}

static int line_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *listing(const char *dir)
{
        listing_buf = NULL;
        listing_len = 0;
        listing_root = strlen(dir);
        if (nftw(dir, list_entry, 16, FTW_PHYS) != 0)
                return NULL;
        /* sorted, so that two trees compare whatever order readdir gave */
        char *lines[256];
        size_t n = 0;
        for (char *s = strtok(listing_buf, "\n"); s && n < 256; s = strtok(NULL, "\n"))
                lines[n++] = s;
        qsort(lines, n, sizeof(*lines), line_cmp);
        char *out = calloc(1, listing_len + n + 1);
        for (size_t i = 0; out && i < n; i++)
                strcat(strcat(out, lines[i]), "\n");
        free(listing_buf);
        return out;
}

static int mount_c(struct scratch *s, const struct husk_rootfs_stack *st, enum husk_rootfs_driver d,
                   enum husk_rootfs_driver *ret, struct husk_error *err)
{
        _cleanup_close_ int c = openat(s->fd, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct husk_rootfs_opts opts = { .driver = d };
        return husk_rootfs_mount_stack(st, c, s->fd, &opts, ret, err);
}

static int c_op(struct scratch *s, int (*op)(int, struct husk_error *), struct husk_error *err)
{
        _cleanup_close_ int c = openat(s->fd, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return op(c, err);
}

/* The usual start of a test: a scratch directory s with the three layers open as st (top first). */
#define WITH_THREE_LAYERS()                                                 \
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };            \
        _cleanup_(layers_close) struct layers ls = { 0 };                   \
        struct husk_error err = { 0 };                                      \
        CHECK(scratch_new(&s) == 0);                                        \
        CHECK(make_layers(s.fd) == 0);                                      \
        struct husk_rootfs_stack st = open_layers(s.fd, &ls, 3)

TEST(overlay_view_whiteouts_opaque_and_copy_equal)
{
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };
        _cleanup_(layers_close) struct layers ls = { 0 };
        struct husk_error err = { 0 };
        enum husk_rootfs_driver d;
        CHECK(scratch_new(&s) == 0);
        CHECK(make_layers(s.fd) == 0);
        struct husk_rootfs_stack st = open_layers(s.fd, &ls, 3);

        CHECK(mount_c(&s, &st, HUSK_ROOTFS_AUTO, &d, &err) == 0);
        CHECK(d == HUSK_ROOTFS_OVERLAY);
        CHECK(!exists(s.fd, "c/merged/a") && exists(s.fd, "c/merged/a2") && exists(s.fd, "c/merged/c"));
        CHECK(exists(s.fd, "c/merged/d/z") && !exists(s.fd, "c/merged/d/x"));
        CHECK(exists(s.fd, "c/merged/lnk/f") && !exists(s.fd, "c/merged/e"));
        CHECK(exists(s.fd, "c/merged/f") && !exists(s.fd, "c/merged/f/in"));
        char merged[PATH_MAX];
        (void) snprintf(merged, sizeof(merged), "%s/c/merged", s.path);
        _cleanup_free_ char *ov = listing(merged);
        CHECK(ov);
        CHECK_CONTAINS(ov, user_xattrs(s.fd) ? "/b 104755 1234:5678 3 978307200  bar\n"
                                             : "/b 104755 1234:5678 3 978307200  \n");
        CHECK_CONTAINS(ov, "/b2 120777 0:0 1 ");
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);
        CHECK(empty_dir(s.fd, "c"));

        /* mount(2) as before 6.8, the layers (no store, no l/ names) by their fds' paths */
        _cleanup_close_ int c = openat(s.fd, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct husk_rootfs_opts legacy = { .driver = HUSK_ROOTFS_OVERLAY, .legacy_mount = true };
        CHECK(husk_rootfs_mount_stack(&st, c, -1, &legacy, &d, &err) == 0);
        _cleanup_free_ char *lg = listing(merged);
        CHECK_STR_EQ(lg, ov);
        CHECK(husk_rootfs_remove(c, &err) == 0 && empty_dir(s.fd, "c"));

        bool host_had = exists(AT_FDCWD, "/etc/f");
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_COPY, &d, &err) == 0);
        CHECK(d == HUSK_ROOTFS_COPY);
        /* l2's directory lnk/ replaced l1's symlink lnk -> /etc: lnk/f went into the copy, not the host */
        CHECK(host_had || !exists(AT_FDCWD, "/etc/f"));
        _cleanup_free_ char *cp = listing(merged);
        CHECK_STR_EQ(cp, ov);
        /* hard links of one layer stay hard links */
        struct stat a2, b;
        CHECK(fstatat(s.fd, "c/merged/a2", &a2, AT_SYMLINK_NOFOLLOW) == 0 && a2.st_nlink == 1);
        CHECK(fstatat(s.fd, "c/merged/b", &b, AT_SYMLINK_NOFOLLOW) == 0);
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);
        CHECK(empty_dir(s.fd, "c"));
}

TEST(copy_keeps_hard_links)
{
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };
        struct husk_error err = { 0 };
        CHECK(scratch_new(&s) == 0);
        CHECK(mkdirat(s.fd, "l", 0755) == 0 && mkdirat(s.fd, "l/sub", 0755) == 0 && put(s.fd, "l/f", "data") == 0);
        CHECK(linkat(s.fd, "l/f", s.fd, "l/sub/g", 0) == 0 && linkat(s.fd, "l/f", s.fd, "l/h", 0) == 0);
        struct husk_rootfs_layer l = { .fd = openat(s.fd, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC), .what = "l" };
        struct husk_rootfs_stack st = { .layers = &l, .n = 1, .links_fd = -1 };
        int r = mount_c(&s, &st, HUSK_ROOTFS_COPY, NULL, &err);
        (void) close(l.fd);
        CHECK(r == 0);
        struct stat f, g, h;
        CHECK(fstatat(s.fd, "c/merged/f", &f, 0) == 0 && fstatat(s.fd, "c/merged/sub/g", &g, 0) == 0 &&
              fstatat(s.fd, "c/merged/h", &h, 0) == 0);
        CHECK(f.st_nlink == 3 && f.st_ino == g.st_ino && f.st_ino == h.st_ino);
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);
}

TEST(writes_land_in_upper_and_survive_a_restart)
{
        WITH_THREE_LAYERS();
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_OVERLAY, NULL, &err) == 0);
        CHECK(put(s.fd, "c/merged/new", "mine") == 0);
        CHECK(unlinkat(s.fd, "c/merged/c", 0) == 0);
        CHECK(exists(s.fd, "c/upper/new") && is_whiteout_at(s.fd, "c/upper/c"));
        CHECK(!exists(s.fd, "l3/new") && exists(s.fd, "l3/c"));

        CHECK(c_op(&s, husk_rootfs_unmount, &err) == 0);
        char merged[PATH_MAX];
        (void) snprintf(merged, sizeof(merged), "%s/c/merged", s.path);
        CHECK(!mounted_at(merged) && empty_dir(s.fd, "c/merged"));
        CHECK(c_op(&s, husk_rootfs_unmount, &err) == 0);        /* twice: nothing to do */
        /* AUTO after a restart: upper/ says overlay, whatever the environment says. */
        CHECK(setenv("HUSK_ROOTFS_DRIVER", "copy", 1) == 0);
        enum husk_rootfs_driver d;
        int r = mount_c(&s, &st, HUSK_ROOTFS_AUTO, &d, &err);
        (void) unsetenv("HUSK_ROOTFS_DRIVER");
        CHECK(r == 0 && d == HUSK_ROOTFS_OVERLAY);
        CHECK(exists(s.fd, "c/merged/new") && !exists(s.fd, "c/merged/c"));
        /* mounted already: refused, nothing changed */
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_OVERLAY, NULL, &err) == -EBUSY);
        CHECK_CONTAINS(err.msg, "merged/ is mounted already");
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);
        CHECK(empty_dir(s.fd, "c"));
}

TEST(zero_and_one_layer)
{
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };
        _cleanup_(layers_close) struct layers ls = { 0 };
        struct husk_error err = { 0 };
        CHECK(scratch_new(&s) == 0);
        CHECK(make_layers(s.fd) == 0);
        char merged[PATH_MAX];
        (void) snprintf(merged, sizeof(merged), "%s/c/merged", s.path);

        struct husk_rootfs_stack none = { .n = 0, .links_fd = -1 };
        CHECK(mount_c(&s, &none, HUSK_ROOTFS_OVERLAY, NULL, &err) == 0);
        CHECK(mounted_at(merged) && empty_dir(s.fd, "c/merged"));
        CHECK(put(s.fd, "c/merged/w", "x") == 0 && exists(s.fd, "c/upper/w"));
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0 && empty_dir(s.fd, "c"));
        CHECK(mount_c(&s, &none, HUSK_ROOTFS_COPY, NULL, &err) == 0);
        CHECK(!mounted_at(merged) && empty_dir(s.fd, "c/merged"));
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0 && empty_dir(s.fd, "c"));

        struct husk_rootfs_stack one = open_layers(s.fd, &ls, 1);     /* l1 */
        CHECK(mount_c(&s, &one, HUSK_ROOTFS_OVERLAY, NULL, &err) == 0);
        CHECK(mounted_at(merged) && exists(s.fd, "c/merged/a") && exists(s.fd, "c/merged/d/x"));
        struct stat root, l1;
        CHECK(fstatat(s.fd, "c/merged", &root, 0) == 0 && fstatat(s.fd, "l1", &l1, 0) == 0);
        CHECK(root.st_mode == l1.st_mode && root.st_mtim.tv_sec == l1.st_mtim.tv_sec);
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0 && empty_dir(s.fd, "c"));
}

TEST(failures_leave_nothing)
{
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };
        _cleanup_(layers_close) struct layers ls = { 0 };
        struct husk_error err = { 0 };
        CHECK(scratch_new(&s) == 0);
        CHECK(make_layers(s.fd) == 0);
        char c[PATH_MAX];
        (void) snprintf(c, sizeof(c), "%s/c", s.path);

        /* The kernel refuses: a layer that is the upper layer itself (overlapping layers). */
        CHECK(mkdirat(s.fd, "c/upper", 0755) == 0);
        struct husk_rootfs_layer bad = { .fd = openat(s.fd, "c/upper", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                                         .what = "upper as a layer" };
        struct husk_rootfs_stack st = { .layers = &bad, .n = 1, .links_fd = -1 };
        int r = mount_c(&s, &st, HUSK_ROOTFS_OVERLAY, NULL, &err);
        (void) close(bad.fd);
        CHECK(r < 0);
        CHECK_CONTAINS(err.msg, "overlay: ");
        /* upper/ was there before: kept; work/ and merged/ were made by the call: gone */
        CHECK(exists(s.fd, "c/upper") && !exists(s.fd, "c/work") && !exists(s.fd, "c/merged"));
        CHECK(unlinkat(s.fd, "c/upper", AT_REMOVEDIR) == 0);

        /* The copy fills the disk: a 64 KiB tmpfs as the container directory, a 1 MiB file in a layer. */
        CHECK(mount("tmpfs", c, "tmpfs", 0, "size=64k") == 0);
        char big[4096];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        _cleanup_close_ int f = openat(s.fd, "l3/big", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        for (int i = 0; f >= 0 && i < 256; i++)
                CHECK(write(f, big, sizeof(big)) == (ssize_t) sizeof(big));
        st = open_layers(s.fd, &ls, 3);
        r = mount_c(&s, &st, HUSK_ROOTFS_COPY, NULL, &err);
        CHECK(r == -ENOSPC);
        CHECK_CONTAINS(err.msg, "copy layer l3");
        CHECK(empty_dir(s.fd, "c"));
        CHECK(umount2(c, 0) == 0);
}

TEST(busy_unmount_detaches)
{
        WITH_THREE_LAYERS();
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_OVERLAY, NULL, &err) == 0);
        _cleanup_close_ int busy = openat(s.fd, "c/merged/c", O_RDONLY | O_CLOEXEC);
        CHECK(busy >= 0);
        char merged[PATH_MAX];
        (void) snprintf(merged, sizeof(merged), "%s/c/merged", s.path);
        CHECK(umount2(merged, 0) < 0 && errno == EBUSY);        /* really busy */
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);
        CHECK(empty_dir(s.fd, "c"));
        char buf[4] = "";
        CHECK(read(busy, buf, sizeof(buf)) == 1 && buf[0] == 'c');    /* the user keeps its file */
}

TEST(remove_half_made)
{
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };
        struct husk_error err = { 0 };
        CHECK(scratch_new(&s) == 0);
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);          /* nothing there */
        CHECK(mkdirat(s.fd, "c/work", 0700) == 0 && mkdirat(s.fd, "c/work/work", 0) == 0);
        CHECK(mkdirat(s.fd, "c/merged.tmp", 0755) == 0 && put(s.fd, "c/merged.tmp/half", "h") == 0);
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);
        CHECK(empty_dir(s.fd, "c"));
        /* a killed copy: the next mount starts again */
        _cleanup_(layers_close) struct layers ls = { 0 };
        CHECK(make_layers(s.fd) == 0);
        struct husk_rootfs_stack st = open_layers(s.fd, &ls, 3);
        CHECK(mkdirat(s.fd, "c/merged.tmp", 0755) == 0 && put(s.fd, "c/merged.tmp/half", "h") == 0);
        enum husk_rootfs_driver d;
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_COPY, &d, &err) == 0);
        CHECK(!exists(s.fd, "c/merged.tmp") && !exists(s.fd, "c/merged/half") && exists(s.fd, "c/merged/c"));
        /* AUTO keeps the copy: merged/ without upper/ is a finished copy */
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_AUTO, &d, &err) == 0 && d == HUSK_ROOTFS_COPY);
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_OVERLAY, &d, &err) < 0);       /* merged/ holds a copy */
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0 && empty_dir(s.fd, "c"));
}

/* n synthetic layers L0..L(n-1) with short names l/<26 letters>, each adding f<i> and replacing "top". */
static int make_stack(int sfd, size_t n, struct husk_rootfs_layer *l, char (*links)[32])
{
        if (mkdirat(sfd, "layers", 0755) < 0 || mkdirat(sfd, "l", 0755) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                char p[PATH_MAX], t[PATH_MAX], f[64];
                (void) snprintf(p, sizeof(p), "layers/%zu", i);
                (void) snprintf(f, sizeof(f), "%zu", i);
                if (mkdirat(sfd, p, 0755) < 0)
                        return -1;
                (void) snprintf(t, sizeof(t), "layers/%zu/f%zu", i, i);
                if (put(sfd, t, f) < 0)
                        return -1;
                (void) snprintf(t, sizeof(t), "layers/%zu/top", i);
                if (put(sfd, t, f) < 0)
                        return -1;
                /* top first: entry 0 is the last layer */
                size_t k = n - 1 - i;
                (void) snprintf(links[k], 32, "%026zu", i);
                for (char *c = links[k]; *c; c++)
                        *c = (char) ('A' + (*c - '0'));
                (void) snprintf(t, sizeof(t), "../layers/%zu", i);
                (void) snprintf(p, sizeof(p), "l/%s", links[k]);
                if (symlinkat(t, sfd, p) < 0)
                        return -1;
                (void) snprintf(p, sizeof(p), "layers/%zu", i);
                l[k].fd = openat(sfd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                l[k].link = links[k];
                l[k].what = "synthetic";
                if (l[k].fd < 0)
                        return -1;
        }
        return 0;
}

static void deep(int *failed_, size_t n, bool legacy, enum husk_rootfs_driver drv, const char *want_err)
{
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };
        struct husk_error err = { 0 };
        struct husk_rootfs_layer *l = calloc(n, sizeof(*l));
        char (*links)[32] = calloc(n, 32);
        CHECK(l && links);
        CHECK(scratch_new(&s) == 0);
        int r = make_stack(s.fd, n, l, links);
        struct husk_rootfs_stack st = { .layers = l, .n = n, .links_fd = s.fd };
        struct husk_rootfs_opts opts = { .driver = drv, .legacy_mount = legacy };
        int c = openat(s.fd, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int m = r == 0 ? husk_rootfs_mount_stack(&st, c, -1, &opts, NULL, &err) : -1;
        printf("# %zu layers%s: %s\n", n, legacy ? " (mount(2), l/ names)" : "", m == 0 ? "mounted" : err.msg);
        bool ok = true;
        if (m == 0) {
                char want[32];
                (void) snprintf(want, sizeof(want), "%zu", n - 1);
                _cleanup_close_ int fd = openat(s.fd, "c/merged/top", O_RDONLY | O_CLOEXEC);
                char buf[32] = "";
                ok = fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && strcmp(buf, want) == 0 &&
                     exists(s.fd, "c/merged/f0");
        }
        struct husk_error e2;
        int rm = husk_rootfs_remove(c, &e2);
        bool empty = empty_dir(s.fd, "c");
        for (size_t i = 0; i < n; i++)
                if (l[i].fd > 0)
                        (void) close(l[i].fd);
        (void) close(c);
        free(l);
        free(links);
        CHECK(r == 0 && ok && rm == 0 && empty);
        if (want_err) {
                CHECK(m < 0);
                CHECK_CONTAINS(err.msg, want_err);
        } else {
                CHECK(m == 0);
        }
}

TEST(deep_130_layers) { deep(failed_, 130, false, HUSK_ROOTFS_OVERLAY, NULL); }
TEST(deep_130_layers_mount2_short_names) { deep(failed_, 130, true, HUSK_ROOTFS_OVERLAY, NULL); }
TEST(deep_600_layers_refused_by_the_kernel) { deep(failed_, 600, false, HUSK_ROOTFS_OVERLAY, " 500"); }
TEST(deep_600_layers_mount2) { deep(failed_, 600, true, HUSK_ROOTFS_OVERLAY, "overlayfs stacks at most 500"); }
TEST(deep_140_layers_mount2_exceed_a_page) { deep(failed_, 140, true, HUSK_ROOTFS_OVERLAY, "exceed a page"); }
/* Where overlayfs works, its own refusal is the answer to AUTO, not a silent copy of 600 layers. */
TEST(deep_600_layers_auto_no_silent_copy) { deep(failed_, 600, false, HUSK_ROOTFS_AUTO, " 500"); }

TEST(probe)
{
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };
        _cleanup_(layers_close) struct layers ls = { 0 };
        struct husk_error err = { 0 };
        struct husk_rootfs_opts opts = { 0 };
        enum husk_rootfs_driver d;
        char why[256];
        CHECK(scratch_new(&s) == 0);
        CHECK(husk_rootfs_probe_at(s.fd, &opts, &d, why, sizeof(why), &err) == 0);
        CHECK(d == HUSK_ROOTFS_OVERLAY);
        CHECK_STR_EQ(why, "overlay");
        CHECK(empty_dir(s.fd, "c"));
        CHECK(setenv("HUSK_ROOTFS_DRIVER", "copy", 1) == 0);
        int r = husk_rootfs_probe_at(s.fd, &opts, &d, why, sizeof(why), &err);
        CHECK(setenv("HUSK_ROOTFS_DRIVER", "fast", 1) == 0);
        int r2 = husk_rootfs_probe_at(s.fd, &opts, &d, NULL, 0, &err);
        (void) unsetenv("HUSK_ROOTFS_DRIVER");
        CHECK(r == 0);
        CHECK_STR_EQ(why, "copy: HUSK_ROOTFS_DRIVER=copy");
        CHECK(r2 == -EINVAL);
        CHECK_CONTAINS(err.msg, "HUSK_ROOTFS_DRIVER=fast: must be overlay or copy");

        /* A store on overlayfs (say, inside a container): no upper layer there, AUTO copies. */
        CHECK(make_layers(s.fd) == 0);
        struct husk_rootfs_stack st = open_layers(s.fd, &ls, 1);
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_OVERLAY, NULL, &err) == 0);
        CHECK(mkdirat(s.fd, "c/merged/scratch", 0755) == 0);
        _cleanup_close_ int inner = openat(s.fd, "c/merged/scratch", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(husk_rootfs_probe_at(inner, &opts, &d, why, sizeof(why), &err) == 0);
        printf("# probe on overlayfs: %s\n", why);
        CHECK(d == HUSK_ROOTFS_COPY);
        CHECK_CONTAINS(why, "copy: overlayfs cannot hold an overlayfs upper layer");
        CHECK(empty_dir(s.fd, "c/merged/scratch"));
        (void) close(steal_fd(inner));
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);
}

TEST(auto_copies_only_where_overlay_cannot_work)
{
        WITH_THREE_LAYERS();
        enum husk_rootfs_driver d;
        /* A container directory on overlayfs (a store inside a container): the mount fails, the probe
         * says why, the copy is made, and the failed attempt left nothing. */
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_OVERLAY, NULL, &err) == 0);
        CHECK(mkdirat(s.fd, "c/merged/inner", 0755) == 0);
        _cleanup_close_ int inner = openat(s.fd, "c/merged/inner", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct husk_rootfs_opts opts = { .driver = HUSK_ROOTFS_AUTO };
        CHECK(husk_rootfs_mount_stack(&st, inner, -1, &opts, &d, &err) == 0);
        CHECK(d == HUSK_ROOTFS_COPY);
        CHECK(exists(s.fd, "c/merged/inner/merged/c") && !exists(s.fd, "c/merged/inner/upper") &&
              !exists(s.fd, "c/merged/inner/work"));
        CHECK(husk_rootfs_remove(inner, &err) == 0 && empty_dir(s.fd, "c/merged/inner"));
        (void) close(steal_fd(inner));
        CHECK(c_op(&s, husk_rootfs_remove, &err) == 0);

}

TEST(volatile_upper)
{
        WITH_THREE_LAYERS();
        _cleanup_close_ int c = openat(s.fd, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct husk_rootfs_opts opts = { .driver = HUSK_ROOTFS_OVERLAY, .volatile_upper = true };
        CHECK(husk_rootfs_mount_stack(&st, c, -1, &opts, NULL, &err) == 0);
        CHECK(exists(s.fd, "c/work/work/incompat/volatile"));
        CHECK(put(s.fd, "c/merged/v", "v") == 0);
        /* a clean unmount: a restart mounts again */
        CHECK(husk_rootfs_unmount(c, &err) == 0);
        CHECK(!exists(s.fd, "c/work/work/incompat/volatile"));
        CHECK(husk_rootfs_mount_stack(&st, c, -1, &opts, NULL, &err) == 0);
        CHECK(exists(s.fd, "c/merged/v"));
        /* a lazy unmount (busy) is no clean one: the restart is refused with words */
        {
                _cleanup_close_ int busy = openat(s.fd, "c/merged/v", O_RDONLY | O_CLOEXEC);
                CHECK(busy >= 0);
                CHECK(husk_rootfs_unmount(c, &err) == 0);
        }
        CHECK(husk_rootfs_mount_stack(&st, c, -1, &opts, NULL, &err) == -EUCLEAN);
        CHECK_CONTAINS(err.msg, "not unmounted cleanly");
        CHECK(husk_rootfs_remove(c, &err) == 0 && empty_dir(s.fd, "c"));
}

TEST(rootless_userxattr)
{
        _cleanup_(scratch_free) struct scratch s = { .fd = -1 };
        struct husk_error err = { 0 };
        CHECK(scratch_new(&s) == 0);
        if (!user_xattrs(s.fd)) {
                printf("# skipped: no user.* xattrs on this filesystem\n");
                return;
        }
        /* user.overlay.opaque, as an unpacker makes it for a rootless store */
        CHECK(mkdirat(s.fd, "l1", 0755) == 0 && mkdirat(s.fd, "l1/d", 0755) == 0 && put(s.fd, "l1/d/x", "x") == 0);
        CHECK(mkdirat(s.fd, "l2", 0755) == 0 && mkdirat(s.fd, "l2/d", 0755) == 0 && put(s.fd, "l2/d/y", "y") == 0);
        char p[PATH_MAX];
        (void) snprintf(p, sizeof(p), "%s/l2/d", s.path);
        CHECK(setxattr(p, "user.overlay.opaque", "y", 1, 0) == 0);
        struct husk_rootfs_layer l[2] = {
                { .fd = openat(s.fd, "l2", O_RDONLY | O_DIRECTORY | O_CLOEXEC), .what = "l2" },
                { .fd = openat(s.fd, "l1", O_RDONLY | O_DIRECTORY | O_CLOEXEC), .what = "l1" },
        };
        struct husk_rootfs_stack st = { .layers = l, .n = 2, .links_fd = -1 };
        _cleanup_close_ int c = openat(s.fd, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        bool ok = true;
        for (int drv = HUSK_ROOTFS_OVERLAY; drv <= HUSK_ROOTFS_COPY; drv++) {
                struct husk_rootfs_opts opts = { .driver = (enum husk_rootfs_driver) drv, .rootless = true };
                ok = ok && husk_rootfs_mount_stack(&st, c, -1, &opts, NULL, &err) == 0 &&
                     exists(s.fd, "c/merged/d/y") && !exists(s.fd, "c/merged/d/x") && husk_rootfs_remove(c, &err) == 0;
                if (!ok)
                        printf("# driver %d: %s\n", drv, err.msg);
        }
        (void) close(l[0].fd);
        (void) close(l[1].fd);
        CHECK(ok);
}

TEST(usage_counts_the_container_layer)
{
        WITH_THREE_LAYERS();
        CHECK(mount_c(&s, &st, HUSK_ROOTFS_OVERLAY, NULL, &err) == 0);
        _cleanup_close_ int c = openat(s.fd, "c", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct husk_rootfs_usage before, after;
        CHECK(husk_rootfs_usage(c, &before, &err) == 0);
        char buf[4096];
        memset(buf, 'u', sizeof(buf));
        {
                _cleanup_close_ int f = openat(s.fd, "c/merged/big", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                for (int i = 0; f >= 0 && i < 25; i++)
                        CHECK(write(f, buf, sizeof(buf)) == (ssize_t) sizeof(buf));
                CHECK(f >= 0 && fsync(f) == 0);
        }
        CHECK(linkat(s.fd, "c/merged/big", s.fd, "c/merged/big2", 0) == 0);    /* counted once */
        CHECK(husk_rootfs_usage(c, &after, &err) == 0);
        printf("# usage: %llu bytes before, %llu after 100 KiB\n", (unsigned long long) before.bytes,
               (unsigned long long) after.bytes);
        CHECK(after.bytes >= before.bytes + 102400 && after.bytes <= before.bytes + 102400 + 16384);
        CHECK(after.apparent == before.apparent + 102400);      /* big and big2: one file */
        CHECK(husk_rootfs_remove(c, &err) == 0);
        CHECK(husk_rootfs_usage(c, &after, &err) == 0 && after.bytes == 0);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The copy driver: the merged view overlayfs would show, made for real by copying the layers bottom
 * first. A 0:0 character device deletes the name below it, an opaque directory (trusted.overlay.opaque
 * or, rootless, user.overlay.opaque = "y") drops what was below it, a directory over a non-directory (or
 * the reverse) replaces it. Owners, modes, xattrs (but overlayfs's own), hard links within a layer and
 * times are kept; file data is reflinked where the filesystem can, else copied in the kernel.
 *
 * Every name is acted on relative to a directory fd opened with O_NOFOLLOW, so a symlink of a lower layer
 * (say /lib -> /usr/lib, or one pointing out of the root) is replaced, never followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/fs.h>

#include "image/rootfs_layers.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

/* A file of this layer with several names, and where its first copy went (relative to the root). */
struct link_entry {
        dev_t dev;
        ino_t ino;
        char *rel;
};

struct copy_ctx {
        const char *opaque_xattr;
        const char *layer;      /* names the layer in errors */
        int root_fd;            /* the copy's root (merged.tmp/) */
        void *links;            /* tsearch tree of struct link_entry, one layer's */
        char rel[PATH_MAX];     /* the entry being copied, relative to the root */
        struct husk_error *err;
};

static int link_cmp(const void *a, const void *b)
{
        const struct link_entry *x = a, *y = b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        if (x->ino != y->ino)
                return x->ino < y->ino ? -1 : 1;
        return 0;
}

static void link_free(void *p)
{
        struct link_entry *e = p;
        free(e->rel);
        free(e);
}

static int fail(struct copy_ctx *c, int e, const char *what)
{
        return husk_error_errno(c->err, e, "copy layer %s: %s /%s", c->layer, what, c->rel);
}

static bool is_whiteout(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* overlayfs's private xattrs describe a layer to overlayfs; in a plain copy they would mean nothing, or
 * (redirect, metacopy) something wrong. */
static bool private_xattr(const char *name)
{
        return strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0;
}

/* An entry named either by an fd of its own (name NULL) or by a name in a directory fd: symlinks and
 * devices cannot be opened, and the l*xattr calls reach them through /proc/self/fd/DIR/name without
 * following the last component. */
struct at {
        int fd;
        const char *name;
        char path[PATH_MAX];
};

static void at_init(struct at *a, int fd, const char *name)
{
        a->fd = fd;
        a->name = name;
        if (name)
                (void) snprintf(a->path, sizeof(a->path), "/proc/self/fd/%d/%s", fd, name);
}

static ssize_t x_list(const struct at *a, char *buf, size_t len)
{
        return a->name ? llistxattr(a->path, buf, len) : flistxattr(a->fd, buf, len);
}

static ssize_t x_get(const struct at *a, const char *key, void *buf, size_t len)
{
        return a->name ? lgetxattr(a->path, key, buf, len) : fgetxattr(a->fd, key, buf, len);
}

static int x_set(const struct at *a, const char *key, const void *val, size_t len)
{
        return a->name ? lsetxattr(a->path, key, val, len, 0) : fsetxattr(a->fd, key, val, len, 0);
}

static int copy_xattrs(struct copy_ctx *c, const struct at *src, const struct at *dst)
{
        ssize_t n = x_list(src, NULL, 0);
        if (n <= 0) {
                if (n == 0 || errno == ENOTSUP)
                        return 0;
                return fail(c, errno, "list xattrs of");
        }
        _cleanup_free_ char *list = malloc((size_t) n);
        if (!list)
                return fail(c, ENOMEM, "list xattrs of");
        n = x_list(src, list, (size_t) n);
        if (n < 0)
                return fail(c, errno, "list xattrs of");
        for (ssize_t off = 0; off < n; off += (ssize_t) strlen(list + off) + 1) {
                const char *key = list + off;
                if (private_xattr(key))
                        continue;
                /* XATTR_SIZE_MAX: no value is longer. */
                _cleanup_free_ char *val = malloc(65536);
                if (!val)
                        return fail(c, ENOMEM, "read xattr of");
                ssize_t vn = x_get(src, key, val, 65536);
                if (vn < 0) {
                        if (errno == ENODATA)
                                continue;
                        return fail(c, errno, "read xattr of");
                }
                if (x_set(dst, key, val, (size_t) vn) < 0)
                        return husk_error_errno(c->err, errno, "copy layer %s: set xattr %s on /%s", c->layer,
                                                key, c->rel);
        }
        return 0;
}

/*
 * Owner, mode, xattrs and times of src (stat st) onto the new dst, in the order that keeps them all:
 * chown clears set-id bits and security.capability, so mode and xattrs come after it; times last, as
 * setting anything else moves ctime only but writing into a directory moves its mtime.
 */
static int copy_meta(struct copy_ctx *c, const struct stat *st, int sfd, const char *sname, int dfd,
                     const char *dname)
{
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        struct at src, dst;

        at_init(&src, sfd, sname);
        at_init(&dst, dfd, dname);
        if (dname ? fchownat(dfd, dname, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0
                  : fchown(dfd, st->st_uid, st->st_gid) < 0)
                return fail(c, errno, "chown");
        if (!S_ISLNK(st->st_mode) &&
            (dname ? fchmodat(dfd, dname, st->st_mode & 07777, 0) : fchmod(dfd, st->st_mode & 07777)) < 0)
                return fail(c, errno, "chmod");
        int r = copy_xattrs(c, &src, &dst);
        if (r < 0)
                return r;
        if ((dname ? utimensat(dfd, dname, ts, AT_SYMLINK_NOFOLLOW) : futimens(dfd, ts)) < 0)
                return fail(c, errno, "set times of");
        return 0;
}

static int copy_data(struct copy_ctx *c, int in, int out, off_t size)
{
        /* A reflink shares the blocks (btrfs, xfs): instant, and no more disk. */
        if (ioctl(out, FICLONE, in) == 0)
                return 0;
        off_t left = size;
        while (left > 0) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t) left, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
                                break;
                        return fail(c, errno, "copy data of");
                }
                if (n == 0)
                        return 0;       /* shrank while copying: the layer is not ours to fix */
                left -= n;
        }
        char buf[65536];
        while (left > 0) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return fail(c, errno, "read");
                }
                if (n == 0)
                        break;
                for (ssize_t w = 0; w < n;) {
                        ssize_t m = write(out, buf + w, (size_t) (n - w));
                        if (m < 0) {
                                if (errno == EINTR)
                                        continue;
                                return fail(c, errno, "write");
                        }
                        w += m;
                }
                left -= n;
        }
        return 0;
}

static int copy_file(struct copy_ctx *c, int sdir, const char *name, const struct stat *st, int ddir)
{
        _cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (in < 0)
                return fail(c, errno, "open");
        _cleanup_close_ int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return fail(c, errno, "create");
        int r = copy_data(c, in, out, st->st_size);
        if (r < 0)
                return r;
        return copy_meta(c, st, in, NULL, out, NULL);
}

/* A second name of a file this layer copied already: a hard link to that copy, as in the layer. */
static int try_link(struct copy_ctx *c, const struct stat *st, int ddir, const char *name, bool *ret_done)
{
        *ret_done = false;
        if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
                return 0;
        struct link_entry key = { .dev = st->st_dev, .ino = st->st_ino };
        struct link_entry **found = tfind(&key, &c->links, link_cmp);
        if (found) {
                /* Resolved inside the copy's root: a directory of it is never a symlink here (a layer's
                 * directory replaced whatever was below it), and in-root resolution guarantees it anyway. */
                const char *slash = strrchr((*found)->rel, '/');
                _cleanup_free_ char *parent = slash ? strndup((*found)->rel, (size_t) (slash - (*found)->rel))
                                                    : strdup(".");
                if (!parent)
                        return fail(c, ENOMEM, "link");
                _cleanup_close_ int pfd = husk_open_in_root(c->root_fd, parent, O_PATH | O_DIRECTORY, 0, NULL);
                if (pfd < 0)
                        return fail(c, -pfd, "link");
                if (linkat(pfd, slash ? slash + 1 : (*found)->rel, ddir, name, 0) < 0)
                        return fail(c, errno, "hard link");
                *ret_done = true;
                return 0;
        }
        struct link_entry *e = calloc(1, sizeof(*e));
        if (!e || !(e->rel = strdup(c->rel))) {
                free(e);
                return fail(c, ENOMEM, "remember");
        }
        e->dev = st->st_dev;
        e->ino = st->st_ino;
        if (!tsearch(e, &c->links, link_cmp)) {
                link_free(e);
                return fail(c, ENOMEM, "remember");
        }
        return 0;
}

static int copy_other(struct copy_ctx *c, int sdir, const char *name, const struct stat *st, int ddir)
{
        bool done;
        int r = try_link(c, st, ddir, name, &done);
        if (r < 0 || done)
                return r;
        if (S_ISREG(st->st_mode))
                return copy_file(c, sdir, name, st, ddir);
        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return fail(c, errno, "read link");
                target[n] = '\0';
                if (symlinkat(target, ddir, name) < 0)
                        return fail(c, errno, "symlink");
        } else if (mknodat(ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0) {
                return fail(c, errno, "mknod");
        }
        return copy_meta(c, st, sdir, name, ddir, name);
}

static bool is_opaque(struct copy_ctx *c, int dirfd)
{
        char v[2];
        return fgetxattr(dirfd, c->opaque_xattr, v, sizeof(v)) == 1 && v[0] == 'y';
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd);

/* One entry of a layer directory onto the copy. */
static int copy_entry(struct copy_ctx *c, int sdir, const char *name, int ddir)
{
        struct stat st, old;
        if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return fail(c, errno, "stat");
        bool have = fstatat(ddir, name, &old, AT_SYMLINK_NOFOLLOW) == 0;

        if (is_whiteout(&st))
                return have ? husk_rm_rf_at(ddir, name, c->err) : 0;
        if (!S_ISDIR(st.st_mode)) {
                if (have) {
                        int r = husk_rm_rf_at(ddir, name, c->err);
                        if (r < 0)
                                return r;
                }
                return copy_other(c, sdir, name, &st, ddir);
        }

        _cleanup_close_ int sfd = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
                return fail(c, errno, "open");
        /* A directory hides a non-directory below it; an opaque one hides everything below it. */
        if (have && (!S_ISDIR(old.st_mode) || is_opaque(c, sfd))) {
                int r = husk_rm_rf_at(ddir, name, c->err);
                if (r < 0)
                        return r;
                have = false;
        }
        if (!have && mkdirat(ddir, name, 0700) < 0)
                return fail(c, errno, "mkdir");
        _cleanup_close_ int dfd = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return fail(c, errno, "open");
        int r = copy_dir(c, sfd, dfd);
        if (r < 0)
                return r;
        return copy_meta(c, &st, sfd, NULL, dfd, NULL);
}

/* A directory stream of its own for fd: a new open file description, since readdir moves the offset,
 * which a dup would share with fd. NULL with errno. */
static DIR *reopen_dir(int fd)
{
        int lfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lfd < 0)
                return NULL;
        DIR *d = fdopendir(lfd);
        if (!d) {
                int e = errno;
                (void) close(lfd);
                errno = e;
        }
        return d;
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd)
{
        _cleanup_closedir_ DIR *d = reopen_dir(sfd);
        if (!d)
                return fail(c, errno, "open");
        size_t len = strlen(c->rel);
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de) {
                        if (errno)
                                return fail(c, errno, "read directory");
                        c->rel[len] = '\0';
                        return 0;
                }
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int w = snprintf(c->rel + len, sizeof(c->rel) - len, "%s%s", len ? "/" : "", de->d_name);
                if (w < 0 || (size_t) w >= sizeof(c->rel) - len) {
                        c->rel[len] = '\0';
                        return fail(c, ENAMETOOLONG, "name below");
                }
                int r = copy_entry(c, sfd, de->d_name, dfd);
                c->rel[len] = '\0';
                if (r < 0)
                        return r;
        }
}

static int clear_dir(struct copy_ctx *c, int dfd)
{
        _cleanup_closedir_ DIR *d = reopen_dir(dfd);
        if (!d)
                return fail(c, errno, "open");
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de)
                        return errno ? fail(c, errno, "read directory") : 0;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int r = husk_rm_rf_at(dfd, de->d_name, c->err);
                if (r < 0)
                        return r;
        }
}

int husk_rootfs_copy_layers(const struct husk_rootfs_stack *st, int dst_fd, const struct husk_rootfs_opts *opts,
                            struct husk_error *err)
{
        struct copy_ctx c = {
                .opaque_xattr = opts->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque",
                .root_fd = dst_fd,
                .err = err,
        };

        /* Bottom first: the stack lists the top first, as overlayfs does. */
        for (size_t i = st->n; i-- > 0;) {
                const struct husk_rootfs_layer *l = &st->layers[i];
                struct stat root;
                c.layer = l->what;
                c.rel[0] = '\0';
                if (fstat(l->fd, &root) < 0)
                        return fail(&c, errno, "stat");
                /* An opaque root: nothing of the layers below shows. */
                int r = is_opaque(&c, l->fd) ? clear_dir(&c, dst_fd) : 0;
                if (r == 0)
                        r = copy_dir(&c, l->fd, dst_fd);
                if (r == 0)
                        r = copy_meta(&c, &root, l->fd, NULL, dst_fd, NULL);
                tdestroy(c.links, link_free);
                c.links = NULL;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tree written as archive entries (tree_tar.h). Every child is opened beneath its directory's fd with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV): the tree may belong to a running
 * container that swaps a directory for a symlink to / between our readdir and our open; the open then
 * fails instead of following it, and what changed under us is left out. A mount point inside the tree
 * (EXDEV) is left out too: what is mounted there is not the tree's.
 */
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/tree_tar.h"
#include "util/cleanup.h"
#include "util/path.h"

#define DATA_CHUNK (256u << 10)
#define REL_MAX 8192

struct walk {
        struct archive *a;
        const struct husk_tree_tar_opts *opts;
        const char *what;
        const char *top;                /* the top's name in the archive, "" for none */
        struct archive_entry_linkresolver *lr;
        char *buf;                      /* DATA_CHUNK bytes */
        char rel[REL_MAX];              /* the current path below the top, "" for the top */
        struct husk_error *err;
};

static void entry_freep(struct archive_entry **e)
{
        if (*e)
                archive_entry_free(*e);
}

static int archive_fail(struct walk *w, const char *step)
{
        const char *msg = archive_error_string(w->a);
        int code = archive_errno(w->a) > 0 ? archive_errno(w->a) : EIO;

        return husk_error_set(w->err, code, "%s: %s %s: %s", w->what, step, w->rel[0] ? w->rel : "/",
                              msg ? msg : strerror(code));
}

/* A child of dirfd opened without following a symlink or crossing a mount; -EXDEV for a mount point. */
static int open_child(int dirfd, const char *name, int flags)
{
        struct open_how how = {
                .flags = (uint64_t) (flags | O_NOFOLLOW | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        do
                fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
        while (fd < 0 && errno == EINTR);
        if (fd >= 0)
                return (int) fd;
        if (errno != ENOSYS)
                return -errno;
        /* No openat2 (before 5.6): a name from readdir has no '/', and O_NOFOLLOW refuses a symlink;
         * mounts are then not told apart (the trees given here have none below their top). */
        fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : (int) fd;
}

/* The archive name of the current path; directories end in '/'. */
static int entry_name(const struct walk *w, bool dir, char *out, size_t size)
{
        int n = snprintf(out, size, "%s%s%s%s", w->top, w->top[0] && w->rel[0] ? "/" : "", w->rel,
                         dir ? "/" : "");
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static bool overlay_xattr(const char *name)
{
        return strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0;
}

static void add_xattrs(struct walk *w, struct archive_entry *e, int fd)
{
        char names[4096], value[4096];
        ssize_t len = flistxattr(fd, names, sizeof(names));

        /* Best effort, as tar --xattrs: a list too long for us or a filesystem without xattrs adds none. */
        for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t) strlen(names + off) + 1) {
                const char *n = names + off;
                if (overlay_xattr(n))
                        continue;
                ssize_t vlen = fgetxattr(fd, n, value, sizeof(value));
                if (vlen >= 0)
                        archive_entry_xattr_add_entry(e, n, value, (size_t) vlen);
        }
        (void) w;
}

static int write_data(struct walk *w, int fd, int64_t size)
{
        while (size > 0) {
                size_t want = size > (int64_t) DATA_CHUNK ? DATA_CHUNK : (size_t) size;
                ssize_t n = read(fd, w->buf, want);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(w->err, errno, "%s: read %s", w->what, w->rel);
                /* Shrunk while we read (a running container): the rest is padded by libarchive. */
                if (n == 0)
                        return 0;
                if (archive_write_data(w->a, w->buf, (size_t) n) < 0)
                        return archive_fail(w, "write");
                size -= n;
        }
        return 0;
}

/* One entry: st describes it, fd (regular files, directories) gives data and xattrs, target a symlink's. */
static int emit(struct walk *w, const struct stat *st, int fd, const char *target, const char *name_override)
{
        char name[REL_MAX + 512];
        _cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();
        struct archive_entry *spare = NULL;

        if (!e)
                return husk_error_errno(w->err, ENOMEM, "%s", w->what);
        if (name_override) {
                if ((size_t) snprintf(name, sizeof(name), "%s", name_override) >= sizeof(name))
                        return husk_error_set(w->err, ENAMETOOLONG, "%s: %s: name too long", w->what, w->rel);
        } else if (entry_name(w, S_ISDIR(st->st_mode), name, sizeof(name)) < 0) {
                return husk_error_set(w->err, ENAMETOOLONG, "%s: %s: name too long", w->what, w->rel);
        }
        archive_entry_copy_stat(e, st);
        archive_entry_set_pathname(e, name);
        if (w->opts->no_setid && S_ISREG(st->st_mode))
                archive_entry_set_perm(e, st->st_mode & 01777);
        if (!S_ISREG(st->st_mode))
                archive_entry_set_size(e, 0);
        if (target)
                archive_entry_set_symlink(e, target);
        if (w->opts->xattrs && fd >= 0)
                add_xattrs(w, e, fd);
        if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
                archive_entry_linkify(w->lr, &e, &spare);
                if (spare)
                        archive_entry_free(spare);
        }
        if (archive_write_header(w->a, e) < ARCHIVE_WARN)
                return archive_fail(w, "write");
        if (S_ISREG(st->st_mode) && !archive_entry_hardlink(e) && fd >= 0) {
                int r = write_data(w, fd, st->st_size);
                if (r < 0)
                        return r;
        }
        if (archive_write_finish_entry(w->a) < ARCHIVE_WARN)
                return archive_fail(w, "write");
        return 0;
}

/* An overlay whiteout (layer.md's ".wh.NAME") or opaque marker, named beside/below the current path. */
static int emit_marker(struct walk *w, const struct stat *st, const char *dir, const char *base)
{
        char name[REL_MAX + 512];
        struct stat m = *st;

        m.st_mode = S_IFREG | 0644;
        m.st_size = 0;
        m.st_nlink = 1;
        m.st_rdev = 0;
        int n = snprintf(name, sizeof(name), "%s%s%s%s.wh.%s", w->top, w->top[0] && dir[0] ? "/" : "", dir,
                         dir[0] ? "/" : "", base);
        if (n < 0 || (size_t) n >= sizeof(name))
                return husk_error_set(w->err, ENAMETOOLONG, "%s: %s: name too long", w->what, w->rel);
        return emit(w, &m, -1, NULL, name);
}

static bool is_opaque(int fd)
{
        char v[2];

        return fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y' ? true
               : fgetxattr(fd, "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names in a directory, sorted (the archive's order does not depend on the filesystem's). */
static int read_names(struct walk *w, int dirfd, char ***ret, size_t *ret_n)
{
        int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return husk_error_errno(w->err, errno, "%s: %s", w->what, w->rel);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(w->err, errno, "%s: %s", w->what, w->rel);
        }
        rewinddir(d);
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        size_t n = 0;
        struct dirent *de;
        if (!v)
                return husk_error_errno(w->err, ENOMEM, "%s", w->what);
        while ((errno = 0, de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                char **nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv)
                        return husk_error_errno(w->err, ENOMEM, "%s", w->what);
                v = nv;
                v[n] = strdup(de->d_name);
                v[n + 1] = NULL;
                if (!v[n])
                        return husk_error_errno(w->err, ENOMEM, "%s", w->what);
                n++;
        }
        if (errno)
                return husk_error_errno(w->err, errno, "%s: read directory %s", w->what, w->rel);
        qsort(v, n, sizeof(char *), cmp_names);
        *ret = steal_ptr(v);
        *ret_n = n;
        return 0;
}

static int walk_dir(struct walk *w, int dirfd);

/* The child `name` of dirfd; w->rel already names it. */
static int walk_child(struct walk *w, int dirfd, const char *name)
{
        struct stat st;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : husk_error_errno(w->err, errno, "%s: %s", w->what, w->rel);
        if (w->opts->skip && w->opts->skip(w->opts->skip_ctx, w->rel, &st))
                return 0;
        if (S_ISSOCK(st.st_mode))
                return 0; /* tar has no sockets; tar and docker leave them out */
        if (S_ISLNK(st.st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
                if (n < 0)
                        return errno == ENOENT || errno == EINVAL ? 0
                                                                  : husk_error_errno(w->err, errno, "%s: %s", w->what,
                                                                                     w->rel);
                target[n] = '\0';
                return emit(w, &st, -1, target, NULL);
        }
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) && w->opts->oci_whiteouts) {
                char *slash = strrchr(w->rel, '/');
                if (!slash)
                        return emit_marker(w, &st, "", name);
                *slash = '\0';
                int r = emit_marker(w, &st, w->rel, name);
                *slash = '/';
                return r;
        }
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
                return emit(w, &st, -1, NULL, NULL); /* devices, fifos: header only, never opened */

        _cleanup_close_ int fd = open_child(dirfd, name, O_RDONLY | O_NONBLOCK | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
        if (fd == -EXDEV || fd == -ENOENT || fd == -ELOOP || fd == -ENOTDIR)
                return 0; /* a mount point, or replaced since the stat: not the tree's any more */
        if (fd < 0)
                return husk_error_errno(w->err, -fd, "%s: open %s", w->what, w->rel);
        struct stat now;
        if (fstat(fd, &now) < 0)
                return husk_error_errno(w->err, errno, "%s: %s", w->what, w->rel);
        if (now.st_ino != st.st_ino || now.st_dev != st.st_dev || (now.st_mode & S_IFMT) != (st.st_mode & S_IFMT))
                return 0;
        if (S_ISREG(now.st_mode))
                return emit(w, &now, fd, NULL, NULL);
        int r = emit(w, &now, fd, NULL, NULL);
        if (r >= 0 && w->opts->oci_whiteouts && is_opaque(fd))
                r = emit_marker(w, &now, w->rel, ".wh..opq");
        return r < 0 ? r : walk_dir(w, fd);
}

static int walk_dir(struct walk *w, int dirfd)
{
        _cleanup_strv_ char **names = NULL;
        size_t n = 0;
        size_t len = strlen(w->rel);
        int r = read_names(w, dirfd, &names, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                int k = snprintf(w->rel + len, sizeof(w->rel) - len, "%s%s", len ? "/" : "", names[i]);
                if (k < 0 || (size_t) k >= sizeof(w->rel) - len)
                        return husk_error_set(w->err, ENAMETOOLONG, "%s: path too long below %.*s", w->what,
                                              (int) len, w->rel);
                r = walk_child(w, dirfd, names[i]);
                w->rel[len] = '\0';
                if (r < 0)
                        return r;
        }
        return 0;
}

static void linkresolver_freep(struct archive_entry_linkresolver **lr)
{
        if (*lr)
                archive_entry_linkresolver_free(*lr);
}

int husk_tree_tar_write(struct archive *a, int fd, const char *name, const struct husk_tree_tar_opts *opts,
                        const char *what, struct husk_error *err)
{
        static const struct husk_tree_tar_opts none;
        _cleanup_(linkresolver_freep) struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
        _cleanup_free_ char *buf = malloc(DATA_CHUNK);
        struct stat st;

        if (!lr || !buf)
                return husk_error_errno(err, ENOMEM, "%s", what);
        archive_entry_linkresolver_set_strategy(lr, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
        struct walk w = { .a = a, .opts = opts ? opts : &none, .what = what, .top = name, .lr = lr, .buf = buf,
                          .err = err };
        if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
                return husk_error_errno(err, errno, "%s", what);
        if (S_ISLNK(st.st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
                if (n < 0)
                        return husk_error_errno(err, errno, "%s: readlink", what);
                target[n] = '\0';
                return emit(&w, &st, -1, target, NULL);
        }
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
                if (!name[0])
                        return husk_error_set(err, ENOTDIR, "%s: not a directory", what);
                return emit(&w, &st, -1, NULL, NULL);
        }
        /* A readable fd of the same inode (fd may be O_PATH): through /proc/self/fd, which reopens
         * that very inode whatever its path has become. */
        char proc[32];
        _cleanup_close_ int rfd = open(husk_fd_path(fd, proc), O_RDONLY | O_NONBLOCK | O_CLOEXEC |
                                                                    (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
        if (rfd < 0)
                return husk_error_errno(err, errno, "%s: open", what);
        if (S_ISREG(st.st_mode)) {
                if (!name[0])
                        return husk_error_set(err, ENOTDIR, "%s: not a directory", what);
                return emit(&w, &st, rfd, NULL, NULL);
        }
        if (name[0] && !w.opts->no_top) {
                int r = emit(&w, &st, rfd, NULL, NULL);
                if (r < 0)
                        return r;
        }
        return walk_dir(&w, rfd);
}

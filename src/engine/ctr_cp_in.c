/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk cp ... CONTAINER:DEST`: archive entries written into a container's root (ctr_cp.h). Not
 * libarchive's archive_write_disk: it works with paths from the current directory and follows
 * symlinks in them, and a chroot into the container (Docker's chrootarchive) is what let the
 * container's libnss be loaded (CVE-2019-14271). Here each entry's directory is resolved beneath the
 * root with openat2(RESOLVE_IN_ROOT) (a symlink in the container resolves as it would inside it, never
 * to the host), and the last component is made with *at() calls that never follow it (O_NOFOLLOW,
 * AT_SYMLINK_NOFOLLOW; a symlink in the way is replaced, not written through). A running container
 * racing us can only move where inside its own root a file lands.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr_cp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

#define PATH_BUF 8192
#define DATA_CHUNK (256u << 10)

struct dir_time {
        char *path;
        struct timespec mtime;
};

struct extract {
        struct archive *a;
        int root_fd;
        const struct husk_cp_opts *o;
        bool skip_top;
        struct dir_time *dirs;          /* directories' times, set last (their children change them) */
        size_t n_dirs;
        char *buf;
        struct husk_error *err;
};

/* The entry's path in the container, relative to its root ("" is the root). */
static int entry_path(const char *name, const char *top, const char *strip, char out[static PATH_BUF],
                      struct husk_error *err)
{
        char joined[2 * PATH_BUF];
        const char *rel = name;

        if (strip) {
                size_t n = strlen(strip);
                if (strncmp(name, strip, n) != 0)
                        return husk_error_set(err, EINVAL, "%s: not below %s", name, strip);
                rel = name + n;
        }
        /* The name cleaned on its own first ("../../etc/x" is "etc/x"), so no entry climbs above top. */
        char clean[PATH_BUF];
        if (husk_path_clean_in_root(rel, clean, sizeof(clean)) < 0)
                return husk_error_set(err, ENAMETOOLONG, "%s: name too long", name);
        (void) snprintf(joined, sizeof(joined), "%s/%s", top, clean);
        if (husk_path_clean_in_root(joined, out, PATH_BUF) < 0)
                return husk_error_set(err, ENAMETOOLONG, "%s: name too long", name);
        return 0;
}

/* The parent directory of path (made if missing, in-root) and the last component. */
static int open_parent(struct extract *x, const char *path, char base[static 256])
{
        const char *slash = strrchr(path, '/');
        char parent[PATH_BUF];

        (void) snprintf(parent, sizeof(parent), "%.*s", slash ? (int) (slash - path) : 0, path);
        if ((size_t) snprintf(base, 256, "%s", slash ? slash + 1 : path) >= 256)
                return husk_error_set(x->err, ENAMETOOLONG, "/%s: name too long", path);
        if (!parent[0]) {
                int fd = fcntl(x->root_fd, F_DUPFD_CLOEXEC, 3);
                return fd < 0 ? husk_error_errno(x->err, errno, "dup") : fd;
        }
        return husk_mkdir_in_root(x->root_fd, parent, 0755, false, x->err);
}

/* Whatever is at base, unless a directory (kept: an entry for a directory merges into it). */
static int make_room(struct extract *x, int dirfd, const char *base, bool for_dir, const char *path)
{
        struct stat st;
        if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : husk_error_errno(x->err, errno, "/%s", path);
        if (S_ISDIR(st.st_mode)) {
                if (for_dir)
                        return 1;
                if (unlinkat(dirfd, base, AT_REMOVEDIR) < 0)
                        return husk_error_errno(x->err, errno, "cannot overwrite directory /%s with non-directory",
                                                path);
                return 0;
        }
        if (unlinkat(dirfd, base, 0) < 0 && errno != ENOENT)
                return husk_error_errno(x->err, errno, "/%s: remove", path);
        return 0;
}

static void owner(const struct extract *x, struct archive_entry *e, uid_t *uid, gid_t *gid)
{
        /* Docker: the container's root owns what is copied in, unless -a keeps the source's owners. */
        *uid = x->o->archive ? (uid_t) archive_entry_uid(e) : 0;
        *gid = x->o->archive ? (gid_t) archive_entry_gid(e) : 0;
}

static int write_file(struct extract *x, int dirfd, const char *base, struct archive_entry *e, const char *path)
{
        int r = make_room(x, dirfd, base, false, path);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return husk_error_errno(x->err, errno, "/%s", path);
        for (;;) {
                la_ssize_t n = archive_read_data(x->a, x->buf, DATA_CHUNK);
                if (n < 0)
                        return husk_error_set(x->err, EIO, "/%s: %s", path, archive_error_string(x->a));
                if (n == 0)
                        break;
                r = husk_write_all(fd, x->buf, (size_t) n);
                if (r < 0)
                        return husk_error_errno(x->err, -r, "/%s: write", path);
        }
        uid_t uid;
        gid_t gid;
        owner(x, e, &uid, &gid);
        struct timespec ts[2] = { { archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
                                  { archive_entry_mtime(e), archive_entry_mtime_nsec(e) } };
        /* chown before chmod: chown clears set-user-ID bits. */
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, archive_entry_perm(e) & 07777) < 0 || futimens(fd, ts) < 0)
                return husk_error_errno(x->err, errno, "/%s: attributes", path);
        return 0;
}

static int make_dir(struct extract *x, int dirfd, const char *base, struct archive_entry *e, const char *path)
{
        int r = make_room(x, dirfd, base, true, path);
        if (r < 0)
                return r;
        if (r == 0 && mkdirat(dirfd, base, 0700) < 0 && errno != EEXIST)
                return husk_error_errno(x->err, errno, "/%s: mkdir", path);
        _cleanup_close_ int fd = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(x->err, errno, "/%s", path);
        uid_t uid;
        gid_t gid;
        owner(x, e, &uid, &gid);
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return husk_error_errno(x->err, errno, "/%s: attributes", path);
        struct dir_time *nv = realloc(x->dirs, (x->n_dirs + 1) * sizeof(*nv));
        if (!nv)
                return husk_error_errno(x->err, ENOMEM, "cp");
        x->dirs = nv;
        x->dirs[x->n_dirs].path = strdup(path);
        x->dirs[x->n_dirs].mtime = (struct timespec) { archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
        return x->dirs[x->n_dirs++].path ? 0 : husk_error_errno(x->err, ENOMEM, "cp");
}

static int make_link(struct extract *x, int dirfd, const char *base, struct archive_entry *e, const char *path,
                     const char *top, const char *strip)
{
        int r = make_room(x, dirfd, base, false, path);
        if (r < 0)
                return r;
        const char *target = archive_entry_symlink(e);
        if (target) {
                /* The target is stored as given: it means something only inside the container. */
                if (symlinkat(target, dirfd, base) < 0)
                        return husk_error_errno(x->err, errno, "/%s: symlink", path);
        } else {
                char tpath[PATH_BUF];
                r = entry_path(archive_entry_hardlink(e), top, strip, tpath, x->err);
                if (r < 0)
                        return r;
                _cleanup_close_ int tfd = husk_open_in_root(x->root_fd, tpath, O_PATH | O_NOFOLLOW, 0, x->err);
                if (tfd < 0)
                        return husk_error_prefix(x->err, "/%s: hard link to /%s: ", path, tpath);
                if (linkat(tfd, "", dirfd, base, AT_EMPTY_PATH) < 0)
                        return husk_error_errno(x->err, errno, "/%s: hard link to /%s", path, tpath);
                return 0;
        }
        uid_t uid;
        gid_t gid;
        owner(x, e, &uid, &gid);
        struct timespec ts[2] = { { archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
                                  { archive_entry_mtime(e), archive_entry_mtime_nsec(e) } };
        if (fchownat(dirfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(x->err, errno, "/%s: attributes", path);
        return 0;
}

static int make_node(struct extract *x, int dirfd, const char *base, struct archive_entry *e, const char *path)
{
        int r = make_room(x, dirfd, base, false, path);
        if (r < 0)
                return r;
        if (mknodat(dirfd, base, archive_entry_filetype(e) | (archive_entry_perm(e) & 0777), archive_entry_rdev(e)) < 0)
                return husk_error_errno(x->err, errno, "/%s: mknod", path);
        uid_t uid;
        gid_t gid;
        owner(x, e, &uid, &gid);
        if (fchownat(dirfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(x->err, errno, "/%s: attributes", path);
        return 0;
}

static int extract_entry(struct extract *x, struct archive_entry *e, const char *top, const char *strip)
{
        char path[PATH_BUF], base[256], top_clean[PATH_BUF];
        int r = entry_path(archive_entry_pathname(e), top, strip, path, x->err);
        if (r < 0)
                return r;
        if (!path[0])
                return 0; /* the container's root itself: never replaced, its attributes kept */
        if (x->skip_top && husk_path_clean_in_root(top, top_clean, sizeof(top_clean)) == 0 &&
            strcmp(path, top_clean) == 0)
                return 0;
        _cleanup_close_ int dirfd = open_parent(x, path, base);
        if (dirfd < 0)
                return dirfd;
        if (archive_entry_hardlink(e) || archive_entry_filetype(e) == AE_IFLNK)
                return make_link(x, dirfd, base, e, path, top, strip);
        switch (archive_entry_filetype(e)) {
        case AE_IFREG:
                return write_file(x, dirfd, base, e, path);
        case AE_IFDIR:
                return make_dir(x, dirfd, base, e, path);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return make_node(x, dirfd, base, e, path);
        default:
                return 0; /* sockets and the unknown: left out, as tar does */
        }
}

static void set_dir_times(struct extract *x)
{
        /* Children first (the list is in archive order, parents before children). */
        for (size_t i = x->n_dirs; i-- > 0;) {
                _cleanup_close_ int fd = husk_open_in_root(x->root_fd, x->dirs[i].path,
                                                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, NULL);
                struct timespec ts[2] = { x->dirs[i].mtime, x->dirs[i].mtime };
                if (fd >= 0)
                        (void) futimens(fd, ts);
        }
}

int husk_cp_extract_in_root(struct archive *a, bool disk, int root_fd, const char *top, const char *strip,
                            bool skip_top, const struct husk_cp_opts *o, struct husk_error *err)
{
        _cleanup_free_ char *buf = malloc(DATA_CHUNK);
        struct extract x = { .a = a, .root_fd = root_fd, .o = o, .skip_top = skip_top, .buf = buf, .err = err };
        struct archive_entry *e;
        int r = 0;

        if (!buf)
                return husk_error_errno(err, ENOMEM, "cp");
        for (;;) {
                int ar = archive_read_next_header(a, &e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN) {
                        r = husk_error_set(err, EIO, "%s", archive_error_string(a));
                        break;
                }
                if (disk && archive_read_disk_can_descend(a))
                        (void) archive_read_disk_descend(a);
                r = extract_entry(&x, e, top, strip);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                set_dir_times(&x);
        for (size_t i = 0; i < x.n_dirs; i++)
                free(x.dirs[i].path);
        free(x.dirs);
        return r;
}

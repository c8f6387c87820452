/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing one tar entry into the layer. Every name is cleaned lexically (unpack_clean_name), its parent
 * directory opened with RESOLVE_IN_ROOT semantics (util/path.h), and the last component acted on only
 * through that parent fd with calls that never follow it (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, linkat
 * without AT_SYMLINK_FOLLOW): a symlink in the archive, wherever it points, can only ever lead to
 * another place inside the layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/unpack-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

void unpack_forget_parent(struct unpack_ctx *u)
{
        free(u->parent_path);
        u->parent_path = NULL;
        if (u->parent_fd >= 0)
                (void) close(u->parent_fd);
        u->parent_fd = -1;
}

int unpack_open_parent(struct unpack_ctx *u, const char *parent, struct husk_error *err)
{
        /* Archives list a directory's entries together: most entries reuse the last lookup. It stays
         * right: where a path leads changes only when one of its components is removed or replaced,
         * by an entry whose own parent is a shorter path, which then is the last lookup. */
        if (u->parent_path && strcmp(u->parent_path, parent) == 0)
                return u->parent_fd;
        unpack_forget_parent(u);

        int fd;
        if (!*parent) {
                fd = openat(u->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return husk_error_errno(err, errno, "open the layer's root");
        } else {
                fd = husk_open_in_root(u->root, parent, O_PATH | O_DIRECTORY, 0, err);
                if (fd == -ENOENT) {
                        /* Archives may leave out parent directories: made as tar does (0755, ours). */
                        husk_error_clear(err);
                        fd = husk_mkdir_in_root(u->root, parent, 0755, false, err);
                }
                if (fd < 0)
                        return fd;
        }
        u->parent_path = strdup(parent);
        if (!u->parent_path) {
                (void) close(fd);
                return husk_error_errno(err, ENOMEM, "parent directory");
        }
        u->parent_fd = fd;
        return fd;
}

/* The xattrs an archive may not set: overlayfs's own would let a layer forge opaque directories,
 * redirects or metacopy files in the merged view. Only the whiteout conversion sets them. */
static bool xattr_refused(const char *name)
{
        return strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0;
}

/* Path of `base` beside the parent fd, for the l*xattr calls that have no *at form. */
static const char *beside(int parent_fd, const char *base, char *buf, size_t size)
{
        int n = snprintf(buf, size, "/proc/self/fd/%d/%s", parent_fd, base);
        return n > 0 && (size_t) n < size ? buf : NULL;
}

/* fd: an open fd of the entry (regular files, directories), or -1 to use the path beside the parent. */
static int set_xattrs(struct unpack_ctx *u, struct archive_entry *e, int fd, int parent_fd, const char *base,
                      struct husk_error *err)
{
        const char *name;
        const void *value;
        size_t size;
        char path[PATH_MAX + 32];

        if (archive_entry_xattr_reset(e) == 0)
                return 0;
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                if (xattr_refused(name))
                        continue;
                int r;
                if (fd >= 0) {
                        r = fsetxattr(fd, name, value, size, 0);
                } else {
                        const char *p = beside(parent_fd, base, path, sizeof(path));
                        if (!p)
                                return husk_error_errno(err, ENAMETOOLONG, "set xattr %s", name);
                        r = lsetxattr(p, name, value, size, 0);
                }
                /* Rootless, the trusted.* and some security.* namespaces are out of reach. */
                if (r < 0 && !(u->rootless && (errno == EPERM || errno == ENOTSUP)))
                        return husk_error_errno(err, errno, "set xattr %s", name);
        }
        return 0;
}

static int chown_result(struct unpack_ctx *u, int r, struct archive_entry *e, struct husk_error *err)
{
        if (r == 0)
                return 0;
        /* Rootless: ids outside our mapping stay ours (EINVAL: unmapped, EPERM: not permitted). */
        if (u->rootless && (errno == EPERM || errno == EINVAL))
                return 0;
        return husk_error_errno(err, errno, "chown %lld:%lld", (long long) archive_entry_uid(e),
                                (long long) archive_entry_gid(e));
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
        ts[1].tv_sec = archive_entry_mtime(e);
        ts[1].tv_nsec = archive_entry_mtime_nsec(e);
        /* Without an atime in the archive (plain ustar has none) it is the mtime, for reproducible trees. */
        if (archive_entry_atime_is_set(e)) {
                ts[0].tv_sec = archive_entry_atime(e);
                ts[0].tv_nsec = archive_entry_atime_nsec(e);
        } else {
                ts[0] = ts[1];
        }
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
                off += n;
        }
        return 0;
}

static int write_regular(struct unpack_ctx *u, struct archive *a, struct archive_entry *e, int parent_fd,
                         const char *base, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(parent_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return husk_error_errno(err, errno, "create file");

        off_t end = 0;
        for (;;) {
                const void *buf;
                size_t size;
                la_int64_t offset;
                int r = archive_read_data_block(a, &buf, &size, &offset);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return husk_error_set(err, EBADMSG, "read data: %s", archive_error_string(a));
                /* Sparse files come as blocks at offsets: the gaps stay holes. */
                r = write_all(fd, buf, size, (off_t) offset);
                if (r < 0)
                        return husk_error_errno(err, -r, "write");
                end = (off_t) offset + (off_t) size;
        }
        if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
            ftruncate(fd, (off_t) archive_entry_size(e)) < 0)
                return husk_error_errno(err, errno, "extend sparse file");

        /* Order matters: chown clears setuid/setgid and file capabilities, so mode then xattrs after it. */
        int r = chown_result(u, fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)), e, err);
        if (r < 0)
                return r;
        if (fchmod(fd, archive_entry_perm(e)) < 0)
                return husk_error_errno(err, errno, "chmod");
        r = set_xattrs(u, e, fd, -1, NULL, err);
        if (r < 0)
                return r;
        struct timespec ts[2];
        entry_times(e, ts);
        if (futimens(fd, ts) < 0)
                return husk_error_errno(err, errno, "set times");
        return 0;
}

static int remember_dir(struct unpack_ctx *u, const char *path, int fd, struct archive_entry *e, bool maybe_known,
                        struct husk_error *err)
{
        struct unpack_dir *d = NULL;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "stat directory");

        /* A directory listed twice takes its last entry's attributes. Searching only then keeps the
         * common case linear. */
        for (size_t i = maybe_known ? u->n_dirs : 0; i > 0 && !d; i--)
                if (u->dirs[i - 1].path && strcmp(u->dirs[i - 1].path, path) == 0)
                        d = &u->dirs[i - 1];
        if (!d) {
                if (u->n_dirs == u->cap_dirs) {
                        size_t cap = u->cap_dirs ? u->cap_dirs * 2 : 64;
                        struct unpack_dir *dirs = realloc(u->dirs, cap * sizeof(*dirs));
                        if (!dirs)
                                return husk_error_errno(err, ENOMEM, "directory list");
                        u->dirs = dirs;
                        u->cap_dirs = cap;
                }
                char *copy = strdup(path);
                if (!copy)
                        return husk_error_errno(err, ENOMEM, "directory list");
                d = &u->dirs[u->n_dirs++];
                d->path = copy;
        }
        d->mode = archive_entry_perm(e);
        d->dev = st.st_dev;
        d->ino = st.st_ino;
        entry_times(e, d->times);
        return 0;
}

/* The ownership and xattrs of a directory now; its mode and times once its contents are written (a
 * 0555 directory must still take its children, and every child written changes the mtime). */
static int write_dir(struct unpack_ctx *u, struct archive_entry *e, int parent_fd, const char *base,
                     const char *path, bool existed, bool was_whiteout, struct husk_error *err)
{
        if (!existed && mkdirat(parent_fd, base, 0700) < 0)
                return husk_error_errno(err, errno, "create directory");
        _cleanup_close_ int fd = openat(parent_fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open directory");
        int r = chown_result(u, fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)), e, err);
        if (r < 0)
                return r;
        r = set_xattrs(u, e, fd, -1, NULL, err);
        if (r < 0)
                return r;
        /* A directory where this layer had a whiteout replaces the lower one: none of the lower's
         * children may show through. */
        if (was_whiteout) {
                r = unpack_set_opaque(u, fd, err);
                if (r < 0)
                        return r;
        }
        return remember_dir(u, path, fd, e, existed, err);
}

/* Symlinks, devices, fifos: created, then their attributes set through the parent without following. */
static int write_special(struct unpack_ctx *u, struct archive_entry *e, int parent_fd, const char *base,
                         mode_t type, struct husk_error *err)
{
        if (type == AE_IFLNK) {
                const char *target = archive_entry_symlink(e);
                if (!target)
                        target = archive_entry_symlink_utf8(e);
                if (!target || !*target)
                        return husk_error_set(err, EINVAL, "symlink without a target");
                if (symlinkat(target, parent_fd, base) < 0)
                        return husk_error_errno(err, errno, "create symlink");
        } else {
                if (mknodat(parent_fd, base, type | 0600, type == AE_IFIFO ? 0 : archive_entry_rdev(e)) < 0)
                        return husk_error_errno(err, errno, "create %s", type == AE_IFIFO ? "fifo" : "device");
        }
        int r = chown_result(u, fchownat(parent_fd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e),
                                         AT_SYMLINK_NOFOLLOW), e, err);
        if (r < 0)
                return r;
        /* glibc does this through an O_PATH fd, never following; symlinks have no mode to set. */
        if (type != AE_IFLNK && fchmodat(parent_fd, base, archive_entry_perm(e), AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(err, errno, "chmod");
        r = set_xattrs(u, e, -1, parent_fd, base, err);
        if (r < 0)
                return r;
        struct timespec ts[2];
        entry_times(e, ts);
        if (utimensat(parent_fd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(err, errno, "set times");
        return 0;
}

static void split(char *path, const char **parent, const char **base)
{
        char *slash = strrchr(path, '/');
        if (slash) {
                *slash = '\0';
                *parent = path;
                *base = slash + 1;
        } else {
                *parent = "";
                *base = path;
        }
}

/*
 * A hard link to another entry of this layer. Its name is resolved as any entry's, in the layer: the
 * parent through symlinks (clamped), the last component not followed, so a link to a symlink links the
 * symlink itself (containerd's HardlinkSymlink* cases). The link gets no attributes of its own: chmod
 * through it would reach whatever it names.
 */
static int write_hardlink(struct unpack_ctx *u, const char *target_name, int parent_fd, const char *base,
                          struct husk_error *err)
{
        char target[PATH_MAX];
        const char *tparent, *tbase;

        if (husk_path_clean_in_root(target_name, target, sizeof(target)) < 0)
                return husk_error_errno(err, ENAMETOOLONG, "hard link target \"%s\"", target_name);
        if (!*target)
                return husk_error_set(err, EINVAL, "hard link to the layer's root");
        split(target, &tparent, &tbase);
        _cleanup_close_ int tfd = husk_open_in_root(u->root, tparent, O_PATH | O_DIRECTORY, 0, err);
        if (tfd < 0)
                return husk_error_prefix(err, "hard link target \"%s\": ", target_name);
        if (linkat(tfd, tbase, parent_fd, base, 0) < 0)
                return husk_error_errno(err, errno, "hard link to \"%s\"", target_name);
        return 0;
}

/* A directory removed: its records, and those of everything that was below it, no longer apply (a
 * directory made later at the same place may even get the same inode number). */
static void forget_dirs(struct unpack_ctx *u, const char *path)
{
        size_t n = strlen(path);

        for (size_t i = 0; i < u->n_dirs; i++) {
                struct unpack_dir *d = &u->dirs[i];
                if (d->path && strncmp(d->path, path, n) == 0 && (d->path[n] == '\0' || d->path[n] == '/')) {
                        free(d->path);
                        d->path = NULL;
                }
        }
}

/* Replace what is at base unless both are directories (image-spec layer.md, "Changeset over existing
 * files"). *kept_dir: a directory stays; *was_whiteout: a whiteout of this layer was replaced. */
static int clear_place(struct unpack_ctx *u, int parent_fd, const char *base, const char *path, bool is_dir,
                       bool *kept_dir, bool *was_whiteout, struct husk_error *err)
{
        struct stat st;

        *kept_dir = *was_whiteout = false;
        if (fstatat(parent_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return husk_error_errno(err, errno, "stat");
        }
        if (S_ISDIR(st.st_mode) && is_dir) {
                *kept_dir = true;
                return 0;
        }
        *was_whiteout = S_ISCHR(st.st_mode) && st.st_rdev == 0;
        if (S_ISDIR(st.st_mode)) {
                forget_dirs(u, path);
                return husk_rm_rf_at(parent_fd, base, err);
        }
        if (unlinkat(parent_fd, base, 0) < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "remove the existing entry");
        return 0;
}

static bool has_whiteout_component(const char *parent)
{
        for (const char *p = parent; *p;) {
                if (strncmp(p, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0)
                        return true;
                const char *slash = strchr(p, '/');
                if (!slash)
                        break;
                p = slash + 1;
        }
        return false;
}

/* The layer's root itself ("./"): only a directory entry, which gives the root its attributes. A layer
 * that makes "." a symlink is refused (umoci CVE-2021-29136). */
static int write_root(struct unpack_ctx *u, struct archive_entry *e, mode_t type, struct husk_error *err)
{
        if (type != AE_IFDIR)
                return husk_error_set(err, EINVAL, "only a directory can name the layer's root");
        int r = chown_result(u, fchown(u->root, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)), e, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(u->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open the layer's root");
        r = set_xattrs(u, e, fd, -1, NULL, err);
        if (r < 0)
                return r;
        return remember_dir(u, "", fd, e, true, err);
}

/* The entry at base in parent_fd: -EEXIST (nothing consumed) when something is in the way, unless
 * it is a directory that stays (kept_dir). */
static int create_entry(struct unpack_ctx *u, struct archive *a, struct archive_entry *e, int parent_fd,
                        const char *base, const char *full, bool kept_dir, bool was_whiteout, struct husk_error *err)
{
        const char *hardlink = archive_entry_hardlink(e);

        if (hardlink)
                return write_hardlink(u, hardlink, parent_fd, base, err);
        mode_t type = archive_entry_filetype(e);
        switch (type) {
        case AE_IFREG:
                return write_regular(u, a, e, parent_fd, base, err);
        case AE_IFDIR:
                return write_dir(u, e, parent_fd, base, full, kept_dir, was_whiteout, err);
        default:
                return write_special(u, e, parent_fd, base, type, err);
        }
}

static int write_entry(struct unpack_ctx *u, struct archive *a, struct archive_entry *e, char *path,
                       struct husk_error *err)
{
        const char *hardlink = archive_entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);
        const char *parent, *base;

        if (!*path)
                return hardlink ? husk_error_set(err, EINVAL, "a hard link cannot name the layer's root")
                                : write_root(u, e, type, err);

        _cleanup_free_ char *full = strdup(path);
        if (!full)
                return husk_error_errno(err, ENOMEM, "entry");
        split(path, &parent, &base);
        if (has_whiteout_component(parent))
                return husk_error_set(err, EINVAL, "invalid whiteout: a directory named \"" WHITEOUT_PREFIX "*\"");
        if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0) {
                struct timespec ts[2];
                entry_times(e, ts);
                return unpack_whiteout(u, parent, base, ts, err);
        }

        if (!hardlink && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFIFO &&
            type != AE_IFCHR && type != AE_IFBLK)
                return 0;       /* sockets and unknown types: nothing to make (as tar and containerd) */
        /* Rootless: no device nodes (podman skips them too); whiteouts are not devices here. */
        if (!hardlink && u->rootless && (type == AE_IFCHR || type == AE_IFBLK)) {
                u->devices_skipped++;
                return 0;
        }

        int pfd = unpack_open_parent(u, parent, err);
        if (pfd < 0)
                return pfd;

        if (hardlink) {
                char target[PATH_MAX];
                /* A link to itself: what is there already is the answer. */
                if (husk_path_clean_in_root(hardlink, target, sizeof(target)) == 0 && strcmp(target, full) == 0)
                        return 0;
        }

        /* Made on the assumption that the place is free (nearly always, in an empty layer); when it
         * is not, what is there goes (unless both are directories) and the entry is made again. */
        int r = create_entry(u, a, e, pfd, base, full, false, false, err);
        if (r != -EEXIST)
                return r;
        husk_error_clear(err);
        bool kept_dir, was_whiteout;
        r = clear_place(u, pfd, base, full, !hardlink && type == AE_IFDIR, &kept_dir, &was_whiteout, err);
        if (r < 0)
                return r;
        return create_entry(u, a, e, pfd, base, full, kept_dir, was_whiteout, err);
}

int unpack_entry(struct unpack_ctx *u, struct archive *a, struct archive_entry *e, struct husk_error *err)
{
        const char *name = archive_entry_pathname(e);
        char path[PATH_MAX];

        if (!name)
                name = archive_entry_pathname_utf8(e);
        if (!name)
                return husk_error_set(err, EINVAL, "an entry without a name");
        if (husk_path_clean_in_root(name, path, sizeof(path)) < 0)
                return husk_error_errno(err, ENAMETOOLONG, "entry \"%.200s...\"", name);
        int r = write_entry(u, a, e, path, err);
        if (r < 0)
                return husk_error_prefix(err, "entry \"%s\": ", name);
        return 0;
}

int unpack_finish_dirs(struct unpack_ctx *u, struct husk_error *err)
{
        /* Deepest last-listed first: a parent's mode (0500, say) is set after its children's, which
         * then are still reachable. */
        for (size_t i = u->n_dirs; i > 0; i--) {
                struct unpack_dir *d = &u->dirs[i - 1];
                struct husk_error ignored = { 0 };
                if (!d->path)
                        continue;
                _cleanup_close_ int fd = *d->path
                        ? husk_open_in_root(u->root, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, &ignored)
                        : openat(u->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                /* Replaced by a later entry (a symlink, a file, another directory, or a directory on
                 * the way moved): not the directory this entry made, so its attributes do not apply. */
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != d->dev || st.st_ino != d->ino)
                        continue;
                if (fchmod(fd, d->mode) < 0)
                        return husk_error_errno(err, errno, "directory \"%s\": chmod", d->path);
                if (futimens(fd, d->times) < 0)
                        return husk_error_errno(err, errno, "directory \"%s\": set times", d->path);
        }
        return 0;
}

void unpack_ctx_release(struct unpack_ctx *u)
{
        unpack_forget_parent(u);
        for (size_t i = 0; i < u->n_dirs; i++)
                free(u->dirs[i].path);
        free(u->dirs);
        u->dirs = NULL;
        u->n_dirs = u->cap_dirs = 0;
}

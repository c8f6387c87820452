/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk cp`: out of a container (its tree walked by fds, tree_tar.c, into a tar on a pipe or
 * archive_write_disk on the host) and into it (a tar stream or a host tree read by archive_read_disk,
 * extracted beneath its root, ctr_cp_in.c). Nothing of the container's is executed or loaded: no
 * chroot, no helper process, no NSS lookup (owners stay numeric).
 */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr_cp.h"
#include "image/tree_tar.h"
#include "util/cleanup.h"
#include "util/path.h"

static void archive_write_freep(struct archive **a)
{
        if (*a)
                (void) archive_write_free(*a);
}

static void archive_read_freep(struct archive **a)
{
        if (*a)
                (void) archive_read_free(*a);
}

/* The source in the container: an O_PATH fd of it (its last symlink followed only with -L, and then
 * inside the root) and whether it is a directory. Docker's words when it is not there. */
static int open_source(const struct husk_ctr_root *root, const char *src, bool follow, bool *ret_dir,
                       struct husk_error *err)
{
        int fd = husk_open_in_root(root->root_fd, src, O_PATH | (follow ? 0 : O_NOFOLLOW), 0, err);
        if (fd == -ENOENT)
                return husk_error_set(err, ENOENT, "Could not find the file %s in container %s", src, root->c.name);
        if (fd == -ENOTDIR)
                return husk_error_set(err, ENOTDIR, "%s: not a directory (in container %s)", src, root->c.name);
        if (fd < 0)
                return fd;
        struct stat st;
        if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) {
                int e = errno;
                (void) close(fd);
                return husk_error_errno(err, e, "%s", src);
        }
        *ret_dir = S_ISDIR(st.st_mode);
        return fd;
}

/* A host path with its directory made canonical (libarchive's secure extraction refuses any symlink on
 * the way, the user's own included); the last component stays as it is. */
static int host_canonical(const char *path, char **ret, struct husk_error *err)
{
        _cleanup_free_ char *d = strdup(path), *b = strdup(path);
        if (!d || !b)
                return husk_error_errno(err, ENOMEM, "cp");
        size_t n = strlen(b);
        while (n > 1 && b[n - 1] == '/')
                b[--n] = '\0';
        char real[PATH_MAX];
        const char *base = basename(b);
        if (!realpath(dirname(d), real))
                return husk_error_errno(err, errno, "%s", path);
        if (strcmp(base, "/") == 0 || strcmp(base, ".") == 0)
                *ret = strdup(real);
        else if (asprintf(ret, "%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/", base) < 0)
                *ret = NULL;
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "cp");
}

/* dest on the host: whether it is there, a directory, and that its directory is. */
static int host_dest(const char *dest, bool *ret_exists, bool *ret_dir, struct husk_error *err)
{
        struct stat st;
        if (stat(dest, &st) == 0) {
                *ret_exists = true;
                *ret_dir = S_ISDIR(st.st_mode);
                return 0;
        }
        if (errno != ENOENT)
                return husk_error_errno(err, errno, "%s", dest);
        *ret_exists = *ret_dir = false;
        _cleanup_free_ char *d = strdup(dest);
        if (!d)
                return husk_error_errno(err, ENOMEM, "cp");
        size_t n = strlen(d);
        while (n > 1 && d[n - 1] == '/')
                d[--n] = '\0';
        const char *parent = dirname(d);
        if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode))
                return husk_error_set(err, ENOENT, "%s: no such directory", parent);
        return 0;
}

/* A path in the container: a relative one is relative to its working directory (-w, else /). */
static int ctr_path(const struct husk_ctr_root *root, const char *path, char **ret, struct husk_error *err)
{
        const char *wd = root->c.cfg.workdir ? root->c.cfg.workdir : "";
        int n = path[0] == '/' ? asprintf(ret, "%s", path)
                               : asprintf(ret, "%s%s/%s", wd[0] == '/' ? "" : "/", wd, path);
        return n < 0 ? husk_error_errno(err, ENOMEM, "cp") : 0;
}

int husk_engine_cp_out(struct husk_engine *e, const char *id, const char *src_arg, const char *dest, int out_fd,
                       const struct husk_cp_opts *o, struct husk_error *err)
{
        _cleanup_(husk_ctr_root_close) struct husk_ctr_root root = { .lock_fd = -1, .dirfd = -1, .root_fd = -1 };
        _cleanup_free_ char *src = NULL;
        int r = husk_ctr_root_open(e, id, false, &root, err);
        if (r < 0 || (r = ctr_path(&root, src_arg, &src, err)) < 0)
                return r;
        bool is_dir = false;
        _cleanup_close_ int fd = open_source(&root, src, o->follow, &is_dir, err);
        if (fd < 0)
                return fd;
        char what[300];
        (void) snprintf(what, sizeof(what), "%s:%s", root.c.name, src);
        _cleanup_(archive_write_freep) struct archive *a = NULL;
        _cleanup_free_ char *top = NULL;
        bool contents = false;
        if (strcmp(dest, "-") == 0) {
                /* A tar of the source named by its base name ("." for a directory's content), as Docker. */
                char base[256];
                husk_cp_base_name(src, base, sizeof(base));
                if (husk_cp_wants_dir(src) && !is_dir)
                        return husk_error_set(err, ENOTDIR, "%s: not a directory", src);
                top = strdup(husk_cp_wants_contents(src) || !base[0] ? "." : base);
                a = archive_write_new();
                if (!top || !a)
                        return husk_error_errno(err, ENOMEM, "cp");
                if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
                    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
                    archive_write_open_fd(a, out_fd) != ARCHIVE_OK)
                        return husk_error_set(err, EIO, "%s: %s", what, archive_error_string(a));
        } else {
                struct husk_cp_plan_in in = { .src = src, .src_is_dir = is_dir, .dest = dest };
                struct husk_cp_plan plan = { 0 };
                r = host_dest(dest, &in.dest_exists, &in.dest_is_dir, err);
                if (r >= 0)
                        r = husk_cp_plan(&in, &plan, err);
                if (r >= 0)
                        r = host_canonical(plan.top, &top, err);
                contents = plan.contents;
                free(plan.top);
                if (r < 0)
                        return r;
                a = archive_write_disk_new();
                if (!a)
                        return husk_error_errno(err, ENOMEM, "cp");
                int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                            ARCHIVE_EXTRACT_SECURE_NODOTDOT;
                /* Docker: the caller owns what is copied out, unless -a keeps the container's owners. */
                if (o->archive)
                        flags |= ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR;
                if (archive_write_disk_set_options(a, flags) != ARCHIVE_OK)
                        return husk_error_set(err, EIO, "%s: %s", what, archive_error_string(a));
        }
        /* A tar keeps every mode (its reader decides); files made on the host here lose set-ID bits. */
        struct husk_tree_tar_opts to = { .xattrs = o->archive, .no_setid = !o->archive && strcmp(dest, "-") != 0,
                                         .no_top = contents };
        r = husk_tree_tar_write(a, fd, top, &to, what, err);
        if (r < 0)
                return r;
        if (archive_write_close(a) != ARCHIVE_OK)
                return husk_error_set(err, EIO, "%s: %s", what, archive_error_string(a));
        return 0;
}

/* dest in the container: whether it is there (symlinks followed inside the root, as Docker resolves
 * it in the container's scope) and a directory; its directory must be. */
static int ctr_dest(const struct husk_ctr_root *root, const char *dest, bool *ret_exists, bool *ret_dir,
                    struct husk_error *err)
{
        _cleanup_close_ int fd = husk_open_in_root(root->root_fd, dest, O_PATH, 0, err);
        struct stat st;
        if (fd >= 0) {
                if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
                        return husk_error_errno(err, errno, "%s", dest);
                *ret_exists = true;
                *ret_dir = S_ISDIR(st.st_mode);
                return 0;
        }
        if (fd != -ENOENT)
                return fd;
        *ret_exists = *ret_dir = false;
        /* dest is absolute (the command makes it so): its directory is what precedes the last '/'. */
        char parent[4096];
        size_t n = strlen(dest);
        while (n > 1 && dest[n - 1] == '/')
                n--;
        const char *slash = memrchr(dest, '/', n);
        (void) snprintf(parent, sizeof(parent), "%.*s", slash && slash > dest ? (int) (slash - dest) : 1,
                        slash && slash > dest ? dest : "/");
        _cleanup_close_ int pfd = husk_open_in_root(root->root_fd, parent, O_PATH | O_DIRECTORY, 0, err);
        if (pfd < 0)
                return husk_error_set(err, ENOENT, "%s: no such directory in container %s", parent, root->c.name);
        return 0;
}

static struct archive *tar_reader(int in_fd)
{
        struct archive *a = archive_read_new();
        /* The formats and filters built into libarchive only: support_filter_all would also run external
         * programs (lzop, lrzip...) on what the caller pipes in. */
        if (a && (archive_read_support_format_tar(a) != ARCHIVE_OK ||
                  archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
                  archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
                  archive_read_support_filter_xz(a) != ARCHIVE_OK ||
                  archive_read_support_filter_zstd(a) != ARCHIVE_OK || archive_read_open_fd(a, in_fd, 1 << 16) != ARCHIVE_OK)) {
                (void) archive_read_free(a);
                return NULL;
        }
        return a;
}

int husk_engine_cp_in(struct husk_engine *e, const char *id, const char *src, int in_fd, const char *dest_arg,
                      const struct husk_cp_opts *o, struct husk_error *err)
{
        _cleanup_(husk_ctr_root_close) struct husk_ctr_root root = { .lock_fd = -1, .dirfd = -1, .root_fd = -1 };
        _cleanup_free_ char *dest = NULL;
        int r = husk_ctr_root_open(e, id, true, &root, err);
        if (r < 0 || (r = ctr_path(&root, dest_arg, &dest, err)) < 0)
                return r;
        bool exists = false, is_dir = false;
        r = ctr_dest(&root, dest, &exists, &is_dir, err);
        if (r < 0)
                return r;
        _cleanup_(archive_read_freep) struct archive *a = NULL;
        if (strcmp(src, "-") == 0) {
                if (!exists || !is_dir)
                        return husk_error_set(err, ENOTDIR, "destination \"%s:%s\" must be a directory", root.c.name,
                                              dest);
                a = tar_reader(in_fd);
                if (!a)
                        return husk_error_set(err, EIO, "read the tar stream from stdin");
                /* The stream's "." (if any) is dest itself: it keeps its own attributes. */
                r = husk_cp_extract_in_root(a, false, root.root_fd, dest, NULL, true, o, err);
                return r < 0 ? husk_error_prefix(err, "copy into %s:%s: ", root.c.name, dest) : 0;
        }
        struct stat st;
        if ((o->follow ? stat(src, &st) : lstat(src, &st)) < 0)
                return husk_error_errno(err, errno, "%s %s", o->follow ? "stat" : "lstat", src);
        struct husk_cp_plan_in in = { .src = src, .src_is_dir = S_ISDIR(st.st_mode), .dest = dest,
                                      .dest_exists = exists, .dest_is_dir = is_dir };
        struct husk_cp_plan plan = { 0 };
        r = husk_cp_plan(&in, &plan, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *top = steal_ptr(plan.top);
        a = archive_read_disk_new();
        if (!a)
                return husk_error_errno(err, ENOMEM, "cp");
        /* -L follows the source named itself, never a symlink below it; no NSS lookups (numeric owners),
         * nothing but what stat says. */
        (void) (o->follow ? archive_read_disk_set_symlink_hybrid(a) : archive_read_disk_set_symlink_physical(a));
        (void) archive_read_disk_set_behavior(a, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
                                                         ARCHIVE_READDISK_NO_FFLAGS | ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
        if (archive_read_disk_open(a, src) != ARCHIVE_OK)
                return husk_error_set(err, EIO, "%s: %s", src, archive_error_string(a));
        r = husk_cp_extract_in_root(a, true, root.root_fd, top, src, plan.contents, o, err);
        return r < 0 ? husk_error_prefix(err, "copy %s into %s: ", src, root.c.name) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk diff`: a container's changes, read from its overlay upper layer as Docker's overlay driver does
 * (moby pkg/archive OverlayChanges): a 0:0 character device is a deleted path (D); anything else is
 * added (A), or changed (C) when the path exists in a layer below; the parent of an A or D is C. Two
 * differences, both because husk has no "init layer" under the container's: the mount points a start
 * creates (/proc, /etc/hosts... when the image lacks them: empty, absent below, at a destination of the
 * container's config.json) are no change; and a directory present below is C only when its mode or
 * owner changed or a child was added or deleted, not for its mtime alone (making those mount points
 * touched it). An opaque directory is C (or A) like any other; what it hides below is not listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/ctr_upper.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

#define _cleanup_json_ _cleanup_(json_decrefp)
#define PATH_BUF 8192

static bool is_whiteout(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* The mount destinations of the container's last config.json, relative. None when it has none. */
static int read_mounts(int dirfd, char ***ret, struct husk_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        if (!v)
                return husk_error_errno(err, ENOMEM, "config.json");
        struct husk_error ignored = { 0 };
        if (husk_read_file_at(dirfd, "config.json", &text, &len, &ignored) < 0) {
                *ret = steal_ptr(v);
                return 0;
        }
        _cleanup_json_ json_t *doc = json_loadb(text, len, 0, NULL);
        json_t *mounts = json_object_get(doc, "mounts"), *m;
        size_t i, n = 0;
        json_array_foreach(mounts, i, m) {
                const char *d = json_string_value(json_object_get(m, "destination"));
                char clean[PATH_BUF];
                if (!d || husk_path_clean_in_root(d, clean, sizeof(clean)) < 0 || !clean[0])
                        continue;
                char **nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv)
                        return husk_error_errno(err, ENOMEM, "config.json");
                v = nv;
                v[n] = strdup(clean);
                v[++n] = NULL;
                if (!v[n - 1])
                        return husk_error_errno(err, ENOMEM, "config.json");
        }
        *ret = steal_ptr(v);
        return 0;
}

int ctr_upper_open(struct husk_engine *e, const struct husk_ctr_root *root, const char *cmd, struct ctr_upper *ret,
                   struct husk_error *err)
{
        *ret = (struct ctr_upper) { .upper_fd = -1 };
        if (root->c.rootfs)
                return husk_error_set(err, ENOTSUP, "%s %s: the container runs on --rootfs %s, it has no image layers",
                                      cmd, root->c.name, root->c.rootfs);
        ret->upper_fd = openat(root->dirfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (ret->upper_fd < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "%s %s: open its upper layer", cmd, root->c.name);
        if (ret->upper_fd < 0 && faccessat(root->dirfd, "merged", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return husk_error_set(err, ENOTSUP,
                                      "%s %s: not supported for the copy driver (its root is a copy of the image, with no upper layer to read changes from)",
                                      cmd, root->c.name);
        struct husk_store *s = NULL;
        int r = husk_engine_store(e, &s, err);
        if (r < 0)
                return r;
        struct husk_image img = { 0 };
        r = husk_store_image_lookup(s, root->c.image_id, &img, err);
        if (r < 0)
                return husk_error_prefix(err, "%s %s: ", cmd, root->c.name);
        size_t n = 0;
        while (img.layers[n])
                n++;
        ret->lower_fds = calloc(n ? n : 1, sizeof(int));
        if (!ret->lower_fds) {
                husk_image_free(&img);
                return husk_error_errno(err, ENOMEM, "%s", cmd);
        }
        for (size_t i = 0; i < n; i++) {
                int fd = husk_store_layer_open(s, img.layers[n - 1 - i], err);
                if (fd < 0) {
                        husk_image_free(&img);
                        return fd;
                }
                ret->lower_fds[ret->n_lower++] = fd;
        }
        husk_image_free(&img);
        return read_mounts(root->dirfd, &ret->mounts, err);
}

void ctr_upper_close(struct ctr_upper *u)
{
        if (u->upper_fd >= 0)
                (void) close(u->upper_fd);
        for (size_t i = 0; i < u->n_lower; i++)
                (void) close(u->lower_fds[i]);
        free(u->lower_fds);
        husk_strv_free(u->mounts);
        *u = (struct ctr_upper) { .upper_fd = -1 };
}

bool ctr_upper_in_lower(const struct ctr_upper *u, const char *path, struct stat *ret_st)
{
        for (size_t i = 0; i < u->n_lower; i++) {
                /* Resolved inside the layer: a layer's symlink never leads out of it. */
                _cleanup_close_ int fd = husk_open_in_root(u->lower_fds[i], path, O_PATH | O_NOFOLLOW, 0, NULL);
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0)
                        continue;
                if (is_whiteout(&st))
                        return false;
                if (ret_st)
                        *ret_st = st;
                return true;
        }
        return false;
}

static bool dir_empty(int upper_fd, const char *path)
{
        _cleanup_close_ int fd = husk_open_in_root(upper_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, NULL);
        if (fd < 0)
                return false;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d)
                return false;
        fd = -1;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        return false;
        return true;
}

bool ctr_upper_skip(void *ctx, const char *path, const struct stat *st)
{
        const struct ctr_upper *u = ctx;
        bool is_mount = false;

        for (char **m = u->mounts; m && *m && !is_mount; m++)
                is_mount = strcmp(*m, path) == 0;
        if (!is_mount)
                return false;
        if (!(S_ISREG(st->st_mode) && st->st_size == 0) && !(S_ISDIR(st->st_mode) && dir_empty(u->upper_fd, path)))
                return false;
        return !ctr_upper_in_lower(u, path, NULL);
}

void husk_changes_free(struct husk_change *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].path);
        free(v);
}

struct diff {
        struct ctr_upper *u;
        struct husk_change *v;
        size_t n;
        char **changed_dirs;    /* directories already reported (C or A), as Docker's changedDirs */
        size_t n_dirs;
        char path[PATH_BUF];    /* relative, no leading '/' */
        struct husk_error *err;
};

static int add(struct diff *d, const char *rel, enum husk_change_kind kind)
{
        struct husk_change *nv = realloc(d->v, (d->n + 1) * sizeof(*nv));
        if (!nv)
                return husk_error_errno(d->err, ENOMEM, "diff");
        d->v = nv;
        if (asprintf(&d->v[d->n].path, "/%s", rel) < 0)
                return husk_error_errno(d->err, ENOMEM, "diff");
        d->v[d->n++].kind = kind;
        return 0;
}

static bool dir_reported(const struct diff *d, const char *rel)
{
        for (size_t i = 0; i < d->n_dirs; i++)
                if (strcmp(d->changed_dirs[i], rel) == 0)
                        return true;
        return false;
}

static int mark_dir(struct diff *d, const char *rel)
{
        char **nv = realloc(d->changed_dirs, (d->n_dirs + 1) * sizeof(char *));
        if (!nv)
                return husk_error_errno(d->err, ENOMEM, "diff");
        d->changed_dirs = nv;
        d->changed_dirs[d->n_dirs] = strdup(rel);
        return d->changed_dirs[d->n_dirs++] ? 0 : husk_error_errno(d->err, ENOMEM, "diff");
}

/* The parent of an added or deleted path is changed, once. */
static int parent_changed(struct diff *d, const char *rel)
{
        const char *slash = strrchr(rel, '/');
        if (!slash)
                return 0; /* the parent is "/": never listed */
        char parent[PATH_BUF];
        (void) snprintf(parent, sizeof(parent), "%.*s", (int) (slash - rel), rel);
        if (dir_reported(d, parent))
                return 0;
        int r = mark_dir(d, parent);
        return r < 0 ? r : add(d, parent, HUSK_CHANGE_MODIFY);
}

static int diff_dir(struct diff *d, int dirfd);

static int diff_entry(struct diff *d, int dirfd, const char *name)
{
        struct stat st, below;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : husk_error_errno(d->err, errno, "diff: /%s", d->path);
        if (ctr_upper_skip(d->u, d->path, &st))
                return 0;
        enum husk_change_kind kind;
        bool report = true;
        int r;
        if (is_whiteout(&st)) {
                kind = HUSK_CHANGE_DELETE;
        } else if (!ctr_upper_in_lower(d->u, d->path, &below)) {
                kind = HUSK_CHANGE_ADD;
        } else {
                kind = HUSK_CHANGE_MODIFY;
                if (S_ISDIR(st.st_mode) && S_ISDIR(below.st_mode) && st.st_mode == below.st_mode &&
                    st.st_uid == below.st_uid && st.st_gid == below.st_gid)
                        report = false; /* only a way to its children: reported if one of them is A or D */
        }
        if (report) {
                if (kind != HUSK_CHANGE_MODIFY && (r = parent_changed(d, d->path)) < 0)
                        return r;
                if (S_ISDIR(st.st_mode) && (r = mark_dir(d, d->path)) < 0)
                        return r;
                if ((r = add(d, d->path, kind)) < 0)
                        return r;
        }
        if (!S_ISDIR(st.st_mode))
                return 0;
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ELOOP || errno == ENOTDIR
                               ? 0
                               : husk_error_errno(d->err, errno, "diff: /%s", d->path);
        return diff_dir(d, fd);
}

static int diff_dir(struct diff *d, int dirfd)
{
        int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return husk_error_errno(d->err, errno, "diff");
        _cleanup_closedir_ DIR *dir = fdopendir(fd);
        if (!dir) {
                (void) close(fd);
                return husk_error_errno(d->err, errno, "diff");
        }
        size_t len = strlen(d->path);
        struct dirent *de;
        while ((errno = 0, de = readdir(dir))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int k = snprintf(d->path + len, sizeof(d->path) - len, "%s%s", len ? "/" : "", de->d_name);
                if (k < 0 || (size_t) k >= sizeof(d->path) - len)
                        return husk_error_set(d->err, ENAMETOOLONG, "diff: path too long below /%.*s", (int) len,
                                              d->path);
                int r = diff_entry(d, dirfd, de->d_name);
                d->path[len] = '\0';
                if (r < 0)
                        return r;
        }
        return errno ? husk_error_errno(d->err, errno, "diff: /%s", d->path) : 0;
}

static int cmp_changes(const void *a, const void *b)
{
        return strcmp(((const struct husk_change *) a)->path, ((const struct husk_change *) b)->path);
}

int husk_engine_diff(struct husk_engine *e, const char *id, struct husk_change **ret, size_t *ret_n,
                     struct husk_error *err)
{
        _cleanup_(husk_ctr_root_close) struct husk_ctr_root root = { .lock_fd = -1, .dirfd = -1, .root_fd = -1 };
        _cleanup_(ctr_upper_close) struct ctr_upper u = { .upper_fd = -1 };
        /* The lock and the record only: the upper layer is read where it lies, nothing is mounted. */
        int r = husk_ctr_root_hold(e, id, &root, err);
        if (r < 0)
                return r;
        r = ctr_upper_open(e, &root, "diff", &u, err);
        if (r < 0)
                return r;
        struct diff d = { .u = &u, .err = err };
        if (u.upper_fd >= 0)
                r = diff_dir(&d, u.upper_fd);
        for (size_t i = 0; i < d.n_dirs; i++)
                free(d.changed_dirs[i]);
        free(d.changed_dirs);
        if (r < 0) {
                husk_changes_free(d.v, d.n);
                return r;
        }
        if (d.n)
                qsort(d.v, d.n, sizeof(*d.v), cmp_changes);
        *ret = d.v;
        *ret_n = d.n;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's root: where it is, its layout, the records lock, and the recovery of what killed
 * operations left in tmp/. Entries in tmp/ are named "<pid>-<starttime>-<kind>-<random>": a later
 * open removes those whose process is gone (a pid alone could have been reused), and leaves the
 * entries of processes still running alone.
 */
#include "image/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

static const char *const layout_dirs[] = { "blobs", "blobs/sha256", "layers", "l", "tmp", "containers" };

/* Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot. 0 when the process is gone. */
static uint64_t pid_starttime(pid_t pid)
{
        char path[64], buf[1024];

        (void) snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* comm may hold spaces and parentheses: start after the last ')'. */
        char *p = strrchr(buf, ')');
        if (!p)
                return 0;
        p++;
        for (int field = 3; field < 22 && p; field++)
                p = strchr(p + 1, ' ');
        return p ? strtoull(p + 1, NULL, 10) : 0;
}

static int resolve_root(const struct husk_store_opts *opts, char **ret, struct husk_error *err)
{
        const char *env = getenv("HUSK_STORAGE_ROOT");
        char *root = NULL;

        if (opts && opts->root && *opts->root)
                root = strdup(opts->root);
        else if (env && *env)
                root = strdup(env);
        else if (geteuid() == 0)
                root = strdup("/var/lib/husk");
        else {
                const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
                if (xdg && *xdg == '/') {
                        if (asprintf(&root, "%s/husk", xdg) < 0)
                                root = NULL;
                } else if (home && *home == '/') {
                        if (asprintf(&root, "%s/.local/share/husk", home) < 0)
                                root = NULL;
                } else {
                        return husk_error_set(err, EINVAL,
                                              "image store: no root given and neither XDG_DATA_HOME nor HOME is set");
                }
        }
        if (!root)
                return husk_error_errno(err, ENOMEM, "image store root");
        if (root[0] != '/') {
                int r = husk_error_set(err, EINVAL, "image store root \"%s\": must be an absolute path", root);
                free(root);
                return r;
        }
        *ret = root;
        return 0;
}

/* Remove the leftovers of dead owners from tmp/. Called with the lock held. */
static int recover_tmp(struct husk_store *s, struct husk_error *err)
{
        int fd = openat(s->root_fd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s/tmp", s->root);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(err, errno, "open %s/tmp", s->root);
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                unsigned long long pid, start;
                int n = 0;
                if (de->d_name[0] == '.')
                        continue;
                /* Not our naming: someone else's, leave it. */
                if (sscanf(de->d_name, "%llu-%llu-%n", &pid, &start, &n) != 2 || n == 0 || pid == 0 ||
                    pid > INT32_MAX)
                        continue;
                if (pid_starttime((pid_t) pid) == start)
                        continue;
                int r = husk_rm_rf_at(dirfd(d), de->d_name, err);
                if (r < 0)
                        return husk_error_prefix(err, "image store %s: remove leftover tmp/%s: ", s->root, de->d_name);
        }
        if (errno)
                return husk_error_errno(err, errno, "read %s/tmp", s->root);
        return 0;
}

static int make_layout(struct husk_store *s, struct husk_error *err)
{
        int r = husk_mkdir_p(s->root, 0700, err);
        if (r < 0)
                return r;
        s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0)
                return husk_error_errno(err, errno, "open image store %s", s->root);
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(layout_dirs); i++)
                if (mkdirat(s->root_fd, layout_dirs[i], 0700) < 0 && errno != EEXIST)
                        return husk_error_errno(err, errno, "create %s/%s", s->root, layout_dirs[i]);
        s->lock_fd = openat(s->root_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (s->lock_fd < 0)
                return husk_error_errno(err, errno, "open %s/lock", s->root);
        s->gc_fd = openat(s->root_fd, "gc.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (s->gc_fd < 0)
                return husk_error_errno(err, errno, "open %s/gc.lock", s->root);
        return 0;
}

static void empty_trash(int root_fd, char **trash, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                /* a failure leaves an entry of ours in tmp/: the next open after we are gone removes it */
                (void) husk_rm_rf_at(root_fd, trash[i], NULL);
                free(trash[i]);
        }
        free(trash);
}

static void store_free(struct husk_store *s)
{
        if (!s)
                return;
        empty_trash(s->root_fd, s->trash, s->n_trash);
        if (s->gc_fd >= 0)
                (void) close(s->gc_fd);
        if (s->lock_fd >= 0)
                (void) close(s->lock_fd);
        if (s->root_fd >= 0)
                (void) close(s->root_fd);
        (void) pthread_mutex_destroy(&s->mutex);
        free(s->root);
        free(s);
}

static void store_freep(struct husk_store **s)
{
        store_free(*s);
}

int husk_store_open(const struct husk_store_opts *opts, struct husk_store **ret, struct husk_error *err)
{
        _cleanup_(store_freep) struct husk_store *s = calloc(1, sizeof(*s));
        pthread_mutexattr_t attr;
        int r;

        if (!s)
                return husk_error_errno(err, ENOMEM, "open image store");
        s->root_fd = s->lock_fd = s->gc_fd = -1;
        (void) pthread_mutexattr_init(&attr);
        (void) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
        r = pthread_mutex_init(&s->mutex, &attr);
        (void) pthread_mutexattr_destroy(&attr);
        if (r != 0) {
                free(steal_ptr(s));
                return husk_error_errno(err, r, "open image store");
        }
        if ((r = resolve_root(opts, &s->root, err)) < 0)
                return r;
        s->read_only = opts && opts->read_only;
        s->rootless = geteuid() != 0;
        (void) snprintf(s->owner, sizeof(s->owner), "%d-%" PRIu64, (int) getpid(), pid_starttime(getpid()));

        if (s->read_only) {
                /* Listing a store nobody has written yet shows an empty one, not an error. */
                s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (s->root_fd < 0 && errno != ENOENT)
                        return husk_error_errno(err, errno, "open image store %s", s->root);
                *ret = steal_ptr(s);
                return 0;
        }
        if ((r = make_layout(s, err)) < 0 || (r = husk_store_lock(s, err)) < 0)
                return r;
        r = recover_tmp(s, err);
        husk_store_unlock(s);
        if (r < 0)
                return r;
        *ret = steal_ptr(s);
        return 0;
}

void husk_store_close(struct husk_store *s)
{
        store_free(s);
}

const char *husk_store_root(const struct husk_store *s)
{
        return s->root;
}

int husk_store_root_fd(const struct husk_store *s)
{
        return s->root_fd;
}

int husk_store_check_writable(struct husk_store *s, const char *op, struct husk_error *err)
{
        if (s->read_only || s->root_fd < 0)
                return husk_error_set(err, EROFS, "%s: image store %s was opened read-only", op, s->root);
        return 0;
}

int husk_store_lock(struct husk_store *s, struct husk_error *err)
{
        int r = husk_store_check_writable(s, "lock", err);
        if (r < 0)
                return r;
        (void) pthread_mutex_lock(&s->mutex);
        if (s->lock_depth++ > 0)
                return 0;
        while (flock(s->lock_fd, LOCK_EX) < 0) {
                if (errno == EINTR)
                        continue;
                r = husk_error_errno(err, errno, "lock %s/lock", s->root);
                s->lock_depth--;
                (void) pthread_mutex_unlock(&s->mutex);
                return r;
        }
        return 0;
}

void husk_store_unlock(struct husk_store *s)
{
        char **trash = NULL;
        size_t n = 0;

        if (--s->lock_depth == 0) {
                (void) flock(s->lock_fd, LOCK_UN);
                trash = steal_ptr(s->trash);
                n = s->n_trash;
                s->n_trash = 0;
        }
        (void) pthread_mutex_unlock(&s->mutex);
        empty_trash(s->root_fd, trash, n);
}

void husk_store_trash(struct husk_store *s, const char *rel)
{
        (void) pthread_mutex_lock(&s->mutex);
        char **nv = s->lock_depth ? realloc(s->trash, (s->n_trash + 1) * sizeof(char *)) : NULL;
        char *copy = nv ? strdup(rel) : NULL;
        if (nv)
                s->trash = nv;
        if (copy)
                s->trash[s->n_trash++] = copy;
        (void) pthread_mutex_unlock(&s->mutex);
        if (!copy)
                (void) husk_rm_rf_at(s->root_fd, rel, NULL);
}

int husk_store_pin(struct husk_store *s, struct husk_error *err)
{
        int r = 0;

        (void) pthread_mutex_lock(&s->mutex);
        if (!s->gc_shared) {
                /* A GC holds it exclusively only while it sweeps: waiting is short. */
                while ((r = flock(s->gc_fd, LOCK_SH)) < 0 && errno == EINTR)
                        ;
                if (r < 0)
                        r = husk_error_errno(err, errno, "lock %s/gc.lock", s->root);
                else
                        s->gc_shared = true;
        }
        (void) pthread_mutex_unlock(&s->mutex);
        return r;
}

void husk_store_unpin(struct husk_store *s)
{
        (void) pthread_mutex_lock(&s->mutex);
        if (s->gc_shared) {
                (void) flock(s->gc_fd, LOCK_UN);
                s->gc_shared = false;
        }
        (void) pthread_mutex_unlock(&s->mutex);
}

int husk_store_tmp_name(struct husk_store *s, const char *kind, char *ret, size_t len)
{
        uint64_t rnd;

        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                return -errno;
        int n = snprintf(ret, len, "tmp/%s-%s-%016" PRIx64, s->owner, kind, rnd);
        return n < 0 || (size_t) n >= len ? -ENAMETOOLONG : 0;
}

int husk_store_tmp_mkdir(struct husk_store *s, const char *kind, char ret_path[static 128], struct husk_error *err)
{
        int r = husk_store_check_writable(s, "create a temporary directory", err);
        if (r < 0)
                return r;
        if ((r = husk_store_tmp_name(s, kind, ret_path, 128)) < 0)
                return husk_error_errno(err, -r, "image store %s: temporary name", s->root);
        if (mkdirat(s->root_fd, ret_path, 0700) < 0)
                return husk_error_errno(err, errno, "create %s/%s", s->root, ret_path);
        int fd = openat(s->root_fd, ret_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;
                (void) unlinkat(s->root_fd, ret_path, AT_REMOVEDIR);
                return husk_error_errno(err, e, "open a temporary directory in %s", s->root);
        }
        return fd;
}

int husk_store_sync_dir(struct husk_store *s, const char *path, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(s->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return husk_error_errno(err, errno, "sync %s/%s", s->root, path);
        return 0;
}

int husk_store_write_file(struct husk_store *s, const char *path, const char *data, size_t len,
                          struct husk_error *err)
{
        char tmp[128];
        int r;

        if ((r = husk_store_tmp_name(s, "file", tmp, sizeof(tmp))) < 0)
                return husk_error_errno(err, -r, "write %s/%s", s->root, path);
        _cleanup_close_ int fd = openat(s->root_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return husk_error_errno(err, errno, "create %s/%s", s->root, tmp);
        if ((r = husk_write_all(fd, data, len)) < 0 || (fsync(fd) < 0 && (r = -errno)) ||
            (renameat(s->root_fd, tmp, s->root_fd, path) < 0 && (r = -errno))) {
                (void) unlinkat(s->root_fd, tmp, 0);
                return husk_error_errno(err, -r, "write %s/%s", s->root, path);
        }
        /* the rename is durable once its directory is */
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t) (slash - path)) : strdup(".");
        if (!dir)
                return husk_error_errno(err, ENOMEM, "write %s/%s", s->root, path);
        return husk_store_sync_dir(s, dir, err);
}

struct du_seen {
        dev_t dev;
        ino_t ino;
};

struct du_state {
        dev_t dev;
        uint64_t bytes;
        struct du_seen *seen;   /* inodes with more than one link, counted once */
        size_t n_seen, cap_seen;
};

static bool du_first_sight(struct du_state *st, const struct stat *sb)
{
        if (sb->st_nlink <= 1 || S_ISDIR(sb->st_mode))
                return true;
        for (size_t i = 0; i < st->n_seen; i++)
                if (st->seen[i].ino == sb->st_ino && st->seen[i].dev == sb->st_dev)
                        return false;
        if (st->n_seen == st->cap_seen) {
                size_t cap = st->cap_seen ? st->cap_seen * 2 : 64;
                struct du_seen *n = realloc(st->seen, cap * sizeof(*n));
                if (!n)
                        return true;    /* counted twice at worst: an estimate, never a failure */
                st->seen = n;
                st->cap_seen = cap;
        }
        st->seen[st->n_seen++] = (struct du_seen) { sb->st_dev, sb->st_ino };
        return true;
}

static int du_walk(struct du_state *st, int parent, const char *name, unsigned depth, struct husk_error *err)
{
        struct stat sb;

        if (fstatat(parent, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : husk_error_errno(err, errno, "stat %s", name);
        if (sb.st_dev != st->dev)
                return 0;
        if (du_first_sight(st, &sb))
                st->bytes += (uint64_t) sb.st_blocks * 512;
        if (!S_ISDIR(sb.st_mode))
                return 0;
        if (depth > 4096)
                return husk_error_set(err, ELOOP, "du %s: directories nested too deep", name);
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", name);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(err, errno, "open %s", name);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int r = du_walk(st, dirfd(d), de->d_name, depth + 1, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int husk_store_du(int dirfd, const char *path, uint64_t *ret, struct husk_error *err)
{
        struct stat sb;

        if (fstatat(dirfd, path, &sb, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_errno(err, errno, "stat %s", path);
        struct du_state st = { .dev = sb.st_dev };
        int r = du_walk(&st, dirfd, path, 0, err);
        free(st.seen);
        if (r < 0)
                return r;
        *ret = st.bytes;
        return 0;
}

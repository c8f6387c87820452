/* SPDX-License-Identifier: Apache-2.0 */
/* Container records under <storage root>/containers (layout in engine/container.h). */
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

#include "engine/container.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define RECORD "container.json"

struct husk_ctr_store {
        char *path;     /* <root>/containers */
        int fd;         /* its O_DIRECTORY fd */
};

int husk_ctr_store_open(const char *storage_root, bool create, struct husk_ctr_store **ret, struct husk_error *err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/containers", storage_root) < 0)
                return husk_error_errno(err, ENOMEM, "containers");
        if (create) {
                int r = husk_mkdir_p(path, 0700, err);
                if (r < 0)
                        return r;
        }
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        if (create && mkdirat(fd, "names", 0700) < 0 && errno != EEXIST)
                return husk_error_errno(err, errno, "mkdir %s/names", path);
        struct husk_ctr_store *s = calloc(1, sizeof(*s));
        if (!s)
                return husk_error_errno(err, ENOMEM, "containers");
        s->path = steal_ptr(path);
        s->fd = steal_fd(fd);
        *ret = s;
        return 0;
}

void husk_ctr_store_close(struct husk_ctr_store *s)
{
        if (s->fd >= 0)
                (void) close(s->fd);
        free(s->path);
        free(s);
}

const char *husk_ctr_store_path(const struct husk_ctr_store *s)
{
        return s->path;
}

int husk_ctr_store_fd(const struct husk_ctr_store *s)
{
        return s->fd;
}

/* flock with EINTR retried; the fd is returned. */
static int lock_file_at(int dirfd, const char *path, int op, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        while (flock(fd, op) < 0)
                if (errno != EINTR)
                        return husk_error_errno(err, errno, "lock %s", path);
        return steal_fd(fd);
}

int husk_ctr_dir_open(struct husk_ctr_store *s, const char *id, struct husk_error *err)
{
        if (!husk_ctr_id_valid(id))
                return husk_error_set(err, EINVAL, "invalid container id \"%s\"", id);
        int fd = openat(s->fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? husk_error_set(err, ENOENT, "no such container: %s", id)
                                       : husk_error_errno(err, errno, "open container %s", id);
        return fd;
}

int husk_ctr_lock(struct husk_ctr_store *s, const char *id, struct husk_error *err)
{
        _cleanup_close_ int dfd = husk_ctr_dir_open(s, id, err);
        if (dfd < 0)
                return dfd;
        _cleanup_close_ int fd = lock_file_at(dfd, "lock", LOCK_EX, err);
        if (fd < 0)
                return fd;
        /* rm may have removed the directory while we waited: a lock on an unlinked file guards nothing. */
        struct stat st;
        if (fstatat(dfd, RECORD, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return husk_error_set(err, ENOENT, "no such container: %s", id);
        return steal_fd(fd);
}

int husk_ctr_monitor_lock(struct husk_ctr_store *s, const char *id, struct husk_error *err)
{
        _cleanup_close_ int dfd = husk_ctr_dir_open(s, id, err);
        if (dfd < 0)
                return dfd;
        return lock_file_at(dfd, "monitor.lock", LOCK_EX | LOCK_NB, err);
}

bool husk_ctr_monitor_alive(struct husk_ctr_store *s, const char *id)
{
        _cleanup_close_ int dfd = husk_ctr_dir_open(s, id, NULL);
        if (dfd < 0)
                return false;
        _cleanup_close_ int fd = openat(dfd, "monitor.lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        if (flock(fd, LOCK_SH | LOCK_NB) == 0)
                return false;
        return errno == EWOULDBLOCK;
}

static int load_at(struct husk_ctr_store *s, int dfd, const char *id, struct husk_ctr *ret, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r = husk_read_file_at(dfd, RECORD, &data, &len, err);
        if (r < 0)
                return r == -ENOENT ? husk_error_set(err, ENOENT, "no such container: %s", id) : r;
        char name[96];
        (void) snprintf(name, sizeof(name), "container %.12s: " RECORD, id);
        r = husk_ctr_from_json(data, len, name, ret, err);
        if (r < 0)
                return r;
        if (ret->state == HUSK_CTR_RUNNING && !husk_ctr_monitor_alive(s, id))
                ret->monitor_dead = true;
        return 0;
}

int husk_ctr_load(struct husk_ctr_store *s, const char *id, struct husk_ctr *ret, struct husk_error *err)
{
        _cleanup_close_ int dfd = husk_ctr_dir_open(s, id, err);
        if (dfd < 0)
                return dfd;
        return load_at(s, dfd, id, ret, err);
}

int husk_ctr_save(struct husk_ctr_store *s, const struct husk_ctr *c, struct husk_error *err)
{
        _cleanup_free_ char *text = NULL;
        int r = husk_ctr_to_json(c, &text, err);
        if (r < 0)
                return r;
        _cleanup_close_ int dfd = husk_ctr_dir_open(s, c->id, err);
        if (dfd < 0)
                return dfd;
        /* Not fsynced, as the runtime's state: the record changes on every start and stop, and the start
         * path is measured; the rename keeps it whole. */
        return husk_write_file_atomic_at(dfd, RECORD, text, strlen(text), 0600, false, err);
}

/* ---- names ---- */

/* Reserve name for id in names/: the symlink is the reservation. */
static int name_reserve(struct husk_ctr_store *s, const char *name, const char *id, struct husk_error *err)
{
        char path[300];
        (void) snprintf(path, sizeof(path), "names/%s", name);
        if (symlinkat(id, s->fd, path) == 0)
                return 0;
        if (errno != EEXIST)
                return husk_error_errno(err, errno, "reserve container name %s", name);
        char other[HUSK_CTR_ID_LEN + 1] = "";
        ssize_t n = readlinkat(s->fd, path, other, sizeof(other) - 1);
        if (n > 0)
                other[n] = '\0';
        return husk_error_set(err, EEXIST,
                              "the container name \"%s\" is already in use by container \"%s\": remove (or rename) that container to reuse the name",
                              name, other);
}

static int generate_name(struct husk_ctr_store *s, const char *id, char **ret, struct husk_error *err)
{
        for (unsigned attempt = 0; attempt < 64; attempt++) {
                uint64_t seed;
                if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
                        return husk_error_errno(err, errno ? errno : EIO, "getrandom");
                char name[64];
                husk_ctr_name_generate(seed, attempt, name, sizeof(name));
                struct husk_error ignored = { 0 };
                int r = name_reserve(s, name, id, &ignored);
                if (r == 0) {
                        *ret = strdup(name);
                        return *ret ? 0 : husk_error_errno(err, ENOMEM, "container name");
                }
                if (r != -EEXIST)
                        return husk_error_errno(err, -r, "%s", ignored.msg);
        }
        return husk_error_set(err, EEXIST, "no free container name found in 64 attempts");
}

static void name_release(struct husk_ctr_store *s, const char *name, const char *id)
{
        char path[300], target[HUSK_CTR_ID_LEN + 1];
        (void) snprintf(path, sizeof(path), "names/%s", name);
        ssize_t n = readlinkat(s->fd, path, target, sizeof(target) - 1);
        if (n != HUSK_CTR_ID_LEN)
                return;
        target[n] = '\0';
        /* Only our own link: the name may already belong to a newer container. */
        if (strcmp(target, id) == 0)
                (void) unlinkat(s->fd, path, 0);
}

/* ---- create, lookup, list, remove ---- */

struct tmpdir {
        int dirfd;
        char *name;
};

static void tmpdir_cleanup(struct tmpdir *t)
{
        if (t->name) {
                (void) husk_rm_rf_at(t->dirfd, t->name, NULL);
                free(t->name);
        }
}

int husk_ctr_create(struct husk_ctr_store *s, struct husk_ctr *c, struct husk_error *err)
{
        int r = husk_ctr_id_new(c->id, err);
        if (r < 0)
                return r;
        _cleanup_close_ int nlock = lock_file_at(s->fd, "names.lock", LOCK_EX, err);
        if (nlock < 0)
                return nlock;
        _cleanup_free_ char *generated = NULL;
        if (c->name) {
                r = husk_ctr_name_validate(c->name, err);
                if (r < 0)
                        return r;
                r = name_reserve(s, c->name, c->id, err);
        } else {
                r = generate_name(s, c->id, &generated, err);
        }
        if (r < 0)
                return r;
        const char *name = c->name ? c->name : generated;

        /* Made under a temporary name, so a listing never sees it half written. */
        _cleanup_(tmpdir_cleanup) struct tmpdir tmp = { .dirfd = s->fd };
        if (asprintf(&tmp.name, ".tmp-%s", c->id) < 0) {
                tmp.name = NULL;
                name_release(s, name, c->id);
                return husk_error_errno(err, ENOMEM, "container directory");
        }
        if (mkdirat(s->fd, tmp.name, 0700) < 0) {
                r = husk_error_errno(err, errno, "mkdir %s/%s", s->path, tmp.name);
                free(steal_ptr(tmp.name));
                name_release(s, name, c->id);
                return r;
        }
        if (generated)
                c->name = steal_ptr(generated);
        c->created = husk_now_ns();
        c->state = HUSK_CTR_CREATED;
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dfd = -1;
        r = husk_ctr_to_json(c, &text, err);
        if (r >= 0) {
                dfd = openat(s->fd, tmp.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                r = dfd < 0 ? husk_error_errno(err, errno, "open %s", tmp.name)
                            : husk_write_file_atomic_at(dfd, RECORD, text, strlen(text), 0600, false, err);
        }
        if (r >= 0 && renameat(s->fd, tmp.name, s->fd, c->id) < 0)
                r = husk_error_errno(err, errno, "rename %s to %s", tmp.name, c->id);
        if (r < 0) {
                name_release(s, c->name, c->id);
                return r;
        }
        free(steal_ptr(tmp.name));
        return 0;
}

/* A directory stream over containers/ of its own (the store's fd stays usable), from the start. */
static int open_listing(struct husk_ctr_store *s, DIR **ret, struct husk_error *err)
{
        int dfd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return husk_error_errno(err, errno, "read %s", s->path);
        DIR *d = fdopendir(dfd);
        if (!d) {
                (void) close(dfd);
                return husk_error_errno(err, errno, "read %s", s->path);
        }
        /* A dup shares the file offset: start from the first entry whatever an earlier listing did. */
        rewinddir(d);
        *ret = d;
        return 0;
}

static bool is_id_entry(const char *name)
{
        return husk_ctr_id_valid(name);
}

int husk_ctr_lookup(struct husk_ctr_store *s, const char *what, char ret_id[static HUSK_CTR_ID_LEN + 1],
                    struct husk_error *err)
{
        if (!what || !*what)
                return husk_error_set(err, EINVAL, "a container name or id is required");
        /* Docker accepts "/name". */
        if (what[0] == '/')
                what++;
        struct stat st;
        if (husk_ctr_id_valid(what) && fstatat(s->fd, what, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                memcpy(ret_id, what, HUSK_CTR_ID_LEN + 1);
                return 0;
        }
        if (husk_ctr_name_validate(what, NULL) == 0 && strlen(what) < 260) {
                char path[300], target[HUSK_CTR_ID_LEN + 1];
                (void) snprintf(path, sizeof(path), "names/%s", what);
                ssize_t n = readlinkat(s->fd, path, target, sizeof(target) - 1);
                if (n == HUSK_CTR_ID_LEN) {
                        target[n] = '\0';
                        if (husk_ctr_id_valid(target) && fstatat(s->fd, target, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                                memcpy(ret_id, target, HUSK_CTR_ID_LEN + 1);
                                return 0;
                        }
                }
        }
        size_t plen = strlen(what);
        if (plen < HUSK_CTR_ID_LEN && strspn(what, "0123456789abcdef") == plen) {
                _cleanup_closedir_ DIR *d = NULL;
                int r = open_listing(s, &d, err);
                if (r < 0)
                        return r;
                char found[HUSK_CTR_ID_LEN + 1] = "";
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (!is_id_entry(de->d_name) || strncmp(de->d_name, what, plen) != 0)
                                continue;
                        if (found[0])
                                return husk_error_set(err, EINVAL,
                                                      "multiple containers found with provided prefix: %s", what);
                        memcpy(found, de->d_name, HUSK_CTR_ID_LEN + 1);
                }
                if (found[0]) {
                        memcpy(ret_id, found, HUSK_CTR_ID_LEN + 1);
                        return 0;
                }
        }
        return husk_error_set(err, ENOENT, "no such container: %s", what);
}

static int cmp_created_desc(const void *a, const void *b)
{
        const struct husk_ctr *x = a, *y = b;
        if (x->created != y->created)
                return x->created < y->created ? 1 : -1;
        return strcmp(x->id, y->id);
}

int husk_ctr_list(struct husk_ctr_store *s, struct husk_ctr **ret, size_t *ret_n, struct husk_error *err)
{
        _cleanup_closedir_ DIR *d = NULL;
        int r = open_listing(s, &d, err);
        if (r < 0)
                return r;
        struct husk_ctr *list = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!is_id_entry(de->d_name))
                        continue;
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        struct husk_ctr *nl = realloc(list, ncap * sizeof(*nl));
                        if (!nl) {
                                husk_ctr_list_free(list, n);
                                return husk_error_errno(err, ENOMEM, "list containers");
                        }
                        list = nl;
                        cap = ncap;
                }
                _cleanup_close_ int cfd = openat(s->fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (cfd < 0)
                        continue;
                /* One that is being removed, or whose record is damaged, is left out of the list. */
                memset(&list[n], 0, sizeof(list[n]));
                if (load_at(s, cfd, de->d_name, &list[n], NULL) == 0)
                        n++;
        }
        if (n > 1)
                qsort(list, n, sizeof(*list), cmp_created_desc);
        *ret = list;
        *ret_n = n;
        return 0;
}

int husk_ctr_remove(struct husk_ctr_store *s, const char *id, const char *name, struct husk_error *err)
{
        if (!husk_ctr_id_valid(id))
                return husk_error_set(err, EINVAL, "invalid container id \"%s\"", id);
        /* The record goes first: from then on lookups and lists no longer see the container, whatever
         * a failure below leaves. */
        _cleanup_close_ int dfd = husk_ctr_dir_open(s, id, err);
        if (dfd < 0)
                return dfd;
        if (unlinkat(dfd, RECORD, 0) < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "remove container %s record", id);
        _cleanup_close_ int nlock = lock_file_at(s->fd, "names.lock", LOCK_EX, err);
        if (nlock < 0)
                return nlock;
        if (name)
                name_release(s, name, id);
        return husk_rm_rf_at(s->fd, id, err);
}

int husk_ctr_images_in_use(struct husk_ctr_store *s, char ***ret, struct husk_error *err)
{
        struct husk_ctr *list = NULL;
        size_t n = 0;
        int r = husk_ctr_list(s, &list, &n, err);
        if (r < 0)
                return r;
        char **ids = calloc(n + 1, sizeof(char *));
        size_t k = 0;
        for (size_t i = 0; ids && i < n; i++) {
                bool seen = !list[i].image_id[0]; /* --rootfs containers have no image */
                for (size_t j = 0; j < k && !seen; j++)
                        seen = strcmp(ids[j], list[i].image_id) == 0;
                if (seen)
                        continue;
                if (!(ids[k] = strdup(list[i].image_id))) {
                        husk_strv_free(ids);
                        ids = NULL;
                        break;
                }
                k++;
        }
        husk_ctr_list_free(list, n);
        if (!ids)
                return husk_error_errno(err, ENOMEM, "images in use");
        *ret = ids;
        return 0;
}

int husk_ctr_rename(struct husk_ctr_store *s, const char *id, const char *new_name, struct husk_error *err)
{
        const char *name = new_name[0] == '/' ? new_name + 1 : new_name;
        int r = husk_ctr_name_validate(name, err);
        if (r < 0)
                return r;
        /* The container's lock, then names.lock: the order remove takes them in. */
        _cleanup_close_ int lock = husk_ctr_lock(s, id, err);
        if (lock < 0)
                return lock;
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        r = husk_ctr_load(s, id, &c, err);
        if (r < 0)
                return r;
        if (strcmp(c.name, name) == 0)
                return husk_error_set(err, EINVAL, "renaming a container with the same name as its current name");
        _cleanup_close_ int nlock = lock_file_at(s->fd, "names.lock", LOCK_EX, err);
        if (nlock < 0)
                return nlock;
        r = name_reserve(s, name, id, err);
        if (r < 0)
                return r;
        char *old = c.name;
        c.name = strdup(name);
        if (!c.name) {
                c.name = old;
                name_release(s, name, id);
                return husk_error_errno(err, ENOMEM, "rename");
        }
        r = husk_ctr_save(s, &c, err);
        if (r < 0) {
                name_release(s, name, id);
                free(old);
                return r;
        }
        /* The old name goes last: until the record names the new one, the old still finds it. */
        name_release(s, old, id);
        free(old);
        return 0;
}

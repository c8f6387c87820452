/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Garbage collection: layers and blobs that no image record references are removed. Sweeps run under
 * the records lock and with gc.lock held exclusively, which every store handle that has written
 * content holds shared until it closes: content an import wrote but has not recorded yet is never
 * swept from under it. When gc.lock is busy the sweep is skipped (the next one frees it).
 */
#include "image/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/gc_internal.h"
#include "util/cleanup.h"

bool husk_gc_blob_referenced(const struct husk_image *imgs, size_t n, const char *hex)
{
        for (size_t i = 0; i < n; i++) {
                if (strcmp(husk_digest_hex(imgs[i].id), hex) == 0 || strcmp(husk_digest_hex(imgs[i].manifest), hex) == 0)
                        return true;
                for (char **p = imgs[i].layer_blobs; p && *p; p++)
                        if (strcmp(husk_digest_hex(*p), hex) == 0)
                                return true;
        }
        return false;
}

bool husk_gc_layer_referenced(const struct husk_image *imgs, size_t n, const char *hex)
{
        for (size_t i = 0; i < n; i++)
                for (char **p = imgs[i].layers; p && *p; p++)
                        if (strcmp(husk_digest_hex(*p), hex) == 0)
                                return true;
        return false;
}

int husk_gc_each(struct husk_store *s, const char *dir, int (*fn)(struct husk_store *s, int dirfd, const char *name,
                                                                  void *userdata),
                 void *userdata, struct husk_error *err)
{
        int fd = openat(s->root_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s/%s", s->root, dir);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(err, errno, "open %s/%s", s->root, dir);
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                int r = fn(s, dirfd(d), de->d_name, userdata);
                if (r < 0)
                        return r;
        }
        if (errno)
                return husk_error_errno(err, errno, "read %s/%s", s->root, dir);
        return 0;
}

struct sweep {
        const struct husk_image *imgs;
        size_t n;
        struct husk_gc_result *res;
        struct husk_error *err;
};

static int sweep_blob(struct husk_store *s, int dirfd, const char *name, void *userdata)
{
        struct sweep *w = userdata;
        struct stat st;

        if (husk_gc_blob_referenced(w->imgs, w->n, name))
                return 0;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : husk_error_errno(w->err, errno, "stat blob %s", name);
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                return husk_error_errno(w->err, errno, "remove %s/blobs/sha256/%s", s->root, name);
        w->res->blobs_removed++;
        w->res->bytes_freed += (uint64_t) st.st_blocks * 512;
        return 0;
}

static int sweep_layer(struct husk_store *s, int dirfd, const char *name, void *userdata)
{
        struct sweep *w = userdata;
        uint64_t bytes = 0;

        (void) dirfd;
        if (husk_gc_layer_referenced(w->imgs, w->n, name))
                return 0;
        int r = husk_layer_delete(s, name, &bytes, w->err);
        if (r < 0)
                return r;
        w->res->layers_removed++;
        w->res->bytes_freed += bytes;
        return 0;
}

/* l/ links whose layer is gone (a crash between a layer's removal steps). */
static int sweep_link(struct husk_store *s, int dirfd, const char *name, void *userdata)
{
        struct sweep *w = userdata;
        struct stat st;

        (void) s;
        if (fstatat(dirfd, name, &st, 0) == 0 || errno != ENOENT)
                return 0;
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                return husk_error_errno(w->err, errno, "remove dangling link l/%s", name);
        return 0;
}

int husk_store_sweep(struct husk_store *s, const struct husk_image *imgs, size_t n, struct husk_gc_result *ret,
                     bool *ret_skipped, struct husk_error *err)
{
        struct sweep w = { .imgs = imgs, .n = n, .res = ret, .err = err };
        int r;

        *ret = (struct husk_gc_result) { 0 };
        *ret_skipped = false;
        /* Linux converts a lock by dropping it first: when the conversion fails our shared lock is
           gone too, and is taken again below. No other sweep can run meanwhile (we hold the lock). */
        while ((r = flock(s->gc_fd, LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
                ;
        if (r < 0 && errno != EWOULDBLOCK)
                return husk_error_errno(err, errno, "lock %s/gc.lock", s->root);
        if (r == 0) {
                if ((r = husk_gc_each(s, "blobs/sha256", sweep_blob, &w, err)) == 0 &&
                    (r = husk_gc_each(s, "layers", sweep_layer, &w, err)) == 0)
                        r = husk_gc_each(s, "l", sweep_link, &w, err);
        } else {
                *ret_skipped = true;
                ret->busy = true;
                r = 0;
        }
        (void) pthread_mutex_lock(&s->mutex);
        while (flock(s->gc_fd, s->gc_shared ? LOCK_SH : LOCK_UN) < 0 && errno == EINTR)
                ;
        (void) pthread_mutex_unlock(&s->mutex);
        return r;
}

int husk_store_gc(struct husk_store *s, bool dangling_images, const char *const *in_use,
                  struct husk_gc_result *ret, struct husk_error *err)
{
        struct husk_image *imgs = NULL;
        size_t n = 0;
        bool skipped = false;
        int r;

        if ((r = husk_store_check_writable(s, "gc", err)) < 0 || (r = husk_store_lock(s, err)) < 0)
                return r;
        if ((r = husk_records_load(s, &imgs, &n, err)) == 0 && dangling_images) {
                size_t kept = 0, before = n;
                for (size_t i = 0; i < n; i++) {
                        bool used = false;
                        for (const char *const *p = in_use; p && *p; p++)
                                used = used || strcmp(*p, imgs[i].id) == 0;
                        if ((imgs[i].names && imgs[i].names[0]) || used)
                                imgs[kept++] = imgs[i];
                        else
                                husk_image_free(&imgs[i]);
                }
                n = kept;
                if (kept != before)
                        r = husk_records_save(s, imgs, n, err);
        }
        if (r == 0)
                r = husk_store_sweep(s, imgs, n, ret, &skipped, err);
        husk_store_unlock(s);
        husk_image_list_free(imgs, n);
        return r;
}

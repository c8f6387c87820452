/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Making layers: a layer blob unpacked into tmp/ (husk_layer_unpack), its diffid checked, its tree
 * synced, its layer.json written, and the whole directory renamed into layers/<diffid hex>/ in one
 * step, so a layer is visible only complete. Two processes (or threads) unpacking the same layer race
 * only at that rename: the loser finds the winner's layer there and discards its own.
 */
#include "image/layer_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"

static bool strv_has(char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

/* The layer is there: remember blob_digest as one of its blobs, make sure its l/ link exists (a
   process killed between the rename and the link leaves it missing), and return its info. */
static int layer_present(struct husk_store *s, const char *hex, const char *blob_digest, struct husk_layer_info *ret,
                         struct husk_error *err)
{
        _cleanup_strv_ char **blobs = NULL;
        struct husk_layer_info info;
        char dir[128];
        int r = husk_layer_read_info(s, hex, &info, &blobs, err);

        if (r < 0)
                return r;
        if (blob_digest && !strv_has(blobs, blob_digest)) {
                if ((r = husk_store_lock(s, err)) < 0)
                        return r;
                husk_strv_free(steal_ptr(blobs));
                /* read again under the lock: another process may have added one meanwhile */
                if ((r = husk_layer_read_info(s, hex, &info, &blobs, err)) == 0 && !strv_has(blobs, blob_digest)) {
                        size_t n = 0;
                        while (blobs[n])
                                n++;
                        char **nv = realloc(blobs, (n + 2) * sizeof(char *));
                        if (!nv || !(nv[n] = strdup(blob_digest))) {
                                blobs = nv ? nv : blobs;
                                if (nv)
                                        nv[n] = NULL;
                                r = husk_error_errno(err, ENOMEM, "layer %s", info.diffid);
                        } else {
                                nv[n + 1] = NULL;
                                blobs = nv;
                                (void) snprintf(dir, sizeof(dir), "layers/%.64s", hex);
                                r = husk_layer_write_info(s, dir, &info, blobs, err);
                        }
                }
                husk_store_unlock(s);
                if (r < 0)
                        return r;
        }
        if ((r = husk_layer_link(s, &info, err)) < 0)
                return r;
        *ret = info;
        return 0;
}

struct tmp_dir {
        struct husk_store *s;
        char path[128];         /* relative to the root; "" once renamed away */
};

static void tmp_dir_cleanup(struct tmp_dir *t)
{
        if (t->path[0])
                (void) husk_rm_rf_at(husk_store_root_fd(t->s), t->path, NULL);
}

/*
 * Unpack src into tmp/, check it, and rename it into layers/. blob_digest (may be NULL) is what the
 * bytes read must hash to; before_commit (may be NULL) runs once the layer is checked and synced,
 * before it becomes visible (the ingest commits its blob there).
 */
static int unpack_and_commit(struct husk_store *s, const struct husk_unpack_source *src, const char *blob_digest,
                             const char *expected_diffid, const char *what,
                             int (*before_commit)(void *ctx, struct husk_error *err), void *ctx,
                             struct husk_layer_info *ret, struct husk_error *err)
{
        _cleanup_(tmp_dir_cleanup) struct tmp_dir tmp = { .s = s };
        struct husk_unpack_result res;
        struct husk_layer_info info = { 0 };
        char dest[128];
        int r;

        _cleanup_close_ int tmpfd = husk_store_tmp_mkdir(s, "layer", tmp.path, err);
        if (tmpfd < 0) {
                tmp.path[0] = '\0';
                return tmpfd;
        }
        if (mkdirat(tmpfd, "diff", 0755) < 0)
                return husk_error_errno(err, errno, "%s: create %s/%s/diff", what, s->root, tmp.path);
        _cleanup_close_ int difffd = openat(tmpfd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (difffd < 0)
                return husk_error_errno(err, errno, "%s: open %s/%s/diff", what, s->root, tmp.path);

        struct husk_unpack_opts opts = { .rootless = s->rootless, .what = what };
        if ((r = husk_layer_unpack(src, difffd, &opts, &res, err)) < 0)
                return r;
        if (blob_digest && strcmp(res.digest, blob_digest) != 0)
                return husk_error_set(err, EINVAL, "%s: digest mismatch: expected %s, got %s", what, blob_digest,
                                      res.digest);
        if (expected_diffid && strcmp(res.diffid, expected_diffid) != 0)
                return husk_error_set(err, EINVAL, "%s: diffid mismatch: the image config says %s, the layer is %s",
                                      what, expected_diffid, res.diffid);
        const char *hex = husk_digest_hex(res.diffid);
        (void) snprintf(dest, sizeof(dest), "layers/%.64s", hex);
        /* Unpacked meanwhile by someone else (or the same tar in another compression): theirs wins. */
        if (faccessat(s->root_fd, dest, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                if (before_commit && (r = before_commit(ctx, err)) < 0)
                        return r;
                return layer_present(s, hex, blob_digest, ret, err);
        }

        memcpy(info.diffid, res.diffid, HUSK_DIGEST_LEN);
        husk_layer_link_name(res.diffid, info.link);
        if ((r = husk_store_du(tmpfd, "diff", &info.size, err)) < 0)
                return husk_error_prefix(err, "%s: ", what);
        /* layer.json goes in before the sync, which then covers it too */
        char *blobs[] = { (char *) blob_digest, NULL };
        _cleanup_free_ char *json = husk_layer_info_json(&info, blob_digest ? blobs : NULL);
        if (!json)
                return husk_error_errno(err, ENOMEM, "%s", what);
        _cleanup_close_ int jfd = openat(tmpfd, "layer.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (jfd < 0 || (r = husk_write_all(jfd, json, strlen(json))) < 0)
                return husk_error_errno(err, jfd < 0 ? errno : -r, "%s: write %s/%s/layer.json", what, s->root, tmp.path);
        /* One syncfs for the whole tree and layer.json: thousands of fsyncs cost more, and it reports
           writeback errors of this filesystem since the fd was opened (Linux 5.8). */
        if (syncfs(difffd) < 0)
                return husk_error_errno(err, errno, "%s: sync %s", what, s->root);
        if (before_commit && (r = before_commit(ctx, err)) < 0)
                return r;
        if (renameat(s->root_fd, tmp.path, s->root_fd, dest) < 0) {
                if (errno == EEXIST || errno == ENOTEMPTY)
                        return layer_present(s, hex, blob_digest, ret, err);
                return husk_error_errno(err, errno, "%s: rename into %s/%s", what, s->root, dest);
        }
        tmp.path[0] = '\0';
        if ((r = husk_store_sync_dir(s, "layers", err)) < 0 || (r = husk_layer_link(s, &info, err)) < 0)
                return r;
        *ret = info;
        return 0;
}

struct fd_source {
        int fd;
};

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
        struct fd_source *f = ctx;
        for (;;) {
                ssize_t n = read(f->fd, buf, len);
                if (n >= 0 || errno != EINTR)
                        return n < 0 ? -errno : n;
        }
}

static int ensure_prepare(struct husk_store *s, const char *blob_digest, const char *expected_diffid,
                          const char *what, struct husk_error *err)
{
        int r;

        if ((r = husk_store_check_writable(s, what, err)) < 0 || (r = husk_digest_validate(blob_digest, what, err)) < 0 ||
            (expected_diffid && (r = husk_digest_validate(expected_diffid, what, err)) < 0))
                return r;
        /* from now until close, no GC elsewhere sweeps what we make before its image is recorded */
        return husk_store_pin(s, err);
}

/* Present already (by diffid when known, else by blob)? 1 with *ret filled, 0 when not, or an error. */
static int ensure_lookup(struct husk_store *s, const char *blob_digest, const char *expected_diffid,
                         struct husk_layer_info *ret, struct husk_error *err)
{
        struct husk_layer_info info;
        struct husk_error ignored = { 0 };
        int r;

        if (expected_diffid) {
                r = layer_present(s, husk_digest_hex(expected_diffid), blob_digest, ret, err);
                return r == -ENOENT ? 0 : r < 0 ? r : 1;
        }
        if (husk_store_layer_by_blob(s, blob_digest, &info, &ignored) < 0)
                return 0;
        r = layer_present(s, husk_digest_hex(info.diffid), NULL, ret, err);
        return r == -ENOENT ? 0 : r < 0 ? r : 1;
}

int husk_store_layer_ensure(struct husk_store *s, const char *blob_digest, const char *expected_diffid,
                            const char *what, struct husk_layer_info *ret, struct husk_error *err)
{
        char name[HUSK_DIGEST_LEN + 16];
        int r;

        if (!what) {
                (void) snprintf(name, sizeof(name), "layer %.19s", blob_digest ? blob_digest : "");
                what = name;
        }
        if ((r = ensure_prepare(s, blob_digest, expected_diffid, what, err)) < 0 ||
            (r = ensure_lookup(s, blob_digest, expected_diffid, ret, err)) != 0)
                return r < 0 ? r : 0;
        _cleanup_close_ int fd = husk_blob_open(s, blob_digest, err);
        if (fd < 0)
                return husk_error_prefix(err, "%s: ", what);
        struct fd_source f = { .fd = fd };
        struct husk_unpack_source src = { .read = fd_read, .ctx = &f };
        return unpack_and_commit(s, &src, blob_digest, expected_diffid, what, NULL, NULL, ret, err);
}

/* ---- the one-pass ingest of a pull: every byte read goes to the blob writer and to the unpacker ---- */
struct tee {
        const struct husk_unpack_source *src;
        struct husk_blob_writer *w;
        struct husk_error *err;
        int failed;             /* the writer's error, kept apart from the source's */
};

static ssize_t tee_read(void *ctx, void *buf, size_t len)
{
        struct tee *t = ctx;
        ssize_t n = t->src->read(t->src->ctx, buf, len);
        if (n > 0 && (t->failed = husk_blob_writer_write(t->w, buf, (size_t) n, t->err)) < 0)
                return t->failed;
        return n;
}

static int tee_commit(void *ctx, struct husk_error *err)
{
        struct tee *t = ctx;
        char digest[HUSK_DIGEST_LEN];
        return husk_blob_writer_commit(t->w, digest, err);
}

int husk_store_layer_ingest(struct husk_store *s, const struct husk_unpack_source *src, const char *blob_digest,
                            int64_t size, const char *expected_diffid, const char *what, struct husk_layer_info *ret,
                            struct husk_error *err)
{
        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = NULL;
        int r;

        if (!what)
                what = "layer";
        if ((r = ensure_prepare(s, blob_digest, expected_diffid, what, err)) < 0)
                return r;
        /* by blob: a layer we have from this very blob needs neither the bytes nor the diffid check */
        struct husk_layer_info info;
        struct husk_error ignored = { 0 };
        if (husk_store_layer_by_blob(s, blob_digest, &info, &ignored) == 0 &&
            (r = layer_present(s, husk_digest_hex(info.diffid), NULL, ret, err)) != -ENOENT)
                return r;
        if ((r = husk_blob_writer_new(s, blob_digest, size, what, &w, err)) < 0)
                return r;
        struct tee t = { .src = src, .w = w, .err = err };
        struct husk_unpack_source tsrc = { .read = tee_read, .ctx = &t };
        struct husk_error uerr = { 0 };
        r = unpack_and_commit(s, &tsrc, blob_digest, expected_diffid, what, tee_commit, &t, ret, &uerr);
        /* the writer's own words (a size overrun) over the unpacker's report of a failed read */
        if (r < 0 && t.failed < 0)
                return t.failed;
        if (r < 0 && err)
                *err = uerr;
        return r;
}

/* ---- several layers at once ---- */
struct batch {
        struct husk_store *s;
        size_t n;
        const char *const *blobs, *const *diffids;
        const char *what;
        struct husk_layer_info *ret;
        struct husk_error *errs;
        int *rcs;
        atomic_size_t next;
};

static void *batch_worker(void *arg)
{
        struct batch *b = arg;
        for (size_t i; (i = atomic_fetch_add(&b->next, 1)) < b->n;) {
                char what[256];
                (void) snprintf(what, sizeof(what), "%s: layer %zu (%.19s)", b->what, i + 1, b->blobs[i]);
                b->rcs[i] = husk_store_layer_ensure(b->s, b->blobs[i], b->diffids ? b->diffids[i] : NULL, what,
                                                    &b->ret[i], &b->errs[i]);
        }
        return NULL;
}

int husk_store_layers_ensure(struct husk_store *s, size_t n, const char *const *blob_digests,
                             const char *const *expected_diffids, const char *what,
                             struct husk_layer_info *ret /* n entries */, struct husk_error *err)
{
        if (n == 0)
                return 0;
        _cleanup_free_ struct husk_error *errs = calloc(n, sizeof(*errs));
        _cleanup_free_ int *rcs = calloc(n, sizeof(*rcs));
        if (!errs || !rcs)
                return husk_error_errno(err, ENOMEM, "%s", what ? what : "layers");
        struct batch b = { .s = s, .n = n, .blobs = blob_digests, .diffids = expected_diffids,
                           .what = what ? what : "image", .ret = ret, .errs = errs, .rcs = rcs };
        atomic_init(&b.next, 0);

        /* Unpacking is decompression (CPU) and small writes: one thread per CPU, the caller's included. */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t nthreads = cpus > 1 ? (size_t) cpus : 1;
        if (nthreads > n)
                nthreads = n;
        if (nthreads > 16)
                nthreads = 16;
        pthread_t threads[16];
        size_t started = 0;
        for (; started + 1 < nthreads; started++)
                if (pthread_create(&threads[started], NULL, batch_worker, &b) != 0)
                        break;  /* fewer helpers: slower, still correct */
        (void) batch_worker(&b);
        for (size_t i = 0; i < started; i++)
                (void) pthread_join(threads[i], NULL);

        /* The first failing layer in image order is the one reported. */
        for (size_t i = 0; i < n; i++)
                if (rcs[i] < 0) {
                        if (err)
                                *err = errs[i];
                        return rcs[i];
                }
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "image/unpack.h"
#include "registry/blob_fetch.h"
#include "registry/pull_layers.h"
#include "util/cleanup.h"

/* How often the calling thread reports progress while the workers run. */
#define PROGRESS_INTERVAL_MS 100

enum job_state { JOB_PENDING, JOB_RUNNING, JOB_DONE, JOB_FAILED };

struct job {
        struct husk_store *store;
        struct husk_session *s;
        const struct husk_descriptor *d;
        const char *diffid;
        char what[96];                  /* "layer sha256:ab12..." */
        char label[20];                 /* "ab12cd34ef56": the progress line */
        _Atomic uint64_t done;
        _Atomic int state;
        bool existed;
        struct husk_layer_info info;
        struct husk_error err;
        int r;
        /* the stream between the download and the ingest */
        int wfd, rfd;
        atomic_bool fetch_failed;
        struct husk_error ingest_err;
        int ingest_r;
        atomic_bool ingest_finished;    /* ingest_r is final */
        bool discard;                   /* the ingest stopped reading: the rest is only hashed */
};

struct pool {
        struct husk_store *store;
        struct husk_session *s;
        struct job *jobs;
        size_t n, next, finished;
        bool abort;
        pthread_mutex_t lock;
        pthread_cond_t cond;
};

static ssize_t source_read(void *ctx, void *buf, size_t len)
{
        struct job *j = ctx;
        ssize_t n;

        do
                n = read(j->rfd, buf, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        /* EOF after a failed download is not the end of the layer */
        if (n == 0 && atomic_load(&j->fetch_failed))
                return -EIO;
        return n;
}

static int sink_send(void *ctx, const void *data, size_t len)
{
        struct job *j = ctx;
        const char *p = data;

        if (j->discard)
                return 0;
        while (len > 0) {
                /* MSG_NOSIGNAL: an ingest that stopped reading (the layer turned up meanwhile, or it
                   failed) is EPIPE here (ECONNRESET when it left bytes unread), not a SIGPIPE for the
                   whole process */
                ssize_t n = send(j->wfd, p, len, MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EPIPE || errno == ECONNRESET) && atomic_load(&j->ingest_finished)) {
                        /* The ingest gave up early. If it found the layer there meanwhile, stop. If it
                           failed (a bad tar, a bad gzip stream), finish the download through the digest
                           check anyway: for a corrupted blob "digest mismatch" is the truth, while what
                           the unpacker choked on is only its symptom. */
                        if (j->ingest_r == 0)
                                return -ECANCELED;
                        j->discard = true;
                        return 0;
                }
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

static void on_progress(void *ctx, uint64_t done)
{
        struct job *j = ctx;

        atomic_store(&j->done, done);
}

static void *ingest_thread(void *arg)
{
        struct job *j = arg;
        struct husk_unpack_source src = { .read = source_read, .ctx = j };

        j->ingest_r = husk_store_layer_ingest(j->store, &src, j->d->digest, j->d->size, j->diffid, j->what, &j->info,
                                              &j->ingest_err);
        atomic_store(&j->ingest_finished, true);
        /* the download sees EPIPE from here on, should the ingest have stopped early */
        (void) close(steal_fd(j->rfd));
        return NULL;
}

/* One layer: present already, or downloaded into the store. */
static int run_job(struct job *j)
{
        struct husk_blob_fetch f = {
                .digest = j->d->digest, .size = j->d->size, .what = j->what, .sink = sink_send, .sink_ctx = j,
                .progress = on_progress, .progress_ctx = j,
        };
        int sv[2], r;
        pthread_t t;

        r = husk_store_layer_by_blob(j->store, j->d->digest, &j->info, &j->err);
        if (r == 0 && (!j->diffid || strcmp(j->info.diffid, j->diffid) == 0)) {
                j->existed = true;
                atomic_store(&j->done, (uint64_t) (j->d->size > 0 ? j->d->size : 0));
                return 0;
        }
        if (r < 0 && r != -ENOENT)
                return r;
        husk_error_clear(&j->err);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return husk_error_errno(&j->err, errno, "%s: socketpair", j->what);
        j->wfd = sv[0];
        j->rfd = sv[1];
        r = -pthread_create(&t, NULL, ingest_thread, j);
        if (r < 0) {
                (void) close(j->wfd);
                (void) close(j->rfd);
                return husk_error_errno(&j->err, -r, "%s: thread", j->what);
        }
        r = husk_blob_fetch(j->s, &f, &j->err);
        if (r < 0)
                atomic_store(&j->fetch_failed, true);
        /* EOF for the ingest: the end of the layer, or (fetch_failed) a broken one */
        (void) close(steal_fd(j->wfd));
        pthread_join(t, NULL);
        if (j->ingest_r == 0)
                return 0;       /* verified by the store: whatever the download said after is moot */
        if (r < 0 && r != -EPIPE && r != -ECONNRESET)
                return r;       /* the download's reason (a digest mismatch, a drop), not what followed */
        j->err = j->ingest_err;
        return j->ingest_r;
}

static void *worker(void *arg)
{
        struct pool *p = arg;

        for (;;) {
                struct job *j;

                pthread_mutex_lock(&p->lock);
                if (p->abort || p->next >= p->n) {
                        pthread_mutex_unlock(&p->lock);
                        return NULL;
                }
                j = &p->jobs[p->next++];
                atomic_store(&j->state, JOB_RUNNING);
                pthread_mutex_unlock(&p->lock);

                j->r = run_job(j);

                pthread_mutex_lock(&p->lock);
                atomic_store(&j->state, j->r < 0 ? JOB_FAILED : JOB_DONE);
                if (j->r < 0)
                        p->abort = true;        /* no new layers; those in flight finish */
                p->finished++;
                pthread_cond_broadcast(&p->cond);
                pthread_mutex_unlock(&p->lock);
        }
}

static void report(struct pool *p, const struct husk_progress *progress, bool *reported_done)
{
        for (size_t i = 0; progress && progress->update && i < p->n; i++) {
                struct job *j = &p->jobs[i];
                int st = atomic_load(&j->state);
                uint64_t total = j->d->size > 0 ? (uint64_t) j->d->size : 0;

                if (st == JOB_PENDING || reported_done[i])
                        continue;
                if (st == JOB_DONE) {
                        reported_done[i] = true;
                        progress->update(progress->ctx, j->label, total, total);
                } else {
                        progress->update(progress->ctx, j->label, atomic_load(&j->done), total);
                }
        }
}

int husk_pull_layers(struct husk_store *store, struct husk_session *s, const struct husk_descriptor *layers,
                     char *const *diffids, size_t n, unsigned parallel, const struct husk_progress *progress,
                     struct husk_layer_info *ret_infos, bool *ret_downloaded, struct husk_error *err)
{
        _cleanup_free_ struct job *jobs = calloc(n ? n : 1, sizeof(*jobs));
        _cleanup_free_ bool *reported = calloc(n ? n : 1, sizeof(bool));
        struct pool p = { .store = store, .s = s, .n = n };
        pthread_t threads[16];
        size_t n_threads = 0;
        pthread_condattr_t ca;
        int r = 0;

        if (!jobs || !reported)
                return husk_error_errno(err, ENOMEM, "pull");
        for (size_t i = 0; i < n; i++) {
                jobs[i] = (struct job) { .store = store, .s = s, .d = &layers[i], .diffid = diffids ? diffids[i] : NULL,
                                         .wfd = -1, .rfd = -1 };
                snprintf(jobs[i].what, sizeof(jobs[i].what), "layer %s", layers[i].digest);
                snprintf(jobs[i].label, sizeof(jobs[i].label), "%.12s", husk_digest_hex(layers[i].digest));
        }
        p.jobs = jobs;
        pthread_mutex_init(&p.lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&p.cond, &ca);
        pthread_condattr_destroy(&ca);
        if (parallel == 0)
                parallel = 3;
        if (parallel > HUSK_ARRAY_SIZE(threads))
                parallel = HUSK_ARRAY_SIZE(threads);
        for (; n_threads < parallel && n_threads < n; n_threads++) {
                r = -pthread_create(&threads[n_threads], NULL, worker, &p);
                if (r < 0)
                        break;
        }
        if (n_threads == 0 && n > 0) {
                pthread_mutex_destroy(&p.lock);
                pthread_cond_destroy(&p.cond);
                return husk_error_errno(err, -r, "pull: threads");
        }
        /* the calling thread draws progress while the workers run */
        pthread_mutex_lock(&p.lock);
        while (p.finished < n && !(p.abort && p.finished >= p.next)) {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_nsec += PROGRESS_INTERVAL_MS * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                (void) pthread_cond_timedwait(&p.cond, &p.lock, &ts);
                pthread_mutex_unlock(&p.lock);
                report(&p, progress, reported);
                pthread_mutex_lock(&p.lock);
        }
        pthread_mutex_unlock(&p.lock);
        for (size_t i = 0; i < n_threads; i++)
                pthread_join(threads[i], NULL);
        report(&p, progress, reported);
        pthread_mutex_destroy(&p.lock);
        pthread_cond_destroy(&p.cond);

        *ret_downloaded = false;
        for (size_t i = 0; i < n; i++) {
                if (jobs[i].r < 0) {
                        *err = jobs[i].err;
                        return jobs[i].r;
                }
                if (atomic_load(&jobs[i].state) != JOB_DONE)
                        return husk_error_set(err, ECANCELED, "pull: %s was not fetched", jobs[i].what);
                if (!jobs[i].existed)
                        *ret_downloaded = true;
                ret_infos[i] = jobs[i].info;
        }
        return 0;
}

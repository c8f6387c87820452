/* SPDX-License-Identifier: Apache-2.0 */
#include "image/tar_stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

/* Four slots: the one libarchive is reading, and three the decoder can run ahead into. */
#define RING_SLOTS 4
#define SLOT_SIZE (512 * 1024)

struct slot {
        unsigned char *buf;
        size_t len;
};

struct husk_tar_stream {
        struct husk_decoder *dec;
        bool threaded;

        /* Unthreaded: one buffer, filled on demand. */
        unsigned char *buf;

        /* Threaded: slots [head, head + count) are filled, in order; the consumer holds slot `head`
         * from one husk_tar_stream_next() to the next. */
        pthread_t thread;
        bool thread_started;
        pthread_mutex_t lock;
        pthread_cond_t filled, emptied;
        struct slot slots[RING_SLOTS];
        unsigned int head, count;
        bool holding;                   /* the consumer holds slots[head] */
        bool eof, failed;
        /* Set under the lock, also read without it between two reads of the source: a failed unpack
         * waits for at most one more read, not a whole slot's. */
        atomic_bool cancel;
        struct husk_error thread_err;
};

/* Fill one slot as far as the decoder goes: fewer, larger hand-overs. */
static ssize_t fill_slot(struct husk_tar_stream *s, struct slot *sl, struct husk_error *err)
{
        size_t len = 0;

        while (len < SLOT_SIZE && !atomic_load_explicit(&s->cancel, memory_order_relaxed)) {
                ssize_t n = husk_decoder_read(s->dec, sl->buf + len, SLOT_SIZE - len, err);
                if (n < 0)
                        return n;
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        sl->len = len;
        return (ssize_t) len;
}

static void *decoder_thread(void *arg)
{
        struct husk_tar_stream *s = arg;
        unsigned int tail = 0;

        for (;;) {
                (void) pthread_mutex_lock(&s->lock);
                while (s->count == RING_SLOTS && !atomic_load(&s->cancel))
                        (void) pthread_cond_wait(&s->emptied, &s->lock);
                bool cancel = atomic_load(&s->cancel);
                (void) pthread_mutex_unlock(&s->lock);
                if (cancel)
                        return NULL;

                /* Slot `tail` is not counted as filled, so only this thread touches it now. */
                struct husk_error err = { 0 };
                ssize_t n = fill_slot(s, &s->slots[tail], &err);

                (void) pthread_mutex_lock(&s->lock);
                if (n < 0) {
                        s->thread_err = err;
                        s->failed = true;
                } else if (n == 0) {
                        s->eof = true;
                } else {
                        s->count++;
                }
                (void) pthread_cond_signal(&s->filled);
                (void) pthread_mutex_unlock(&s->lock);
                if (n <= 0)
                        return NULL;
                tail = (tail + 1) % RING_SLOTS;
        }
}

void husk_tar_stream_free(struct husk_tar_stream *s)
{
        if (!s)
                return;
        if (s->thread_started) {
                (void) pthread_mutex_lock(&s->lock);
                atomic_store(&s->cancel, true);
                (void) pthread_cond_broadcast(&s->emptied);
                (void) pthread_mutex_unlock(&s->lock);
                (void) pthread_join(s->thread, NULL);
        }
        if (s->threaded) {
                (void) pthread_mutex_destroy(&s->lock);
                (void) pthread_cond_destroy(&s->filled);
                (void) pthread_cond_destroy(&s->emptied);
                for (unsigned int i = 0; i < RING_SLOTS; i++)
                        free(s->slots[i].buf);
        }
        free(s->buf);
        free(s);
}

int husk_tar_stream_start(struct husk_decoder *dec, bool threaded, struct husk_tar_stream **ret,
                          struct husk_error *err)
{
        _cleanup_(husk_tar_stream_freep) struct husk_tar_stream *s = calloc(1, sizeof(*s));
        if (!s)
                return husk_error_errno(err, ENOMEM, "tar stream");
        s->dec = dec;
        if (!threaded) {
                s->buf = malloc(SLOT_SIZE);
                if (!s->buf)
                        return husk_error_errno(err, ENOMEM, "tar stream");
                *ret = steal_ptr(s);
                return 0;
        }

        s->threaded = true;
        (void) pthread_mutex_init(&s->lock, NULL);
        (void) pthread_cond_init(&s->filled, NULL);
        (void) pthread_cond_init(&s->emptied, NULL);
        for (unsigned int i = 0; i < RING_SLOTS; i++) {
                s->slots[i].buf = malloc(SLOT_SIZE);
                if (!s->slots[i].buf)
                        return husk_error_errno(err, ENOMEM, "tar stream");
        }
        int r = pthread_create(&s->thread, NULL, decoder_thread, s);
        if (r != 0)
                return husk_error_errno(err, r, "start the decoder thread");
        s->thread_started = true;
        *ret = steal_ptr(s);
        return 0;
}

ssize_t husk_tar_stream_next(struct husk_tar_stream *s, const void **buf, struct husk_error *err)
{
        if (!s->threaded) {
                struct slot sl = { s->buf, 0 };
                ssize_t n = fill_slot(s, &sl, err);
                *buf = s->buf;
                return n;
        }

        (void) pthread_mutex_lock(&s->lock);
        if (s->holding) {
                s->holding = false;
                s->head = (s->head + 1) % RING_SLOTS;
                s->count--;
                (void) pthread_cond_signal(&s->emptied);
        }
        while (s->count == 0 && !s->eof && !s->failed)
                (void) pthread_cond_wait(&s->filled, &s->lock);
        ssize_t n;
        if (s->count > 0) {
                s->holding = true;
                *buf = s->slots[s->head].buf;
                n = (ssize_t) s->slots[s->head].len;
        } else if (s->failed) {
                if (err)
                        *err = s->thread_err;
                n = -s->thread_err.code;
        } else {
                n = 0;
        }
        (void) pthread_mutex_unlock(&s->lock);
        return n;
}

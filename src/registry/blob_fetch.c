/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/digest.h"
#include "registry/blob_fetch.h"
#include "registry/url.h"
#include "util/cleanup.h"

struct fetch_state {
        const struct husk_blob_fetch *f;
        struct husk_digester *dg;
        uint64_t delivered;     /* bytes handed to the sink, over all attempts */
        uint64_t at;            /* position in the current response's body */
        uint64_t start;         /* where the current response starts in the blob */
        bool started;
        int error;              /* errno of a check that failed inside the sink */
        char msg[256];
};

static int fetch_sink(void *ctx, const struct husk_http_response *resp, const void *data, size_t len)
{
        struct fetch_state *st = ctx;
        const char *p = data;
        uint64_t limit = st->f->size >= 0 ? (uint64_t) st->f->size : st->f->max_size;
        int r;

        if (!st->started) {
                /* the response's headers are complete: where does its body start? */
                st->started = true;
                st->at = 0;
                st->start = 0;
                if (resp->status == 206) {
                        uint64_t a, b;

                        if (!resp->content_range || husk_parse_range(resp->content_range, &a, &b) < 0 ||
                            a != st->delivered) {
                                st->error = EPROTO;
                                snprintf(st->msg, sizeof(st->msg), "a resumed download answered with range %s, not from byte %llu",
                                         resp->content_range ? resp->content_range : "(none)",
                                         (unsigned long long) st->delivered);
                                return -EPROTO;
                        }
                        st->start = a;
                }
        }
        /* a 200 to a Range request starts again from byte 0: skip what was delivered already */
        if (st->start + st->at < st->delivered) {
                uint64_t skip = st->delivered - (st->start + st->at);

                if (skip >= len) {
                        st->at += len;
                        return 0;
                }
                st->at += skip;
                p += skip;
                len -= (size_t) skip;
        }
        if (limit && st->delivered + len > limit) {
                st->error = EBADMSG;
                snprintf(st->msg, sizeof(st->msg), "more than the %llu bytes %s", (unsigned long long) limit,
                         st->f->size >= 0 ? "its descriptor gives" : "allowed");
                return -EBADMSG;
        }
        husk_digester_update(st->dg, p, len);
        r = st->f->sink(st->f->sink_ctx, p, len);
        if (r < 0) {
                st->error = -r;
                snprintf(st->msg, sizeof(st->msg), "writing it: %s", strerror(-r));
                return r;
        }
        st->at += len;
        st->delivered += len;
        if (st->f->progress)
                st->f->progress(st->f->progress_ctx, st->delivered);
        return 0;
}

static void digester_freep(struct husk_digester **d)
{
        if (*d)
                husk_digester_free(*d);
}

int husk_blob_fetch(struct husk_session *s, const struct husk_blob_fetch *f, struct husk_error *err)
{
        _cleanup_(digester_freep) struct husk_digester *dg = husk_digester_new();
        struct fetch_state st = { .f = f, .dg = dg };
        _cleanup_free_ char *path = NULL;
        char got[HUSK_DIGEST_LEN], msg[256], range[64];
        int r = 0;

        if (!dg || asprintf(&path, "/v2/%s/blobs/%s", s->path, f->digest) < 0)
                return husk_error_errno(err, ENOMEM, "%s", f->what);
        /* give up after HUSK_RETRIES tries in a row that brought nothing, or 16 in all */
        for (unsigned attempt = 1, stalls = 0;; attempt++) {
                _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
                const char *hdrs[2] = { NULL, NULL };
                struct husk_http_request req = {
                        .method = "GET", .url = path, .body_fd = -1, .headers = hdrs,
                        .sink = fetch_sink, .sink_ctx = &st, .follow_redirects = true,
                };
                uint64_t before = st.delivered;
                bool ok;

                if (st.delivered > 0) {
                        snprintf(range, sizeof(range), "Range: bytes=%llu-", (unsigned long long) st.delivered);
                        hdrs[0] = range;
                }
                st.started = false;
                st.error = 0;
                r = husk_session_request(s, &req, &resp, err);
                if (st.error) {
                        /* our own check failed inside the transfer: never worth another try */
                        return husk_error_set(err, st.error, "%s from %s: %s", f->what, s->display, st.msg);
                }
                ok = r == 0 && resp.status >= 200 && resp.status < 300;
                if (ok && (f->size < 0 || st.delivered == (uint64_t) f->size))
                        break;
                if (r == 0 && resp.status == 416 && st.delivered > 0)
                        return husk_error_set(err, EBADMSG, "%s from %s: truncated: %llu of %lld bytes", f->what,
                                              s->display, (unsigned long long) st.delivered, (long long) f->size);
                if (r == 0 && !ok && !resp.transient) {
                        husk_session_status_error(&resp, msg, sizeof(msg));
                        return husk_error_set(err, resp.status == 404 ? ENOENT : EPROTO, "%s from %s: %s", f->what,
                                              s->display, msg);
                }
                if (r < 0 && !resp.transient)
                        return husk_error_prefix(err, "%s: ", f->what);
                /* a drop, a transient answer, or a body cut short: again, from where we are */
                stalls = st.delivered > before ? 0 : stalls + 1;
                if (stalls >= HUSK_RETRIES || attempt >= 16) {
                        if (r < 0)
                                return husk_error_prefix(err, "%s: ", f->what);
                        if (ok)
                                return husk_error_set(err, EBADMSG, "%s from %s: truncated: %llu of %lld bytes",
                                                      f->what, s->display, (unsigned long long) st.delivered,
                                                      (long long) f->size);
                        husk_session_status_error(&resp, msg, sizeof(msg));
                        return husk_error_set(err, EIO, "%s from %s: %s", f->what, s->display, msg);
                }
                if (stalls)
                        husk_backoff(stalls);
        }
        husk_digester_final(dg, got);
        if (strcmp(got, f->digest) != 0)
                return husk_error_set(err, EBADMSG, "%s from %s: digest mismatch: got %s", f->what, s->display, got);
        return 0;
}

struct buf_sink {
        char *data;
        size_t len, max;
};

static int buf_write(void *ctx, const void *data, size_t len)
{
        struct buf_sink *b = ctx;
        char *n;

        if (b->len + len > b->max)
                return -EFBIG;
        n = realloc(b->data, b->len + len + 1);
        if (!n)
                return -ENOMEM;
        memcpy(n + b->len, data, len);
        b->data = n;
        b->len += len;
        n[b->len] = '\0';
        return 0;
}

int husk_blob_fetch_buf(struct husk_session *s, const char *digest, int64_t size, size_t max, const char *what,
                        char **ret, size_t *ret_len, struct husk_error *err)
{
        struct buf_sink b = { .max = max };
        struct husk_blob_fetch f = {
                .digest = digest, .size = size, .what = what, .sink = buf_write, .sink_ctx = &b, .max_size = max,
        };
        int r;

        if (size > (int64_t) max)
                return husk_error_set(err, EFBIG, "%s: %lld bytes, more than %zu", what, (long long) size, max);
        r = husk_blob_fetch(s, &f, err);
        if (r < 0) {
                free(b.data);
                return r;
        }
        if (!b.data && !(b.data = strdup("")))
                return husk_error_errno(err, ENOMEM, "%s", what);
        *ret = b.data;
        *ret_len = b.len;
        return 0;
}

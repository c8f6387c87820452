/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "registry/curl_api.h"
#include "registry/http.h"
#include "util/cleanup.h"

/* What an error body may take in memory: registries answer errors with small JSON. */
#define ERROR_BODY_MAX (64u * 1024)
#define HEADER_MAX (16u * 1024)

struct husk_http {
        struct husk_curl_api api;
        CURLSH *share;
        pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *userptr)
{
        struct husk_http *h = userptr;

        (void) c;
        (void) access;
        if ((unsigned) data < CURL_LOCK_DATA_LAST)
                pthread_mutex_lock(&h->locks[data]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *userptr)
{
        struct husk_http *h = userptr;

        (void) c;
        if ((unsigned) data < CURL_LOCK_DATA_LAST)
                pthread_mutex_unlock(&h->locks[data]);
}

int husk_http_new(struct husk_http **ret, struct husk_error *err)
{
        struct husk_http *h = calloc(1, sizeof(*h));
        int r;

        if (!h)
                return husk_error_errno(err, ENOMEM, "http client");
        for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
                pthread_mutex_init(&h->locks[i], NULL);
        r = husk_curl_api_load(&h->api, err);
        if (r < 0) {
                husk_http_free(h);
                return r;
        }
        h->share = h->api.share_init();
        if (!h->share) {
                husk_http_free(h);
                return husk_error_errno(err, ENOMEM, "curl_share_init");
        }
        h->api.share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
        h->api.share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        h->api.share_setopt(h->share, CURLSHOPT_USERDATA, h);
        h->api.share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        h->api.share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        h->api.share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
        *ret = h;
        return 0;
}

void husk_http_free(struct husk_http *h)
{
        if (!h)
                return;
        if (h->share)
                h->api.share_cleanup(h->share);
        for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
                pthread_mutex_destroy(&h->locks[i]);
        husk_curl_api_unload(&h->api);
        free(h);
}

void husk_http_response_free(struct husk_http_response *r)
{
        if (!r)
                return;
        free(r->body);
        free(r->www_authenticate);
        free(r->location);
        free(r->content_type);
        free(r->docker_content_digest);
        free(r->range);
        free(r->content_range);
        *r = (struct husk_http_response) { 0 };
}

struct transfer {
        const struct husk_http *h;
        CURL *curl;
        const struct husk_http_request *req;
        struct husk_http_response *resp;
        size_t header_bytes;
        int sink_error;
        uint64_t sent;
};

static int keep_header(char **slot, const char *value, size_t len)
{
        char *n;

        if (*slot) {
                /* repeated list headers (WWW-Authenticate) join with a comma, as RFC 7230 §3.2.2 allows */
                if (asprintf(&n, "%s, %.*s", *slot, (int) len, value) < 0)
                        return -ENOMEM;
                free(*slot);
        } else if (!(n = strndup(value, len))) {
                return -ENOMEM;
        }
        *slot = n;
        return 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        struct husk_http_response *r = t->resp;
        size_t len = size * n, name_len, vlen;
        const char *colon, *v;
        char **slot = NULL;

        t->header_bytes += len;
        if (t->header_bytes > HEADER_MAX)
                return 0;
        if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
                /* a new response (after a redirect or a 100): forget the last one's headers */
                struct husk_http_response fresh = { .content_length = -1, .chunk_min_length = -1 };

                husk_http_response_free(r);
                *r = fresh;
                t->header_bytes = len;
                return len;
        }
        colon = memchr(buf, ':', len);
        if (!colon)
                return len;
        name_len = (size_t) (colon - buf);
        v = colon + 1;
        vlen = len - name_len - 1;
        while (vlen && (*v == ' ' || *v == '\t')) {
                v++;
                vlen--;
        }
        while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
#define IS(s) (name_len == sizeof(s) - 1 && strncasecmp(buf, s, name_len) == 0)
        if (IS("WWW-Authenticate"))
                slot = &r->www_authenticate;
        else if (IS("Location"))
                slot = &r->location;
        else if (IS("Content-Type"))
                slot = &r->content_type;
        else if (IS("Docker-Content-Digest"))
                slot = &r->docker_content_digest;
        else if (IS("Range"))
                slot = &r->range;
        else if (IS("Content-Range"))
                slot = &r->content_range;
        else if (IS("Content-Length") || IS("OCI-Chunk-Min-Length")) {
                char num[24];
                char *end;
                long long x;

                if (vlen == 0 || vlen >= sizeof(num))
                        return len;
                memcpy(num, v, vlen);
                num[vlen] = '\0';
                errno = 0;
                x = strtoll(num, &end, 10);
                if (errno || *end || x < 0)
                        return len;
                if (IS("Content-Length"))
                        r->content_length = x;
                else
                        r->chunk_min_length = x;
        }
#undef IS
        if (slot && keep_header(slot, v, vlen) < 0)
                return 0;
        return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        size_t len = size * n, max;
        long status = 0;
        char *nb;

        t->h->api.easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
        t->resp->status = status;
        if (status >= 200 && status < 300 && t->req->sink) {
                int r = t->req->sink(t->req->sink_ctx, t->resp, buf, len);

                if (r < 0) {
                        t->sink_error = -r;
                        return 0;
                }
                return len;
        }
        max = status >= 200 && status < 300 ? t->req->max_body : ERROR_BODY_MAX;
        if (t->resp->body_len + len > max) {
                if (status >= 200 && status < 300) {
                        t->sink_error = EFBIG;
                        return 0;
                }
                len = max - t->resp->body_len;   /* an error body is only for the message: truncate it */
                if (len == 0)
                        return size * n;
        }
        nb = realloc(t->resp->body, t->resp->body_len + len + 1);
        if (!nb) {
                t->sink_error = ENOMEM;
                return 0;
        }
        memcpy(nb + t->resp->body_len, buf, len);
        t->resp->body = nb;
        t->resp->body_len += len;
        nb[t->resp->body_len] = '\0';
        return size * n;
}

static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        const struct husk_http_request *req = t->req;
        uint64_t left = req->body_len - t->sent;
        size_t len = size * n;
        ssize_t got;

        if (len > left)
                len = (size_t) left;
        if (len == 0)
                return 0;
        if (req->body) {
                memcpy(buf, (const char *) req->body + t->sent, len);
                got = (ssize_t) len;
        } else {
                do
                        got = pread(req->body_fd, buf, len, (off_t) (req->body_offset + t->sent));
                while (got < 0 && errno == EINTR);
                if (got <= 0) {
                        t->sink_error = got < 0 ? errno : EIO;
                        return CURL_READFUNC_ABORT;
                }
        }
        t->sent += (uint64_t) got;
        return (size_t) got;
}

static bool transient_code(CURLcode c)
{
        switch (c) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return true;
        default:
                return false;
        }
}

static void curl_cleanupp(struct transfer *t)
{
        if (t->curl)
                t->h->api.easy_cleanup(t->curl);
}

int husk_http_do(struct husk_http *h, const struct husk_http_request *req, struct husk_http_response *ret,
                 struct husk_error *err)
{
        const struct husk_curl_api *f = &h->api;
        struct husk_http_response resp = { .content_length = -1, .chunk_min_length = -1 };
        _cleanup_(curl_cleanupp) struct transfer t = { .h = h, .req = req, .resp = &resp };
        struct curl_slist *hdrs = NULL, *n;
        _cleanup_free_ char *auth = NULL;
        CURLcode c;

        t.curl = f->easy_init();
        if (!t.curl)
                return husk_error_errno(err, ENOMEM, "%s %s", req->method, req->url);
        /* Expect: 100-continue costs a round trip per upload for nothing: registries answer directly */
        n = f->slist_append(hdrs, "Expect:");
        for (const char *const *p = req->headers; n && p && *p; p++) {
                hdrs = n;
                n = f->slist_append(hdrs, *p);
        }
        if (n && req->authorization) {
                hdrs = n;
                if (asprintf(&auth, "Authorization: %s", req->authorization) < 0)
                        auth = NULL;
                n = auth ? f->slist_append(hdrs, auth) : NULL;
        }
        if (!n) {
                f->slist_free_all(hdrs);
                return husk_error_errno(err, ENOMEM, "%s %s", req->method, req->url);
        }
        hdrs = n;

        f->easy_setopt(t.curl, CURLOPT_URL, req->url);
        f->easy_setopt(t.curl, CURLOPT_SHARE, h->share);
        f->easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
        f->easy_setopt(t.curl, CURLOPT_USERAGENT, "husk/" HUSK_VERSION);
        f->easy_setopt(t.curl, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
        f->easy_setopt(t.curl, CURLOPT_PROTOCOLS_STR, "http,https");
        f->easy_setopt(t.curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        f->easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, 30L);
        /* a stalled connection (no byte for 60 s) is a dropped one: retried or resumed by the caller */
        f->easy_setopt(t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        f->easy_setopt(t.curl, CURLOPT_LOW_SPEED_TIME, 60L);
        f->easy_setopt(t.curl, CURLOPT_HTTPHEADER, hdrs);
        f->easy_setopt(t.curl, CURLOPT_HEADERFUNCTION, on_header);
        f->easy_setopt(t.curl, CURLOPT_HEADERDATA, &t);
        f->easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, on_body);
        f->easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
        if (req->follow_redirects) {
                f->easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, 1L);
                f->easy_setopt(t.curl, CURLOPT_MAXREDIRS, 5L);
        }
        if (req->insecure) {
                f->easy_setopt(t.curl, CURLOPT_SSL_VERIFYPEER, 0L);
                f->easy_setopt(t.curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (strcmp(req->method, "HEAD") == 0) {
                f->easy_setopt(t.curl, CURLOPT_NOBODY, 1L);
        } else if (strcmp(req->method, "POST") == 0) {
                f->easy_setopt(t.curl, CURLOPT_POST, 1L);
                f->easy_setopt(t.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) (req->has_body ? req->body_len : 0));
                f->easy_setopt(t.curl, CURLOPT_READFUNCTION, on_read);
                f->easy_setopt(t.curl, CURLOPT_READDATA, &t);
        } else if (strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0) {
                f->easy_setopt(t.curl, CURLOPT_UPLOAD, 1L);
                f->easy_setopt(t.curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) (req->has_body ? req->body_len : 0));
                f->easy_setopt(t.curl, CURLOPT_READFUNCTION, on_read);
                f->easy_setopt(t.curl, CURLOPT_READDATA, &t);
                if (req->method[1] == 'A')
                        f->easy_setopt(t.curl, CURLOPT_CUSTOMREQUEST, "PATCH");
        } else if (strcmp(req->method, "GET") != 0) {
                f->easy_setopt(t.curl, CURLOPT_CUSTOMREQUEST, req->method);
        }

        c = f->easy_perform(t.curl);
        f->slist_free_all(hdrs);
        if (auth)
                explicit_bzero(auth, strlen(auth));
        if (t.sink_error) {
                husk_http_response_free(&resp);
                *ret = (struct husk_http_response) { .content_length = -1, .chunk_min_length = -1 };
                return husk_error_errno(err, t.sink_error, "%s %s", req->method, req->url);
        }
        if (c != CURLE_OK) {
                bool transient = transient_code(c);

                husk_http_response_free(&resp);
                *ret = (struct husk_http_response) { .content_length = -1, .chunk_min_length = -1,
                                                     .transient = transient };
                husk_error_set(err, transient ? EIO : ECONNREFUSED, "%s %s: %s", req->method, req->url,
                                   f->easy_strerror(c));
                if (c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CONNECT_ERROR)
                        err->code = EPROTO;
                if (c == CURLE_COULDNT_RESOLVE_HOST)
                        err->code = EHOSTUNREACH;
                return -err->code;
        }
        f->easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &resp.status);
        resp.transient = resp.status == 408 || resp.status == 429 || resp.status == 500 || resp.status == 502 ||
                         resp.status == 503 || resp.status == 504;
        *ret = resp;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP for the registry client over libcurl: one client per operation, shared by its threads (one
 * CURLSH: connections, TLS sessions and DNS answers reused across requests and threads; HTTP/2 where
 * the server offers it; proxies from the environment as curl reads them: http_proxy, https_proxy,
 * no_proxy). TLS is verified unless the request says insecure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct husk_http;

int husk_http_new(struct husk_http **ret, struct husk_error *err);
void husk_http_free(struct husk_http *h);
static inline void husk_http_freep(struct husk_http **h)
{
        if (*h)
                husk_http_free(*h);
}

struct husk_http_response;
/*
 * Receives a 2xx response's body as it arrives (resp: its status and headers, complete by then); a
 * negative return aborts the transfer with that errno.
 */
typedef int (*husk_http_sink)(void *ctx, const struct husk_http_response *resp, const void *data, size_t len);

struct husk_http_request {
        const char *method;             /* "GET", "HEAD", "PUT", "POST", "PATCH", "DELETE" */
        const char *url;
        const char *const *headers;     /* "Accept: ...", NULL-terminated; may be NULL */
        const char *authorization;      /* the Authorization value, or NULL */
        bool insecure;                  /* no TLS verification */
        /* what to send: body/body_len, or body_fd from body_offset for body_len bytes */
        const void *body;
        int body_fd;                    /* -1 (or 0 with body set) when not used */
        uint64_t body_offset, body_len;
        bool has_body;
        /* a 2xx body goes to sink when set, else into the response (at most max_body bytes) */
        husk_http_sink sink;
        void *sink_ctx;
        size_t max_body;
        bool no_retry;                  /* husk_session_request: one try only (a probe) */
        bool follow_redirects;          /* blobs may be served elsewhere (a CDN): Authorization is not
                                           sent to another host */
};

struct husk_http_response {
        long status;
        char *body;                     /* the body when not sunk (error bodies too, truncated), NUL-terminated */
        size_t body_len;
        char *www_authenticate, *location, *content_type, *docker_content_digest, *range, *content_range;
        int64_t content_length;         /* -1: not given */
        int64_t chunk_min_length;       /* OCI-Chunk-Min-Length, -1: not given */
        bool transient;                 /* a failure worth retrying (connection, 408/429/5xx) */
};
void husk_http_response_free(struct husk_http_response *r);

/*
 * Perform one request. 0 with ret->status set for any HTTP answer (a 404 is not an error here); a
 * negative errno with the error naming method and URL when no answer came (ret->transient says whether
 * to try again) or the sink failed (its errno; its message is the caller's).
 */
int husk_http_do(struct husk_http *h, const struct husk_http_request *req, struct husk_http_response *ret,
                 struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One repository on one registry endpoint, as the distribution API sees it: the base URL found by
 * pinging /v2/ (https first; plain http only for an insecure endpoint), and the Authorization that
 * answers its challenge (an anonymous or credentialed bearer token for the repository's scope, or basic
 * auth). Shared by the threads of a pull: requests take the lock only to read or renew the token.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "registry/auth_file.h"
#include "registry/challenge.h"
#include "registry/http.h"
#include "registry/registries_conf.h"
#include "util/error.h"

struct husk_session {
        struct husk_http *http;         /* not owned */
        char *base;                     /* "https://127.0.0.1:5000" */
        char *host;                     /* "127.0.0.1:5000" */
        char *path;                     /* "library/busybox" */
        char *display;                  /* "127.0.0.1:5000/library/busybox", for messages */
        bool insecure;
        char *actions;                  /* "pull" or "pull,push" */
        char **extra_scopes;            /* more "repository:x:pull" scopes (cross-repository mounts) */
        struct husk_credentials creds;  /* empty: anonymous */
        pthread_mutex_t lock;
        char *authorization;            /* "Bearer ..." / "Basic ...", NULL: none needed (yet) */
        unsigned generation;            /* bumped when authorization changes */
};

struct husk_session_opts {
        const struct husk_endpoint *endpoint;
        const char *actions;            /* "pull" / "pull,push" */
        const struct husk_credentials *creds;   /* explicit (--creds); NULL: from the auth files */
        const char *authfile;           /* NULL: the default list (auth_file.h) */
        int tls_verify;                 /* -1: the endpoint decides (insecure), 0: off, 1: on */
};

int husk_session_open(struct husk_http *http, const struct husk_session_opts *opts, struct husk_session **ret,
                      struct husk_error *err);
void husk_session_free(struct husk_session *s);
static inline void husk_session_freep(struct husk_session **s)
{
        if (*s)
                husk_session_free(*s);
}

/* Add a scope (cross-repository mount source) and renew the token on the next request. */
int husk_session_add_scope(struct husk_session *s, const char *scope, struct husk_error *err);

/*
 * A request to the API: req->url is a path ("/v2/<name>/manifests/latest", made absolute with the
 * base) or an absolute URL (a Location; credentials only go along to the same origin). A 401 renews the
 * authorization once and repeats. Transient failures (connection, 408/429/5xx) are retried with backoff
 * (0.25 s, doubling, 4 tries) unless req->sink is set (a body in flight is the caller's to resume).
 */
int husk_session_request(struct husk_session *s, const struct husk_http_request *req, struct husk_http_response *ret,
                         struct husk_error *err);

/* The registry's words for a failed response ("MANIFEST_UNKNOWN: manifest unknown"), else "HTTP 404". */
void husk_session_status_error(const struct husk_http_response *resp, char *buf, size_t size);

/* Sleep before try number `attempt` (1-based) of a retry loop: 250 ms doubling, at most 4 s. */
void husk_backoff(unsigned attempt);
#define HUSK_RETRIES 4

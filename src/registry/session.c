/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/base64.h"
#include "registry/session.h"
#include "registry/url.h"
#include "util/cleanup.h"

/* A token endpoint's answer is small JSON. */
#define TOKEN_BODY_MAX (1024 * 1024)

void husk_backoff(unsigned attempt)
{
        unsigned ms = 250u << (attempt > 5 ? 4 : attempt - 1);
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        if (ms > 4000)
                ts = (struct timespec) { .tv_sec = 4 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

void husk_session_status_error(const struct husk_http_response *resp, char *buf, size_t size)
{
        json_auto_t *root = resp->body ? json_loadb(resp->body, resp->body_len, 0, NULL) : NULL;
        json_t *errors = json_object_get(root, "errors"), *e0 = json_array_get(errors, 0);
        const char *code = json_string_value(json_object_get(e0, "code"));
        const char *msg = json_string_value(json_object_get(e0, "message"));

        if (code || msg)
                snprintf(buf, size, "%s%s%s (HTTP %ld)", code ? code : "", code && msg ? ": " : "", msg ? msg : "",
                         resp->status);
        else
                snprintf(buf, size, "HTTP %ld", resp->status);
}

void husk_session_free(struct husk_session *s)
{
        if (!s)
                return;
        free(s->base);
        free(s->host);
        free(s->path);
        free(s->display);
        free(s->actions);
        husk_strv_free(s->extra_scopes);
        husk_credentials_free(&s->creds);
        if (s->authorization) {
                explicit_bzero(s->authorization, strlen(s->authorization));
                free(s->authorization);
        }
        pthread_mutex_destroy(&s->lock);
        free(s);
}

int husk_session_add_scope(struct husk_session *s, const char *scope, struct husk_error *err)
{
        size_t n = 0;
        char **v;

        for (; s->extra_scopes && s->extra_scopes[n]; n++)
                if (strcmp(s->extra_scopes[n], scope) == 0)
                        return 0;
        v = realloc(s->extra_scopes, (n + 2) * sizeof(char *));
        if (!v)
                return husk_error_errno(err, ENOMEM, "%s", s->display);
        s->extra_scopes = v;
        v[n] = strdup(scope);
        v[n + 1] = NULL;
        if (!v[n])
                return husk_error_errno(err, ENOMEM, "%s", s->display);
        return 0;
}

static char *basic_authorization(const struct husk_credentials *c)
{
        _cleanup_free_ char *plain = NULL, *b64 = NULL;
        char *out;

        if (asprintf(&plain, "%s:%s", c->username, c->password) < 0)
                return NULL;
        b64 = husk_base64_encode(plain, strlen(plain));
        explicit_bzero(plain, strlen(plain));
        if (!b64 || asprintf(&out, "Basic %s", b64) < 0)
                out = NULL;
        if (b64)
                explicit_bzero(b64, strlen(b64));
        return out;
}

/* GET realm?service=&scope=... (RFC 6750 / Docker's token protocol), with basic auth when we have creds. */
static int fetch_token(struct husk_session *s, const struct husk_auth_challenge *ch, char **ret,
                       struct husk_error *err)
{
        _cleanup_free_ char *url = strdup(ch->realm), *scope = NULL, *basic = NULL;
        _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
        struct husk_http_request req = { .method = "GET", .body_fd = -1, .max_body = TOKEN_BODY_MAX };
        json_auto_t *root = NULL;
        json_t *tok;
        char msg[256];
        int r;

        if (asprintf(&scope, "repository:%s:%s", s->path, s->actions) < 0)
                scope = NULL;
        if (!url || !scope)
                return husk_error_errno(err, ENOMEM, "token for %s", s->display);
        if (ch->service) {
                char *u = husk_url_add_query(url, "service", ch->service);

                free(url);
                url = u;
        }
        /* a login asks for the registry itself: no repository scope */
        if (s->path[0]) {
                char *u = husk_url_add_query(url, "scope", scope);

                free(url);
                url = u;
        }
        for (char **p = s->extra_scopes; url && p && *p; p++) {
                char *u = husk_url_add_query(url, "scope", *p);

                free(url);
                url = u;
        }
        if (!url)
                return husk_error_errno(err, ENOMEM, "token for %s", s->display);
        if (s->creds.username) {
                basic = basic_authorization(&s->creds);
                if (!basic)
                        return husk_error_errno(err, ENOMEM, "token for %s", s->display);
        }
        req.url = url;
        req.authorization = basic;
        req.insecure = s->insecure;
        for (unsigned attempt = 1;; attempt++) {
                husk_http_response_free(&resp);
                r = husk_http_do(s->http, &req, &resp, err);
                if ((r < 0 || resp.transient) && attempt < HUSK_RETRIES && (r == 0 || resp.transient)) {
                        husk_backoff(attempt);
                        continue;
                }
                break;
        }
        if (r < 0)
                return husk_error_prefix(err, "token for %s: ", s->display);
        if (resp.status == 401 || resp.status == 403)
                return husk_error_set(err, EACCES, "token for %s from %s: %s", s->display, ch->realm,
                                      s->creds.username ? "the credentials were refused" : "access denied");
        if (resp.status != 200) {
                husk_session_status_error(&resp, msg, sizeof(msg));
                return husk_error_set(err, EPROTO, "token for %s from %s: %s", s->display, ch->realm, msg);
        }
        root = json_loadb(resp.body ? resp.body : "", resp.body_len, 0, NULL);
        tok = json_object_get(root, "token");
        if (!json_is_string(tok) || json_string_length(tok) == 0)
                tok = json_object_get(root, "access_token");
        if (!json_is_string(tok) || json_string_length(tok) == 0 || strpbrk(json_string_value(tok), "\r\n"))
                return husk_error_set(err, EPROTO, "token for %s from %s: no token in the answer", s->display,
                                      ch->realm);
        if (asprintf(ret, "Bearer %s", json_string_value(tok)) < 0)
                return husk_error_errno(err, ENOMEM, "token for %s", s->display);
        return 0;
}

/* Answer a challenge: a new Authorization for the session. */
static int authenticate(struct husk_session *s, const char *www_authenticate, struct husk_error *err)
{
        _cleanup_(husk_auth_challenge_free) struct husk_auth_challenge ch = { 0 };
        _cleanup_free_ char *auth = NULL;
        int r;

        if (!www_authenticate)
                return husk_error_set(err, EACCES, "%s: 401 Unauthorized without a WWW-Authenticate challenge",
                                      s->display);
        r = husk_auth_challenge_parse(www_authenticate, strlen(www_authenticate), &ch, err);
        if (r < 0)
                return husk_error_prefix(err, "%s: ", s->display);
        if (ch.scheme == HUSK_AUTH_BASIC) {
                if (!s->creds.username)
                        return husk_error_set(err, EACCES, "%s: authentication required (husk login %s)",
                                              s->display, s->host);
                auth = basic_authorization(&s->creds);
                if (!auth)
                        return husk_error_errno(err, ENOMEM, "%s", s->display);
        } else {
                r = fetch_token(s, &ch, &auth, err);
                if (r < 0)
                        return r;
        }
        pthread_mutex_lock(&s->lock);
        if (s->authorization) {
                explicit_bzero(s->authorization, strlen(s->authorization));
                free(s->authorization);
        }
        s->authorization = steal_ptr(auth);
        s->generation++;
        pthread_mutex_unlock(&s->lock);
        return 0;
}

/* The current Authorization (a copy) and its generation. */
static int current_auth(struct husk_session *s, char **ret, unsigned *ret_gen)
{
        int r = 0;

        pthread_mutex_lock(&s->lock);
        *ret = NULL;
        if (s->authorization && !(*ret = strdup(s->authorization)))
                r = -ENOMEM;
        *ret_gen = s->generation;
        pthread_mutex_unlock(&s->lock);
        return r;
}

int husk_session_request(struct husk_session *s, const struct husk_http_request *req, struct husk_http_response *ret,
                         struct husk_error *err)
{
        _cleanup_free_ char *url = NULL;
        struct husk_http_request r2 = *req;
        bool renewed = false;
        int r;

        if (req->url[0] == '/') {
                if (asprintf(&url, "%s%s", s->base, req->url) < 0)
                        return husk_error_errno(err, ENOMEM, "%s", s->display);
                r2.url = url;
        }
        r2.insecure = s->insecure;
        for (unsigned attempt = 1;; attempt++) {
                _cleanup_free_ char *auth = NULL;
                unsigned gen;

                if (current_auth(s, &auth, &gen) < 0)
                        return husk_error_errno(err, ENOMEM, "%s", s->display);
                r2.authorization = husk_url_same_origin(r2.url, s->base) ? auth : NULL;
                *ret = (struct husk_http_response) { 0 };
                r = husk_http_do(s->http, &r2, ret, err);
                if (auth)
                        explicit_bzero(auth, strlen(auth));
                if (r == 0 && ret->status == 401 && !renewed) {
                        bool stale;

                        renewed = true;
                        /* another thread may have renewed it while we were asking */
                        pthread_mutex_lock(&s->lock);
                        stale = gen != s->generation;
                        pthread_mutex_unlock(&s->lock);
                        if (!stale) {
                                r = authenticate(s, ret->www_authenticate, err);
                                if (r < 0) {
                                        husk_http_response_free(ret);
                                        return r;
                                }
                        }
                        husk_http_response_free(ret);
                        attempt--;
                        continue;
                }
                if (!req->sink && !req->no_retry && attempt < HUSK_RETRIES && ((r < 0 && ret->transient) || (r == 0 && ret->transient))) {
                        husk_http_response_free(ret);
                        husk_backoff(attempt);
                        continue;
                }
                return r;
        }
}

/*
 * GET /v2/ on base: 0 with the response, or a transport error. probe: one try (the https attempt at an
 * insecure endpoint, which may well speak plain HTTP only: no point in retrying that).
 */
static int ping(struct husk_session *s, bool probe, struct husk_http_response *resp, struct husk_error *err)
{
        struct husk_http_request req = { .method = "GET", .url = "/v2/", .body_fd = -1, .max_body = 64 * 1024,
                                         .no_retry = probe };

        return husk_session_request(s, &req, resp, err);
}

int husk_session_open(struct husk_http *http, const struct husk_session_opts *opts, struct husk_session **ret,
                      struct husk_error *err)
{
        const struct husk_endpoint *ep = opts->endpoint;
        _cleanup_(husk_session_freep) struct husk_session *s = calloc(1, sizeof(*s));
        _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
        int r;

        if (!s)
                return husk_error_errno(err, ENOMEM, "registry session");
        pthread_mutex_init(&s->lock, NULL);
        s->http = http;
        s->host = strdup(ep->host);
        s->path = strdup(ep->path);
        s->actions = strdup(opts->actions);
        if (!s->host || !s->path || !s->actions || asprintf(&s->display, "%s/%s", ep->host, ep->path) < 0)
                return husk_error_errno(err, ENOMEM, "registry session");
        s->insecure = opts->tls_verify == 0 || (opts->tls_verify < 0 && ep->insecure);
        if (opts->creds && opts->creds->username) {
                s->creds.username = strdup(opts->creds->username);
                s->creds.password = strdup(opts->creds->password ? opts->creds->password : "");
                if (!s->creds.username || !s->creds.password)
                        return husk_error_errno(err, ENOMEM, "registry session");
        } else {
                r = husk_auth_lookup(opts->authfile, ep->domain, ep->path, &s->creds, NULL, err);
                if (r < 0 && r != -ENOENT)
                        return r;
        }

        /* https first, always; plain http only for an insecure endpoint whose https does not answer */
        if (asprintf(&s->base, "https://%s", ep->host) < 0)
                return husk_error_errno(err, ENOMEM, "registry session");
        r = ping(s, s->insecure, &resp, err);
        if (r < 0 && s->insecure && r != -EHOSTUNREACH) {
                struct husk_error e2 = { 0 };

                free(s->base);
                if (asprintf(&s->base, "http://%s", ep->host) < 0)
                        return husk_error_errno(err, ENOMEM, "registry session");
                husk_http_response_free(&resp);
                r = ping(s, false, &resp, &e2);
                if (r < 0)
                        *err = e2;
        }
        if (r < 0)
                return husk_error_prefix(err, "%s: ", s->display);
        if (resp.status == 404)
                return husk_error_set(err, EPROTO, "%s: no registry API at %s/v2/", s->display, s->base);
        /* 401 on /v2/ after the renewal: credentials refused; 200: fine; others: let the real requests say */
        if (resp.status == 401)
                return husk_error_set(err, EACCES, "%s: %s", s->display,
                                      s->creds.username ? "the credentials were refused" : "authentication required");
        *ret = steal_ptr(s);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Push (distribution-spec "Push"): blobs first (skipped when the registry has them, mounted from another
 * repository of the same registry when the image is known there, else uploaded monolithically with
 * POST + PUT, or in PATCH chunks when larger than the chunk size), the manifest last.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/manifest.h"
#include "image/reference.h"
#include "registry/endpoints.h"
#include "registry/registry.h"
#include "registry/remote.h"
#include "registry/url.h"
#include "util/cleanup.h"

#define DEFAULT_CHUNK (64ull << 20)

void husk_push_result_free(struct husk_push_result *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n_blobs; i++)
                free(r->blobs[i].from);
        free(r->blobs);
        free(r->name);
        free(r->repository);
        *r = (struct husk_push_result) { 0 };
}

struct push {
        struct husk_store *store;
        struct husk_session *s;
        const struct husk_push_opts *opts;
        char **mount_from;              /* other repositories of this registry the image is known in */
        struct husk_push_result *res;
};

static int fail_status(const struct push *p, const struct husk_http_response *resp, const char *what,
                       const char *digest, struct husk_error *err)
{
        char msg[256];

        husk_session_status_error(resp, msg, sizeof(msg));
        return husk_error_set(err, resp->status == 401 || resp->status == 403 ? EACCES : EPROTO, "push %s %s to %s: %s",
                              what, digest, p->s->display, msg);
}

static int simple_request(struct push *p, const char *method, const char *url, const char *const *headers,
                          struct husk_http_response *resp, struct husk_error *err)
{
        struct husk_http_request req = { .method = method, .url = url, .headers = headers, .body_fd = -1,
                                         .max_body = 64 * 1024 };

        return husk_session_request(p->s, &req, resp, err);
}

/* The absolute upload URL of a Location header. */
static int upload_url(struct push *p, const struct husk_http_response *resp, char **ret, struct husk_error *err)
{
        bool bad;

        if (!resp->location)
                return husk_error_set(err, EPROTO, "push to %s: upload answered without a Location", p->s->display);
        *ret = husk_url_resolve(p->s->base, resp->location, &bad);
        if (bad)
                return husk_error_set(err, EPROTO, "push to %s: bad upload Location \"%.200s\"", p->s->display,
                                      resp->location);
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "push");
}

/* PUT (monolithic) or PATCH chunks then PUT: the blob's bytes to an upload session at *url. */
static int upload(struct push *p, char **url, const char *digest, int fd, uint64_t size, const char *what,
                  struct husk_error *err)
{
        uint64_t chunk = p->opts->chunk_size ? p->opts->chunk_size : DEFAULT_CHUNK, off = 0;
        static const char *const octet[] = { "Content-Type: application/octet-stream", NULL };
        _cleanup_free_ char *put = NULL;
        int r;

        if (size > chunk) {
                while (off < size) {
                        _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
                        uint64_t len = size - off < chunk ? size - off : chunk;
                        char range[80];
                        const char *hdrs[] = { octet[0], range, NULL };
                        struct husk_http_request req = { .method = "PATCH", .url = *url, .headers = hdrs,
                                                         .body_fd = fd, .body_offset = off, .body_len = len,
                                                         .has_body = true, .max_body = 64 * 1024 };

                        snprintf(range, sizeof(range), "Content-Range: %llu-%llu", (unsigned long long) off,
                                 (unsigned long long) (off + len - 1));
                        r = husk_session_request(p->s, &req, &resp, err);
                        if (r < 0)
                                return husk_error_prefix(err, "push %s: ", what);
                        if (resp.status != 202)
                                return fail_status(p, &resp, what, digest, err);
                        if (resp.location) {
                                free(*url);
                                *url = NULL;
                                r = upload_url(p, &resp, url, err);
                                if (r < 0)
                                        return r;
                        }
                        off += len;
                        if (p->opts->reg.progress && p->opts->reg.progress->update)
                                p->opts->reg.progress->update(p->opts->reg.progress->ctx, what, off, size);
                }
        }
        put = husk_url_add_query(*url, "digest", digest);
        if (!put)
                return husk_error_errno(err, ENOMEM, "push");
        {
                _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
                struct husk_http_request req = { .method = "PUT", .url = put, .headers = octet, .body_fd = fd,
                                                 .body_offset = off, .body_len = size - off, .has_body = true,
                                                 .max_body = 64 * 1024 };

                r = husk_session_request(p->s, &req, &resp, err);
                if (r < 0)
                        return husk_error_prefix(err, "push %s: ", what);
                if (resp.status != 201)
                        return fail_status(p, &resp, what, digest, err);
        }
        if (p->opts->reg.progress && p->opts->reg.progress->update)
                p->opts->reg.progress->update(p->opts->reg.progress->ctx, what, size, size);
        return 0;
}

static void cancel_upload(struct push *p, const char *url)
{
        _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
        struct husk_error ignored = { 0 };

        /* the spec: clients SHOULD cancel, and SHOULD ignore any failure doing so */
        (void) simple_request(p, "DELETE", url, NULL, &resp, &ignored);
}

static int push_blob(struct push *p, const char *digest, struct husk_push_blob *rec, struct husk_error *err)
{
        _cleanup_free_ char *head = NULL, *post = NULL, *url = NULL;
        _cleanup_close_ int fd = -1;
        char what[32];
        struct stat st;
        int r;

        snprintf(what, sizeof(what), "%.12s", husk_digest_hex(digest));
        if (asprintf(&head, "/v2/%s/blobs/%s", p->s->path, digest) < 0)
                return husk_error_errno(err, ENOMEM, "push");
        {
                _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };

                r = simple_request(p, "HEAD", head, NULL, &resp, err);
                if (r < 0)
                        return husk_error_prefix(err, "push %s: ", what);
                if (resp.status == 200) {
                        rec->how = HUSK_PUSH_EXISTS;
                        return 0;
                }
        }
        fd = husk_blob_open(p->store, digest, err);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "stat blob %s", digest);
        /* a mount from a repository the image came from, else a new upload session */
        for (char **from = p->mount_from; from && *from && !url; from++) {
                _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
                _cleanup_free_ char *scope = NULL, *u1 = NULL, *u2 = NULL;

                if (asprintf(&scope, "repository:%s:pull", *from) < 0 ||
                    asprintf(&u1, "/v2/%s/blobs/uploads/", p->s->path) < 0)
                        return husk_error_errno(err, ENOMEM, "push");
                r = husk_session_add_scope(p->s, scope, err);
                if (r < 0)
                        return r;
                u2 = husk_url_add_query(u1, "mount", digest);
                free(steal_ptr(u1));
                u1 = u2 ? husk_url_add_query(u2, "from", *from) : NULL;
                if (!u1)
                        return husk_error_errno(err, ENOMEM, "push");
                r = simple_request(p, "POST", u1, NULL, &resp, err);
                if (r < 0)
                        return husk_error_prefix(err, "push %s: ", what);
                if (resp.status == 201) {
                        rec->how = HUSK_PUSH_MOUNTED;
                        rec->from = strdup(*from);
                        if (!rec->from)
                                return husk_error_errno(err, ENOMEM, "push");
                        if (p->opts->reg.progress && p->opts->reg.progress->update)
                                p->opts->reg.progress->update(p->opts->reg.progress->ctx, what, (uint64_t) st.st_size,
                                                              (uint64_t) st.st_size);
                        return 0;
                }
                if (resp.status == 202) {
                        r = upload_url(p, &resp, &url, err);
                        if (r < 0)
                                return r;
                }
        }
        if (!url) {
                _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };

                if (asprintf(&post, "/v2/%s/blobs/uploads/", p->s->path) < 0)
                        return husk_error_errno(err, ENOMEM, "push");
                r = simple_request(p, "POST", post, NULL, &resp, err);
                if (r < 0)
                        return husk_error_prefix(err, "push %s: ", what);
                if (resp.status != 202)
                        return fail_status(p, &resp, "blob", digest, err);
                r = upload_url(p, &resp, &url, err);
                if (r < 0)
                        return r;
        }
        r = upload(p, &url, digest, fd, (uint64_t) st.st_size, what, err);
        if (r < 0) {
                cancel_upload(p, url);
                return r;
        }
        rec->how = (uint64_t) st.st_size > (p->opts->chunk_size ? p->opts->chunk_size : DEFAULT_CHUNK)
                           ? HUSK_PUSH_CHUNKED
                           : HUSK_PUSH_UPLOADED;
        return 0;
}

static int put_manifest(struct push *p, const char *digest, const char *tag, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL, *path = NULL, *ct = NULL;
        _cleanup_(husk_manifest_free) struct husk_manifest m = { 0 };
        _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
        size_t len;
        int r;

        r = husk_blob_read(p->store, digest, HUSK_MANIFEST_MAX, &data, &len, err);
        if (r < 0)
                return r;
        r = husk_manifest_parse(data, len, "manifest", &m, err);
        if (r < 0)
                return r;
        if (asprintf(&path, "/v2/%s/manifests/%s", p->s->path, tag) < 0 ||
            asprintf(&ct, "Content-Type: %s", m.media_type) < 0)
                return husk_error_errno(err, ENOMEM, "push");
        {
                const char *hdrs[] = { ct, NULL };
                struct husk_http_request req = { .method = "PUT", .url = path, .headers = hdrs, .body = data,
                                                 .body_fd = -1, .body_len = len, .has_body = true,
                                                 .max_body = 64 * 1024 };

                r = husk_session_request(p->s, &req, &resp, err);
        }
        if (r < 0)
                return husk_error_prefix(err, "push manifest: ");
        if (resp.status != 201)
                return fail_status(p, &resp, "manifest", digest, err);
        if (resp.docker_content_digest && strcmp(resp.docker_content_digest, digest) != 0)
                return husk_error_set(err, EPROTO, "push manifest %s to %s: the registry stored it as %s", digest,
                                      p->s->display, resp.docker_content_digest);
        memcpy(p->res->digest, digest, HUSK_DIGEST_LEN);
        p->res->manifest_size = len;
        return 0;
}

/* Other repositories on `domain` the image is named in: sources for cross-repository mounts. */
static char **mount_sources(const struct husk_image *img, const char *domain, const char *path)
{
        size_t n = 0;
        char **v = calloc(1, sizeof(char *));

        for (char **name = img->names; v && name && *name; name++) {
                struct husk_reference r = { 0 };
                struct husk_error e = { 0 };
                char **nv;

                if (husk_reference_parse(*name, &r, &e) < 0)
                        continue;
                if (strcmp(r.domain, domain) == 0 && strcmp(r.path, path) != 0 && (nv = realloc(v, (n + 2) * sizeof(char *)))) {
                        v = nv;
                        v[n] = steal_ptr(r.path);
                        v[n + 1] = NULL;
                        n += v[n] != NULL;
                }
                husk_reference_free(&r);
        }
        return v;
}

int husk_registry_push(struct husk_store *store, const char *image, const char *dest, const struct husk_push_opts *opts,
                       struct husk_push_result *ret, struct husk_error *err)
{
        _cleanup_(husk_image_free) struct husk_image img = { 0 };
        _cleanup_(husk_reference_freep) struct husk_reference ref = { 0 };
        _cleanup_(husk_endpoint_set_free) struct husk_endpoint_set eps = { 0 };
        _cleanup_(husk_session_freep) struct husk_session *s = NULL;
        _cleanup_(husk_push_result_free) struct husk_push_result res = { 0 };
        _cleanup_strv_ char **from = NULL;
        struct push p = { .store = store, .opts = opts, .res = &res };
        int r;

        r = husk_store_image_lookup(store, image, &img, err);
        if (r < 0)
                return r;
        r = husk_reference_parse(dest ? dest : image, &ref, err);
        if (r < 0)
                return r;
        if (ref.digest)
                return husk_error_set(err, EINVAL, "push %s: a destination needs a tag, not a digest", dest ? dest : image);
        if (!ref.tag && !(ref.tag = strdup("latest")))
                return husk_error_errno(err, ENOMEM, "push");
        res.name = husk_reference_string(&ref);
        res.repository = husk_reference_repository(&ref);
        from = mount_sources(&img, ref.domain, ref.path);
        if (!res.name || !res.repository || !from)
                return husk_error_errno(err, ENOMEM, "push");
        r = husk_endpoint_set_open(&eps, &opts->reg, ref.domain, ref.path, false, err);
        if (r < 0)
                return r;
        r = husk_endpoint_session(&eps, 0, "pull,push", &s, err);
        if (r < 0)
                return r;
        p.s = s;
        p.mount_from = from;
        for (char **b = img.layer_blobs; b && *b; b++)
                res.n_blobs++;
        res.blobs = calloc(res.n_blobs + 1, sizeof(*res.blobs));
        if (!res.blobs)
                return husk_error_errno(err, ENOMEM, "push");
        for (size_t i = 0; i <= res.n_blobs; i++) {
                const char *d = i < res.n_blobs ? img.layer_blobs[i] : img.id;

                memcpy(res.blobs[i].digest, d, HUSK_DIGEST_LEN);
                res.blobs[i].config = i == res.n_blobs;
                r = push_blob(&p, d, &res.blobs[i], err);
                if (r < 0)
                        return r;
        }
        res.n_blobs++;
        r = put_manifest(&p, img.manifest, ref.tag, err);
        if (r < 0)
                return r;
        *ret = res;
        res = (struct husk_push_result) { 0 };
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/remote.h"
#include "util/cleanup.h"

const char husk_manifest_accept[] = "Accept: " HUSK_MT_OCI_MANIFEST ", " HUSK_MT_OCI_INDEX ", "
                                    HUSK_MT_DOCKER_MANIFEST ", " HUSK_MT_DOCKER_LIST;

void husk_remote_image_free(struct husk_remote_image *r)
{
        if (!r)
                return;
        free(r->manifest);
        husk_manifest_free(&r->m);
        *r = (struct husk_remote_image) { 0 };
}

int husk_remote_get_manifest(struct husk_session *s, const char *reference, char **ret, size_t *ret_len,
                             char ret_digest[static HUSK_DIGEST_LEN], struct husk_error *err)
{
        _cleanup_(husk_http_response_free) struct husk_http_response resp = { 0 };
        _cleanup_free_ char *path = NULL;
        const char *hdrs[] = { husk_manifest_accept, NULL };
        struct husk_http_request req = { .method = "GET", .body_fd = -1, .headers = hdrs, .max_body = HUSK_MANIFEST_MAX };
        bool by_digest = strncmp(reference, "sha256:", 7) == 0;
        char got[HUSK_DIGEST_LEN], msg[256];
        int r;

        if (asprintf(&path, "/v2/%s/manifests/%s", s->path, reference) < 0)
                return husk_error_errno(err, ENOMEM, "%s", s->display);
        req.url = path;
        r = husk_session_request(s, &req, &resp, err);
        if (r == -EFBIG)
                return husk_error_set(err, EFBIG, "manifest %s of %s: more than %u bytes", reference, s->display,
                                      HUSK_MANIFEST_MAX);
        if (r < 0)
                return husk_error_prefix(err, "manifest %s: ", reference);
        if (resp.status != 200) {
                husk_session_status_error(&resp, msg, sizeof(msg));
                return husk_error_set(err, resp.status == 404 ? ENOENT : EPROTO, "manifest %s of %s: %s", reference,
                                      s->display, msg);
        }
        husk_digest_buf(resp.body ? resp.body : "", resp.body_len, got);
        if (by_digest && strcmp(got, reference) != 0)
                return husk_error_set(err, EBADMSG, "manifest %s of %s: digest mismatch: got %s", reference,
                                      s->display, got);
        /* by tag, the registry's word for the digest must agree with the bytes */
        if (!by_digest && resp.docker_content_digest && husk_digest_is_valid(resp.docker_content_digest) &&
            strcmp(resp.docker_content_digest, got) != 0)
                return husk_error_set(err, EBADMSG, "manifest %s of %s: Docker-Content-Digest %s, but the bytes are %s",
                                      reference, s->display, resp.docker_content_digest, got);
        memcpy(ret_digest, got, HUSK_DIGEST_LEN);
        if (!resp.body && !(resp.body = strdup("")))
                return husk_error_errno(err, ENOMEM, "%s", s->display);
        *ret = steal_ptr(resp.body);
        *ret_len = resp.body_len;
        return 0;
}

int husk_remote_resolve(struct husk_session *s, const char *reference, const struct husk_platform *platform,
                        struct husk_remote_image *ret, struct husk_error *err)
{
        _cleanup_(husk_remote_image_free) struct husk_remote_image img = { 0 };
        char what[128 + HUSK_DIGEST_LEN];
        enum husk_doc_kind kind;
        int r;

        r = husk_remote_get_manifest(s, reference, &img.manifest, &img.manifest_len, img.digest, err);
        if (r < 0)
                return r;
        snprintf(what, sizeof(what), "manifest %s of %s", reference, s->display);
        r = husk_doc_kind(img.manifest, img.manifest_len, what, &kind, err);
        if (r < 0)
                return r;
        if (kind == HUSK_DOC_INDEX) {
                _cleanup_(husk_index_free) struct husk_index idx = { 0 };
                const struct husk_descriptor *d;
                char digest[HUSK_DIGEST_LEN];

                r = husk_index_parse(img.manifest, img.manifest_len, what, &idx, err);
                if (r < 0)
                        return r;
                r = husk_index_select(&idx, platform ? platform->os : NULL, platform ? platform->architecture : NULL,
                                      platform ? platform->variant : NULL, what, &d, err);
                if (r < 0)
                        return r;
                memcpy(digest, d->digest, HUSK_DIGEST_LEN);
                memcpy(img.index_digest, img.digest, HUSK_DIGEST_LEN);
                free(steal_ptr(img.manifest));
                r = husk_remote_get_manifest(s, digest, &img.manifest, &img.manifest_len, img.digest, err);
                if (r < 0)
                        return r;
                snprintf(what, sizeof(what), "manifest %s of %s", digest, s->display);
        }
        r = husk_manifest_parse(img.manifest, img.manifest_len, what, &img.m, err);
        if (r < 0)
                return r;
        *ret = img;
        img = (struct husk_remote_image) { 0 };
        return 0;
}

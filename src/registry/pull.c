/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"
#include "registry/blob_fetch.h"
#include "registry/endpoints.h"
#include "registry/pull_layers.h"
#include "registry/registry.h"
#include "registry/remote.h"
#include "util/cleanup.h"

/* Image configs are JSON documents: generous, but bounded. */
#define CONFIG_MAX (8u << 20)

void husk_pull_result_free(struct husk_pull_result *r)
{
        if (!r)
                return;
        free(r->name);
        free(r->repository);
        r->name = r->repository = NULL;
}

/* The config blob: from the store, or fetched, verified and stored. */
static int get_config(struct husk_store *store, struct husk_session *s, const struct husk_descriptor *d,
                      struct husk_image_config *ret, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        char what[HUSK_DIGEST_LEN + 64], digest[HUSK_DIGEST_LEN];
        size_t len;
        int r;

        snprintf(what, sizeof(what), "config %s", d->digest);
        if (husk_blob_exists(store, d->digest)) {
                r = husk_blob_read(store, d->digest, CONFIG_MAX, &data, &len, err);
        } else {
                r = husk_blob_fetch_buf(s, d->digest, d->size, CONFIG_MAX, what, &data, &len, err);
                if (r == 0)
                        r = husk_blob_put(store, data, len, d->digest, what, digest, err);
        }
        if (r < 0)
                return r;
        return husk_image_config_parse(data, len, what, ret, err);
}

/* Everything after the manifest is known: config, layers, the manifest itself, the record. */
static int pull_image(struct husk_store *store, struct husk_session *s, const struct husk_remote_image *img,
                      const char *name, const struct husk_pull_opts *opts, struct husk_pull_result *ret,
                      struct husk_error *err)
{
        _cleanup_(husk_image_config_free) struct husk_image_config cfg = { 0 };
        _cleanup_free_ struct husk_layer_info *infos = NULL;
        _cleanup_free_ const char **diffids = NULL;
        struct husk_image rec = { 0 };
        char digest[HUSK_DIGEST_LEN];
        bool downloaded = false;
        int r;

        r = get_config(store, s, &img->m.config, &cfg, err);
        if (r < 0)
                return r;
        if (cfg.n_diff_ids != img->m.n_layers)
                return husk_error_set(err, EBADMSG, "manifest %s of %s: %zu layers, but its config has %zu diff_ids",
                                      img->digest, s->display, img->m.n_layers, cfg.n_diff_ids);
        infos = calloc(img->m.n_layers + 1, sizeof(*infos));
        diffids = calloc(img->m.n_layers + 1, sizeof(char *));
        if (!infos || !diffids)
                return husk_error_errno(err, ENOMEM, "pull %s", s->display);
        r = husk_pull_layers(store, s, img->m.layers, cfg.diff_ids, img->m.n_layers, opts->parallel,
                             opts->reg.progress, infos, &downloaded, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < img->m.n_layers; i++)
                diffids[i] = infos[i].diffid;
        if (!husk_blob_exists(store, img->digest))
                downloaded = true;
        r = husk_blob_put(store, img->manifest, img->manifest_len, img->digest, "manifest", digest, err);
        if (r < 0)
                return r;
        /* the record last: before it, nothing of this pull is an image */
        r = husk_store_image_add(store, img->digest, diffids, name, &rec, err);
        if (r < 0)
                return r;
        memcpy(ret->id, rec.id, HUSK_DIGEST_LEN);
        memcpy(ret->digest, img->digest, HUSK_DIGEST_LEN);
        ret->downloaded = downloaded;
        husk_image_free(&rec);
        return 0;
}

int husk_registry_pull(struct husk_store *store, const char *ref_s, const struct husk_pull_opts *opts,
                       struct husk_pull_result *ret, struct husk_error *err)
{
        _cleanup_(husk_reference_freep) struct husk_reference ref = { 0 };
        _cleanup_(husk_endpoint_set_free) struct husk_endpoint_set eps = { 0 };
        _cleanup_(husk_pull_result_free) struct husk_pull_result res = { 0 };
        int r;

        r = husk_reference_parse(ref_s, &ref, err);
        if (r < 0)
                return r;
        if (!ref.tag && !ref.digest && !(ref.tag = strdup("latest")))
                return husk_error_errno(err, ENOMEM, "pull %s", ref_s);
        res.repository = husk_reference_repository(&ref);
        /* a pull by digest gets no name: Docker records it as a digest of the repository only */
        res.name = ref.digest ? NULL : husk_reference_string(&ref);
        if (!res.repository || (!ref.digest && !res.name))
                return husk_error_errno(err, ENOMEM, "pull %s", ref_s);
        r = husk_endpoint_set_open(&eps, &opts->reg, ref.domain, ref.path, true, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < eps.n; i++) {
                _cleanup_(husk_session_freep) struct husk_session *s = NULL;
                _cleanup_(husk_remote_image_free) struct husk_remote_image img = { 0 };
                bool last = i + 1 == eps.n;

                r = husk_endpoint_session(&eps, i, "pull", &s, err);
                if (r == 0)
                        r = husk_remote_resolve(s, ref.digest ? ref.digest : ref.tag, &opts->platform, &img, err);
                /* a mirror that fails or lacks the image: the next one, then the registry */
                if (r < 0 && !last)
                        continue;
                if (r == 0)
                        r = pull_image(store, s, &img, res.name, opts, &res, err);
                if (r < 0)
                        return r;
                *ret = res;
                res = (struct husk_pull_result) { 0 };
                return 0;
        }
        return husk_error_set(err, ENOENT, "pull %s: no endpoint", ref_s);
}

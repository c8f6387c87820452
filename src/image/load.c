/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk load`: an archive or layout read (load_source.c), what it holds turned into a plan of images
 * (load_oci.c, load_docker.c), then in two phases: first every layer of every image unpacked and checked
 * against its config's diff_ids, then the records added. A failure in the first phase leaves no record,
 * only blobs and layers that no record references, which GC frees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/load_internal.h"
#include "image/reference.h"
#include "util/cleanup.h"

void husk_load_plan_free(struct husk_load_plan *p)
{
        for (size_t i = 0; i < p->n_images; i++) {
                struct husk_load_pending *img = &p->images[i];
                husk_strv_free(img->layer_blobs);
                husk_strv_free(img->diff_ids);
                husk_strv_free(img->names);
                free(img->what);
        }
        free(p->images);
        p->images = NULL;
        p->n_images = 0;
}

struct husk_load_pending *husk_load_plan_add(struct husk_load_plan *p, const char *what)
{
        struct husk_load_pending *n = realloc(p->images, (p->n_images + 1) * sizeof(*n));

        if (!n)
                return NULL;
        p->images = n;
        struct husk_load_pending *img = &p->images[p->n_images];
        *img = (struct husk_load_pending){ 0 };
        img->what = strdup(what);
        img->names = calloc(1, sizeof(char *));
        if (!img->what || !img->names) {
                free(img->what);
                free(img->names);
                return NULL;
        }
        p->n_images++;
        return img;
}

int husk_load_pending_add_name(struct husk_load_pending *img, const char *name, const char *field,
                               struct husk_error *err)
{
        _cleanup_free_ char *norm = NULL;
        size_t n = 0;
        int r;

        r = husk_reference_normalise(name, &norm, err);
        if (r < 0)
                return husk_error_prefix(err, "%s%s: ", img->what, field);
        for (; img->names[n]; n++)
                if (strcmp(img->names[n], norm) == 0)
                        return 0;
        char **v = realloc(img->names, (n + 2) * sizeof(char *));
        if (!v)
                return husk_error_errno(err, ENOMEM, "%s", img->what);
        img->names = v;
        v[n] = steal_ptr(norm);
        v[n + 1] = NULL;
        return 0;
}

int husk_load_pending_set_config(struct husk_store *s, struct husk_load_pending *img, const char *config_digest,
                                 size_t n_layers, struct husk_error *err)
{
        _cleanup_free_ char *json = NULL, *what = NULL;
        struct husk_image_config cfg = { 0 };
        size_t len;
        int r;

        r = husk_blob_read(s, config_digest, HUSK_TRANSFER_DOC_MAX, &json, &len, err);
        if (r < 0)
                return husk_error_prefix(err, "%s: ", img->what);
        if (asprintf(&what, "%s: config %s", img->what, config_digest) < 0)
                return husk_error_errno(err, ENOMEM, "%s", img->what);
        r = husk_image_config_parse(json, len, what, &cfg, err);
        if (r < 0)
                return r;
        if (cfg.n_diff_ids != n_layers)
                r = husk_error_set(err, EINVAL, "%s: rootfs.diff_ids lists %zu layers, the image has %zu", what,
                                   cfg.n_diff_ids, n_layers);
        else
                img->diff_ids = steal_ptr(cfg.diff_ids);
        cfg.n_diff_ids = 0;
        husk_image_config_free(&cfg);
        memcpy(img->config, config_digest, HUSK_DIGEST_LEN);
        return r;
}

static int read_plan(struct husk_store *s, const char *path, const struct husk_load_opts *opts,
                     struct husk_load_plan *plan, struct husk_error *err)
{
        _cleanup_(husk_load_source_freep) struct husk_load_source *src = NULL;
        const char *doc;
        size_t len;
        int r;

        r = husk_load_source_open(s, path, opts->progress, &src, err);
        if (r < 0)
                return r;
        /* docker save of Docker 25+ writes both: manifest.json is what docker load reads, so do we. */
        if (husk_load_source_doc(src, "manifest.json", &doc, &len) == 0)
                r = husk_load_docker(s, src, plan, err);
        else
                r = husk_load_oci(s, src, &opts->platform, plan, err);
        if (r >= 0)
                r = husk_load_source_fetch(src, err);
        if (r < 0)
                return r;
        if (opts->name && plan->n_images > 1)
                return husk_error_set(err, EINVAL, "%s: holds %zu images; a name given to load names only one",
                                      husk_load_source_what(src), plan->n_images);
        if (opts->name) {
                struct husk_load_pending *img = &plan->images[0];
                _cleanup_free_ char *norm = NULL;
                r = husk_reference_normalise(opts->name, &norm, err);
                if (r < 0)
                        return r;
                return husk_load_pending_add_name(img, norm, "", err);
        }
        return 0;
}

/* The image's layers unpacked, reported as one item: layers_ensure works on them in parallel. */
static int unpack_layers(struct husk_store *s, const struct husk_load_pending *img, const struct husk_progress *prog,
                         struct husk_error *err)
{
        _cleanup_free_ char *item = NULL;
        int r;

        if (img->n_layers == 0)
                return 0;
        _cleanup_free_ struct husk_layer_info *info = calloc(img->n_layers, sizeof(*info));
        if (!info || asprintf(&item, "unpacking %s", img->names[0] ? img->names[0] : img->config) < 0)
                return husk_error_errno(err, ENOMEM, "%s", img->what);
        if (prog && prog->update)
                prog->update(prog->ctx, item, 0, img->layer_bytes);
        r = husk_store_layers_ensure(s, img->n_layers, (const char *const *) img->layer_blobs,
                                     (const char *const *) img->diff_ids, img->what, info, err);
        if (r >= 0 && prog && prog->update)
                prog->update(prog->ctx, item, img->layer_bytes, img->layer_bytes);
        return r;
}

static int record(struct husk_store *s, const struct husk_load_pending *img, struct husk_error *err)
{
        const char *no_name[] = { NULL, NULL };
        const char *const *names = img->names[0] ? (const char *const *) img->names : no_name;

        /* Once per name: each name moves to this image from whichever image had it, as docker load does. */
        for (size_t i = 0; i == 0 || names[i]; i++) {
                struct husk_image rec = { 0 };
                int r = husk_store_image_add(s, img->manifest, (const char *const *) img->diff_ids, names[i], &rec,
                                             err);
                if (r < 0)
                        return husk_error_prefix(err, "%s: ", img->what);
                husk_image_free(&rec);
        }
        return 0;
}

static int strv_add_unique(char ***v, size_t *n, const char *s)
{
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*v)[i], s) == 0)
                        return 0;
        char **nv = realloc(*v, (*n + 2) * sizeof(char *));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        nv[*n] = strdup(s);
        if (!nv[*n])
                return -ENOMEM;
        nv[++*n] = NULL;
        return 0;
}

int husk_image_load(struct husk_store *s, const char *path, const struct husk_load_opts *opts, char ***ret_ids,
                    struct husk_error *err)
{
        static const struct husk_load_opts no_opts;
        struct husk_load_plan plan = { 0 };
        _cleanup_strv_ char **ids = calloc(1, sizeof(char *));
        size_t n_ids = 0;
        int r;

        if (!opts)
                opts = &no_opts;
        if (!ids)
                return husk_error_errno(err, ENOMEM, "load %s", path);
        r = read_plan(s, path, opts, &plan, err);
        for (size_t i = 0; r >= 0 && i < plan.n_images; i++)
                r = unpack_layers(s, &plan.images[i], opts->progress, err);
        for (size_t i = 0; r >= 0 && i < plan.n_images; i++) {
                r = record(s, &plan.images[i], err);
                if (r >= 0 && strv_add_unique(&ids, &n_ids, plan.images[i].config) < 0)
                        r = husk_error_errno(err, ENOMEM, "load %s", path);
        }
        for (size_t i = 0; r >= 0 && opts->loaded && i < plan.n_images; i++) {
                char *const *names = plan.images[i].names;
                if (!names[0])
                        opts->loaded(opts->loaded_ctx, plan.images[i].config, NULL);
                for (size_t j = 0; names[j]; j++)
                        opts->loaded(opts->loaded_ctx, plan.images[i].config, names[j]);
        }
        husk_load_plan_free(&plan);
        if (r < 0)
                return r;
        if (ret_ids)
                *ret_ids = steal_ptr(ids);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image operations over the records: add, list, lookup, tag, remove. Image ids are config
 * digests; names are normalised references ("docker.io/library/busybox:latest"), each held by at
 * most one image (tagging moves a name, as Docker does).
 */
#include "image/store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image/manifest.h"
#include "image/reference.h"
#include "util/cleanup.h"

struct image_list {
        struct husk_image *v;
        size_t n;
};

static void image_list_freep(struct image_list *l)
{
        husk_image_list_free(l->v, l->n);
}
#define _cleanup_images_ _cleanup_(image_list_freep)

static size_t strv_len(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

static bool strv_contains(const char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

/* Remove s from a NULL-terminated vector (in place). True when it was there. */
static bool strv_remove(char **v, const char *s)
{
        bool found = false;
        size_t j = 0;
        for (size_t i = 0; v && v[i]; i++) {
                if (strcmp(v[i], s) == 0) {
                        free(v[i]);
                        found = true;
                } else {
                        v[j++] = v[i];
                }
        }
        if (v)
                v[j] = NULL;
        return found;
}

static int strv_append(char ***v, const char *s)
{
        size_t n = strv_len(*v);
        char **nv = realloc(*v, (n + 2) * sizeof(char *));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[n] = strdup(s)))
                return -ENOMEM;
        nv[n + 1] = NULL;
        return 0;
}

static int strv_dup(char *const *src, char ***ret)
{
        size_t n = strv_len(src);
        _cleanup_strv_ char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(v[i] = strdup(src[i])))
                        return -ENOMEM;
        *ret = steal_ptr(v);
        return 0;
}

static int image_copy(const struct husk_image *src, struct husk_image *ret)
{
        struct husk_image c = *src;
        c.names = c.layers = c.layer_blobs = NULL;
        c.created = NULL;
        if (strv_dup(src->names, &c.names) < 0 || strv_dup(src->layers, &c.layers) < 0 ||
            strv_dup(src->layer_blobs, &c.layer_blobs) < 0 || (src->created && !(c.created = strdup(src->created)))) {
                husk_image_free(&c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

/* A name a user gave for tagging: normalised, with a tag, without a digest. */
static int normalise_tag_name(const char *name, char **ret, struct husk_error *err)
{
        _cleanup_(husk_reference_freep) struct husk_reference ref = { 0 };
        int r = husk_reference_parse(name, &ref, err);
        if (r < 0)
                return r;
        if (ref.digest)
                return husk_error_set(err, EINVAL, "%s: an image name cannot hold a digest", name);
        if (!(*ret = husk_reference_string(&ref)))
                return husk_error_errno(err, ENOMEM, "%s", name);
        return 0;
}

static bool is_hex(const char *s)
{
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/*
 * Find `what` among imgs: a name (normalised), name@digest (the manifest digest), a full id, or a
 * unique id prefix of at least 3 hex digits ("sha256:" optional). *ret_name gets the normalised
 * name when it matched by name (without digest), else NULL.
 */
static int lookup(const struct husk_image *imgs, size_t n, const char *what, size_t *ret, char **ret_name,
                  struct husk_error *err)
{
        _cleanup_(husk_reference_free) struct husk_reference ref = { 0 };
        struct husk_error ignored = { 0 };

        *ret_name = NULL;
        if (!what || !*what)
                return husk_error_set(err, EINVAL, "no image given");
        if (husk_reference_parse(what, &ref, &ignored) == 0) {
                if (ref.digest) {
                        for (size_t i = 0; i < n; i++)
                                if (strcmp(imgs[i].manifest, ref.digest) == 0 || strcmp(imgs[i].id, ref.digest) == 0) {
                                        *ret = i;
                                        return 0;
                                }
                } else {
                        _cleanup_free_ char *full = husk_reference_string(&ref);
                        if (!full)
                                return husk_error_errno(err, ENOMEM, "look up %s", what);
                        for (size_t i = 0; i < n; i++)
                                if (strv_contains((const char *const *) imgs[i].names, full)) {
                                        *ret = i;
                                        *ret_name = steal_ptr(full);
                                        return 0;
                                }
                }
        }
        const char *hex = strncmp(what, "sha256:", 7) == 0 ? what + 7 : what;
        size_t len = strlen(hex);
        if (len >= 3 && len <= 64 && is_hex(hex)) {
                size_t found = SIZE_MAX, matches = 0;
                for (size_t i = 0; i < n; i++)
                        if (strncmp(husk_digest_hex(imgs[i].id), hex, len) == 0) {
                                found = i;
                                matches++;
                        }
                if (matches > 1)
                        return husk_error_set(err, EINVAL, "image id prefix %s is ambiguous (%zu images)", what, matches);
                if (matches == 1) {
                        *ret = found;
                        return 0;
                }
        }
        return husk_error_set(err, ENOENT, "no such image: %s", what);
}

int husk_store_image_list(struct husk_store *s, struct husk_image **ret, size_t *ret_n, struct husk_error *err)
{
        return husk_records_load(s, ret, ret_n, err);
}

int husk_store_image_lookup(struct husk_store *s, const char *what, struct husk_image *ret, struct husk_error *err)
{
        _cleanup_images_ struct image_list l = { 0 };
        _cleanup_free_ char *name = NULL;
        size_t i;
        int r;

        if ((r = husk_records_load(s, &l.v, &l.n, err)) < 0 || (r = lookup(l.v, l.n, what, &i, &name, err)) < 0)
                return r;
        if (image_copy(&l.v[i], ret) < 0)
                return husk_error_errno(err, ENOMEM, "look up %s", what);
        return 0;
}

/* Take a name away from whichever image has it. */
static void names_release(struct husk_image *imgs, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                (void) strv_remove(imgs[i].names, name);
}

/* The parts of the manifest and config the record needs, checked against the layers given. */
static int read_image_meta(struct husk_store *s, const char *manifest_digest, const char *const *layer_diffids,
                           struct husk_image *img, struct husk_error *err)
{
        _cleanup_free_ char *mjson = NULL, *cjson = NULL;
        _cleanup_(husk_manifest_free) struct husk_manifest m = { 0 };
        _cleanup_(husk_image_config_free) struct husk_image_config cfg = { 0 };
        size_t mlen = 0, clen = 0;
        char what[HUSK_DIGEST_LEN + 16];
        int r;

        (void) snprintf(what, sizeof(what), "manifest %.19s", manifest_digest);
        if ((r = husk_blob_read(s, manifest_digest, HUSK_STORE_META_MAX, &mjson, &mlen, err)) < 0 ||
            (r = husk_manifest_parse(mjson, mlen, what, &m, err)) < 0)
                return r;
        (void) snprintf(what, sizeof(what), "config %.19s", m.config.digest);
        if ((r = husk_blob_read(s, m.config.digest, HUSK_STORE_META_MAX, &cjson, &clen, err)) < 0 ||
            (r = husk_image_config_parse(cjson, clen, what, &cfg, err)) < 0)
                return r;
        size_t nl = strv_len((char *const *) layer_diffids);
        if (cfg.n_diff_ids != m.n_layers)
                return husk_error_set(err, EINVAL, "manifest %s has %zu layers but its config lists %zu diff_ids",
                                      manifest_digest, m.n_layers, cfg.n_diff_ids);
        if (nl != cfg.n_diff_ids)
                return husk_error_set(err, EINVAL, "image %s: %zu layers unpacked, its config lists %zu",
                                      m.config.digest, nl, cfg.n_diff_ids);
        for (size_t i = 0; i < nl; i++)
                if (strcmp(layer_diffids[i], cfg.diff_ids[i]) != 0)
                        return husk_error_set(err, EINVAL,
                                              "image %s: layer %zu is %s but its config's rootfs.diff_ids[%zu] is %s",
                                              m.config.digest, i, layer_diffids[i], i, cfg.diff_ids[i]);
        memcpy(img->id, m.config.digest, HUSK_DIGEST_LEN);
        memcpy(img->manifest, manifest_digest, HUSK_DIGEST_LEN);
        if (!(img->layer_blobs = calloc(m.n_layers + 1, sizeof(char *))) ||
            strv_dup((char *const *) layer_diffids, &img->layers) < 0 ||
            (cfg.created && !(img->created = strdup(cfg.created))))
                return husk_error_errno(err, ENOMEM, "add image %s", m.config.digest);
        for (size_t i = 0; i < m.n_layers; i++)
                if (!(img->layer_blobs[i] = strdup(m.layers[i].digest)))
                        return husk_error_errno(err, ENOMEM, "add image %s", m.config.digest);
        return 0;
}

/* Under the lock: put img (consumed) into the records, moving `name` to it. */
static int add_locked(struct husk_store *s, struct husk_image *img, const char *name, struct husk_image *ret,
                      struct husk_error *err)
{
        _cleanup_images_ struct image_list l = { 0 };
        int r = husk_records_load(s, &l.v, &l.n, err);
        if (r < 0)
                return r;
        size_t at = l.n;
        for (size_t i = 0; i < l.n; i++)
                if (strcmp(l.v[i].id, img->id) == 0)
                        at = i;
        if (at == l.n) {
                struct husk_image *nv = realloc(l.v, (l.n + 1) * sizeof(*nv));
                if (!nv)
                        return husk_error_errno(err, ENOMEM, "add image %s", img->id);
                l.v = nv;
                l.v[l.n++] = (struct husk_image) { 0 };
                if (!(img->names = calloc(1, sizeof(char *))))
                        return husk_error_errno(err, ENOMEM, "add image %s", img->id);
        } else {
                /* The same config again (maybe through another manifest): keep its names and age. */
                img->names = steal_ptr(l.v[at].names);
                img->added = l.v[at].added;
        }
        husk_image_free(&l.v[at]);
        l.v[at] = *img;
        *img = (struct husk_image) { 0 };
        if (name) {
                names_release(l.v, l.n, name);
                if (strv_append(&l.v[at].names, name) < 0)
                        return husk_error_errno(err, ENOMEM, "add image %s", l.v[at].id);
        }
        if ((r = husk_records_save(s, l.v, l.n, err)) < 0)
                return r;
        if (ret && image_copy(&l.v[at], ret) < 0)
                return husk_error_errno(err, ENOMEM, "add image %s", l.v[at].id);
        return 0;
}

int husk_store_image_add(struct husk_store *s, const char *manifest_digest, const char *const *layer_diffids,
                         const char *name, struct husk_image *ret, struct husk_error *err)
{
        _cleanup_(husk_image_free) struct husk_image img = { 0 };
        _cleanup_free_ char *full = NULL;
        int r;

        if ((r = husk_store_check_writable(s, "add image", err)) < 0 ||
            (r = husk_digest_validate(manifest_digest, "manifest", err)) < 0 || (r = husk_store_pin(s, err)) < 0)
                return r;
        if (name && (r = normalise_tag_name(name, &full, err)) < 0)
                return r;
        if ((r = read_image_meta(s, manifest_digest, layer_diffids, &img, err)) < 0)
                return r;
        /* Every layer must be there; the pin keeps a GC elsewhere from sweeping them until the record
           that references them is saved. */
        for (char **p = img.layers; *p; p++) {
                struct husk_layer_info info;
                if ((r = husk_store_layer_get(s, *p, &info, err)) < 0)
                        return husk_error_prefix(err, "add image %s: ", img.id);
                img.size += info.size;
        }
        img.added = (int64_t) time(NULL);
        if ((r = husk_store_lock(s, err)) < 0)
                return r;
        r = add_locked(s, &img, full, ret, err);
        husk_store_unlock(s);
        return r;
}

int husk_store_image_tag(struct husk_store *s, const char *image, const char *name, struct husk_error *err)
{
        _cleanup_images_ struct image_list l = { 0 };
        _cleanup_free_ char *full = NULL, *matched = NULL;
        size_t i;
        int r;

        if ((r = husk_store_check_writable(s, "tag", err)) < 0 || (r = normalise_tag_name(name, &full, err)) < 0 ||
            (r = husk_store_lock(s, err)) < 0)
                return r;
        if ((r = husk_records_load(s, &l.v, &l.n, err)) == 0 && (r = lookup(l.v, l.n, image, &i, &matched, err)) == 0 &&
            !strv_contains((const char *const *) l.v[i].names, full)) {
                names_release(l.v, l.n, full);
                if (strv_append(&l.v[i].names, full) < 0)
                        r = husk_error_errno(err, ENOMEM, "tag %s", name);
                else
                        r = husk_records_save(s, l.v, l.n, err);
        }
        husk_store_unlock(s);
        return r;
}

static int removed_append(char ***removed, const char *id, struct husk_error *err)
{
        if (removed && strv_append(removed, id) < 0)
                return husk_error_errno(err, ENOMEM, "remove image %s", id);
        return 0;
}

/* Decide what removing `what` (found at l->v[i]) does, and do it on the list. */
static int remove_in_list(struct image_list *l, size_t i, const char *what, const char *matched_name, bool force,
                          const char *const *in_use, char ***removed, struct husk_error *err)
{
        struct husk_image *img = &l->v[i];
        bool used = strv_contains(in_use, img->id);
        size_t names = strv_len(img->names);

        /* By name, with other names left: only that name goes (docker rmi of one tag). */
        if (matched_name && names > 1) {
                (void) strv_remove(img->names, matched_name);
                return 0;
        }
        if (!matched_name && names > 1 && !force)
                return husk_error_set(err, EBUSY,
                                      "unable to delete %s (must be forced): image is referenced by %zu names", what,
                                      names);
        if (used) {
                if (!force)
                        return husk_error_set(err, EBUSY, "unable to remove %s: image %.19s is used by a container",
                                              what, img->id);
                /* forced: the names go, the image stays for its containers */
                for (size_t k = 0; img->names && img->names[k]; k++)
                        free(img->names[k]);
                if (img->names)
                        img->names[0] = NULL;
                return 0;
        }
        int r = removed_append(removed, img->id, err);
        if (r < 0)
                return r;
        husk_image_free(img);
        memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*img));
        l->n--;
        return 0;
}

static int remove_locked(struct husk_store *s, const char *what, bool force, const char *const *in_use,
                         char ***removed, struct husk_error *err)
{
        _cleanup_images_ struct image_list l = { 0 };
        _cleanup_free_ char *matched = NULL;
        size_t i;
        int r;

        if ((r = husk_records_load(s, &l.v, &l.n, err)) < 0 || (r = lookup(l.v, l.n, what, &i, &matched, err)) < 0 ||
            (r = remove_in_list(&l, i, what, matched, force, in_use, removed, err)) < 0 ||
            (r = husk_records_save(s, l.v, l.n, err)) < 0)
                return r;
        /* The records are saved: freeing content is best effort now, the next GC finishes it. */
        if ((*removed)[0]) {
                struct husk_gc_result res;
                bool skipped;
                struct husk_error ignored = { 0 };
                (void) husk_store_sweep(s, l.v, l.n, &res, &skipped, &ignored);
        }
        return 0;
}

int husk_store_image_remove(struct husk_store *s, const char *what, bool force, const char *const *in_use,
                            char ***ret_removed, struct husk_error *err)
{
        _cleanup_strv_ char **removed = calloc(1, sizeof(char *));
        int r;

        if (!removed)
                return husk_error_errno(err, ENOMEM, "remove %s", what);
        if ((r = husk_store_check_writable(s, "remove image", err)) < 0 || (r = husk_store_lock(s, err)) < 0)
                return r;
        r = remove_locked(s, what, force, in_use, &removed, err);
        husk_store_unlock(s);
        if (r == 0 && ret_removed)
                *ret_removed = steal_ptr(removed);
        return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * images.json: the image records. Read whole and rewritten whole (durably, renamed into place) under
 * the lock; readers without the lock see the old or the new file, never a mix.
 */
#include "image/store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "oci/config_json.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define RECORDS "images.json"
/* Far beyond any real store; protects against a corrupted file only. */
#define RECORDS_MAX (256u << 20)

void husk_image_free(struct husk_image *img)
{
        if (!img)
                return;
        husk_strv_free(img->names);
        husk_strv_free(img->layers);
        husk_strv_free(img->layer_blobs);
        free(img->created);
        *img = (struct husk_image) { 0 };
}

void husk_image_list_free(struct husk_image *imgs, size_t n)
{
        for (size_t i = 0; i < n; i++)
                husk_image_free(&imgs[i]);
        free(imgs);
}

static int strv_digests(struct husk_jctx *c, json_t *v, const char *key, bool digests, char ***ret)
{
        int r = husk_jstrv(c, v, key, NULL, ret, NULL);
        if (r < 0)
                return r;
        if (!*ret && !(*ret = calloc(1, sizeof(char *))))
                return husk_error_errno(c->err, ENOMEM, "%s", c->name);
        for (char **p = *ret; digests && *p; p++)
                if (!husk_digest_is_valid(*p))
                        return husk_jfail_key(c, key, "invalid digest \"%.80s\"", *p);
        return 0;
}

static int digest_field(struct husk_jctx *c, json_t *v, const char *key, char ret[static HUSK_DIGEST_LEN])
{
        _cleanup_free_ char *d = NULL;
        int r = husk_jstring(c, v, key, true, &d);
        if (r < 0)
                return r;
        if (!husk_digest_is_valid(d))
                return husk_jfail_key(c, key, "invalid digest \"%.80s\"", d);
        memcpy(ret, d, HUSK_DIGEST_LEN);
        return 0;
}

static int parse_record(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        struct husk_image *img = elem;
        int64_t size = 0;
        int r;

        (void) i;
        (void) userdata;
        if ((r = digest_field(c, e, "id", img->id)) < 0 || (r = digest_field(c, e, "manifest", img->manifest)) < 0 ||
            (r = strv_digests(c, e, "names", false, &img->names)) < 0 ||
            (r = strv_digests(c, e, "layers", true, &img->layers)) < 0 ||
            (r = strv_digests(c, e, "layer_blobs", true, &img->layer_blobs)) < 0 ||
            (r = husk_jstring(c, e, "created", false, &img->created)) < 0 ||
            (r = husk_jint64(c, e, "added", false, 0, INT64_MAX, &img->added, NULL)) < 0 ||
            (r = husk_jint64(c, e, "size", false, 0, INT64_MAX, &size, NULL)) < 0)
                return r;
        img->size = (uint64_t) size;
        return 0;
}

int husk_records_load(struct husk_store *s, struct husk_image **ret, size_t *ret_n, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL, *name = NULL;
        size_t len = 0;

        *ret = NULL;
        *ret_n = 0;
        if (s->root_fd < 0)
                return 0;
        int r = husk_read_file_at(s->root_fd, RECORDS, &data, &len, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return husk_error_prefix(err, "image store %s: ", s->root);
        if (len > RECORDS_MAX)
                return husk_error_set(err, EFBIG, "%s/%s: too large", s->root, RECORDS);
        if (asprintf(&name, "%s/%s", s->root, RECORDS) < 0)
                return husk_error_errno(err, ENOMEM, "%s", RECORDS);

        struct husk_jctx c = { .name = name, .err = err };
        json_auto_t *doc = NULL;
        struct husk_image *imgs = NULL;
        size_t n = 0;
        if ((r = husk_jload(&c, data, len, &doc)) < 0)
                return r;
        if (!json_is_object(doc))
                return husk_jfail(&c, "must be a JSON object");
        r = husk_jobject_array(&c, doc, "images", sizeof(struct husk_image), &imgs, &n, parse_record, NULL);
        if (r < 0) {
                husk_image_list_free(imgs, n);
                return r;
        }
        *ret = imgs;
        *ret_n = n;
        return 0;
}

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();
        for (; a && v && *v; v++)
                if (json_array_append_new(a, json_string(*v)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

int husk_records_save(struct husk_store *s, const struct husk_image *imgs, size_t n, struct husk_error *err)
{
        json_auto_t *arr = json_array();

        if (!arr)
                return husk_error_errno(err, ENOMEM, "write %s", RECORDS);
        for (size_t i = 0; i < n; i++) {
                const struct husk_image *m = &imgs[i];
                json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:I}", "id", m->id, "manifest", m->manifest,
                                      "names", strv_json(m->names), "layers", strv_json(m->layers), "layer_blobs",
                                      strv_json(m->layer_blobs), "added", (json_int_t) m->added, "size",
                                      (json_int_t) m->size);
                if (!o || (m->created && json_object_set_new(o, "created", json_string(m->created)) < 0) ||
                    json_array_append_new(arr, o) < 0)
                        return husk_error_errno(err, ENOMEM, "write %s", RECORDS);
        }
        json_auto_t *doc = json_pack("{s:O}", "images", arr);
        _cleanup_free_ char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        if (!text)
                return husk_error_errno(err, ENOMEM, "write %s", RECORDS);
        return husk_store_write_file(s, RECORDS, text, strlen(text), err);
}

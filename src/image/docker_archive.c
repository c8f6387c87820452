/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker archives (`docker save`): manifest.json parsed, and the Docker schema 2 manifest such an image
 * lacks synthesised. Pure: no I/O. Archive paths are made canonical here too, since manifest.json names
 * members of the archive and both sides must spell them alike.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "image/transfer_internal.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

int husk_archive_path_clean(const char *path, char **ret)
{
        size_t n = strlen(path);
        _cleanup_free_ char *out = malloc(n + 1);
        size_t o = 0;

        if (!out)
                return -ENOMEM;
        for (const char *p = path; *p;) {
                const char *slash = strchr(p, '/');
                size_t len = slash ? (size_t) (slash - p) : strlen(p);

                if (len == 2 && p[0] == '.' && p[1] == '.')
                        return -EINVAL;
                if (len > 0 && !(len == 1 && p[0] == '.')) {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, p, len);
                        o += len;
                }
                p += len;
                if (*p == '/')
                        p++;
        }
        if (o == 0)
                return -EINVAL;
        out[o] = '\0';
        *ret = steal_ptr(out);
        return 0;
}

void husk_docker_archive_free(struct husk_docker_archive *a)
{
        if (!a)
                return;
        for (size_t i = 0; i < a->n_images; i++) {
                free(a->images[i].config);
                husk_strv_free(a->images[i].repo_tags);
                husk_strv_free(a->images[i].layers);
        }
        free(a->images);
        a->images = NULL;
        a->n_images = 0;
}

/* A member path of manifest.json ("[0].Layers[1]"), canonical. */
static int member_path(json_t *v, const char *what, const char *field, char **ret, struct husk_error *err)
{
        if (!json_is_string(v))
                return husk_error_set(err, EINVAL, "%s: %s: %s", what, field, v ? "not a string" : "missing");
        int r = husk_archive_path_clean(json_string_value(v), ret);
        if (r == -ENOMEM)
                return husk_error_errno(err, ENOMEM, "%s: %s", what, field);
        if (r < 0)
                return husk_error_set(err, EINVAL, "%s: %s: \"%s\" is not a path inside the archive", what, field,
                                      json_string_value(v));
        return 0;
}

static int parse_image(json_t *o, size_t idx, const char *what, struct husk_docker_archive_image *img,
                       struct husk_error *err)
{
        char field[64];
        int r;

        if (!json_is_object(o))
                return husk_error_set(err, EINVAL, "%s: [%zu]: not an object", what, idx);

        snprintf(field, sizeof(field), "[%zu].Config", idx);
        r = member_path(json_object_get(o, "Config"), what, field, &img->config, err);
        if (r < 0)
                return r;

        json_t *tags = json_object_get(o, "RepoTags");
        size_t n_tags = json_is_array(tags) ? json_array_size(tags) : 0;
        if (tags && !json_is_null(tags) && !json_is_array(tags))
                return husk_error_set(err, EINVAL, "%s: [%zu].RepoTags: not an array", what, idx);
        img->repo_tags = calloc(n_tags + 1, sizeof(char *));
        if (!img->repo_tags)
                return husk_error_errno(err, ENOMEM, "%s", what);
        for (size_t i = 0; i < n_tags; i++) {
                json_t *t = json_array_get(tags, i);
                if (!json_is_string(t) || json_string_length(t) == 0)
                        return husk_error_set(err, EINVAL, "%s: [%zu].RepoTags[%zu]: not a name", what, idx, i);
                img->repo_tags[i] = strdup(json_string_value(t));
                if (!img->repo_tags[i])
                        return husk_error_errno(err, ENOMEM, "%s", what);
        }

        json_t *layers = json_object_get(o, "Layers");
        if (!json_is_array(layers))
                return husk_error_set(err, EINVAL, "%s: [%zu].Layers: %s", what, idx,
                                      layers ? "not an array" : "missing");
        img->n_layers = json_array_size(layers);
        img->layers = calloc(img->n_layers + 1, sizeof(char *));
        if (!img->layers)
                return husk_error_errno(err, ENOMEM, "%s", what);
        for (size_t i = 0; i < img->n_layers; i++) {
                snprintf(field, sizeof(field), "[%zu].Layers[%zu]", idx, i);
                r = member_path(json_array_get(layers, i), what, field, &img->layers[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int husk_docker_archive_parse(const char *json, size_t len, const char *what, struct husk_docker_archive *ret,
                              struct husk_error *err)
{
        json_error_t je;
        _cleanup_json_ json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
        struct husk_docker_archive a = { 0 };

        if (!doc)
                return husk_error_set(err, EINVAL, "%s: line %d: %s", what, je.line, je.text);
        if (!json_is_array(doc))
                return husk_error_set(err, EINVAL, "%s: not a JSON array", what);
        if (json_array_size(doc) == 0)
                return husk_error_set(err, EINVAL, "%s: no image in it", what);

        a.images = calloc(json_array_size(doc), sizeof(*a.images));
        if (!a.images)
                return husk_error_errno(err, ENOMEM, "%s", what);
        for (size_t i = 0; i < json_array_size(doc); i++) {
                a.n_images = i + 1;
                int r = parse_image(json_array_get(doc, i), i, what, &a.images[i], err);
                if (r < 0) {
                        husk_docker_archive_free(&a);
                        return r;
                }
        }
        *ret = a;
        return 0;
}

/* {"mediaType","size","digest"}: Go's field order of manifest.Schema2Descriptor. */
static json_t *descriptor(const char *media_type, int64_t size, const char *digest)
{
        json_t *d = json_object();

        if (!d || json_object_set_new(d, "mediaType", json_string(media_type)) < 0 ||
            json_object_set_new(d, "size", json_integer(size)) < 0 ||
            json_object_set_new(d, "digest", json_string(digest)) < 0) {
                json_decref(d);
                return NULL;
        }
        return d;
}

int husk_docker_manifest_synthesise(const char *config_digest, int64_t config_size, size_t n_layers,
                                    const char *const *layer_digests, const int64_t *layer_sizes, char **ret,
                                    size_t *ret_len, struct husk_error *err)
{
        _cleanup_json_ json_t *m = json_object();

        if (!m || json_object_set_new(m, "schemaVersion", json_integer(2)) < 0 ||
            json_object_set_new(m, "mediaType", json_string(HUSK_MT_DOCKER_MANIFEST)) < 0 ||
            json_object_set_new(m, "config", descriptor(HUSK_MT_DOCKER_CONFIG, config_size, config_digest)) < 0 ||
            json_object_set_new(m, "layers", json_array()) < 0)
                return husk_error_errno(err, ENOMEM, "synthesise manifest");
        json_t *layers = json_object_get(m, "layers");
        for (size_t i = 0; i < n_layers; i++)
                if (json_array_append_new(layers, descriptor(HUSK_MT_DOCKER_LAYER_GZIP, layer_sizes[i],
                                                             layer_digests[i])) < 0)
                        return husk_error_errno(err, ENOMEM, "synthesise manifest");

        char *s = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!s)
                return husk_error_errno(err, ENOMEM, "synthesise manifest");
        *ret_len = strlen(s);
        *ret = s;
        return 0;
}

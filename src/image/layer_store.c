/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacked layers: layers/<diffid hex>/{diff/,layer.json} and their short l/ links. This file reads,
 * links and deletes them; layer_ensure.c makes them.
 */
#include "image/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "image/layer_internal.h"
#include "oci/config_json.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* A 26-hex-digit prefix of the diffid: "l/<26>" keeps a lowerdir list of 128 layers under a page,
   as podman's 26-character links do. */
#define LINK_LEN 26

void husk_layer_link_name(const char *diffid, char ret[static 32])
{
        (void) snprintf(ret, 32, "%.*s", LINK_LEN, husk_digest_hex(diffid));
}

char *husk_layer_info_json(const struct husk_layer_info *info, char *const *blobs)
{
        json_auto_t *arr = json_array();
        for (size_t i = 0; arr && blobs && blobs[i]; i++)
                if (json_array_append_new(arr, json_string(blobs[i])) < 0)
                        return NULL;
        json_auto_t *doc = arr ? json_pack("{s:s, s:I, s:O, s:s}", "diffid", info->diffid, "size",
                                           (json_int_t) info->size, "blobs", arr, "link", info->link)
                               : NULL;
        return doc ? json_dumps(doc, JSON_COMPACT) : NULL;
}

int husk_layer_write_info(struct husk_store *s, const char *dir, const struct husk_layer_info *info,
                          char *const *blobs, struct husk_error *err)
{
        _cleanup_free_ char *text = husk_layer_info_json(info, blobs);
        _cleanup_free_ char *path = NULL;
        if (!text || asprintf(&path, "%s/layer.json", dir) < 0)
                return husk_error_errno(err, ENOMEM, "layer %s", info->diffid);
        return husk_store_write_file(s, path, text, strlen(text), err);
}

int husk_layer_read_info(struct husk_store *s, const char *hex, struct husk_layer_info *ret, char ***ret_blobs,
                         struct husk_error *err)
{
        _cleanup_free_ char *path = NULL, *data = NULL, *diffid = NULL, *link = NULL;
        _cleanup_strv_ char **blobs = NULL;
        size_t len = 0;
        int64_t size = 0;
        int r;

        if (s->root_fd < 0)
                return husk_error_set(err, ENOENT, "layer sha256:%.64s is not in the image store", hex);
        if (asprintf(&path, "layers/%s/layer.json", hex) < 0)
                return husk_error_errno(err, ENOMEM, "layer %s", hex);
        if ((r = husk_read_file_at(s->root_fd, path, &data, &len, err)) < 0)
                return r == -ENOENT ? husk_error_set(err, ENOENT, "layer sha256:%s is not in the image store", hex)
                                    : r;
        struct husk_jctx c = { .name = path, .err = err };
        json_auto_t *doc = NULL;
        if ((r = husk_jload(&c, data, len, &doc)) < 0)
                return r;
        if ((r = husk_jstring(&c, doc, "diffid", true, &diffid)) < 0 ||
            (r = husk_jint64(&c, doc, "size", true, 0, INT64_MAX, &size, NULL)) < 0 ||
            (r = husk_jstring(&c, doc, "link", true, &link)) < 0 ||
            (r = husk_jstrv(&c, doc, "blobs", NULL, &blobs, NULL)) < 0)
                return r;
        if (!husk_digest_is_valid(diffid) || strcmp(husk_digest_hex(diffid), hex) != 0)
                return husk_jfail_key(&c, "diffid", "\"%.80s\" does not name this layer", diffid);
        if (strlen(link) >= sizeof(ret->link) || strchr(link, '/') || link[0] == '.' || !link[0])
                return husk_jfail_key(&c, "link", "invalid link name");
        memset(ret, 0, sizeof(*ret));
        memcpy(ret->diffid, diffid, HUSK_DIGEST_LEN);
        memcpy(ret->link, link, strlen(link) + 1);
        ret->size = (uint64_t) size;
        if (ret_blobs) {
                if (!blobs && !(blobs = calloc(1, sizeof(char *))))
                        return husk_error_errno(err, ENOMEM, "layer %s", hex);
                *ret_blobs = steal_ptr(blobs);
        }
        return 0;
}

int husk_store_layer_get(struct husk_store *s, const char *diffid, struct husk_layer_info *ret,
                         struct husk_error *err)
{
        int r = husk_digest_validate(diffid, "layer", err);
        if (r < 0)
                return r;
        return husk_layer_read_info(s, husk_digest_hex(diffid), ret, NULL, err);
}

int husk_store_layer_open(struct husk_store *s, const char *diffid, struct husk_error *err)
{
        char path[128];
        int r = husk_digest_validate(diffid, "layer", err);
        if (r < 0)
                return r;
        if (s->root_fd < 0)
                return husk_error_set(err, ENOENT, "layer %s is not in the image store", diffid);
        (void) snprintf(path, sizeof(path), "layers/%s/diff", husk_digest_hex(diffid));
        int fd = openat(s->root_fd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? husk_error_set(err, ENOENT, "layer %s is not in the image store", diffid)
                                       : husk_error_errno(err, errno, "open layer %s", diffid);
        return fd;
}

int husk_store_layer_by_blob(struct husk_store *s, const char *blob_digest, struct husk_layer_info *ret,
                             struct husk_error *err)
{
        int r = husk_digest_validate(blob_digest, "layer blob", err);
        if (r < 0)
                return r;
        if (s->root_fd < 0)
                return husk_error_set(err, ENOENT, "no layer unpacked from blob %s", blob_digest);
        int fd = openat(s->root_fd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s/layers", s->root);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(err, errno, "open %s/layers", s->root);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                _cleanup_strv_ char **blobs = NULL;
                struct husk_layer_info info;
                struct husk_error ignored = { 0 };
                if (de->d_name[0] == '.' || husk_layer_read_info(s, de->d_name, &info, &blobs, &ignored) < 0)
                        continue;
                for (char **p = blobs; *p; p++)
                        if (strcmp(*p, blob_digest) == 0) {
                                *ret = info;
                                return 0;
                        }
        }
        return husk_error_set(err, ENOENT, "no layer unpacked from blob %s", blob_digest);
}

int husk_layer_link(struct husk_store *s, const struct husk_layer_info *info, struct husk_error *err)
{
        char path[64], target[128], have[128];

        (void) snprintf(path, sizeof(path), "l/%s", info->link);
        (void) snprintf(target, sizeof(target), "../layers/%s/diff", husk_digest_hex(info->diffid));
        if (symlinkat(target, s->root_fd, path) == 0)
                return 0;
        if (errno != EEXIST)
                return husk_error_errno(err, errno, "link %s/%s", s->root, path);
        /* Made by another process for the same layer: fine. For another one: a prefix collision, which
           we refuse rather than let one layer be mounted for the other. */
        ssize_t n = readlinkat(s->root_fd, path, have, sizeof(have) - 1);
        if (n < 0)
                return husk_error_errno(err, errno, "read link %s/%s", s->root, path);
        have[n] = '\0';
        if (strcmp(have, target) != 0)
                return husk_error_set(err, EEXIST, "link %s/%s points to %s, not to layer %s", s->root, path, have,
                                      info->diffid);
        return 0;
}

int husk_layer_delete(struct husk_store *s, const char *hex, uint64_t *ret_bytes, struct husk_error *err)
{
        struct husk_layer_info info;
        char path[128], tmp[128], link[64], target[128], have[128];
        bool has_info;
        int r;

        *ret_bytes = 0;
        /* A layer without a readable layer.json is a broken leftover: deleted all the same. */
        struct husk_error ignored = { 0 };
        has_info = husk_layer_read_info(s, hex, &info, NULL, &ignored) == 0;
        if (has_info)
                *ret_bytes = info.size;
        (void) snprintf(path, sizeof(path), "layers/%.64s", hex);
        if ((r = husk_store_tmp_name(s, "gc", tmp, sizeof(tmp))) < 0)
                return husk_error_errno(err, -r, "remove layer %s", hex);
        /* Out of layers/ in one step, first: a crash after it leaves a tmp/ leftover (removed by the
           next open) and a dangling l/ link (removed by the next sweep), never a half layer. The slow
           rm -rf happens in tmp/ once the lock is released. */
        if (renameat(s->root_fd, path, s->root_fd, tmp) < 0)
                return errno == ENOENT ? 0 : husk_error_errno(err, errno, "remove %s/%s", s->root, path);
        husk_store_trash(s, tmp);
        if ((r = husk_store_sync_dir(s, "layers", err)) < 0 || !has_info)
                return r;
        (void) snprintf(link, sizeof(link), "l/%s", info.link);
        (void) snprintf(target, sizeof(target), "../layers/%.64s/diff", hex);
        ssize_t n = readlinkat(s->root_fd, link, have, sizeof(have) - 1);
        /* only our own link: a colliding one belongs to the layer that made it */
        if (n > 0 && (have[n] = '\0', strcmp(have, target) == 0) && unlinkat(s->root_fd, link, 0) < 0 &&
            errno != ENOENT)
                return husk_error_errno(err, errno, "remove %s/%s", s->root, link);
        return 0;
}

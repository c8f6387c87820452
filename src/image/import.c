/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk import FILE [NAME]`: a root filesystem tarball becomes a one-layer image. The layer blob is the
 * tarball exactly as given (plain, gzip or zstd: what the unpacker reads), its diff_id comes from
 * unpacking it, and the config (this host's platform, created now, one history entry) and an OCI
 * manifest are generated around it, as `docker import` does.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/manifest.h"
#include "image/reference.h"
#include "image/transfer_internal.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)
#define CHUNK (1u << 20)

/* The layer's media type from its first bytes; other compressions are refused, as the unpacker would. */
static int layer_media_type(const unsigned char *b, size_t n, const char *what, const char **ret,
                            struct husk_error *err)
{
        if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
                *ret = HUSK_MT_OCI_LAYER_GZIP;
        else if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
                *ret = HUSK_MT_OCI_LAYER_ZSTD;
        else if ((n >= 6 && memcmp(b, "\xfd" "7zXZ", 5) == 0) || (n >= 3 && memcmp(b, "BZh", 3) == 0))
                return husk_error_set(err, ENOTSUP, "%s: xz or bzip2 compressed: only plain, gzip and zstd tarballs "
                                      "can be imported", what);
        else
                *ret = HUSK_MT_OCI_LAYER;
        return 0;
}

/* The file (or stdin) into a blob: its digest, size and layer media type. */
static int ingest(struct husk_store *s, const char *path, const char *what, const struct husk_progress *prog,
                  char ret_digest[static HUSK_DIGEST_LEN], int64_t *ret_size, const char **ret_type,
                  struct husk_error *err)
{
        _cleanup_close_ int own = -1;
        int fd = STDIN_FILENO;
        struct stat st;
        _cleanup_free_ unsigned char *buf = malloc(CHUNK);
        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = NULL;
        uint64_t done = 0;
        int r;

        if (!buf)
                return husk_error_errno(err, ENOMEM, "%s", what);
        if (strcmp(path, "-") != 0) {
                fd = own = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return husk_error_errno(err, errno, "%s", path);
        }
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "%s", what);
        if (S_ISDIR(st.st_mode))
                return husk_error_set(err, EISDIR, "%s: a directory, not a tarball", what);
        r = husk_blob_writer_new(s, NULL, S_ISREG(st.st_mode) ? st.st_size : -1, what, &w, err);
        if (r < 0)
                return r;
        *ret_type = NULL;
        for (;;) {
                ssize_t n = read(fd, buf, CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "read %s", what);
                if (n == 0)
                        break;
                /* The first read of a pipe may be short; 6 bytes are enough for every magic checked. */
                if (!*ret_type && (done > 0 || n >= 6)) {
                        r = layer_media_type(buf, (size_t) n, what, ret_type, err);
                        if (r < 0)
                                return r;
                }
                r = husk_blob_writer_write(w, buf, (size_t) n, err);
                if (r < 0)
                        return r;
                done += (uint64_t) n;
                if (prog && prog->update)
                        prog->update(prog->ctx, what, done, S_ISREG(st.st_mode) ? (uint64_t) st.st_size : 0);
        }
        if (done == 0)
                return husk_error_set(err, EINVAL, "%s: empty, not a tarball", what);
        if (!*ret_type)
                *ret_type = HUSK_MT_OCI_LAYER;
        r = husk_blob_writer_commit(w, ret_digest, err);
        if (r < 0)
                return r;
        *ret_size = (int64_t) done;
        return 0;
}

/* RFC 3339 in UTC with nanoseconds, as Go's time.Time marshals. */
static void now_rfc3339(char buf[static 40])
{
        struct timespec ts;
        struct tm tm;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        (void) gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

static int put_json(struct husk_store *s, json_t *doc, const char *what, char ret_digest[static HUSK_DIGEST_LEN],
                    int64_t *ret_size, struct husk_error *err)
{
        _cleanup_free_ char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

        if (!text)
                return husk_error_errno(err, ENOMEM, "%s", what);
        if (ret_size)
                *ret_size = (int64_t) strlen(text);
        return husk_blob_put(s, text, strlen(text), NULL, what, ret_digest, err);
}

/* Field order as docker import writes it. */
static int config_json(const char *diffid, const char *source, const struct husk_load_opts *opts, json_t **ret,
                       struct husk_error *err)
{
        const char *os, *arch, *variant;
        char created[40];
        _cleanup_free_ char *comment = NULL;

        husk_platform_host(&os, &arch, &variant);
        if (opts->platform.os) {
                os = opts->platform.os;
                arch = opts->platform.architecture ? opts->platform.architecture : arch;
                variant = opts->platform.variant;
        }
        now_rfc3339(created);
        if (!opts->message && asprintf(&comment, "imported from %s", source) < 0)
                return husk_error_errno(err, ENOMEM, "import %s", source);
        _cleanup_json_ json_t *c = json_pack("{s:s, s:s, s:s*, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s, s:s}]}",
                                             "architecture", arch, "os", os, "variant", variant, "created", created,
                                             "config", "rootfs", "type", "layers", "diff_ids", diffid, "history",
                                             "created", created, "created_by", "husk import", "comment",
                                             opts->message ? opts->message : comment);
        if (!c)
                return husk_error_errno(err, ENOMEM, "import %s", source);
        int r = husk_import_apply_changes(json_object_get(c, "config"), opts->changes, err);
        if (r < 0)
                return r;
        *ret = steal_ptr(c);
        return 0;
}

int husk_image_import(struct husk_store *s, const char *path, const struct husk_load_opts *opts,
                      char ret_id[static HUSK_DIGEST_LEN], struct husk_error *err)
{
        static const struct husk_load_opts no_opts;
        const char *what = strcmp(path, "-") == 0 ? "stdin" : path;
        char blob[HUSK_DIGEST_LEN], config[HUSK_DIGEST_LEN], manifest[HUSK_DIGEST_LEN];
        int64_t blob_size = 0, config_size = 0;
        const char *layer_type = NULL;
        _cleanup_free_ char *name = NULL;
        struct husk_layer_info layer;
        int r;

        if (!opts)
                opts = &no_opts;
        /* The name checked before any work, so a typo costs nothing. */
        if (opts->name) {
                _cleanup_(husk_reference_freep) struct husk_reference ref = { 0 };
                r = husk_reference_parse(opts->name, &ref, err);
                if (r < 0)
                        return r;
                if (ref.digest)
                        return husk_error_set(err, EINVAL, "%s: a digest reference cannot name an image", opts->name);
                name = husk_reference_string(&ref);
                if (!name)
                        return husk_error_errno(err, ENOMEM, "%s", opts->name);
        }

        /* The changes too: a typo must not cost an unpack. */
        _cleanup_json_ json_t *probe = json_object();
        if (!probe)
                return husk_error_errno(err, ENOMEM, "import %s", what);
        r = husk_import_apply_changes(probe, opts->changes, err);
        if (r < 0)
                return r;

        r = ingest(s, path, what, opts->progress, blob, &blob_size, &layer_type, err);
        if (r < 0)
                return r;
        r = husk_store_layer_ensure(s, blob, NULL, what, &layer, err);
        if (r < 0)
                return r;

        _cleanup_json_ json_t *cfg = NULL;
        r = config_json(layer.diffid, what, opts, &cfg, err);
        if (r < 0)
                return r;
        r = put_json(s, cfg, "the generated config", config, &config_size, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
                                             "mediaType", HUSK_MT_OCI_MANIFEST, "config", "mediaType",
                                             HUSK_MT_OCI_CONFIG, "digest", config, "size", (json_int_t) config_size,
                                             "layers", "mediaType", layer_type, "digest", blob, "size",
                                             (json_int_t) blob_size);
        r = put_json(s, m, "the generated manifest", manifest, NULL, err);
        if (r < 0)
                return r;

        const char *diff_ids[] = { layer.diffid, NULL };
        struct husk_image rec = { 0 };
        r = husk_store_image_add(s, manifest, diff_ids, name, &rec, err);
        if (r < 0)
                return husk_error_prefix(err, "import %s: ", what);
        husk_image_free(&rec);
        memcpy(ret_id, config, HUSK_DIGEST_LEN);
        return 0;
}

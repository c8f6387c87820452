/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk import FILE [NAME]`: a root filesystem tarball becomes a one-layer image. The layer blob is the
 * tarball exactly as given when plain, gzip or zstd (what the unpacker reads; xz and bzip2 are
 * decompressed on the way in), its diff_id comes from unpacking it, and the config (this host's
 * platform, created now, one history entry) and an OCI manifest are generated around it, as
 * `docker import` does.
 */
#include <archive.h>
#include <archive_entry.h>
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

/* How the tarball is compressed, from its first bytes (at least MAGIC_LEN of them, or all there are). */
#define MAGIC_LEN 6
enum compression { PLAIN, GZIP, ZSTD, XZ_OR_BZIP2 };

static enum compression compression_of(const unsigned char *b, size_t n)
{
        if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
                return GZIP;
        if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
                return ZSTD;
        if ((n >= 6 && memcmp(b, "\xfd" "7zXZ", 5) == 0) || (n >= 3 && memcmp(b, "BZh", 3) == 0))
                return XZ_OR_BZIP2;
        return PLAIN;
}

struct input {
        int fd;
        const char *what;
        unsigned char *buf;             /* CHUNK bytes */
        size_t first_len;               /* buf[0..first_len): read for the magic, not yet consumed */
        uint64_t total;                 /* the file's size, 0 for a pipe */
        uint64_t done;
        const struct husk_progress *prog;
};

/* The next bytes of the input: what was read for the magic first, then the fd. 0 at EOF. */
static ssize_t input_read(struct input *in)
{
        ssize_t n;

        if (in->first_len) {
                n = (ssize_t) in->first_len;
                in->first_len = 0;
        } else {
                do
                        n = read(in->fd, in->buf, CHUNK);
                while (n < 0 && errno == EINTR);
                if (n < 0)
                        return -errno;
        }
        in->done += (uint64_t) n;
        if (n > 0 && in->prog && in->prog->update)
                in->prog->update(in->prog->ctx, in->what, in->done, in->total);
        return n;
}

static la_ssize_t archive_input(struct archive *a, void *ctx, const void **out)
{
        struct input *in = ctx;
        ssize_t n = input_read(in);

        if (n < 0) {
                archive_set_error(a, (int) -n, "read");
                return -1;
        }
        *out = in->buf;
        return n;
}

/*
 * xz and bzip2, which docker import takes but the unpacker does not read: decompressed on the way in,
 * so that the blob (an uncompressed tar) is one the store can unpack and save can hand on.
 */
static int copy_decompressed(struct input *in, struct husk_blob_writer *w, uint64_t *ret_size, struct husk_error *err)
{
        _cleanup_(husk_archive_read_freep) struct archive *a = archive_read_new();
        _cleanup_free_ unsigned char *out = malloc(CHUNK);
        struct archive_entry *e;

        if (!a || !out)
                return husk_error_errno(err, ENOMEM, "%s", in->what);
        (void) archive_read_support_filter_xz(a);
        (void) archive_read_support_filter_bzip2(a);
        (void) archive_read_support_format_raw(a);
        if (archive_read_open(a, in, NULL, archive_input, NULL) != ARCHIVE_OK ||
            archive_read_next_header(a, &e) != ARCHIVE_OK)
                return husk_error_set(err, EINVAL, "%s: %s", in->what, archive_error_string(a));
        *ret_size = 0;
        for (;;) {
                la_ssize_t n = archive_read_data(a, out, CHUNK);
                if (n < 0)
                        return husk_error_set(err, EINVAL, "%s: %s", in->what, archive_error_string(a));
                if (n == 0)
                        return 0;
                int r = husk_blob_writer_write(w, out, (size_t) n, err);
                if (r < 0)
                        return r;
                *ret_size += (uint64_t) n;
        }
}

static int copy_as_is(struct input *in, struct husk_blob_writer *w, uint64_t *ret_size, struct husk_error *err)
{
        *ret_size = 0;
        for (;;) {
                ssize_t n = input_read(in);
                if (n < 0)
                        return husk_error_errno(err, (int) -n, "read %s", in->what);
                if (n == 0)
                        return 0;
                int r = husk_blob_writer_write(w, in->buf, (size_t) n, err);
                if (r < 0)
                        return r;
                *ret_size += (uint64_t) n;
        }
}

/* The file (or stdin) into a blob: its digest, size and layer media type. */
static int ingest(struct husk_store *s, const char *path, const char *what, const struct husk_progress *prog,
                  char ret_digest[static HUSK_DIGEST_LEN], int64_t *ret_size, const char **ret_type,
                  struct husk_error *err)
{
        _cleanup_close_ int own = -1;
        struct stat st;
        _cleanup_free_ unsigned char *buf = malloc(CHUNK);
        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = NULL;
        struct input in = { .fd = STDIN_FILENO, .what = what, .buf = buf, .prog = prog };
        uint64_t size = 0;
        int r;

        if (!buf)
                return husk_error_errno(err, ENOMEM, "%s", what);
        if (strcmp(path, "-") != 0) {
                in.fd = own = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (in.fd < 0)
                        return husk_error_errno(err, errno, "%s", path);
        }
        if (fstat(in.fd, &st) < 0)
                return husk_error_errno(err, errno, "%s", what);
        if (S_ISDIR(st.st_mode))
                return husk_error_set(err, EISDIR, "%s: a directory, not a tarball", what);
        in.total = S_ISREG(st.st_mode) ? (uint64_t) st.st_size : 0;
        /* The magic from the first bytes: a pipe may hand them out a few at a time. */
        while (in.first_len < MAGIC_LEN) {
                ssize_t n = read(in.fd, buf + in.first_len, CHUNK - in.first_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "read %s", what);
                if (n == 0)
                        break;
                in.first_len += (size_t) n;
        }
        if (in.first_len == 0)
                return husk_error_set(err, EINVAL, "%s: empty, not a tarball", what);
        enum compression c = compression_of(buf, in.first_len);
        /* The size to expect: the file's, unless a pipe or decompressed here. */
        r = husk_blob_writer_new(s, NULL, c == XZ_OR_BZIP2 || !in.total ? -1 : (int64_t) in.total, what, &w, err);
        if (r < 0)
                return r;
        r = c == XZ_OR_BZIP2 ? copy_decompressed(&in, w, &size, err) : copy_as_is(&in, w, &size, err);
        if (r < 0)
                return r;
        r = husk_blob_writer_commit(w, ret_digest, err);
        if (r < 0)
                return r;
        *ret_type = c == GZIP ? HUSK_MT_OCI_LAYER_GZIP : c == ZSTD ? HUSK_MT_OCI_LAYER_ZSTD : HUSK_MT_OCI_LAYER;
        *ret_size = (int64_t) size;
        return 0;
}

/* RFC 3339 in UTC with nanoseconds, as Go's time.Time marshals. */
void husk_import_now_rfc3339(char buf[static 40])
{
        struct timespec ts;
        struct tm tm;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        (void) gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

int husk_import_put_json(struct husk_store *s, json_t *doc, const char *what, char ret_digest[static HUSK_DIGEST_LEN],
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
        husk_import_now_rfc3339(created);
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

int husk_import_check(const char *name, const char *const *changes, char **ret_name, struct husk_error *err)
{
        *ret_name = NULL;
        /* The name checked before any work, so a typo costs nothing. */
        if (name) {
                int r = husk_reference_normalise(name, ret_name, err);
                if (r < 0)
                        return r;
        }
        /* The changes too: a typo must not cost an unpack. */
        _cleanup_json_ json_t *probe = json_object();
        if (!probe)
                return husk_error_errno(err, ENOMEM, "the changes");
        return husk_import_apply_changes(probe, changes, err);
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
        r = husk_import_check(opts->name, opts->changes, &name, err);
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
        r = husk_import_put_json(s, cfg, "the generated config", config, &config_size, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
                                             "mediaType", HUSK_MT_OCI_MANIFEST, "config", "mediaType",
                                             HUSK_MT_OCI_CONFIG, "digest", config, "size", (json_int_t) config_size,
                                             "layers", "mediaType", layer_type, "digest", blob, "size",
                                             (json_int_t) blob_size);
        r = husk_import_put_json(s, m, "the generated manifest", manifest, NULL, err);
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

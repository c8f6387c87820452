/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a load reads from: a tar (optionally compressed; a file or stdin) or a directory holding an OCI
 * layout. A tar is read front to back with libarchive: its members come in any order (docker save
 * writes manifest.json last), so every member that may be a blob is streamed into the store's blob
 * writer as it passes (verified against its name when that is "blobs/sha256/<hex>", digested
 * otherwise) and only the few small metadata documents are kept in memory.
 * Except, in an uncompressed tar file (what docker save and skopeo write), the large members named by
 * their digest: those are skipped (a seek) and only the ones the chosen images reference and the store
 * lacks are read, in a second pass (husk_load_source_fetch). So the other platforms' layers of a
 * multi-platform archive, or layers the store has already, cost nothing; a compressed tar or a pipe
 * cannot be read twice cheaply and is ingested whole, what the images do not reference left to GC.
 * A directory is read on demand: only the blobs asked for, each opened beneath the layout's root (no
 * symlink out of it).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/load_source.h"
#include "util/cleanup.h"
#include "util/path.h"

#define COPY_CHUNK (1u << 20)
#define ALIAS_DEPTH_MAX 16
/* Members up to this size are ingested in the first pass whatever they are: manifests, configs and
   indexes are needed at once and small. */
#define DEFER_MIN (1u << 20)

/* The metadata documents kept in memory, by canonical member name. */
static const char *const doc_names[] = { "oci-layout", "index.json", "manifest.json", "repositories" };

struct member {
        char *path;                     /* canonical */
        char *link;                     /* alias of another member (a tar symlink or hard link), or NULL */
        char digest[HUSK_DIGEST_LEN];   /* "" until ingested; the name's for a deferred member */
        int64_t size;
        bool deferred;                  /* skipped in the first pass: not in the store (yet) */
        bool wanted;                    /* deferred, and an image needs it: the second pass reads it */
};

struct doc {
        char *data;
        size_t len;
        bool present;
};

struct husk_load_source {
        struct husk_store *store;
        char *what;                     /* the file as named in errors */
        char *path;                     /* the tar file, to read again; NULL for stdin and directories */
        bool may_defer;                 /* an uncompressed tar file: large blobs skipped at first */
        const struct husk_progress *progress;
        int dirfd;                      /* a layout directory, or -1 for a tar */
        struct doc docs[HUSK_ARRAY_SIZE(doc_names)];
        struct member *members;
        size_t n_members, cap_members;
};

void husk_load_source_free(struct husk_load_source *src)
{
        if (!src)
                return;
        free(src->what);
        free(src->path);
        if (src->dirfd >= 0)
                (void) close(src->dirfd);
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(src->docs); i++)
                free(src->docs[i].data);
        for (size_t i = 0; i < src->n_members; i++) {
                free(src->members[i].path);
                free(src->members[i].link);
        }
        free(src->members);
        free(src);
}

const char *husk_load_source_what(const struct husk_load_source *src)
{
        return src->what;
}

bool husk_load_source_is_dir(const struct husk_load_source *src)
{
        return src->dirfd >= 0;
}

static int doc_index(const char *path)
{
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(doc_names); i++)
                if (strcmp(path, doc_names[i]) == 0)
                        return (int) i;
        return -1;
}

static struct member *member_find(struct husk_load_source *src, const char *path)
{
        for (size_t i = 0; i < src->n_members; i++)
                if (strcmp(src->members[i].path, path) == 0)
                        return &src->members[i];
        return NULL;
}

/* A new member (path taken over); a later member of the same name replaces it, as tar extraction does. */
static struct member *member_add(struct husk_load_source *src, char *path)
{
        struct member *m = member_find(src, path);

        if (m) {
                free(path);
                free(m->link);
                m->link = NULL;
                m->digest[0] = '\0';
                m->size = 0;
                m->deferred = m->wanted = false;
                return m;
        }
        if (src->n_members == src->cap_members) {
                size_t ncap = src->cap_members ? src->cap_members * 2 : 32;
                struct member *n = realloc(src->members, ncap * sizeof(*n));
                if (!n) {
                        free(path);
                        return NULL;
                }
                src->members = n;
                src->cap_members = ncap;
        }
        m = &src->members[src->n_members++];
        *m = (struct member){ .path = path };
        return m;
}

/* "blobs/sha256/<64 hex>": the digest the member's name promises, else "". */
static void digest_from_name(const char *path, char ret[static HUSK_DIGEST_LEN])
{
        char d[HUSK_DIGEST_LEN + 8];

        ret[0] = '\0';
        if (strncmp(path, "blobs/sha256/", 13) != 0 || strlen(path + 13) != 64)
                return;
        snprintf(d, sizeof(d), "sha256:%s", path + 13);
        if (husk_digest_is_valid(d))
                memcpy(ret, d, HUSK_DIGEST_LEN);
}

/* Reported as "blob <12 hex>" (docker's short ids) or the member's name. */
static void progress(const struct husk_load_source *src, const char *what, uint64_t done, uint64_t total)
{
        char item[40];

        if (!src->progress || !src->progress->update)
                return;
        if (strncmp(what, "blobs/sha256/", 13) == 0) {
                snprintf(item, sizeof(item), "blob %.12s", what + 13);
                what = item;
        }
        src->progress->update(src->progress->ctx, what, done, total);
}

/* ---- tar ---- */

static int tar_error(struct husk_load_source *src, struct archive *a, const char *member, struct husk_error *err)
{
        int e = archive_errno(a);
        const char *s = archive_error_string(a);

        /* libarchive's own codes (ARCHIVE_ERRNO_MISC -1, _FILE_FORMAT EILSEQ) say "bad data". */
        if (e <= 0 || e == EILSEQ)
                e = EINVAL;
        if (member)
                return husk_error_set(err, e, "%s: %s: %s", src->what, member, s ? s : "read error");
        return husk_error_set(err, e, "%s: %s", src->what, s ? s : "read error");
}

static int tar_read_doc(struct husk_load_source *src, struct archive *a, struct archive_entry *e, struct doc *d,
                        const char *path, struct husk_error *err)
{
        int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;

        if (size < 0 || (uint64_t) size > HUSK_TRANSFER_DOC_MAX)
                return husk_error_set(err, EFBIG, "%s: %s: larger than %u bytes", src->what, path,
                                      HUSK_TRANSFER_DOC_MAX);
        _cleanup_free_ char *buf = malloc((size_t) size + 1);
        if (!buf)
                return husk_error_errno(err, ENOMEM, "%s: %s", src->what, path);
        size_t got = 0;
        while (got < (size_t) size) {
                la_ssize_t n = archive_read_data(a, buf + got, (size_t) size - got);
                if (n < 0)
                        return tar_error(src, a, path, err);
                if (n == 0)
                        return husk_error_set(err, EINVAL, "%s: %s: truncated", src->what, path);
                got += (size_t) n;
        }
        buf[got] = '\0';
        free(d->data);
        d->data = steal_ptr(buf);
        d->len = got;
        d->present = true;
        return 0;
}

static int tar_ingest(struct husk_load_source *src, struct archive *a, struct archive_entry *e, struct member *m,
                      struct husk_error *err)
{
        char expected[HUSK_DIGEST_LEN];
        int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
        _cleanup_free_ char *what = NULL;
        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = NULL;
        uint64_t done = 0, reported = 0;
        int r;

        digest_from_name(m->path, expected);
        if (asprintf(&what, "%s: %s", src->what, m->path) < 0)
                return husk_error_errno(err, ENOMEM, "%s", src->what);
        r = husk_blob_writer_new(src->store, expected[0] ? expected : NULL, size, what, &w, err);
        if (r < 0)
                return r;
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                r = archive_read_data_block(a, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return tar_error(src, a, m->path, err);
                /* A sparse member would need its holes filled: no image tool writes blobs so. */
                if ((uint64_t) off != done)
                        return husk_error_set(err, EINVAL, "%s: sparse member, not a blob", what);
                r = husk_blob_writer_write(w, buf, len, err);
                if (r < 0)
                        return r;
                done += len;
                if (done - reported >= 8 * COPY_CHUNK) {
                        progress(src, m->path, done, size > 0 ? (uint64_t) size : 0);
                        reported = done;
                }
        }
        r = husk_blob_writer_commit(w, m->digest, err);
        if (r < 0)
                return r;
        m->size = (int64_t) done;
        progress(src, m->path, done, done);
        return 0;
}

/*
 * A link's target, canonical: a symlink relative to the member's directory, a hard link from the root.
 * ".." is resolved lexically (containers/image writes "<id>/layer.tar -> ../<hex>.tar"); a target
 * climbing above the archive's root is -EINVAL.
 */
static int link_target(const char *path, const char *target, bool symlink, char **ret)
{
        _cleanup_free_ char *joined = NULL;
        const char *slash = strrchr(path, '/');

        if (symlink && target[0] != '/' && slash) {
                if (asprintf(&joined, "%.*s/%s", (int) (slash - path), path, target) < 0)
                        return -ENOMEM;
        } else {
                joined = strdup(target);
                if (!joined)
                        return -ENOMEM;
        }
        _cleanup_free_ char *out = malloc(strlen(joined) + 1);
        size_t o = 0;
        if (!out)
                return -ENOMEM;
        for (char *save = NULL, *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (strcmp(c, ".") == 0)
                        continue;
                if (strcmp(c, "..") == 0) {
                        if (o == 0)
                                return -EINVAL;
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--;
                        continue;
                }
                if (o > 0)
                        out[o++] = '/';
                memcpy(out + o, c, strlen(c));
                o += strlen(c);
        }
        if (o == 0)
                return -EINVAL;
        out[o] = '\0';
        *ret = steal_ptr(out);
        return 0;
}

/* Legacy per-layer metadata of docker save ("<id>/json", "<id>/VERSION"): never a blob we use. */
static bool is_legacy_metadata(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash && strchr(path, '/') == slash && (strcmp(slash, "/json") == 0 || strcmp(slash, "/VERSION") == 0);
}

static int tar_member(struct husk_load_source *src, struct archive *a, struct archive_entry *e, struct husk_error *err)
{
        const char *name = archive_entry_pathname(e);
        _cleanup_free_ char *path = NULL;
        mode_t type = archive_entry_filetype(e);
        int r;

        if (!name)
                return husk_error_set(err, EINVAL, "%s: a member without a name", src->what);
        r = husk_archive_path_clean(name, &path);
        if (r == -ENOMEM)
                return husk_error_errno(err, ENOMEM, "%s", src->what);
        if (r < 0) {
                if (strcmp(name, ".") == 0 || strcmp(name, "./") == 0 || strcmp(name, "/") == 0)
                        return 0;
                return husk_error_set(err, EINVAL, "%s: member \"%s\": not a path inside the archive", src->what,
                                      name);
        }

        const char *hardlink = archive_entry_hardlink(e);
        if (hardlink || type == AE_IFLNK) {
                _cleanup_free_ char *target = NULL;
                r = link_target(path, hardlink ? hardlink : archive_entry_symlink(e) ? archive_entry_symlink(e) : "",
                                !hardlink, &target);
                if (r == -ENOMEM)
                        return husk_error_errno(err, ENOMEM, "%s", src->what);
                if (r < 0)
                        return 0; /* pointing out of the archive: as if absent */
                struct member *m = member_add(src, steal_ptr(path));
                if (!m)
                        return husk_error_errno(err, ENOMEM, "%s", src->what);
                m->link = steal_ptr(target);
                return 0;
        }
        if (type != AE_IFREG)
                return 0;

        int d = doc_index(path);
        if (d >= 0)
                return tar_read_doc(src, a, e, &src->docs[d], path, err);
        if (is_legacy_metadata(path))
                return 0;
        char named[HUSK_DIGEST_LEN];
        digest_from_name(path, named);
        struct member *m = member_add(src, steal_ptr(path));
        if (!m)
                return husk_error_errno(err, ENOMEM, "%s", src->what);
        int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
        /* The filter is known once the first header is read: "none" is the only one a seek skips. */
        if (src->may_defer && archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE && named[0] && size > DEFER_MIN) {
                memcpy(m->digest, named, HUSK_DIGEST_LEN);
                m->size = size;
                m->deferred = true;
                return 0; /* its data is skipped by the next archive_read_next_header */
        }
        return tar_ingest(src, a, e, m, err);
}

static int tar_open(struct husk_load_source *src, const char *path, struct archive **ret, struct husk_error *err)
{
        _cleanup_(husk_archive_read_freep) struct archive *a = archive_read_new();
        int r;

        if (!a)
                return husk_error_errno(err, ENOMEM, "%s", src->what);
        (void) archive_read_support_format_tar(a);
        (void) archive_read_support_filter_gzip(a);
        (void) archive_read_support_filter_zstd(a);
        (void) archive_read_support_filter_xz(a);
        (void) archive_read_support_filter_bzip2(a);
        if (strcmp(path, "-") == 0)
                r = archive_read_open_fd(a, STDIN_FILENO, COPY_CHUNK);
        else
                r = archive_read_open_filename(a, path, COPY_CHUNK);
        if (r != ARCHIVE_OK)
                return tar_error(src, a, NULL, err);
        *ret = steal_ptr(a);
        return 0;
}

static int tar_read_all(struct husk_load_source *src, const char *path, struct husk_error *err)
{
        _cleanup_(husk_archive_read_freep) struct archive *a = NULL;
        int r = tar_open(src, path, &a, err);

        if (r < 0)
                return r;
        for (size_t n = 0;; n++) {
                struct archive_entry *e;
                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF) {
                        if (n == 0)
                                return husk_error_set(err, EINVAL, "%s: an empty archive", src->what);
                        break;
                }
                if (r < ARCHIVE_WARN)
                        return tar_error(src, a, NULL, err);
                r = tar_member(src, a, e, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The second pass: the wanted deferred members ingested (verified against their names). */
static int tar_fetch(struct husk_load_source *src, struct husk_error *err)
{
        _cleanup_(husk_archive_read_freep) struct archive *a = NULL;
        size_t left = 0;
        int r;

        for (size_t i = 0; i < src->n_members; i++)
                left += src->members[i].wanted;
        if (left == 0)
                return 0;
        r = tar_open(src, src->path, &a, err);
        if (r < 0)
                return r;
        while (left > 0) {
                struct archive_entry *e;
                _cleanup_free_ char *path = NULL;
                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return tar_error(src, a, NULL, err);
                if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
                    husk_archive_path_clean(archive_entry_pathname(e) ? archive_entry_pathname(e) : "", &path) < 0)
                        continue;
                struct member *m = member_find(src, path);
                if (!m || !m->wanted)
                        continue;
                char expected[HUSK_DIGEST_LEN];
                memcpy(expected, m->digest, HUSK_DIGEST_LEN);
                r = tar_ingest(src, a, e, m, err);
                if (r < 0)
                        return r;
                if (strcmp(expected, m->digest) != 0) /* the writer verified it; a belt to its braces */
                        return husk_error_set(err, EINVAL, "%s: %s: digest changed", src->what, m->path);
                m->wanted = m->deferred = false;
                left--;
        }
        if (left > 0)
                return husk_error_set(err, EIO, "%s: changed while being read (%zu members gone)", src->what, left);
        return 0;
}

/* ---- directory ---- */

static int dir_open(struct husk_load_source *src, const char *path, struct stat *st, struct husk_error *err)
{
        /* O_NONBLOCK: a fifo in the layout must not hang us before the regular-file check. */
        _cleanup_close_ int fd = husk_open_in_root(src->dirfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0, NULL);
        if (fd < 0)
                return husk_error_errno(err, -fd, "%s: %s", src->what, path);
        if (fstat(fd, st) < 0)
                return husk_error_errno(err, errno, "%s: %s", src->what, path);
        if (!S_ISREG(st->st_mode))
                return husk_error_set(err, EINVAL, "%s: %s: not a regular file", src->what, path);
        return steal_fd(fd);
}

static int dir_read_docs(struct husk_load_source *src, struct husk_error *err)
{
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(doc_names); i++) {
                struct stat st;
                struct husk_error e2 = { 0 };
                _cleanup_close_ int fd = dir_open(src, doc_names[i], &st, &e2);
                if (fd == -ENOENT)
                        continue;
                if (fd < 0) {
                        *err = e2;
                        return fd;
                }
                if ((uint64_t) st.st_size > HUSK_TRANSFER_DOC_MAX)
                        return husk_error_set(err, EFBIG, "%s: %s: larger than %u bytes", src->what, doc_names[i],
                                              HUSK_TRANSFER_DOC_MAX);
                struct doc *d = &src->docs[i];
                d->data = malloc((size_t) st.st_size + 1);
                if (!d->data)
                        return husk_error_errno(err, ENOMEM, "%s: %s", src->what, doc_names[i]);
                ssize_t n = pread(fd, d->data, (size_t) st.st_size, 0);
                if (n < 0)
                        return husk_error_errno(err, errno, "%s: %s", src->what, doc_names[i]);
                d->len = (size_t) n;
                d->data[d->len] = '\0';
                d->present = true;
        }
        return 0;
}

static int dir_ingest(struct husk_load_source *src, struct member *m, const char *expected, struct husk_error *err)
{
        struct stat st;
        _cleanup_close_ int fd = dir_open(src, m->path, &st, err);
        _cleanup_free_ char *what = NULL;
        _cleanup_free_ char *buf = malloc(COPY_CHUNK);
        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = NULL;
        uint64_t done = 0, reported = 0;
        int r;

        if (fd < 0)
                return fd;
        if (!buf || asprintf(&what, "%s: %s", src->what, m->path) < 0)
                return husk_error_errno(err, ENOMEM, "%s", src->what);
        r = husk_blob_writer_new(src->store, expected, st.st_size, what, &w, err);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read(fd, buf, COPY_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "read %s", what);
                if (n == 0)
                        break;
                r = husk_blob_writer_write(w, buf, (size_t) n, err);
                if (r < 0)
                        return r;
                done += (uint64_t) n;
                if (done - reported >= 8 * COPY_CHUNK) {
                        progress(src, m->path, done, (uint64_t) st.st_size);
                        reported = done;
                }
        }
        r = husk_blob_writer_commit(w, m->digest, err);
        if (r < 0)
                return r;
        m->size = (int64_t) done;
        progress(src, m->path, done, done);
        return 0;
}

/* ---- both ---- */

int husk_load_source_open(struct husk_store *s, const char *path, const struct husk_progress *prog,
                          struct husk_load_source **ret, struct husk_error *err)
{
        _cleanup_(husk_load_source_freep) struct husk_load_source *src = calloc(1, sizeof(*src));
        struct stat st;
        int r;

        if (!src)
                return husk_error_errno(err, ENOMEM, "load %s", path);
        src->dirfd = -1;
        src->store = s;
        src->progress = prog;
        src->what = strdup(strcmp(path, "-") == 0 ? "stdin" : path);
        if (!src->what)
                return husk_error_errno(err, ENOMEM, "load %s", path);

        if (strcmp(path, "-") != 0) {
                if (stat(path, &st) < 0)
                        return husk_error_errno(err, errno, "%s", path);
                if (S_ISDIR(st.st_mode)) {
                        src->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (src->dirfd < 0)
                                return husk_error_errno(err, errno, "%s", path);
                        r = dir_read_docs(src, err);
                        if (r < 0)
                                return r;
                        *ret = steal_ptr(src);
                        return 0;
                }
        }
        if (strcmp(path, "-") != 0 && S_ISREG(st.st_mode)) {
                src->path = strdup(path);
                if (!src->path)
                        return husk_error_errno(err, ENOMEM, "load %s", path);
                src->may_defer = true;
        }
        r = tar_read_all(src, path, err);
        if (r < 0)
                return r;
        *ret = steal_ptr(src);
        return 0;
}

int husk_load_source_fetch(struct husk_load_source *src, struct husk_error *err)
{
        return src->dirfd >= 0 ? 0 : tar_fetch(src, err);
}

int husk_load_source_doc(const struct husk_load_source *src, const char *name, const char **ret, size_t *ret_len)
{
        int d = doc_index(name);

        if (d < 0 || !src->docs[d].present)
                return -ENOENT;
        *ret = src->docs[d].data;
        *ret_len = src->docs[d].len;
        return 0;
}

int husk_load_source_blob(struct husk_load_source *src, const char *path, const char *expected,
                          const char *field, bool need_bytes, char ret_digest[static HUSK_DIGEST_LEN],
                          int64_t *ret_size, struct husk_error *err)
{
        _cleanup_free_ char *clean = NULL;
        struct member *m;
        int r;

        r = husk_archive_path_clean(path, &clean);
        if (r == -ENOMEM)
                return husk_error_errno(err, ENOMEM, "%s", src->what);
        if (r < 0)
                return husk_error_set(err, EINVAL, "%s: %s: \"%s\" is not a path inside the archive", src->what,
                                      field, path);
        m = member_find(src, clean);
        for (int depth = 0; m && m->link; depth++) {
                if (depth == ALIAS_DEPTH_MAX)
                        return husk_error_set(err, ELOOP, "%s: %s: %s: too many levels of links", src->what, field,
                                              clean);
                m = member_find(src, m->link);
        }
        if (!m && src->dirfd >= 0) {
                m = member_add(src, steal_ptr(clean));
                if (!m)
                        return husk_error_errno(err, ENOMEM, "%s", src->what);
                r = dir_ingest(src, m, expected, err);
                if (r < 0) {
                        /* Not cached: the member is forgotten again so a retry reports the same. */
                        free(m->path);
                        src->n_members--;
                        m = NULL;
                        if (r != -ENOENT)
                                return r;
                }
        }
        if (!m || !m->digest[0])
                return husk_error_set(err, ENOENT, "%s: %s: %s: not in the archive", src->what, field, path);
        if (expected && strcmp(expected, m->digest) != 0)
                return husk_error_set(err, EINVAL, "%s: %s: %s has digest %s, not %s", src->what, field, path,
                                      m->digest, expected);
        if (m->deferred && husk_blob_exists(src->store, m->digest)) {
                m->deferred = m->wanted = false;
        } else if (m->deferred) {
                m->wanted = true;
                /* A document (a manifest or config over DEFER_MIN) is read at once: a pass of its own. */
                if (need_bytes && (r = tar_fetch(src, err)) < 0)
                        return r;
        }
        memcpy(ret_digest, m->digest, HUSK_DIGEST_LEN);
        if (ret_size)
                *ret_size = m->size;
        return 0;
}

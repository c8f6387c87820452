/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer tars made by the tests themselves with libarchive's writer (pax format: long names, xattrs,
 * nanosecond times), compressed with zlib or libzstd, plus a scratch directory with a "layer" to unpack
 * into and an "outside" holding a victim file that no archive may touch.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/unpack.h"

struct archive;
struct archive_entry;

struct tar_builder {
        struct archive *a;
        unsigned char *buf;
        size_t cap, used;
        uid_t uid;                      /* owner of what the helpers add (default 0:0) */
        gid_t gid;
        int64_t mtime;
        long mtime_nsec;
};

void tb_init(struct tar_builder *tb);
/* Ends the archive; tb->buf[0..used) is the tar. */
void tb_finish(struct tar_builder *tb);
void tb_release(struct tar_builder *tb);

/* Each adds one entry; names are written as given ("/abs", "../x", "" all allowed). */
struct archive_entry *tb_entry(struct tar_builder *tb, const char *name, mode_t type, mode_t perm);
void tb_write(struct tar_builder *tb, struct archive_entry *e, const void *data, size_t len);
void tb_dir(struct tar_builder *tb, const char *name, mode_t perm);
void tb_file(struct tar_builder *tb, const char *name, const char *content, mode_t perm);
void tb_symlink(struct tar_builder *tb, const char *name, const char *target);
void tb_hardlink(struct tar_builder *tb, const char *name, const char *target);
void tb_fifo(struct tar_builder *tb, const char *name, mode_t perm);
void tb_chardev(struct tar_builder *tb, const char *name, unsigned int major, unsigned int minor);

/* Compressed copies (malloc'd; caller frees). */
unsigned char *gzip_buf(const void *in, size_t len, size_t *ret_len);
unsigned char *zstd_buf(const void *in, size_t len, size_t *ret_len);

/* A source over a buffer, handing out at most `chunk` bytes per read (odd sizes test the seams);
 * fail_at > 0: the read past that offset fails with EIO. */
struct mem_source {
        const unsigned char *p;
        size_t len, pos, chunk, fail_at;
        struct husk_unpack_source src;
};
void mem_source_init(struct mem_source *m, const void *p, size_t len, size_t chunk);

/* base/layer (empty) and base/outside/victim ("victim", 0400). */
struct scratch {
        char base[64];
        char layer[96];
        char outside[96];
        int layer_fd;
};
int scratch_new(struct scratch *s);
void scratch_release(struct scratch *s);
/* outside/ holds exactly the victim, unchanged (content, mode 0400, one link). */
bool scratch_outside_intact(const struct scratch *s);

/* Unpack buf into s->layer_fd. */
int unpack_buf(struct scratch *s, const void *buf, size_t len, const struct husk_unpack_opts *opts,
               struct husk_unpack_result *res, struct husk_error *err);

/* File helpers inside the layer (relative paths, no following of the last component). */
bool layer_file_is(const struct scratch *s, const char *path, const char *content);
bool layer_same_inode(const struct scratch *s, const char *a, const char *b);
bool layer_exists(const struct scratch *s, const char *path);
bool layer_is_whiteout(const struct scratch *s, const char *path);
bool layer_symlink_is(const struct scratch *s, const char *path, const char *target);
/* The xattr's value as a string ("" when absent). */
const char *layer_xattr(const struct scratch *s, const char *path, const char *name, char *buf, size_t size);

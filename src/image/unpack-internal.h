/* SPDX-License-Identifier: Apache-2.0 */
/* What the parts of the layer unpacker share (unpack.c, unpack_entry.c, whiteout.c). Internal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "image/unpack.h"

struct archive;
struct archive_entry;

/* A directory whose mode and times are set after everything inside it is written. */
struct unpack_dir {
        char *path;                     /* cleaned, relative to the layer root; "" is the root */
        mode_t mode;
        struct timespec times[2];
        dev_t dev;                      /* which directory it was, so that a later replacement is */
        ino_t ino;                      /* never given its attributes */
};

struct unpack_ctx {
        int root;                       /* the layer's directory */
        bool rootless;
        const char *opaque_xattr;       /* trusted.overlay.opaque, or user.overlay.opaque rootless */
        struct unpack_dir *dirs;
        size_t n_dirs, cap_dirs;
        uint64_t devices_skipped;
        char *parent_path;              /* the last parent directory looked up, and its O_PATH fd */
        int parent_fd;
};

/* One tar entry, its data read from a. err names the entry. */
int unpack_entry(struct unpack_ctx *u, struct archive *a, struct archive_entry *e, struct husk_error *err);

/* Every directory's mode and times, once the whole layer is written. */
int unpack_finish_dirs(struct unpack_ctx *u, struct husk_error *err);
void unpack_ctx_release(struct unpack_ctx *u);

/* An O_PATH fd of the directory `parent` (cleaned, relative) inside the layer, missing directories
 * created (0755), resolved without leaving the layer. The fd is u's (not to be closed) and valid until
 * the next call. */
int unpack_open_parent(struct unpack_ctx *u, const char *parent, struct husk_error *err);
void unpack_forget_parent(struct unpack_ctx *u);

/* Entries named ".wh.*": the whiteout in overlayfs's form. base is the name's last component; times
 * the entry's (atime, mtime). */
int unpack_whiteout(struct unpack_ctx *u, const char *parent, const char *base, const struct timespec times[2],
                    struct husk_error *err);

/* Mark the directory dir_fd (any fd of it, O_PATH included) opaque for overlayfs. */
int unpack_set_opaque(struct unpack_ctx *u, int dir_fd, struct husk_error *err);

/* ".wh." */
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
/* AUFS's own bookkeeping (".wh..wh.plnk", ".wh..wh.aufs"): not part of the image, skipped as Docker does. */
#define WHITEOUT_META_PREFIX ".wh..wh."

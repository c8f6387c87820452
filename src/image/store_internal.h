/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the store's files (store.c, blob.c, layer_store.c, records.c, gc.c, usage.c). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/store.h"

/* Manifests, configs and indexes are small; anything larger is refused rather than read whole. */
#define HUSK_STORE_META_MAX (4u << 20)

struct husk_store {
        char *root;
        int root_fd;            /* O_DIRECTORY of the root; -1 for a read-only store that does not exist */
        bool read_only;
        bool rootless;
        char owner[64];         /* "<pid>-<starttime>": the prefix of our entries in tmp/ */

        /* The records lock: a recursive mutex for the threads of this process (flock does not
           exclude them: it belongs to the open file description), and flock for other processes. */
        pthread_mutex_t mutex;
        int lock_fd;
        unsigned lock_depth;
        /* tmp/ entries to delete once the lock is released (layers a sweep moved out of layers/):
           a slow rm -rf must not hold up every other process's records */
        char **trash;
        size_t n_trash;

        /* gc.lock, held LOCK_SH from our first write until close: content we wrote is unreferenced
           until its image record is added, and a GC in another process must not sweep it meanwhile. */
        int gc_fd;
        bool gc_shared;
};

/* Fail with -EROFS naming the operation when the store was opened read-only. */
int husk_store_check_writable(struct husk_store *s, const char *op, struct husk_error *err);

/* Delete tmp/<rel> after the outermost husk_store_unlock() (at once when that fails to be arranged). */
void husk_store_trash(struct husk_store *s, const char *rel);

/* Take gc.lock shared (once per store; kept until close). */
int husk_store_pin(struct husk_store *s, struct husk_error *err);

/* "tmp/<owner>-<kind>-<random>" into ret (at least 128 bytes). The owner part lets the next
   husk_store_open() tell a dead process's leftovers from a running one's. */
int husk_store_tmp_name(struct husk_store *s, const char *kind, char *ret, size_t len);

/* Write a file durably (fsynced, renamed from tmp/ into place, its directory fsynced). path is
   relative to the root. */
int husk_store_write_file(struct husk_store *s, const char *path, const char *data, size_t len,
                          struct husk_error *err);

/* fsync a directory relative to the root ("blobs/sha256", "layers"). */
int husk_store_sync_dir(struct husk_store *s, const char *path, struct husk_error *err);

/* Bytes a file or tree uses on disk (st_blocks; hard links counted once), without following
   symlinks or crossing mounts. */
int husk_store_du(int dirfd, const char *path, uint64_t *ret, struct husk_error *err);

/* ---- layers (layer_store.c) ---- */
/* Read layers/<hex>/layer.json; -ENOENT when the layer is absent. ret_blobs (may be NULL) gets the
   compressed digests recorded for it. */
int husk_layer_read_info(struct husk_store *s, const char *hex, struct husk_layer_info *ret, char ***ret_blobs,
                         struct husk_error *err);
/* Remove a layer: its l/ link, then the directory moved into tmp/ and deleted there once the lock is
   released (so a crash leaves only a tmp/ leftover). */
int husk_layer_delete(struct husk_store *s, const char *hex, uint64_t *ret_bytes, struct husk_error *err);

/* ---- records (records.c) ---- */
/* The image records as read from images.json (none when it does not exist). */
int husk_records_load(struct husk_store *s, struct husk_image **ret, size_t *ret_n, struct husk_error *err);
int husk_records_save(struct husk_store *s, const struct husk_image *imgs, size_t n, struct husk_error *err);

/* ---- gc (gc.c) ---- */
/* Remove layers and blobs no record in imgs references. Caller holds the lock. Skipped (returns 0,
   *ret_skipped true) while another store handle is ingesting (holds gc.lock shared). */
int husk_store_sweep(struct husk_store *s, const struct husk_image *imgs, size_t n, struct husk_gc_result *ret,
                     bool *ret_skipped, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image store: what the image layer offers to the engine, the registry client and the CLI.
 *
 * Layout under the root (/var/lib/husk for root, --storage-root or $HUSK_STORAGE_ROOT otherwise):
 *   blobs/sha256/<hex>        every blob (manifests, configs, indexes, compressed layers), verified
 *                             against its digest before it is renamed in; kept so save/push reuse the
 *                             exact bytes
 *   layers/<diffid hex>/diff/ one unpacked layer, shared by every image that has it
 *   layers/<diffid hex>/layer.json  {"diffid","size","blobs":[compressed digests seen],"link"}
 *   l/<short>                 symlink to ../layers/<hex>/diff (short overlayfs lowerdir names)
 *   images.json               the image records, rewritten atomically under the lock
 *   containers/               the engine's (the store only reads what it needs for GC)
 *   tmp/                      in-progress ingests and unpacks; whatever a killed process left there
 *                             is removed by the next husk_store_open()
 *   lock                      flock(2): LOCK_EX for any change to records, layers or GC
 * A blob or layer becomes visible only complete: written in tmp/, fsynced, renamed into place.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/digest.h"
#include "util/error.h"

struct husk_store;

struct husk_store_opts {
        const char *root;       /* NULL: $HUSK_STORAGE_ROOT, else /var/lib/husk (root) or
                                   $XDG_DATA_HOME/husk (others) */
        bool read_only;         /* open for listing only: no recovery, no directories made */
};

/*
 * Open (creating the layout) and clean leftovers of killed operations in tmp/ under the lock. A handle
 * that has written content (a blob, a layer, a record) holds gc.lock shared until it is closed, so that
 * a GC in another process never sweeps what it imported before the image record names it: close
 * handles when done (a long-running process should not keep one open).
 */
int husk_store_open(const struct husk_store_opts *opts, struct husk_store **ret, struct husk_error *err);
void husk_store_close(struct husk_store *s);
static inline void husk_store_closep(struct husk_store **s)
{
        if (*s)
                husk_store_close(*s);
}
/*
 * Release the pin on content early (for a process that goes on running after its imports are
 * recorded, and before it forks anything long-lived: a forked child shares the lock until it execs).
 * The next write pins again.
 */
void husk_store_unpin(struct husk_store *s);
const char *husk_store_root(const struct husk_store *s);
int husk_store_root_fd(const struct husk_store *s);

/* The store lock, held by the caller around a read-modify-write of records (re-entrant per store). */
int husk_store_lock(struct husk_store *s, struct husk_error *err);
void husk_store_unlock(struct husk_store *s);

/*
 * A new directory in tmp/ for work in progress (an archive being read, an overlay probe): its path
 * relative to the root ("tmp/<pid>-<starttime>-<kind>-<random>") goes to ret_path and an
 * O_DIRECTORY|O_CLOEXEC fd is returned. The caller removes it; if the process dies first, the next
 * husk_store_open() does (entries of live processes are left alone; mounts are never crossed).
 */
int husk_store_tmp_mkdir(struct husk_store *s, const char *kind, char ret_path[static 128], struct husk_error *err);

/* ---- blobs ---- */
struct husk_blob_writer;

/*
 * Start writing a blob into tmp/. expected (may be NULL) is the digest it must have; expected_size (-1 if
 * unknown) the size. commit verifies both, fsyncs and renames into blobs/; a mismatch is an error naming
 * `what` and both digests, and the temporary file is removed. An already present blob commits as a no-op.
 */
int husk_blob_writer_new(struct husk_store *s, const char *expected, int64_t expected_size, const char *what,
                         struct husk_blob_writer **ret, struct husk_error *err);
int husk_blob_writer_write(struct husk_blob_writer *w, const void *data, size_t len, struct husk_error *err);
int husk_blob_writer_commit(struct husk_blob_writer *w, char ret_digest[static HUSK_DIGEST_LEN],
                            struct husk_error *err);
/* Frees; removes the temporary file unless committed. */
void husk_blob_writer_free(struct husk_blob_writer *w);
static inline void husk_blob_writer_freep(struct husk_blob_writer **w)
{
        if (*w)
                husk_blob_writer_free(*w);
}
/* Convenience: a whole buffer (a manifest, a config) written and committed. */
int husk_blob_put(struct husk_store *s, const void *data, size_t len, const char *expected, const char *what,
                  char ret_digest[static HUSK_DIGEST_LEN], struct husk_error *err);

bool husk_blob_exists(struct husk_store *s, const char *digest);
/* O_RDONLY|O_CLOEXEC fd of a blob; -ENOENT with a message naming the digest when absent. */
int husk_blob_open(struct husk_store *s, const char *digest, struct husk_error *err);
/* Read a small blob (manifest, config, index; at most max bytes) whole. */
int husk_blob_read(struct husk_store *s, const char *digest, size_t max, char **ret, size_t *ret_len,
                   struct husk_error *err);

/* ---- layers ---- */
struct husk_layer_info {
        char diffid[HUSK_DIGEST_LEN];
        char link[32];          /* short name under l/ */
        uint64_t size;          /* bytes on disk of diff/ */
};

/*
 * Make sure the layer whose compressed blob is blob_digest (already in the store) is unpacked: unpack
 * into tmp/, check its diffid against expected_diffid (NULL: none known, e.g. a rootfs import), fsync,
 * rename into layers/<diffid>/. Present already: no work. Safe to call from several processes and threads
 * at once for different or equal layers.
 */
int husk_store_layer_ensure(struct husk_store *s, const char *blob_digest, const char *expected_diffid,
                            const char *what, struct husk_layer_info *ret, struct husk_error *err);
/* The same for several layers at once, unpacked in parallel (bounded by the CPUs). */
int husk_store_layers_ensure(struct husk_store *s, size_t n, const char *const *blob_digests,
                             const char *const *expected_diffids, const char *what,
                             struct husk_layer_info *ret /* n entries */, struct husk_error *err);
/*
 * A pull's one pass (the registry client): the compressed layer read from src (stdin of a download, in
 * order, to EOF; see unpack.h for the source) is written to blobs/ through a blob writer AND unpacked into
 * tmp/ at the same time, so the bytes are never read back. Visible only when both are complete: the blob's
 * digest and size equal blob_digest and size (-1: unknown), the diffid equals expected_diffid (NULL:
 * none known); then blob committed and layer renamed into layers/<diffid>/ as layer_ensure does. On any
 * failure (src's read error, a mismatch, a truncated stream) both are discarded, the error names `what`.
 * If the layer of blob_digest is present already, src is not read. Safe from several threads at once.
 */
struct husk_unpack_source;
int husk_store_layer_ingest(struct husk_store *s, const struct husk_unpack_source *src, const char *blob_digest,
                            int64_t size, const char *expected_diffid, const char *what, struct husk_layer_info *ret,
                            struct husk_error *err);
/* The diffid of a layer already unpacked from this compressed blob, or -ENOENT (lets a pull skip it). */
int husk_store_layer_by_blob(struct husk_store *s, const char *blob_digest, struct husk_layer_info *ret,
                             struct husk_error *err);
int husk_store_layer_get(struct husk_store *s, const char *diffid, struct husk_layer_info *ret,
                         struct husk_error *err);
/* O_PATH|O_DIRECTORY fd of layers/<hex>/diff. */
int husk_store_layer_open(struct husk_store *s, const char *diffid, struct husk_error *err);

/* ---- images ---- */
struct husk_image {
        char id[HUSK_DIGEST_LEN];               /* the config blob's digest (Docker's image ID) */
        char manifest[HUSK_DIGEST_LEN];         /* the manifest blob's digest ("repo@digest") */
        char **names;                           /* NULL-terminated, normalised "domain/path:tag" */
        char **layers;                          /* NULL-terminated diffids, base first */
        char **layer_blobs;                     /* NULL-terminated compressed digests, as in the manifest */
        char *created;                          /* the config's "created", may be NULL */
        int64_t added;                          /* seconds since the epoch it entered the store */
        uint64_t size;                          /* sum of its layers' sizes on disk */
};
void husk_image_free(struct husk_image *img);
void husk_image_list_free(struct husk_image *imgs, size_t n);

/*
 * Record an image whose manifest and config blobs are in the store and whose layers are unpacked:
 * reads the manifest (OCI or Docker schema 2), checks the config's rootfs.diff_ids equal the layers
 * given, and adds or updates the record. name (normalised, may be NULL) moves to this image from any
 * other image that had it, as Docker's tag does.
 */
int husk_store_image_add(struct husk_store *s, const char *manifest_digest, const char *const *layer_diffids,
                         const char *name, struct husk_image *ret, struct husk_error *err);
int husk_store_image_list(struct husk_store *s, struct husk_image **ret, size_t *ret_n, struct husk_error *err);
/*
 * Find by name ("busybox", normalised first), full id, "sha256:"-less id, unique id prefix (>= 3 hex
 * digits), or "name@digest". -ENOENT "no such image: X", -EINVAL for an ambiguous prefix.
 */
int husk_store_image_lookup(struct husk_store *s, const char *what, struct husk_image *ret, struct husk_error *err);
int husk_store_image_tag(struct husk_store *s, const char *image, const char *name, struct husk_error *err);
/*
 * Remove a name, or the image when `what` is an id or its last name. in_use: image ids that containers
 * use (from the engine); such an image is refused unless force (then only the names go, as Docker does).
 * Frees unreferenced layers and blobs at once. ret_removed (may be NULL) gets the removed image ids.
 */
int husk_store_image_remove(struct husk_store *s, const char *what, bool force, const char *const *in_use,
                            char ***ret_removed, struct husk_error *err);

/* ---- garbage ---- */
struct husk_gc_result {
        uint64_t blobs_removed, layers_removed, bytes_freed;
        bool busy;      /* another process was importing: content was not swept this time */
};
/*
 * Remove every layer and blob no image record references (and, with dangling_images, untagged images
 * not in in_use: `husk image prune`). Runs under the lock.
 */
int husk_store_gc(struct husk_store *s, bool dangling_images, const char *const *in_use,
                  struct husk_gc_result *ret, struct husk_error *err);

/* ---- disk usage (`husk system df`) ---- */
struct husk_store_usage {
        uint64_t images, images_bytes;          /* unique layers' bytes, each counted once */
        uint64_t layers, layers_bytes;
        uint64_t blobs, blobs_bytes;
        uint64_t reclaimable_bytes;             /* what gc would free */
};
int husk_store_usage(struct husk_store *s, struct husk_store_usage *ret, struct husk_error *err);

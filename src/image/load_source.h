/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The archive or layout directory a load reads (load_source.c): its metadata documents, and its
 * members as blobs in the store.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "image/store.h"
#include "image/transfer_internal.h"
#include "util/cleanup.h"
#include "util/error.h"

struct husk_load_source;

/*
 * path: a tar (plain, gzip, zstd, xz, bzip2), "-" for stdin, or a directory. A tar is read whole here:
 * its metadata documents kept, every other regular member ingested as a blob (verified when its name is
 * "blobs/sha256/<hex>"); a directory is only opened.
 */
int husk_load_source_open(struct husk_store *s, const char *path, const struct husk_progress *progress,
                          struct husk_load_source **ret, struct husk_error *err);
void husk_load_source_free(struct husk_load_source *src);
static inline void husk_load_source_freep(struct husk_load_source **src)
{
        husk_load_source_free(*src);
}
/* The file as errors name it ("busybox.tar", "stdin"). */
const char *husk_load_source_what(const struct husk_load_source *src);
bool husk_load_source_is_dir(const struct husk_load_source *src);

/* "oci-layout", "index.json", "manifest.json" or "repositories" (NUL-terminated), or -ENOENT. */
int husk_load_source_doc(const struct husk_load_source *src, const char *name, const char **ret, size_t *ret_len);

/*
 * The member at path (links followed) as a blob in the store: its digest and size. expected (may be
 * NULL) is the digest it must have. field names who refers to it in errors ("manifest.json: [0].Layers[1]");
 * -ENOENT "...: not in the archive". A large member of an uncompressed tar file that the store lacks is
 * only marked wanted (its digest is its name's, verified when read) unless need_bytes: then it is read
 * now; husk_load_source_fetch reads the others.
 */
int husk_load_source_blob(struct husk_load_source *src, const char *path, const char *expected,
                          const char *field, bool need_bytes, char ret_digest[static HUSK_DIGEST_LEN],
                          int64_t *ret_size, struct husk_error *err);
/* The members marked wanted read into the store: a second pass over the tar file (none if nothing is). */
int husk_load_source_fetch(struct husk_load_source *src, struct husk_error *err);

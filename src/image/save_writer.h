/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where `husk save` writes (save_writer.c): a tar (a file, written under a temporary name and renamed
 * into place at the end, or stdout) or a directory (made under a temporary name, renamed at the end).
 * Until husk_save_writer_finish succeeds nothing is at the destination; freeing an unfinished writer
 * removes what it wrote.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "image/store.h"
#include "util/error.h"

struct husk_save_writer;

/* path "-": a tar on stdout (not atomic: a pipe cannot be). */
int husk_save_writer_new(const char *path, bool directory, struct husk_save_writer **ret, struct husk_error *err);
/* A file from memory. name: "index.json", "blobs/sha256/<hex>"; its directories are made as needed. */
int husk_save_writer_add(struct husk_save_writer *w, const char *name, const void *data, size_t len,
                         struct husk_error *err);
/* A file holding a blob of the store, copied once even when added again under the same name. */
int husk_save_writer_add_blob(struct husk_save_writer *w, struct husk_store *s, const char *name,
                              const char *digest, struct husk_error *err);
/* Close the tar, fsync, rename into place. */
int husk_save_writer_finish(struct husk_save_writer *w, struct husk_error *err);
void husk_save_writer_free(struct husk_save_writer *w);
static inline void husk_save_writer_freep(struct husk_save_writer **w)
{
        if (*w)
                husk_save_writer_free(*w);
}

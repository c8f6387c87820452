/* SPDX-License-Identifier: Apache-2.0 */
/* Private to gc.c and usage.c: what the records reference, and a walk over a store directory. */
#pragma once

#include "image/store_internal.h"

bool husk_gc_blob_referenced(const struct husk_image *imgs, size_t n, const char *hex);
bool husk_gc_layer_referenced(const struct husk_image *imgs, size_t n, const char *hex);
/* fn for each entry of dir (relative to the root) not starting with '.'; stops at its first error. */
int husk_gc_each(struct husk_store *s, const char *dir,
                 int (*fn)(struct husk_store *s, int dirfd, const char *name, void *userdata), void *userdata,
                 struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* A consistency check of a store as the crash and concurrency tests need it (and husk-store-tool). */
#pragma once

#include <stddef.h>

/*
 * Open the store at root (which repairs it) and check: tmp/ is empty (callers make sure no process of
 * theirs is still running), every blob hashes to its name, every layer has a valid layer.json naming
 * it, every layer an image uses has its l/ link, every image record's blobs and layers are there.
 * Unused garbage a killed GC may leave (a layer without its link, a dangling link) is the next GC's.
 * 0, or -1 with what is wrong in msg.
 */
int store_check(const char *root, char *msg, size_t len);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layers of one pull, downloaded in parallel (bounded) and each streamed in one pass into the store:
 * a worker thread downloads through the digest check (blob_fetch.h) into one end of a socketpair; a
 * thread of its own reads the other end as the source of husk_store_layer_ingest(), which writes the
 * blob and unpacks the layer at once. Layers the store has already are not fetched. Progress is reported
 * from the calling thread (transfer.h), which polls the workers' counters.
 */
#pragma once

#include <stddef.h>

#include "image/manifest.h"
#include "image/store.h"
#include "image/transfer.h"
#include "registry/session.h"

/* layers[i] with diffids[i]; ret_infos (n entries) gets each layer's info. */
int husk_pull_layers(struct husk_store *store, struct husk_session *s, const struct husk_descriptor *layers,
                     char *const *diffids, size_t n, unsigned parallel, const struct husk_progress *progress,
                     struct husk_layer_info *ret_infos, bool *ret_downloaded, struct husk_error *err);

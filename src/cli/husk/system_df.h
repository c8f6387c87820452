/* SPDX-License-Identifier: Apache-2.0 */
/* What `husk system df` reports, gathered once from the store and the engine's records. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/container.h"
#include "image/store.h"

struct husk_df {
        struct husk_image *imgs;
        size_t n_imgs;
        uint64_t *img_shared;           /* bytes of the image's layers that another image has too */
        unsigned *img_containers;       /* containers made from the image */
        struct husk_ctr *ctrs;
        size_t n_ctrs;
        uint64_t *ctr_size;             /* the container's writes (upper/, or the copy driver's root) */
        uint64_t layers_bytes;          /* every image's layers, each counted once */
        uint64_t active_layers_bytes;   /* the layers of images some container uses, each once */
};

int husk_df_collect(struct husk_store *s, struct husk_df *ret, struct husk_error *err);
void husk_df_done(struct husk_df *df);

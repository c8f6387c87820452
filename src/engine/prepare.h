/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the engine: what a start does before the runtime's create (prepare.c). */
#pragma once

#include "engine/engine.h"
#include "image/manifest.h"

/* The image record and its parsed config (ret_img may be NULL). */
int husk_engine_image_config(struct husk_store *s, const char *image_id, struct husk_image *ret_img,
                             struct husk_image_config *ret_cfg, struct husk_error *err);

/* Mount the root, resolve the user, write the /etc files and config.json into the container's
 * directory; c->command and c->driver are updated. On failure nothing stays mounted. */
int husk_engine_prepare(struct husk_engine *e, struct husk_ctr *c, int dirfd, struct husk_error *err);

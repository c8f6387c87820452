/* SPDX-License-Identifier: Apache-2.0 */
/* Private to layer_store.c and layer_ensure.c. */
#pragma once

#include "image/store_internal.h"

/* The short name under l/ of a layer. */
void husk_layer_link_name(const char *diffid, char ret[static 32]);
/* layer.json's text (NULL on ENOMEM). */
char *husk_layer_info_json(const struct husk_layer_info *info, char *const *blobs);
/* Write <dir>/layer.json (dir relative to the root: "tmp/..." or "layers/<hex>") durably. */
int husk_layer_write_info(struct husk_store *s, const char *dir, const struct husk_layer_info *info,
                          char *const *blobs, struct husk_error *err);
/* Make l/<link> -> ../layers/<hex>/diff; present already and right is success. */
int husk_layer_link(struct husk_store *s, const struct husk_layer_info *info, struct husk_error *err);

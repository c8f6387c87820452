/* SPDX-License-Identifier: Apache-2.0 */
/* What the image commands share: the store opened as the global options say, ids shown as Docker does,
   and the images that containers use (they must not be removed under them). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli/husk/husk.h"
#include "image/store.h"

/* The image store at --storage-root / $HUSK_STORAGE_ROOT / the default. read_only for listing commands. */
int husk_cli_store_open(const struct husk_ctx *ctx, bool read_only, struct husk_store **ret, struct husk_error *err);

/* "0123456789ab" (12 hex digits) or, with no_trunc, the whole "sha256:..." id. */
void husk_cli_image_id(const char *id, bool no_trunc, char *buf, size_t size);

/* The image ids the engine's containers use (NULL-terminated, NULL-free; none: an empty vector). */
int husk_cli_images_in_use(struct husk_store *s, char ***ret, struct husk_error *err);
/* Both at once, for the commands that must not remove what containers use. */
int husk_cli_store_open_in_use(const struct husk_ctx *ctx, bool read_only, struct husk_store **ret,
                               char ***ret_in_use, struct husk_error *err);
bool husk_cli_strv_contains(char *const *v, const char *s);

/*
 * Remove an image or a name (rmi, image prune -a) and print what went as Docker does: "Untagged: NAME"
 * per name gone, "Deleted: ID" per image deleted (lowercase words for prune's list).
 */
int husk_cli_remove_image(struct husk_store *s, const char *what, bool force, const char *const *in_use,
                          bool lowercase, struct husk_error *err);

/* The image's config blob parsed as JSON (for inspect's Config, Architecture, Os...); NULL on error. */
struct json_t;
int husk_cli_image_config_json(struct husk_store *s, const char *id, struct json_t **ret, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between load.c and the two readers of what an archive holds (load_oci.c, load_docker.c): each turns
 * the archive's metadata into pending images whose manifest and config blobs are in the store; load.c
 * then unpacks their layers and records them.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "image/load_source.h"
#include "image/transfer.h"

struct husk_load_pending {
        char manifest[HUSK_DIGEST_LEN];
        char config[HUSK_DIGEST_LEN];
        char **layer_blobs;     /* NULL-terminated compressed digests, base first */
        char **diff_ids;        /* NULL-terminated, the config's rootfs.diff_ids */
        size_t n_layers;
        uint64_t layer_bytes;   /* the layer blobs' sizes summed (progress) */
        char **names;           /* NULL-terminated, normalised; may be empty */
        char *what;             /* names the image in errors ("busybox.tar: manifest.json: [0]") */
};

struct husk_load_plan {
        struct husk_load_pending *images;
        size_t n_images;
};

void husk_load_plan_free(struct husk_load_plan *p);
/* A new zeroed pending image at the end of the plan; what is copied. NULL on ENOMEM. */
struct husk_load_pending *husk_load_plan_add(struct husk_load_plan *p, const char *what);
/* The normalised form of a name as written (a RepoTag, an annotation) appended to the pending image's
   names (once). field, appended to img->what, says where it was found (".RepoTags[1]"). */
int husk_load_pending_add_name(struct husk_load_pending *img, const char *name, const char *field,
                               struct husk_error *err);
/* The config blob (in the store) read and parsed: its diff_ids become the image's, checked against
   n_layers. */
int husk_load_pending_set_config(struct husk_store *s, struct husk_load_pending *img, const char *config_digest,
                                 size_t n_layers, struct husk_error *err);

/* An OCI layout (index.json): every image of its index, the platform's manifest of nested indexes. */
int husk_load_oci(struct husk_store *s, struct husk_load_source *src, const struct husk_platform *platform,
                  struct husk_load_plan *plan, struct husk_error *err);
/* A Docker archive (manifest.json). */
int husk_load_docker(struct husk_store *s, struct husk_load_source *src, struct husk_load_plan *plan,
                     struct husk_error *err);

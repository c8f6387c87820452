/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers and their volumes and mounts (ctr_volumes.c, spec_vol.c). At create, the -v/--mount/
 * --tmpfs options kept in the record (mount_spec.h) are resolved once: named volumes made on first
 * use, anonymous ones made and named, missing -v bind sources made, and the result written to
 * <container dir>/mounts.json (each mount's Docker `inspect` "Mounts" entry, its OCI mount, its volume
 * and whether it is anonymous or copied up), under the volumes' lock: that file is how `volume rm`
 * knows a volume is in use. Each start adds those mounts to config.json (spec_vol.c).
 */
#pragma once

#include <stdbool.h>

#include "engine/engine.h"
#include "engine/spec.h"
#include "engine/volume.h"

#define HUSK_CTR_MOUNTS_FILE "mounts.json"

/* Does the record ask for any mount (-v, --mount, --tmpfs, --volumes-from)? Without one there is no
 * mounts.json, and the start and exit paths do not look for it. */
bool husk_ctr_vol_any(const struct husk_ctr *c);

/* The engine's volume store (<storage root>/volumes). */
int husk_engine_vol_store(struct husk_engine *e, bool create, struct husk_vol_store **ret, struct husk_error *err);

/* After the record exists: resolve and write mounts.json. On failure the anonymous volumes it made
 * are removed again (the caller removes the container). */
int husk_ctr_vol_setup(struct husk_engine *e, const struct husk_ctr *c, struct husk_error *err);

/* The ids of the containers whose mounts name the volume (the caller holds the volumes' lock). */
int husk_ctr_vol_users(struct husk_engine *e, const char *name, char ***ret_ids, struct husk_error *err);
/* `volume rm`: refused while a container uses it, with Docker's "remove NAME: volume is in use -
 * [ID...]". */
int husk_engine_volume_remove(struct husk_engine *e, struct husk_vol_store *vs, const char *name, struct husk_error *err);

/* Every volume with the number of containers using it and its size (`system df`): the containers'
 * mounts read once. */
struct husk_vol_usage {
        char *name;
        unsigned links;
        int64_t size;
};
int husk_engine_vol_usage(struct husk_engine *e, struct husk_vol_usage **ret, size_t *ret_n, struct husk_error *err);
void husk_vol_usage_free(struct husk_vol_usage *u, size_t n);

/* The anonymous volumes of a container (read before it is removed), NULL-terminated. */
int husk_ctr_vol_anonymous(struct husk_engine *e, const struct husk_ctr *c, char ***ret, struct husk_error *err);
/* Remove those of names no container uses any more (rm -v, --rm); errors are ignored, as Docker
 * only warns. */
void husk_ctr_vol_remove_unused(struct husk_engine *e, char *const *names);

/* `inspect`'s top-level "Mounts" array (an empty array when none). */
struct json_t *husk_ctr_vol_mounts_json(struct husk_engine *e, const struct husk_ctr *c);

/* config.json: the container's mounts appended (a default mount of the same destination dropped),
 * each volume ensured (made again if removed meanwhile, its --opt filesystem mounted) and filled from
 * the image's content when new and empty (Docker's copy-up, unless nocopy). */
int husk_spec_apply_vol(const struct husk_engine_spec_in *in, struct json_t *doc, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's volumes (Docker's "local" driver), no daemon: records under the store's root.
 *
 * Layout under <storage root>/volumes/:
 *   <name>/volume.json   the record: Docker's `volume inspect` keys without Mountpoint (CreatedAt, Driver,
 *                        Labels, Name, Options, Scope); written whole, atomically (temp + rename, fsync)
 *   <name>/_data         the volume's content, what containers mount
 *   .tmp-<name>          a volume being made: renamed to <name> complete (a listing never sees half)
 *   .lock                flock(2) LOCK_EX around every change of a volume and around each check that a
 *                        volume is unused: a container's use of its volumes is written under it too
 *                        (ctr_volumes.c), so `volume rm` cannot remove what a `create` is taking.
 * Names as Docker's: [a-zA-Z0-9][a-zA-Z0-9_.-]+; an anonymous volume is named by 64 random hex
 * digits and labelled com.docker.volume.anonymous="" (Docker 23+: what `volume prune` takes without -a).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct json_t;

#define HUSK_VOL_ANON_LABEL "com.docker.volume.anonymous"

struct husk_volume {
        char *name;
        char *created_at;               /* RFC 3339 */
        struct json_t *labels;          /* object, or NULL: none */
        struct json_t *options;         /* --opt type=, device=, o=; object, or NULL: none */
};
void husk_volume_free_contents(struct husk_volume *v);
bool husk_volume_anonymous(const struct husk_volume *v);

/* Docker's rule and messages (too short; invalid characters, "If you intended to pass a host
 * directory, use absolute path"). */
int husk_vol_name_validate(const char *name, struct husk_error *err);
/* --opt KEY=VALUE of the local driver: type, device, o, size (others: invalid option key). */
int husk_vol_option_validate(const char *key, struct husk_error *err);

struct husk_vol_store;

/* <storage_root>/volumes, made when create. */
int husk_vol_store_open(const char *storage_root, bool create, struct husk_vol_store **ret, struct husk_error *err);
void husk_vol_store_close(struct husk_vol_store *vs);
static inline void husk_vol_store_closep(struct husk_vol_store **vs)
{
        if (*vs)
                husk_vol_store_close(*vs);
}
/* The volumes directory (absolute). */
const char *husk_vol_store_path(const struct husk_vol_store *vs);
/* LOCK_EX on volumes/.lock (a dot name: no volume can be called so): the fd (close it to unlock). */
int husk_vol_store_lock(struct husk_vol_store *vs, struct husk_error *err);

/*
 * Create a volume (the caller holds the lock). name NULL: a random 64-hex name (a container's
 * anonymous volume also gets HUSK_VOL_ANON_LABEL from the caller). A volume of that
 * name existing already is kept as it is and returned, as `docker volume create` does (*ret_created
 * false). labels and options are copied (NULL: none).
 */
int husk_vol_create(struct husk_vol_store *vs, const char *name, struct json_t *labels, struct json_t *options,
                    struct husk_volume *ret, bool *ret_created, struct husk_error *err);
/* -ENOENT "no such volume: NAME". */
int husk_vol_get(struct husk_vol_store *vs, const char *name, struct husk_volume *ret, struct husk_error *err);
/* Every volume's name, sorted, NULL-terminated. */
int husk_vol_list(struct husk_vol_store *vs, char ***ret, struct husk_error *err);
/* Remove a volume and its content (the caller holds the lock and checked no container uses it); a
 * tmpfs (or other --opt type) mounted on _data is unmounted first. -ENOENT when missing. */
int husk_vol_remove(struct husk_vol_store *vs, const char *name, struct husk_error *err);
/* The absolute path of <name>/_data into buf. */
void husk_vol_data_path(const struct husk_vol_store *vs, const char *name, char *buf, size_t len);
/* A volume made with --opt type=...: its filesystem mounted on _data unless it is already (it stays
 * until the volume is removed, so the containers using it share it). Others: nothing to do. */
int husk_vol_mount(struct husk_vol_store *vs, const struct husk_volume *v, struct husk_error *err);
/* Apparent size of the content (regular files and symlinks): `volume prune`'s reclaimed space. */
int64_t husk_vol_size(struct husk_vol_store *vs, const char *name);
/* `docker volume inspect` of one volume. */
struct json_t *husk_vol_inspect_json(const struct husk_vol_store *vs, const struct husk_volume *v);

/* ---- copy-up (volume_copy.c) ---- */
/* Docker's copy of the image's content into a new volume: the directory at path inside root_fd
 * (resolved in the root: a symlink cannot lead out of it; missing or not a directory: nothing) is
 * copied into dst_fd when dst_fd is empty; owners, modes, times kept; symlinks copied, never
 * followed. */
int husk_vol_copy_up(int root_fd, const char *path, int dst_fd, struct husk_error *err);
/* 1: the directory has no entry, 0: it has, or a negative errno. */
int husk_vol_dir_empty(int fd);

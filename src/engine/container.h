/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's containers: records under the image store's root, names and ids.
 *
 * Layout under <storage root>/containers/:
 *   <64-hex id>/container.json  the record (struct husk_ctr), rewritten atomically (temp + rename)
 *   <64-hex id>/lock            flock(2) LOCK_EX around every read-modify-write of the record
 *   <64-hex id>/monitor.lock    held LOCK_EX by the container's monitor for its whole life: free while
 *                               the record says running means the monitor died (ps shows it exited)
 *   <64-hex id>/...             config.json, hosts, hostname, resolv.conf, the log, the rootfs dirs
 *   names/<name>                symlink to the id: the name index (symlinkat is atomic: EEXIST is
 *                               "name in use" even between two processes)
 *   names.lock                  flock(2) around changes of the name index that span several steps
 * A new container directory is made under a temporary name and renamed into place complete, so a
 * listing never sees half a record.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/digest.h"
#include "util/error.h"

#define HUSK_CTR_ID_LEN 64

enum husk_ctr_state {
        HUSK_CTR_CREATED,
        HUSK_CTR_RUNNING,
        HUSK_CTR_EXITED,
};

/* What run/create were given. The OCI config is made from it and the image's config at each start. */
struct husk_ctr_config {
        char **cmd;             /* NULL-terminated; NULL: the image's Cmd */
        char **entrypoint;      /* NULL-terminated; meaningful when has_entrypoint (--entrypoint "" = none) */
        bool has_entrypoint;
        char **env;             /* -e KEY=value (or KEY: taken from the caller's environment at create) */
        char *workdir;          /* -w */
        char *user;             /* -u NAME[:GROUP] or UID[:GID] */
        char *hostname;         /* -h; NULL: the short id */
        char *network;          /* "none" or "host" */
        char *cgroup_parent;    /* NULL: "/husk" */
        char *stop_signal;      /* NULL: the image's StopSignal, else SIGTERM */
        int stop_timeout;       /* -1: 10 s */
        bool auto_remove;       /* --rm */
        /*
         * The options without a typed field above, as Docker names them in `docker inspect`:
         * host_config holds HostConfig keys (Memory, NanoCpus, CapAdd, Binds, Mounts, RestartPolicy,
         * LogConfig, ...), ctr_config holds Config keys (Labels, Healthcheck, Tty, OpenStdin, ...).
         * Each area of the engine parses and applies its own keys (spec_*.c); `inspect` shows them
         * merged into its Config and HostConfig. NULL: none given. Owned (one reference each).
         */
        struct json_t *host_config;
        struct json_t *ctr_config;
};

struct husk_ctr {
        char id[HUSK_CTR_ID_LEN + 1];
        char *name;
        char *image;                    /* as the user named it */
        char *rootfs;                   /* --rootfs: a plain directory used as the root as it is (no
                                         * image, no overlay); NULL: the image's layers */
        char image_id[HUSK_DIGEST_LEN]; /* the image's config digest */
        struct husk_ctr_config cfg;
        int64_t created;                /* ns since the epoch */
        enum husk_ctr_state state;
        pid_t pid;                      /* the init's host pid while running, else 0 */
        pid_t monitor_pid;
        int exit_code;
        int64_t started_at, finished_at; /* ns since the epoch, 0: never */
        char **command;                 /* what the last start executed (entrypoint + cmd), for ps */
        char *error;                    /* why the last start failed or how the container ended, may be NULL */
        char *driver;                   /* rootfs driver of the last start ("overlay", "copy") */
        bool paused;                    /* running with its cgroup frozen (`husk pause`): a part of the
                                         * state, as Docker's State.Paused; cleared by unpause and exit */
        bool monitor_dead;              /* not stored: set by load/list when state is running but the
                                         * monitor's lock is free */
};

void husk_ctr_free_contents(struct husk_ctr *c);
void husk_ctr_config_free_contents(struct husk_ctr_config *cfg);
static inline void husk_ctr_done(struct husk_ctr *c)
{
        husk_ctr_free_contents(c);
}
void husk_ctr_list_free(struct husk_ctr *list, size_t n);

const char *husk_ctr_state_to_string(enum husk_ctr_state s);

/* The record as JSON text and back (pure; name prefixes errors). */
int husk_ctr_to_json(const struct husk_ctr *c, char **ret, struct husk_error *err);
int husk_ctr_from_json(const char *data, size_t len, const char *name, struct husk_ctr *ret, struct husk_error *err);

/* ---- ids and names (names.c) ---- */
/* A new random 64-hex id whose first 12 characters are not all digits (Docker's rule: a short id
 * must never read as a number). */
int husk_ctr_id_new(char ret[static HUSK_CTR_ID_LEN + 1], struct husk_error *err);
bool husk_ctr_id_valid(const char *s);
/* Docker's container names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 bytes. A leading '/' is dropped
 * by the caller (docker accepts "/name"). */
int husk_ctr_name_validate(const char *name, struct husk_error *err);
/* "adjective_noun" picked from seed; attempt > 0 appends a digit, as Docker does after collisions. */
void husk_ctr_name_generate(uint64_t seed, unsigned attempt, char *buf, size_t len);

/* ---- the store (container_store.c) ---- */
struct husk_ctr_store;

/* <storage_root>/containers, made when create. */
int husk_ctr_store_open(const char *storage_root, bool create, struct husk_ctr_store **ret, struct husk_error *err);
void husk_ctr_store_close(struct husk_ctr_store *s);
static inline void husk_ctr_store_closep(struct husk_ctr_store **s)
{
        if (*s)
                husk_ctr_store_close(*s);
}
/* The containers/ directory (absolute) and its fd. */
const char *husk_ctr_store_path(const struct husk_ctr_store *s);
int husk_ctr_store_fd(const struct husk_ctr_store *s);

/*
 * Add a container: c->cfg, image, image_id given; c->name may be NULL (a free name is generated).
 * Fills c->id, c->name, c->created, state created. The name is reserved first (EEXIST "the container
 * name X is already in use by container ID"), then the directory is made and renamed in complete.
 */
int husk_ctr_create(struct husk_ctr_store *s, struct husk_ctr *c, struct husk_error *err);

/* The id a user's word means: a full id, a name, or a unique id prefix. -ENOENT "no such container: X",
 * -EINVAL for an ambiguous prefix. */
int husk_ctr_lookup(struct husk_ctr_store *s, const char *what, char ret_id[static HUSK_CTR_ID_LEN + 1],
                    struct husk_error *err);

/* LOCK_EX on <id>/lock: returns the lock fd (close it to unlock). -ENOENT when the container is gone. */
int husk_ctr_lock(struct husk_ctr_store *s, const char *id, struct husk_error *err);
/* O_DIRECTORY fd of <id>/. */
int husk_ctr_dir_open(struct husk_ctr_store *s, const char *id, struct husk_error *err);

int husk_ctr_load(struct husk_ctr_store *s, const char *id, struct husk_ctr *ret, struct husk_error *err);
/* Write the record (the caller holds its lock). */
int husk_ctr_save(struct husk_ctr_store *s, const struct husk_ctr *c, struct husk_error *err);
/* Every container, newest first; records only (one file read per container, no process inspected
 * beyond the monitor lock of running ones). A record that cannot be read is skipped. */
int husk_ctr_list(struct husk_ctr_store *s, struct husk_ctr **ret, size_t *ret_n, struct husk_error *err);
/* Remove the directory and the name (the caller holds the container's lock and has released its
 * mounts and runtime state). */
int husk_ctr_remove(struct husk_ctr_store *s, const char *id, const char *name, struct husk_error *err);

/* Give a container a new name (Docker's rename): the new name reserved (EEXIST when in use), the
 * record rewritten, the old name released; under the container's lock, then names.lock. */
int husk_ctr_rename(struct husk_ctr_store *s, const char *id, const char *new_name, struct husk_error *err);

/* The image ids (config digests) of every container's image, NULL-terminated and unique: what
 * husk_store_image_remove() and husk_store_gc() take as in_use, so `rmi` and `image prune` keep the
 * images containers run from. */
int husk_ctr_images_in_use(struct husk_ctr_store *s, char ***ret, struct husk_error *err);

/* The monitor's lock: acquire (the monitor, for its whole life; returns the fd) and probe. */
int husk_ctr_monitor_lock(struct husk_ctr_store *s, const char *id, struct husk_error *err);
bool husk_ctr_monitor_alive(struct husk_ctr_store *s, const char *id);

/* ns since the epoch (CLOCK_REALTIME), and as RFC 3339 with nanoseconds in UTC ("...Z"). */
int64_t husk_now_ns(void);
void husk_time_rfc3339(int64_t ns, char *buf, size_t len);

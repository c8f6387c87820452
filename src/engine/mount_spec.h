/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's mounts as `docker run` takes them (pure parsers, mount_spec.c):
 *   -v/--volume SRC:DST[:OPTS]   SRC absolute: a bind mount; else a named volume; DST alone: an
 *                                anonymous volume. OPTS: ro|rw, z|Z, nocopy, a bind propagation.
 *   --mount type=bind|volume|tmpfs,src=,dst=,readonly,bind-propagation=,volume-nocopy,volume-label=,
 *           volume-opt=,tmpfs-size=,tmpfs-mode=   (the docker CLI's CSV rules and messages)
 *   --tmpfs DST[:OPTS]
 * Kept in the record as Docker keeps them: HostConfig.Binds (-v with a source), Config.Volumes (-v DST
 * alone), HostConfig.Mounts (--mount, Docker's mount.Mount shape), HostConfig.Tmpfs (DST -> OPTS).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct json_t;

enum husk_mount_type {
        HUSK_MOUNT_BIND,
        HUSK_MOUNT_VOLUME,
        HUSK_MOUNT_TMPFS,
};

struct husk_mount_spec {
        enum husk_mount_type type;
        char *source;           /* bind: the host path; volume: its name, NULL: anonymous; tmpfs: NULL */
        char *target;           /* absolute, cleaned */
        bool readonly;
        bool nocopy;            /* volume: no copy-up of the image's content */
        char *mode;             /* -v's OPTS as given (Docker's Mounts[].Mode); "" for --mount */
        char *propagation;      /* bind: rprivate (default), private, rshared, shared, rslave, slave */
        char *selinux;          /* "z", "Z" or NULL: recorded only (no LSM labels here) */
        int64_t tmpfs_size;     /* bytes, 0: the kernel's default */
        uint32_t tmpfs_mode;    /* 0: none given */
        bool from_mount;        /* --mount (a missing bind source is refused) rather than -v (made) */
        struct json_t *volume_labels;   /* --mount volume-label=K=V: labels of a volume made for it */
        struct json_t *volume_opts;     /* --mount volume-opt=K=V */
};
void husk_mount_spec_free_contents(struct husk_mount_spec *m);

/* -v/--volume. Errors as Docker's: "invalid volume specification: 'RAW'", "invalid mode: X", ... */
int husk_mount_parse_volume(const char *raw, struct husk_mount_spec *ret, struct husk_error *err);
/* --mount. Errors "invalid argument \"RAW\" for \"--mount\" flag: ..." or the daemon's
 * "invalid mount config for type \"bind\": ...". */
int husk_mount_parse_mount(const char *raw, struct husk_mount_spec *ret, struct husk_error *err);
/* --tmpfs DST[:OPTS]: the destination (cleaned) and options ("" when none), checked. */
int husk_mount_parse_tmpfs(const char *raw, char **ret_dst, char **ret_opts, struct husk_error *err);

/* HostConfig.Mounts entry of a --mount spec (Docker's mount.Mount JSON), and back. */
struct json_t *husk_mount_spec_to_json(const struct husk_mount_spec *m);
int husk_mount_spec_from_json(struct json_t *o, struct husk_mount_spec *ret, struct husk_error *err);

/* The OCI mount options of a tmpfs: Docker's defaults (noexec, nosuid, nodev, rprivate) merged with
 * the given comma-separated ones (exec overrides noexec, size= replaces size=...). NULL-terminated. */
int husk_mount_tmpfs_options(const char *opts, char ***ret, struct husk_error *err);

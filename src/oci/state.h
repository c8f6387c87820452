/* SPDX-License-Identifier: Apache-2.0 */
/* The state of a container (runtime.md "State") and what the runtime keeps privately beside it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

enum husk_status {
        HUSK_STATUS_CREATING,
        HUSK_STATUS_CREATED,
        HUSK_STATUS_RUNNING,
        HUSK_STATUS_PAUSED,
        HUSK_STATUS_STOPPED,
};

struct husk_state {
        /* The OCI state. */
        char *oci_version;
        char *id;
        enum husk_status status;
        pid_t pid;            /* 0 when stopped */
        char *bundle;         /* absolute */
        struct husk_kv *annotations;
        size_t n_annotations;

        /* Private: written to state.json under "husk", never shown by `state`. */
        uint64_t pid_start_time; /* field 22 of /proc/PID/stat: identifies init beyond its pid */
        char *rootfs;            /* absolute host path */
        char *created;           /* RFC 3339 time of create, for `list` */
        uid_t owner;             /* uid of the creator, for `list` */
        bool own_pid_ns;         /* the container has its own pid namespace */
        char *cgroup_path;       /* as resolved at create; NULL when none */
        char *systemd_unit;      /* --systemd-cgroup: the unit holding it ("husk-<id>.scope"); else NULL */
};

void husk_state_free(struct husk_state *s);
static inline void husk_state_freep(struct husk_state **s)
{
        if (*s)
                husk_state_free(*s);
}

const char *husk_status_to_string(enum husk_status status);

/* Serialise. With include_private the "husk" object is added (for the state file); without, the
 * result is exactly the OCI state (for `husk-runtime state`), pretty-printed as runc does. */
int husk_state_to_json(const struct husk_state *s, bool include_private, char **ret, struct husk_error *err);

/* Parse a state file written by husk_state_to_json(..., true). `name` prefixes errors. */
int husk_state_from_json(const char *data, size_t len, const char *name, struct husk_state **ret,
                         struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which namespaces a container joins and creates, and the kernel writes that set them up (id maps,
 * time offsets, the loopback interface). Internal to libhusk: used by container_create.c and init.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

struct husk_ns_join {
        enum husk_ns_type type;
        const char *path; /* borrowed from the spec */
};

struct husk_ns_plan {
        /* Namespaces to setns() into, in the order to join them: user first (so the namespaces
         * created afterwards are owned by it, and joining the others is allowed by its capabilities),
         * mount last. */
        struct husk_ns_join joins[HUSK_NS_COUNT];
        size_t n_joins;
        bool new_user;     /* unshare(CLONE_NEWUSER) and have the parent write the id maps */
        bool join_user;    /* a user namespace given by path */
        int unshare_flags; /* every other CLONE_NEW* to create, applied after the user namespace */
        bool has_uts;      /* a uts namespace, new or joined: required for hostname/domainname */
        bool time_offsets; /* linux.timeOffsets to write after unshare(CLONE_NEWTIME), before fork */
};

/* Compute the plan from linux.namespaces and check what depends on it: a new mount namespace is
 * required; hostname/domainname need a uts namespace; a new user namespace needs uid and gid
 * mappings (and mappings need one); timeOffsets need a new time namespace. */
int husk_ns_plan_build(const struct husk_spec *spec, struct husk_ns_plan *ret, struct husk_error *err);

/* Open every path of plan->joins (fds[i] for joins[i], O_CLOEXEC). All are opened before the first
 * setns() because joining the mount namespace changes how the remaining paths resolve. On failure
 * the fds opened so far are closed. */
int husk_ns_open_joins(const struct husk_ns_plan *plan, int fds[HUSK_NS_COUNT], struct husk_error *err);

/* setns() into each opened namespace, in plan order, and close the fds. */
int husk_ns_enter_joins(const struct husk_ns_plan *plan, int fds[HUSK_NS_COUNT], struct husk_error *err);

/* "container host size\n" per mapping, as one buffer: the kernel accepts a map in a single write only.
 * Returns the length, or -ENOSPC / -EINVAL (no mappings). */
int husk_idmap_format(const struct husk_id_mapping *m, size_t n, char *buf, size_t size);

/* The host id that container id `id` maps to. -ENOENT when unmapped. */
int husk_idmap_to_host(const struct husk_id_mapping *m, size_t n, uint32_t id, uint32_t *ret);

/* A process without CAP_SETGID in the parent namespace (rootless) may only write gid_map after
 * writing "deny" to setgroups (user_namespaces(7), CVE-2014-8989). */
static inline bool husk_idmap_needs_setgroups_deny(uid_t euid)
{
        return euid != 0;
}

/* Write uid_map, setgroups ("deny" when deny_setgroups) and gid_map of process pid. */
int husk_ns_write_idmaps(pid_t pid, const struct husk_linux *lx, bool deny_setgroups, struct husk_error *err);

/* The text of /proc/self/timens_offsets for linux.timeOffsets ("1 secs nsecs\n7 secs nsecs\n", by
 * clock id). Returns the length (0 when no offset is set) or -ENOSPC. */
int husk_timens_offsets_format(const struct husk_linux *lx, char *buf, size_t size);

/* Write the offsets of the time namespace the caller's children will be in. Only valid after
 * unshare(CLONE_NEWTIME) and before the first process enters it. */
int husk_ns_write_time_offsets(const struct husk_linux *lx, struct husk_error *err);

/* Bring "lo" up in the caller's network namespace. */
int husk_ns_loopback_up(struct husk_error *err);

/* Pure: whether the text of /proc/self/uid_map is the initial user namespace's (the one line
 * "0 0 4294967295"). */
bool husk_idmap_is_initial(const char *uid_map);

/* Whether the caller runs in a user namespace other than the initial one (runc's RunningInUserNS):
 * root there is rootless as far as cgroups are concerned. */
int husk_ns_in_user_namespace(bool *ret, struct husk_error *err);

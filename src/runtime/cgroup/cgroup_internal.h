/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/runtime/cgroup/ (dispatcher and v1 backend): the host's layout parsed from
 * /proc/self/mountinfo, path resolution, and the v1 value formatting. The parsers are pure functions
 * over the text, so they are unit-tested without touching the host.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "runtime/cgroup/cgroup.h"
#include "util/error.h"

/* v1 controllers husk knows, as bits of a mask. */
enum husk_cg1_ctrl {
        HUSK_CG1_CPU,
        HUSK_CG1_CPUACCT,
        HUSK_CG1_CPUSET,
        HUSK_CG1_MEMORY,
        HUSK_CG1_DEVICES,
        HUSK_CG1_FREEZER,
        HUSK_CG1_BLKIO,
        HUSK_CG1_PIDS,
        HUSK_CG1_HUGETLB,
        HUSK_CG1_NET_CLS,
        HUSK_CG1_NET_PRIO,
        HUSK_CG1_RDMA,
        HUSK_CG1_PERF_EVENT,
        HUSK_CG1_MISC,
        HUSK_CG1_NAME_SYSTEMD, /* the named hierarchy "name=systemd" */
        HUSK_CG1_COUNT,
};
#define HUSK_CG1_BIT(c) (1u << (c))

/* "memory", "name=systemd"... */
const char *husk_cg1_ctrl_name(enum husk_cg1_ctrl c);

#define HUSK_CG_MOUNT_MAX 512
#define HUSK_CG1_MAX_HIER 16

struct husk_cg1_hier {
        unsigned ctrls;                    /* HUSK_CG1_BIT mask of what is co-mounted there */
        char mount[HUSK_CG_MOUNT_MAX];     /* "/sys/fs/cgroup/cpu,cpuacct" */
};

struct husk_cg_layout {
        enum husk_cgroup_mode mode;
        size_t n_v1;
        struct husk_cg1_hier v1[HUSK_CG1_MAX_HIER];
        char v2_mount[HUSK_CG_MOUNT_MAX]; /* "" when there is no cgroup2 */
};

/* Pure: the layout from the text of /proc/self/mountinfo. Only mounts of a hierarchy's root ("/") are
 * used; the first mount of each hierarchy wins. cgroup2 at /sys/fs/cgroup => V2; v1 controllers and a
 * cgroup2 elsewhere => HYBRID; v1 only => V1; a lone cgroup2 elsewhere => V2; nothing => NONE. */
void husk_cg_parse_mountinfo(const char *mountinfo, struct husk_cg_layout *ret);

/* Reads /proc/self/mountinfo. */
int husk_cg_read_layout(struct husk_cg_layout *ret, struct husk_error *err);

/* Pure: this process's cgroup as /proc/self/cgroup lists it: on v2 ("0::/path") the unified entry, on
 * v1 and hybrid the memory entry, else the pids one (as runc). Copied into buf. */
int husk_cg_own_path(const char *proc_self_cgroup, bool unified, char *buf, size_t size, struct husk_error *err);

/* Pure: cut the last component of a cgroup path in place ("/a/b" -> "/a", "/a" -> "/", "/" -> "/"). */
void husk_cg_path_parent(char *path);

/* Pure: the container's cgroup path ("/husk/<id>"), the same below every hierarchy. `own` is the
 * runtime's own cgroup (husk_cg_own_path), only used for a relative cgroupsPath. Caller frees. */
int husk_cg_resolve_path(const char *id, const char *cgroups_path, bool systemd, const char *own, char **ret,
                         struct husk_error *err);

/* ---- v1 value formatting (pure) ---- */

/* "c 1:3 rwm", "a *:* rwm", "b 8:* r" into buf. */
int husk_cg1_device_rule(const struct husk_device_cgroup_rule *rule, char *buf, size_t size, struct husk_error *err);

/* The devices every container may use whatever its rules say (runc's and crun's AllowedDevices), written
 * to devices.allow after the spec's rules. NULL-terminated. */
extern const char *const husk_cg1_default_devices[];

/* One knob write of a plan. */
struct husk_cg1_write {
        const char *file;
        char value[32];
};

/* memory.limit_in_bytes and memory.memsw.limit_in_bytes, in the order the kernel accepts: the memsw
 * limit may never be below the memory limit, so when raising (or setting swap unlimited) memsw goes
 * first, when lowering the memory limit goes first (runc's setMemoryAndSwap). cur_limit is the
 * current memory.limit_in_bytes; have_memsw whether the kernel has swap accounting. Fills up to 2
 * writes; returns their number. */
size_t husk_cg1_memory_plan(const struct husk_memory *m, bool have_memsw, uint64_t cur_limit,
                            struct husk_cg1_write out[static 2]);

/* ---- v1 backend internals (v1.c, v1_resources.c) ---- */

/* One hierarchy's directory of the container. */
struct husk_cg1_dir {
        unsigned ctrls;  /* co-mounted controllers */
        char *dir;       /* "/sys/fs/cgroup/memory/husk/<id>" */
        int fd;          /* O_DIRECTORY */
        int procs_fd;    /* "tasks" for writing (see husk_cg1_enter_self), opened by create; -1 after load (enter_self opens it then) */
        size_t created;  /* components of the path that create made (undone on failure), 0 after load */
};

struct husk_cg1 {
        char *path;
        size_t n;
        struct husk_cg1_dir d[HUSK_CG1_MAX_HIER];
};

/* The layout-taking forms of husk_cg1_create and husk_cg1_load (the dispatcher has read it already). */
int husk_cg1_create_in(const struct husk_cg_layout *l, const char *path, const struct husk_resources *r,
                       struct husk_cg1 **ret, struct husk_error *err);
int husk_cg1_load_in(const struct husk_cg_layout *l, const char *path, struct husk_cg1 **ret, struct husk_error *err);

/* The controllers the resources need beyond the always-created ones (cgroup.h's rule). */
unsigned husk_cg1_needed(const struct husk_resources *r);

/* The container's directory holding controller c; NULL when it has none. */
struct husk_cg1_dir *husk_cg1_find(struct husk_cg1 *cg, enum husk_cg1_ctrl c);

/* Write value to a knob of controller c: `cgroup memory: write memory.limit_in_bytes "abc": Invalid
 * argument`. -ENOENT (with the message) when the container has no such controller. */
int husk_cg1_set(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file, const char *value,
                 struct husk_error *err);
int husk_cg1_get_u64(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file, uint64_t *ret, struct husk_error *err);
bool husk_cg1_has_file(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file);

/* Apply r (v1_resources.c). `creating`: also reset the device list to deny-all, the spec's rules and
 * the defaults; update leaves devices alone, as runc's. */
int husk_cg1_apply(struct husk_cg1 *cg, const struct husk_resources *r, bool creating, struct husk_error *err);

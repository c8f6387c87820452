/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroups: what a container may use. One interface, backends for v1 (a hierarchy per controller),
 * v2 (unified) and hybrid hosts (v1 controllers plus a v2 tree beside them: the container is placed
 * in both). The backend is chosen from what the host mounts (/proc/self/mountinfo).
 *
 * Start-path rules (see shared/PERFORMANCE.md): on v1, creating a cpuset cgroup and freezing an
 * empty freezer cgroup flip kernel static keys (milliseconds each on this VM). So on v1 the cpuset
 * directory is only created when linux.resources sets cpus or mems (and hugetlb, net_cls, net_prio,
 * rdma only when set); pids, memory, devices, freezer, cpu, cpuacct, blkio and name=systemd always,
 * so that `update` can change them later as with runc. Delete never freezes an empty cgroup.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

enum husk_cgroup_mode {
        HUSK_CGROUP_NONE,   /* no cgroup filesystem mounted: every operation fails with ENOTSUP */
        HUSK_CGROUP_V1,     /* v1 controllers only */
        HUSK_CGROUP_HYBRID, /* v1 controllers plus a cgroup2 tree (e.g. /sys/fs/cgroup/unified) */
        HUSK_CGROUP_V2,     /* unified */
};

/* The container's cgroup: opaque, owned by the backend. */
struct husk_cgroup;

/* What create needs to know, all resolved before the container's processes exist. */
struct husk_cgroup_config {
        const char *id;                   /* container id */
        const char *cgroups_path;         /* linux.cgroupsPath; NULL or "": the default, "/husk/<id>" */
        const struct husk_resources *resources; /* NULL: none */
        bool systemd;                     /* --systemd-cgroup: a transient systemd unit ("slice:prefix:name") */
        bool rootless;                    /* runc's rootless cgroup rules, see husk_cgroup_create */
};

/* The host's layout. */
int husk_cgroup_detect_mode(enum husk_cgroup_mode *ret, struct husk_error *err);

/*
 * Create the container's cgroup(s), apply the resources, and open what the container's first process
 * needs to join them. Nothing of the container runs yet. On failure nothing is left behind.
 *
 * Rootless (cfg->rootless, as runc): no cgroupsPath means "<id>" relative to the caller's own cgroup,
 * on v2 to its parent (see cgroup.c); device rules are not applied (a user namespace cannot create
 * device nodes, and a device filter needs privileges); and when the cgroup cannot be created for
 * lack of permission, a container that sets no limit and no cgroupsPath runs without one (*ret is
 * then NULL), while one that sets limits is refused with an error that says so.
 */
int husk_cgroup_create(const struct husk_cgroup_config *cfg, struct husk_cgroup **ret, struct husk_error *err);

/*
 * The systemd driver makes a scope together with its first process: then create leaves the cgroup to
 * husk_cgroup_attach_pid, which the parent calls with the intermediate's pid after the fork (the
 * intermediate waits for it before anything else), and which applies the resources. For every other
 * cgroup needs_pid is false and the intermediate joins by itself (husk_cgroup_enter_self).
 */
bool husk_cgroup_needs_pid(const struct husk_cgroup *cg);
int husk_cgroup_attach_pid(struct husk_cgroup *cg, pid_t pid, struct husk_error *err);

/*
 * Called in the intermediate process (a fork of create, before it unshares the cgroup namespace and
 * forks the init): move the calling process into the container's cgroup(s), so the init and
 * everything after it is born inside. Uses only fds opened by husk_cgroup_create: async-signal-safe,
 * no allocation.
 */
int husk_cgroup_enter_self(const struct husk_cgroup *cg, struct husk_error *err);

/* The path recorded in state.json ("/husk/<id>", the same below every hierarchy); and reopening a
 * container's cgroup from it in later commands (start, kill, delete, pause, update, ps...). */
const char *husk_cgroup_path(const struct husk_cgroup *cg);
int husk_cgroup_load(const char *path, struct husk_cgroup **ret, struct husk_error *err);
/* The systemd unit holding the cgroup (state.json keeps it), NULL for the other drivers; and loading
 * with it, so that update sets the unit's properties and destroy stops the unit. A unit's cgroup that
 * systemd has already removed (a scope goes when its last process exits) is no error. */
const char *husk_cgroup_systemd_unit(const struct husk_cgroup *cg);
int husk_cgroup_load_unit(const char *path, const char *systemd_unit, struct husk_cgroup **ret,
                          struct husk_error *err);

/* Change limits of a running container (update); fields that are not set stay as they are. */
int husk_cgroup_update(struct husk_cgroup *cg, const struct husk_resources *r, struct husk_error *err);

/* pause/resume: freeze (v1 freezer.state FROZEN, v2 cgroup.freeze 1) and wait until the kernel says
 * it is complete; thaw. */
int husk_cgroup_freeze(struct husk_cgroup *cg, bool frozen, struct husk_error *err);
int husk_cgroup_is_frozen(struct husk_cgroup *cg, bool *ret, struct husk_error *err);

/* Every process of the container's cgroup (recursively), for ps and kill --all. Caller frees. */
int husk_cgroup_pids(struct husk_cgroup *cg, pid_t **ret, size_t *ret_n, struct husk_error *err);

/* Signal every process (v2 SIGKILL: cgroup.kill where present; otherwise freeze, signal each, thaw, so
 * none can fork away meanwhile). */
int husk_cgroup_kill(struct husk_cgroup *cg, int sig, struct husk_error *err);

/* Remove the cgroup(s) (children first), once their processes are gone; waits briefly for the kernel
 * to release a cgroup whose last process just died (EBUSY). Missing directories are not an error. */
int husk_cgroup_destroy(struct husk_cgroup *cg, struct husk_error *err);

void husk_cgroup_free(struct husk_cgroup *cg);
static inline void husk_cgroup_freep(struct husk_cgroup **cg)
{
        if (*cg)
                husk_cgroup_free(*cg);
}

/* Stats, as `events --stats` reports them (runc's types.Stats). */
struct husk_cg_memory_entry {
        uint64_t limit, usage, max, failcnt;
};
struct husk_cg_blkio_entry { /* one line of a v1 blkio file, or one field of a v2 io.stat line */
        uint64_t major, minor, value;
        char op[8]; /* "Read", "Write", "Sync", "Async", "Discard", "Total" */
};
struct husk_cg_hugetlb_entry {
        char pagesize[16]; /* "2MB", "1GB": the name the kernel gives the files */
        uint64_t usage, max, failcnt;
};
struct husk_cg_stat_kv { /* a line of memory.stat */
        char key[64];
        uint64_t value;
};
struct husk_cg_u64v {
        uint64_t *v;
        size_t n;
};
struct husk_cg_u16v {
        uint16_t *v;
        size_t n;
};
struct husk_cg_cpuset_stats {
        struct husk_cg_u16v cpus, mems;
        uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page,
                memory_spread_slab, memory_pressure, sched_load_balance;
        int64_t sched_relax_domain_level;
};
struct husk_cgroup_stats {
        uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
        uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_ns;
        struct husk_cg_u64v percpu, percpu_kernel, percpu_user; /* v1 cpuacct only */
        struct husk_cg_cpuset_stats cpuset;                    /* zeros without a cpuset cgroup */
        /* Summaries kept for callers that want one number each (memory_swap_usage: as the kernel
         * reports it, memsw on v1, swap alone on v2). */
        uint64_t memory_usage, memory_max_usage, memory_limit, memory_swap_usage, memory_oom_events;
        /* runc's memory entries: swap is memory+swap on both versions, as runc reports it. */
        uint64_t memory_cache;
        struct husk_cg_memory_entry memory, swap, kernel, kernel_tcp;
        struct husk_cg_stat_kv *memory_raw; /* memory.stat, in the kernel's order */
        size_t n_memory_raw;
        uint64_t pids_current, pids_limit; /* limit 0 = max */
        uint64_t io_read_bytes, io_write_bytes, io_read_ops, io_write_ops;
        struct husk_cg_blkio_entry *io_service_bytes, *io_serviced; /* per device and operation */
        size_t n_io_service_bytes, n_io_serviced;
        uint64_t hugetlb_usage; /* sum over page sizes */
        struct husk_cg_hugetlb_entry *hugetlb;
        size_t n_hugetlb;
};
/* Fills *ret (whose arrays the caller releases with husk_cgroup_stats_done, also after a failure). */
int husk_cgroup_stats(struct husk_cgroup *cg, struct husk_cgroup_stats *ret, struct husk_error *err);
void husk_cgroup_stats_done(struct husk_cgroup_stats *s);

/*
 * Placement at birth, for the intermediate's fork: on a host with a cgroup2 tree, the directory of the
 * container's v2 cgroup (an fd for clone3's CLONE_INTO_CGROUP), -1 otherwise. Writing cgroup.procs costs
 * an RCU grace period (~9 ms on this VM); being born inside costs nothing. A child born there joins the
 * rest with husk_cgroup_enter_self_cloned, which skips the v2 write.
 */
int husk_cgroup_clone_fd(const struct husk_cgroup *cg);
/* For a cgroup loaded from the state (exec): make husk_cgroup_clone_fd answer, as after create. */
int husk_cgroup_prepare_clone(struct husk_cgroup *cg, struct husk_error *err);

/* exec --cgroup "[controller[,controller]:]path": check the form (pure), and, in the process after it
 * joined the container's cgroup, move it into that existing sub-cgroup, in the v1 hierarchies of the
 * controllers named (all without a list, and then the v2 tree too). */
int husk_cgroup_check_sub(const char *spec, struct husk_error *err);
int husk_cgroup_enter_sub(const struct husk_cgroup *cg, const char *spec, struct husk_error *err);
int husk_cgroup_enter_self_cloned(const struct husk_cgroup *cg, struct husk_error *err);

/*
 * OOM notification (events). The watch's fd (pollable, O_CLOEXEC) becomes readable when the kernel
 * may have OOM-killed in the container's memory cgroup: on v1 an eventfd registered on
 * memory.oom_control through cgroup.event_control, on v2 an inotify watch on memory.events. Then
 * husk_cgroup_oom_watch_read drains it and counts the OOM kills since the watch was opened or last
 * read (the oom_kill counter, so a burst of kills is not folded into one wake-up; on v1 an OOM with the
 * killer disabled, which kills nothing, counts as one). A removed cgroup reads as no new kill.
 * -ENOENT or -ENOTSUP when the container's cgroup has no memory controller.
 */
struct husk_cgroup_oom_watch;
int husk_cgroup_oom_watch(struct husk_cgroup *cg, struct husk_cgroup_oom_watch **ret, struct husk_error *err);
int husk_cgroup_oom_watch_fd(const struct husk_cgroup_oom_watch *w);
int husk_cgroup_oom_watch_read(struct husk_cgroup_oom_watch *w, uint64_t *ret_kills, struct husk_error *err);
void husk_cgroup_oom_watch_free(struct husk_cgroup_oom_watch *w);
static inline void husk_cgroup_oom_watch_freep(struct husk_cgroup_oom_watch **w)
{
        if (*w)
                husk_cgroup_oom_watch_free(*w);
}

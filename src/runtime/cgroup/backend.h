/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/runtime/cgroup/: the two backends behind cgroup.h. cgroup.c (the dispatcher: layout
 * detection, path resolution, which backend does what on a hybrid host) calls these.
 * On a hybrid host v1 carries every controller it has, and the v2 tree is used for placement and for
 * the controllers only it has (here: hugetlb); `unified` keys are refused unless v2 alone is in use.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "runtime/cgroup/cgroup.h"
#include "util/error.h"

struct husk_cg1; /* v1: a directory per used controller; v1.c */
struct husk_cg2; /* v2: one directory; v2.c */
struct husk_cgsd; /* --systemd-cgroup: the transient unit holding the cgroup; systemd.c */

struct husk_cgroup {
        enum husk_cgroup_mode mode;
        char *path;           /* "/husk/<id>": the same below every hierarchy */
        struct husk_cg1 *v1;  /* V1 and HYBRID */
        struct husk_cg2 *v2;  /* V2 and HYBRID */
        int v2_dirfd;         /* the v2 directory for clone3(CLONE_INTO_CGROUP), after create; else -1 */
        struct husk_cgsd *sd; /* systemd driver: the unit (the v2 backend then works on its cgroup) */
        /* A scope is made with its first process (husk_cgroup_attach_pid); until then the resources to
         * write once it exists. Borrowed from the caller of create, which outlives the attach. */
        const struct husk_resources *pending;
        bool awaiting_pid;
};

/* ---- v2 (unified) ---- */
/* mount: where the cgroup2 filesystem is mounted ("/sys/fs/cgroup" or "/sys/fs/cgroup/unified").
 * `r` may be NULL (hybrid placement only). Creates the directory and its parents, enabling in each
 * parent's cgroup.subtree_control the controllers the resources need (only those the parent offers),
 * applies r, opens cgroup.procs. */
int husk_cg2_create(const char *mount, const char *path, const struct husk_resources *r, struct husk_cg2 **ret,
                    struct husk_error *err);
int husk_cg2_load(const char *mount, const char *path, struct husk_cg2 **ret, struct husk_error *err);
int husk_cg2_enter_self(const struct husk_cg2 *cg, struct husk_error *err);
int husk_cg2_update(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err);
int husk_cg2_freeze(struct husk_cg2 *cg, bool frozen, struct husk_error *err);
int husk_cg2_is_frozen(struct husk_cg2 *cg, bool *ret, struct husk_error *err);
int husk_cg2_pids(struct husk_cg2 *cg, pid_t **ret, size_t *ret_n, struct husk_error *err);
int husk_cg2_kill(struct husk_cg2 *cg, int sig, struct husk_error *err);
int husk_cg2_destroy(struct husk_cg2 *cg, struct husk_error *err);
int husk_cg2_stats(struct husk_cg2 *cg, struct husk_cgroup_stats *ret, struct husk_error *err);
void husk_cg2_free(struct husk_cg2 *cg);

/* ---- v1 ---- */
/* Creates <controller mount>/<path> for each controller the container needs (see cgroup.h), applies
 * r, opens each cgroup.procs. */
int husk_cg1_create(const char *path, const struct husk_resources *r, struct husk_cg1 **ret, struct husk_error *err);
int husk_cg1_load(const char *path, struct husk_cg1 **ret, struct husk_error *err);
int husk_cg1_enter_self(const struct husk_cg1 *cg, struct husk_error *err);
int husk_cg1_update(struct husk_cg1 *cg, const struct husk_resources *r, struct husk_error *err);
int husk_cg1_freeze(struct husk_cg1 *cg, bool frozen, struct husk_error *err);
int husk_cg1_is_frozen(struct husk_cg1 *cg, bool *ret, struct husk_error *err);
int husk_cg1_pids(struct husk_cg1 *cg, pid_t **ret, size_t *ret_n, struct husk_error *err);
int husk_cg1_kill(struct husk_cg1 *cg, int sig, struct husk_error *err);
int husk_cg1_destroy(struct husk_cg1 *cg, struct husk_error *err);
int husk_cg1_stats(struct husk_cg1 *cg, struct husk_cgroup_stats *ret, struct husk_error *err);
void husk_cg1_free(struct husk_cg1 *cg);

/* ---- OOM watch sources (v1_events.c, v2_events.c; oom_watch.c reads them) ---- */
/* *ret_fd: the fd that wakes on an OOM (v1: an eventfd registered on memory.oom_control; v2: inotify
 * on memory.events), non-blocking; *ret_dirfd: the memory cgroup's directory, for the counters. */
int husk_cg1_oom_watch_open(struct husk_cg1 *cg, int *ret_fd, int *ret_dirfd, struct husk_error *err);
int husk_cg2_oom_watch_open(struct husk_cg2 *cg, int *ret_fd, int *ret_dirfd, struct husk_error *err);

/* ---- systemd driver (systemd.c) ---- */
/* Parses cfg->cgroups_path (slice:prefix:name), translates the resources to unit properties and
 * connects to systemd; refuses when systemd is not PID 1. Starts nothing yet. */
int husk_cgsd_new(const struct husk_cgroup_config *cfg, bool unified, struct husk_cgsd **ret, struct husk_error *err);
const char *husk_cgsd_path(const struct husk_cgsd *sd); /* "/system.slice/husk-<id>.scope" */
const char *husk_cgsd_unit(const struct husk_cgsd *sd);
bool husk_cgsd_is_slice(const struct husk_cgsd *sd);
/* StartTransientUnit and wait for the job; pid > 0 is the scope's first process (PIDs=). */
int husk_cgsd_start(struct husk_cgsd *sd, pid_t pid, struct husk_error *err);
/* A started unit by name, for later commands; connects to systemd only when update or stop need it. */
int husk_cgsd_load(const char *unit, struct husk_cgsd **ret, struct husk_error *err);
/* SetUnitProperties(runtime) with the limits of r that systemd has properties for. */
int husk_cgsd_update(struct husk_cgsd *sd, const struct husk_resources *r, bool unified, struct husk_error *err);
/* StopUnit, waiting for the job; nothing to do when it was never started or is gone already. */
int husk_cgsd_stop(struct husk_cgsd *sd, struct husk_error *err);
void husk_cgsd_free(struct husk_cgsd *sd);

/* ---- pure translations (unit-tested; v2.c and v1.c share them) ---- */
/* v1 cpu.shares (2..262144) -> v2 cpu.weight (1..10000), the formula runc and crun use. */
uint64_t husk_cg_shares_to_weight(uint64_t shares);
/* v1 blkio weight (10..1000) -> v2 io.weight (1..10000), as runc. */
uint64_t husk_cg_blkio_weight_to_io_weight(uint64_t weight);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dispatcher: which backend does what. V1 and HYBRID: the v1 backend carries every resource; on
 * HYBRID the container is also placed in the cgroup2 tree, without resources: that tree's controllers
 * (hugetlb here) are not enabled at its root, and enabling them would mean writing the host's root
 * cgroup, which a runtime must not reconfigure. V2: the v2 backend alone. --systemd-cgroup (V2 only): a
 * transient unit (systemd.c) whose cgroup the v2 backend then works on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

int husk_cgroup_detect_mode(enum husk_cgroup_mode *ret, struct husk_error *err)
{
        struct husk_cg_layout l;
        int r = husk_cg_read_layout(&l, err);
        if (r < 0)
                return r;
        *ret = l.mode;
        return 0;
}

void husk_cgroup_free(struct husk_cgroup *cg)
{
        if (!cg)
                return;
        husk_cg1_free(cg->v1);
        husk_cg2_free(cg->v2);
        husk_cgsd_free(cg->sd);
        if (cg->v2_dirfd >= 0)
                (void) close(cg->v2_dirfd);
        free(cg->path);
        free(cg);
}

static int no_cgroups(const struct husk_cgroup *cg, struct husk_error *err)
{
        if (cg && cg->sd)
                return husk_error_set(err, ENOENT, "systemd unit %s: its cgroup %s is gone", husk_cgsd_unit(cg->sd),
                                      cg->path);
        return husk_error_set(err, ENOTSUP, "cgroups: no cgroup filesystem is mounted on this host");
}

/* A systemd unit whose cgroup systemd has removed: its processes are all gone. */
static bool unit_gone(const struct husk_cgroup *cg)
{
        return cg->sd && !cg->v1 && !cg->v2;
}

/* The undo of a create that failed half-way. */
static void cgroup_undo(struct husk_cgroup **p)
{
        if (!*p)
                return;
        (void) husk_cgroup_destroy(*p, NULL);
        husk_cgroup_free(*p);
}

static int resolve(const struct husk_cgroup_config *cfg, const struct husk_cg_layout *l, char **ret,
                   struct husk_error *err)
{
        _cleanup_free_ char *proc = NULL;
        char own[HUSK_CG_MOUNT_MAX];
        const char *cgroups_path = cfg->cgroups_path;
        /* "/husk/<id>" below the root is not a user's to create: a rootless container's default is
         * relative, runc's Name=<id> with no Parent. */
        if (cfg->rootless && !cfg->systemd && (!cgroups_path || !cgroups_path[0]))
                cgroups_path = cfg->id;
        bool relative = cgroups_path && cgroups_path[0] && cgroups_path[0] != '/';
        if (relative && !cfg->systemd) {
                size_t len;
                int r = husk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &proc, &len, err);
                if (r < 0)
                        return r;
                r = husk_cg_own_path(proc, l->mode == HUSK_CGROUP_V2, own, sizeof(own), err);
                if (r < 0)
                        return husk_error_prefix(err, "linux.cgroupsPath \"%s\": ", cgroups_path);
                /* Rootless on v2, the parent of the caller's cgroup, as runc's fs2: the caller's own
                 * cgroup holds the caller, and a cgroup with processes cannot enable controllers for
                 * its children (no internal processes). In a delegated subtree (systemd's
                 * user@UID.service) the caller sits in a leaf, and the parent is the delegated cgroup
                 * whose subtree_control the user may write. */
                if (cfg->rootless && l->mode == HUSK_CGROUP_V2)
                        husk_cg_path_parent(own);
        }
        return husk_cg_resolve_path(cfg->id, cgroups_path, cfg->systemd, proc ? own : NULL, ret, err);
}

/* Any limit besides the device list: what a rootless container cannot have without a cgroup. */
static bool has_limits(const struct husk_resources *r)
{
        return r && (r->has_memory || r->has_cpu || r->has_blkio || r->n_hugepage_limits || r->has_network ||
                     r->has_class_id || r->n_net_priorities || r->has_pids || r->n_rdma || r->n_unified);
}

static int create_v2(const struct husk_cgroup_config *cfg, const struct husk_cg_layout *l, struct husk_cgroup *cg,
                     struct husk_error *err)
{
        if (l->mode == HUSK_CGROUP_V2 && cfg->rootless) {
                /* Placement first, then the limits without the device filter: attaching a
                 * BPF_CGROUP_DEVICE program takes privileges a user does not have (runc ignores the
                 * failure for rootless containers; not trying costs nothing). */
                int r = husk_cg2_create(l->v2_mount, cg->path, NULL, &cg->v2, err);
                if (r < 0 || !has_limits(cfg->resources))
                        return r;
                struct husk_resources limits = *cfg->resources;
                limits.devices = NULL;
                limits.n_devices = 0;
                return husk_cg2_update(cg->v2, &limits, err);
        }
        /* On v2, NULL resources means "placement only" to the backend (the hybrid case): a config
         * without linux.resources still gets the default device filter, so hand the backend an empty
         * set instead. */
        static const struct husk_resources no_resources = { 0 };
        const struct husk_resources *v2r = NULL;
        if (l->mode == HUSK_CGROUP_V2)
                v2r = cfg->resources ? cfg->resources : &no_resources;
        return husk_cg2_create(l->v2_mount, cg->path, v2r, &cg->v2, err);
}

static int cgroup_new(enum husk_cgroup_mode mode, const char *path, struct husk_cgroup **ret, struct husk_error *err)
{
        struct husk_cgroup *cg = calloc(1, sizeof(*cg));
        if (!cg)
                return husk_error_errno(err, ENOMEM, "cgroup");
        cg->v2_dirfd = -1;
        cg->mode = mode;
        cg->path = strdup(path);
        if (!cg->path) {
                free(cg);
                return husk_error_errno(err, ENOMEM, "cgroup");
        }
        *ret = cg;
        return 0;
}

/* create_v2, then the directory for clone3(CLONE_INTO_CGROUP). */
static int create_v2_open(const struct husk_cgroup_config *cfg, const struct husk_cg_layout *l, struct husk_cgroup *cg,
                          struct husk_error *err)
{
        int r = create_v2(cfg, l, cg, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s%s", l->v2_mount, cg->path) < 0)
                return husk_error_errno(err, ENOMEM, "cgroup");
        cg->v2_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg->v2_dirfd < 0)
                return husk_error_errno(err, errno, "cgroup: open %s", dir);
        return 0;
}

static int create_in(const struct husk_cgroup_config *cfg, const struct husk_cg_layout *l, const char *path,
                     struct husk_cgroup **ret, struct husk_error *err)
{
        struct husk_cgroup *raw = NULL;
        int r = cgroup_new(l->mode, path, &raw, err);
        if (r < 0)
                return r;
        _cleanup_(cgroup_undo) struct husk_cgroup *cg = raw;
        if (l->mode != HUSK_CGROUP_V2) {
                r = husk_cg1_create_in(l, path, cfg->resources, &cg->v1, err);
                if (r < 0)
                        return r;
        }
        if (l->mode != HUSK_CGROUP_V1) {
                r = create_v2_open(cfg, l, cg, err);
                if (r < 0)
                        return r;
        }
        *ret = steal_ptr(cg);
        return 0;
}

/*
 * --systemd-cgroup. Only on a unified host: on v1 systemd manages a few controllers' hierarchies and
 * not the others (freezer, cpuset...), and the process would have to be moved into those by hand
 * after systemd placed it; not built, so refused rather than half done. Nor for rootless containers
 * (systemd --user, the user's bus): not built either.
 */
static int create_systemd(const struct husk_cgroup_config *cfg, const struct husk_cg_layout *l,
                          struct husk_cgroup **ret, struct husk_error *err)
{
        struct husk_cgsd *sd = NULL;
        int r = husk_cgsd_new(cfg, l->mode == HUSK_CGROUP_V2, &sd, err);
        if (r < 0)
                return r;
        struct husk_cgroup *raw = NULL;
        r = cgroup_new(l->mode, husk_cgsd_path(sd), &raw, err);
        if (r < 0) {
                husk_cgsd_free(sd);
                return r;
        }
        _cleanup_(cgroup_undo) struct husk_cgroup *cg = raw;
        cg->sd = sd;
        if (l->mode != HUSK_CGROUP_V2)
                return husk_error_set(err, ENOTSUP,
                                      "--systemd-cgroup: supported on cgroup v2 (unified) hosts only; this host has v1 controllers");
        if (cfg->rootless)
                return husk_error_set(err, ENOTSUP,
                                      "--systemd-cgroup: not for rootless containers (systemd --user is not supported)");
        if (husk_cgsd_is_slice(sd)) {
                /* A slice takes no PIDs: the intermediate is born in it, as in any other cgroup. */
                r = husk_cgsd_start(sd, 0, err);
                if (r < 0)
                        return r;
                r = create_v2_open(cfg, l, cg, err);
                if (r < 0)
                        return r;
        } else {
                cg->pending = cfg->resources;
                cg->awaiting_pid = true;
        }
        *ret = steal_ptr(cg);
        return 0;
}

bool husk_cgroup_needs_pid(const struct husk_cgroup *cg)
{
        return cg->awaiting_pid;
}

int husk_cgroup_attach_pid(struct husk_cgroup *cg, pid_t pid, struct husk_error *err)
{
        if (!cg->awaiting_pid)
                return 0;
        /* systemd moves pid into the new scope's cgroup before the job completes. */
        int r = husk_cgsd_start(cg->sd, pid, err);
        if (r < 0)
                return r;
        cg->awaiting_pid = false;
        struct husk_cg_layout l;
        r = husk_cg_read_layout(&l, err);
        if (r < 0)
                return r;
        const struct husk_cgroup_config cfg = { .resources = cg->pending, .systemd = true };
        cg->pending = NULL;
        return create_v2(&cfg, &l, cg, err);
}

const char *husk_cgroup_systemd_unit(const struct husk_cgroup *cg)
{
        return cg->sd ? husk_cgsd_unit(cg->sd) : NULL;
}

/* The host's layout; a host without cgroups is an error here. */
static int read_layout(struct husk_cg_layout *l, struct husk_error *err)
{
        int r = husk_cg_read_layout(l, err);
        if (r < 0)
                return r;
        return l->mode == HUSK_CGROUP_NONE ? no_cgroups(NULL, err) : 0;
}

int husk_cgroup_create(const struct husk_cgroup_config *cfg, struct husk_cgroup **ret, struct husk_error *err)
{
        struct husk_cg_layout l;
        int r = read_layout(&l, err);
        if (r < 0)
                return r;
        if (cfg->systemd)
                return create_systemd(cfg, &l, ret, err);
        _cleanup_free_ char *path = NULL;
        r = resolve(cfg, &l, &path, err);
        if (r < 0)
                return r;
        r = create_in(cfg, &l, path, ret, err);
        if (r >= 0 || !cfg->rootless || (r != -EACCES && r != -EPERM && r != -EROFS))
                return r;
        /* Rootless and not permitted, as runc: a container that asks for limits is refused, since it
         * would run without them; one that names its cgroup gets the error; any other runs without a
         * cgroup (v1, or v2 without a delegated subtree). */
        if (has_limits(cfg->resources))
                return husk_error_prefix(err, "rootless container: linux.resources set, but the user may not create "
                                              "its cgroup %s (limits need cgroup v2 with a subtree delegated to the "
                                              "user): ", path);
        if (cfg->cgroups_path && cfg->cgroups_path[0])
                return husk_error_prefix(err, "rootless container: linux.cgroupsPath \"%s\": ", cfg->cgroups_path);
        husk_error_clear(err);
        *ret = NULL;
        return 0;
}

int husk_cgroup_load(const char *path, struct husk_cgroup **ret, struct husk_error *err)
{
        return husk_cgroup_load_unit(path, NULL, ret, err);
}

int husk_cgroup_load_unit(const char *path, const char *systemd_unit, struct husk_cgroup **ret,
                          struct husk_error *err)
{
        if (!path || path[0] != '/' || strcmp(path, "/") == 0)
                return husk_error_set(err, EINVAL, "cgroup path \"%s\": not a container's cgroup", path ? path : "");
        struct husk_cg_layout l;
        int r = read_layout(&l, err);
        if (r < 0)
                return r;
        struct husk_cgroup *cg = NULL;
        r = cgroup_new(l.mode, path, &cg, err);
        if (r < 0)
                return r;
        _cleanup_(husk_cgroup_freep) struct husk_cgroup *owned = cg;
        if (systemd_unit && (r = husk_cgsd_load(systemd_unit, &cg->sd, err)) < 0)
                return r;
        if (l.mode != HUSK_CGROUP_V2) {
                r = husk_cg1_load_in(&l, path, &cg->v1, err);
                if (r < 0)
                        return r;
        }
        if (l.mode != HUSK_CGROUP_V1) {
                r = husk_cg2_load(l.v2_mount, path, &cg->v2, err);
                /* On a hybrid host the v2 placement is secondary: a directory already gone is no reason
                 * to fail kill or delete. Nor is a unit's cgroup that systemd removed with the scope's
                 * last process. */
                if (r < 0 && !((l.mode == HUSK_CGROUP_HYBRID || systemd_unit) && r == -ENOENT))
                        return r;
                husk_error_clear(err);
        }
        *ret = steal_ptr(owned);
        return 0;
}

int husk_cgroup_enter_self(const struct husk_cgroup *cg, struct husk_error *err)
{
        int r;
        if (cg->v1 && (r = husk_cg1_enter_self(cg->v1, err)) < 0)
                return r;
        if (cg->v2 && (r = husk_cg2_enter_self(cg->v2, err)) < 0)
                return r;
        return 0;
}

int husk_cgroup_clone_fd(const struct husk_cgroup *cg)
{
        return cg->v2_dirfd;
}

int husk_cgroup_enter_self_cloned(const struct husk_cgroup *cg, struct husk_error *err)
{
        return cg->v1 ? husk_cg1_enter_self(cg->v1, err) : 0;
}

const char *husk_cgroup_path(const struct husk_cgroup *cg)
{
        return cg->path;
}

int husk_cgroup_update(struct husk_cgroup *cg, const struct husk_resources *r, struct husk_error *err)
{
        /* The unit's properties first: systemd rewrites the files it owns from them, so the files
         * written after match what it would write. */
        if (cg->sd && !unit_gone(cg)) {
                int rc = husk_cgsd_update(cg->sd, r, cg->mode == HUSK_CGROUP_V2, err);
                if (rc < 0)
                        return rc;
        }
        if (cg->v1)
                return husk_cg1_update(cg->v1, r, err);
        if (cg->v2)
                return husk_cg2_update(cg->v2, r, err);
        return no_cgroups(cg, err);
}

int husk_cgroup_freeze(struct husk_cgroup *cg, bool frozen, struct husk_error *err)
{
        if (cg->v1)
                return husk_cg1_freeze(cg->v1, frozen, err);
        if (cg->v2)
                return husk_cg2_freeze(cg->v2, frozen, err);
        return no_cgroups(cg, err);
}

int husk_cgroup_is_frozen(struct husk_cgroup *cg, bool *ret, struct husk_error *err)
{
        if (cg->v1)
                return husk_cg1_is_frozen(cg->v1, ret, err);
        if (cg->v2)
                return husk_cg2_is_frozen(cg->v2, ret, err);
        return no_cgroups(cg, err);
}

int husk_cgroup_pids(struct husk_cgroup *cg, pid_t **ret, size_t *ret_n, struct husk_error *err)
{
        if (unit_gone(cg)) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (cg->v1)
                return husk_cg1_pids(cg->v1, ret, ret_n, err);
        if (cg->v2)
                return husk_cg2_pids(cg->v2, ret, ret_n, err);
        return no_cgroups(cg, err);
}

int husk_cgroup_kill(struct husk_cgroup *cg, int sig, struct husk_error *err)
{
        if (unit_gone(cg))
                return 0;
        if (cg->v1)
                return husk_cg1_kill(cg->v1, sig, err);
        if (cg->v2)
                return husk_cg2_kill(cg->v2, sig, err);
        return no_cgroups(cg, err);
}

int husk_cgroup_destroy(struct husk_cgroup *cg, struct husk_error *err)
{
        /* The unit first: systemd removes its cgroup when it stops it (the processes are gone by now);
         * the backend then removes what remains (sub-cgroups the container made) or finds nothing. */
        if (cg->sd) {
                int rs = husk_cgsd_stop(cg->sd, err);
                if (rs < 0)
                        return rs;
        }
        int r1 = cg->v1 ? husk_cg1_destroy(cg->v1, err) : 0;
        struct husk_error e2 = { 0 };
        int r2 = cg->v2 ? husk_cg2_destroy(cg->v2, &e2) : 0;
        if (r1 < 0)
                return r1;
        if (r2 < 0 && err)
                *err = e2;
        return r2;
}

int husk_cgroup_stats(struct husk_cgroup *cg, struct husk_cgroup_stats *ret, struct husk_error *err)
{
        if (cg->v1)
                return husk_cg1_stats(cg->v1, ret, err);
        if (cg->v2)
                return husk_cg2_stats(cg->v2, ret, err);
        return no_cgroups(cg, err);
}

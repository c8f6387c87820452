/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v1 backend: a directory per used hierarchy, the same path below each. Resources are in
 * v1_resources.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Always created: what tracks processes and enforces the defaults, plus what `update` may change
 * later (cpu, blkio) and what stats read (cpuacct): their creation flips no static key. cpuset stays
 * lazy (creating the first one flips a key: milliseconds here) unless the container's parent restricts
 * CPUs or memory nodes (cpuset_parent_restricts); `update --cpuset-*` makes it later (add_missing). */
#define ALWAYS                                                                                           \
        (HUSK_CG1_BIT(HUSK_CG1_PIDS) | HUSK_CG1_BIT(HUSK_CG1_MEMORY) | HUSK_CG1_BIT(HUSK_CG1_DEVICES) |   \
         HUSK_CG1_BIT(HUSK_CG1_FREEZER) | HUSK_CG1_BIT(HUSK_CG1_NAME_SYSTEMD) | HUSK_CG1_BIT(HUSK_CG1_CPU) | \
         HUSK_CG1_BIT(HUSK_CG1_CPUACCT) | HUSK_CG1_BIT(HUSK_CG1_BLKIO))

#define FREEZE_TIMEOUT_MS 5000
#define RMDIR_BUSY_MS     1000

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static enum husk_cg1_ctrl first_ctrl(unsigned ctrls)
{
        for (int i = 0; i < HUSK_CG1_COUNT; i++)
                if (ctrls & HUSK_CG1_BIT(i))
                        return (enum husk_cg1_ctrl) i;
        return HUSK_CG1_COUNT;
}

unsigned husk_cg1_needed(const struct husk_resources *r)
{
        unsigned need = ALWAYS;
        if (!r)
                return need;
        const struct husk_cpu *c = &r->cpu;
        if (r->has_cpu && (c->has_shares || c->has_quota || c->has_burst || c->has_period ||
                           c->has_realtime_runtime || c->has_realtime_period || c->has_idle))
                need |= HUSK_CG1_BIT(HUSK_CG1_CPU);
        if (r->has_cpu && ((c->cpus && c->cpus[0]) || (c->mems && c->mems[0])))
                need |= HUSK_CG1_BIT(HUSK_CG1_CPUSET);
        const struct husk_blkio *b = &r->blkio;
        if (r->has_blkio && (b->has_weight || b->has_leaf_weight || b->n_weight_device || b->n_throttle_read_bps ||
                             b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops))
                need |= HUSK_CG1_BIT(HUSK_CG1_BLKIO);
        if (r->n_hugepage_limits)
                need |= HUSK_CG1_BIT(HUSK_CG1_HUGETLB);
        if (r->has_network && r->has_class_id)
                need |= HUSK_CG1_BIT(HUSK_CG1_NET_CLS);
        if (r->has_network && r->n_net_priorities)
                need |= HUSK_CG1_BIT(HUSK_CG1_NET_PRIO);
        if (r->n_rdma)
                need |= HUSK_CG1_BIT(HUSK_CG1_RDMA);
        return need;
}

struct husk_cg1_dir *husk_cg1_find(struct husk_cg1 *cg, enum husk_cg1_ctrl c)
{
        for (size_t i = 0; i < cg->n; i++)
                if (cg->d[i].ctrls & HUSK_CG1_BIT(c))
                        return &cg->d[i];
        return NULL;
}

int husk_cg1_set(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file, const char *value,
                 struct husk_error *err)
{
        const char *name = husk_cg1_ctrl_name(c);
        struct husk_cg1_dir *d = husk_cg1_find(cg, c);
        if (!d)
                return husk_error_set(err, ENOENT, "cgroup %s: write %s \"%s\": the container has no %s cgroup", name,
                                      file, value, name);
        _cleanup_close_ int fd = openat(d->fd, file, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "cgroup %s: write %s \"%s\"", name, file, value);
        size_t len = strlen(value);
        ssize_t n;
        while ((n = write(fd, value, len)) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return husk_error_errno(err, errno, "cgroup %s: write %s \"%s\"", name, file, value);
        if (close(steal_fd(fd)) < 0 && errno != EINTR)
                return husk_error_errno(err, errno, "cgroup %s: write %s \"%s\"", name, file, value);
        return 0;
}

static int read_knob(struct husk_cg1_dir *d, const char *name, const char *file, char **ret, struct husk_error *err)
{
        size_t len;
        int r = husk_read_file_at(d->fd, file, ret, &len, err);
        if (r < 0)
                return husk_error_prefix(err, "cgroup %s: ", name);
        return 0;
}

int husk_cg1_get_u64(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file, uint64_t *ret, struct husk_error *err)
{
        struct husk_cg1_dir *d = husk_cg1_find(cg, c);
        if (!d)
                return husk_error_set(err, ENOENT, "cgroup %s: read %s: no such cgroup", husk_cg1_ctrl_name(c), file);
        _cleanup_free_ char *s = NULL;
        int r = read_knob(d, husk_cg1_ctrl_name(c), file, &s, err);
        if (r < 0)
                return r;
        if (strncmp(s, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s)
                return husk_error_set(err, EINVAL, "cgroup %s: %s: not a number: \"%s\"", husk_cg1_ctrl_name(c), file, s);
        *ret = v;
        return 0;
}

bool husk_cg1_has_file(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file)
{
        struct husk_cg1_dir *d = husk_cg1_find(cg, c);
        return d && faccessat(d->fd, file, F_OK, 0) == 0;
}

void husk_cg1_free(struct husk_cg1 *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n; i++) {
                free(cg->d[i].dir);
                if (cg->d[i].fd >= 0)
                        (void) close(cg->d[i].fd);
                if (cg->d[i].procs_fd >= 0)
                        (void) close(cg->d[i].procs_fd);
        }
        free(cg->path);
        free(cg);
}

static struct husk_cg1 *cg1_new(const char *path)
{
        struct husk_cg1 *cg = calloc(1, sizeof(*cg));
        if (!cg)
                return NULL;
        cg->path = strdup(path);
        if (!cg->path) {
                free(cg);
                return NULL;
        }
        return cg;
}

/* rmdir with the brief wait for a cgroup whose last task has exited but is not yet released. */
static int rmdir_busy(const char *dir)
{
        for (long waited = 0;; waited++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || waited >= RMDIR_BUSY_MS)
                        return -errno;
                sleep_ms(1);
        }
}

/* Children first: the container may have made sub-cgroups of its own (cgroup namespace). */
static int remove_tree(const char *dir, struct husk_error *err)
{
        /* The common case, a leaf that is already empty, needs no listing. */
        if (rmdir(dir) == 0 || errno == ENOENT)
                return 0;
        DIR *dp = opendir(dir);
        if (!dp)
                return errno == ENOENT ? 0 : husk_error_errno(err, errno, "cgroup: open %s", dir);
        _cleanup_closedir_ DIR *d = dp;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *sub = NULL;
                if (asprintf(&sub, "%s/%s", dir, e->d_name) < 0)
                        return husk_error_errno(err, ENOMEM, "cgroup: remove %s", dir);
                int r = remove_tree(sub, err);
                if (r < 0)
                        return r;
        }
        int r = rmdir_busy(dir);
        if (r < 0)
                return husk_error_errno(err, -r, "cgroup: remove %s", dir);
        return 0;
}

/* Undo of a create that failed: the directories it made, deepest first; parents shared with other
 * containers are left if they are not empty (rmdir refuses). */
static void cg1_undo(struct husk_cg1 **p)
{
        struct husk_cg1 *cg = *p;
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n; i++) {
                struct husk_cg1_dir *d = &cg->d[i];
                if (!d->created || !d->dir)
                        continue;
                (void) remove_tree(d->dir, NULL);
                _cleanup_free_ char *up = strdup(d->dir);
                for (size_t k = 1; up && k < d->created; k++) {
                        char *slash = strrchr(up, '/');
                        if (!slash || slash == up)
                                break;
                        *slash = '\0';
                        if (rmdir(up) < 0)
                                break;
                }
        }
        husk_cg1_free(cg);
}

/* cpuset refuses tasks until cpuset.cpus and cpuset.mems are set, and a new directory starts with
 * them empty: copy the parent's (cgroup.clone_children would do it, but it is the host's setting). */
static int cpuset_inherit(int parent_fd, int fd, const char *dir, struct husk_error *err)
{
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *v = NULL;
                size_t len;
                int r = husk_read_file_at(fd, files[i], &v, &len, err);
                if (r < 0)
                        return husk_error_prefix(err, "cgroup cpuset: %s: ", dir);
                if (len && v[0] != '\n')
                        continue;
                free(v);
                v = NULL;
                r = husk_read_file_at(parent_fd, files[i], &v, &len, err);
                if (r < 0)
                        return husk_error_prefix(err, "cgroup cpuset: parent of %s: ", dir);
                r = husk_write_file_at(fd, files[i], v, len, err);
                if (r < 0)
                        return husk_error_prefix(err, "cgroup cpuset: %s: ", dir);
        }
        return 0;
}

/* mkdir -p of path below the hierarchy's mount, counting what was made. */
static int make_dir(const struct husk_cg1_hier *h, const char *path, struct husk_cg1_dir *d, struct husk_error *err)
{
        const char *name = husk_cg1_ctrl_name(first_ctrl(h->ctrls));
        bool cpuset = h->ctrls & HUSK_CG1_BIT(HUSK_CG1_CPUSET);
        _cleanup_close_ int fd = open(h->mount, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "cgroup %s: open %s", name, h->mount);
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return husk_error_errno(err, ENOMEM, "cgroup %s", name);
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                bool made = false;
                if (mkdirat(fd, c, 0755) == 0)
                        made = true;
                else if (errno != EEXIST)
                        return husk_error_errno(err, errno, "cgroup %s: mkdir %s%s", name, h->mount, path);
                if (made || d->created)
                        d->created++;
                _cleanup_close_ int sub = openat(fd, c, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                if (sub < 0)
                        return husk_error_errno(err, errno, "cgroup %s: open %s%s", name, h->mount, path);
                if (cpuset && made) {
                        int r = cpuset_inherit(fd, sub, c, err);
                        if (r < 0)
                                return r;
                }
                (void) close(fd);
                fd = steal_fd(sub);
        }
        d->fd = steal_fd(fd);
        return 0;
}

/*
 * A lazy cpuset is only right while the container's parent does not restrict CPUs or memory nodes: a
 * parent that does (podman's --cgroup-parent, a kubelet pod's) must confine the container, which would
 * escape it if left in its caller's cpuset. Such a parent is an online cpuset, so the static key is on
 * already and one more child costs what any other mkdir does.
 */
static bool cpuset_parent_restricts(const struct husk_cg_layout *l, const char *path)
{
        const char *slash = strrchr(path, '/');
        while (*path == '/')
                path++;
        if (!slash || slash <= path)
                return false;
        for (size_t i = 0; i < l->n_v1; i++) {
                if (!(l->v1[i].ctrls & HUSK_CG1_BIT(HUSK_CG1_CPUSET)))
                        continue;
                _cleanup_close_ int root = open(l->v1[i].mount, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                _cleanup_free_ char *parent = strndup(path, (size_t) (slash - path));
                if (root < 0 || !parent)
                        return false;
                _cleanup_close_ int fd = openat(root, parent, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return false;
                static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
                for (size_t j = 0; j < HUSK_ARRAY_SIZE(files); j++) {
                        _cleanup_free_ char *a = NULL, *b = NULL;
                        size_t la = 0, lb = 0;
                        if (husk_read_file_at(root, files[j], &a, &la, NULL) < 0 ||
                            husk_read_file_at(fd, files[j], &b, &lb, NULL) < 0)
                                return false;
                        if (la != lb || memcmp(a, b, la) != 0)
                                return true;
                }
                return false;
        }
        return false;
}

int husk_cg1_create_in(const struct husk_cg_layout *l, const char *path, const struct husk_resources *r,
                       struct husk_cg1 **ret, struct husk_error *err)
{
        unsigned need = husk_cg1_needed(r);
        unsigned have = 0;
        for (size_t i = 0; i < l->n_v1; i++)
                have |= l->v1[i].ctrls;
        if (!(need & HUSK_CG1_BIT(HUSK_CG1_CPUSET)) && cpuset_parent_restricts(l, path))
                need |= HUSK_CG1_BIT(HUSK_CG1_CPUSET);
        unsigned missing = need & ~have & ~ALWAYS;
        if (missing)
                return husk_error_set(err, ENOTSUP,
                                      "linux.resources: the %s cgroup controller is not mounted on this host",
                                      husk_cg1_ctrl_name(first_ctrl(missing)));

        _cleanup_(cg1_undo) struct husk_cg1 *cg = cg1_new(path);
        if (!cg)
                return husk_error_errno(err, ENOMEM, "cgroup");
        for (size_t i = 0; i < l->n_v1; i++) {
                const struct husk_cg1_hier *h = &l->v1[i];
                if (!(h->ctrls & need))
                        continue;
                struct husk_cg1_dir *d = &cg->d[cg->n++];
                *d = (struct husk_cg1_dir) { .ctrls = h->ctrls, .fd = -1, .procs_fd = -1 };
                if (asprintf(&d->dir, "%s%s", h->mount, path) < 0) {
                        d->dir = NULL;
                        return husk_error_errno(err, ENOMEM, "cgroup");
                }
                int k = make_dir(h, path, d, err);
                if (k < 0)
                        return k;
                /* "tasks", not "cgroup.procs": the joining process is a fresh fork, so single-threaded,
                 * and moving the writer's own thread spares the kernel the threadgroup rwsem's
                 * write side, an RCU grace period: 26 us instead of ~9 ms measured on this VM. */
                d->procs_fd = openat(d->fd, "tasks", O_WRONLY | O_CLOEXEC);
                if (d->procs_fd < 0)
                        return husk_error_errno(err, errno, "cgroup %s: open %s/tasks",
                                                husk_cg1_ctrl_name(first_ctrl(h->ctrls)), d->dir);
        }
        int k = husk_cg1_apply(cg, r, true, err);
        if (k < 0)
                return k;
        for (size_t i = 0; i < cg->n; i++)
                cg->d[i].created = 0;
        *ret = steal_ptr(cg);
        return 0;
}

int husk_cg1_load_in(const struct husk_cg_layout *l, const char *path, struct husk_cg1 **ret, struct husk_error *err)
{
        _cleanup_(cg1_undo) struct husk_cg1 *cg = cg1_new(path);
        if (!cg)
                return husk_error_errno(err, ENOMEM, "cgroup");
        for (size_t i = 0; i < l->n_v1; i++) {
                const struct husk_cg1_hier *h = &l->v1[i];
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "%s%s", h->mount, path) < 0)
                        return husk_error_errno(err, ENOMEM, "cgroup");
                int fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return husk_error_errno(err, errno, "cgroup %s: open %s",
                                                husk_cg1_ctrl_name(first_ctrl(h->ctrls)), dir);
                }
                cg->d[cg->n++] = (struct husk_cg1_dir) {
                        .ctrls = h->ctrls, .dir = steal_ptr(dir), .fd = fd, .procs_fd = -1,
                };
        }
        *ret = steal_ptr(cg);
        return 0;
}

int husk_cg1_create(const char *path, const struct husk_resources *r, struct husk_cg1 **ret, struct husk_error *err)
{
        struct husk_cg_layout l;
        int k = husk_cg_read_layout(&l, err);
        if (k < 0)
                return k;
        return husk_cg1_create_in(&l, path, r, ret, err);
}

int husk_cg1_load(const char *path, struct husk_cg1 **ret, struct husk_error *err)
{
        struct husk_cg_layout l;
        int k = husk_cg_read_layout(&l, err);
        if (k < 0)
                return k;
        return husk_cg1_load_in(&l, path, ret, err);
}

int husk_cg1_enter_self(const struct husk_cg1 *cg, struct husk_error *err)
{
        for (size_t i = 0; i < cg->n; i++) {
                const struct husk_cg1_dir *d = &cg->d[i];
                /* create opened it before forking; a loaded cgroup (exec) opens it now. */
                _cleanup_close_ int opened = -1;
                int fd = d->procs_fd;
                if (fd < 0) {
                        fd = opened = openat(d->fd, "tasks", O_WRONLY | O_CLOEXEC);
                        if (fd < 0)
                                return husk_error_errno(err, errno, "cgroup: join %s: open tasks", d->dir);
                }
                /* "0" is the writer itself: no pid to format, nothing allocated. */
                if (write(fd, "0", 1) < 0)
                        return husk_error_errno(err, errno, "cgroup: join %s", d->dir);
        }
        return 0;
}

static int read_state(struct husk_cg1_dir *d, char *buf, size_t size, struct husk_error *err)
{
        _cleanup_free_ char *s = NULL;
        int r = read_knob(d, "freezer", "freezer.state", &s, err);
        if (r < 0)
                return r;
        (void) snprintf(buf, size, "%.*s", (int) strcspn(s, "\n"), s);
        return 0;
}

int husk_cg1_freeze(struct husk_cg1 *cg, bool frozen, struct husk_error *err)
{
        struct husk_cg1_dir *d = husk_cg1_find(cg, HUSK_CG1_FREEZER);
        if (!d)
                return husk_error_set(err, ENOTSUP, "cgroup %s: no freezer cgroup", cg->path);
        const char *want = frozen ? "FROZEN" : "THAWED";
        for (long waited = 0;; waited++) {
                /* A task that forks while the freeze is in progress can leave it stuck in FREEZING; writing
                 * FROZEN again restarts it (runc does the same). */
                if (waited % 100 == 0) {
                        int r = husk_cg1_set(cg, HUSK_CG1_FREEZER, "freezer.state", want, err);
                        if (r < 0)
                                return r;
                }
                char state[32];
                int r = read_state(d, state, sizeof(state), err);
                if (r < 0)
                        return r;
                if (strcmp(state, want) == 0)
                        return 0;
                if (waited >= FREEZE_TIMEOUT_MS)
                        return husk_error_set(err, ETIMEDOUT, "cgroup freezer: %s still %s after %d ms", d->dir,
                                              state, FREEZE_TIMEOUT_MS);
                sleep_ms(1);
        }
}

int husk_cg1_is_frozen(struct husk_cg1 *cg, bool *ret, struct husk_error *err)
{
        struct husk_cg1_dir *d = husk_cg1_find(cg, HUSK_CG1_FREEZER);
        if (!d) {
                *ret = false;
                return 0;
        }
        char state[32];
        int r = read_state(d, state, sizeof(state), err);
        if (r < 0)
                return r;
        *ret = strcmp(state, "FROZEN") == 0;
        return 0;
}

struct pid_vec {
        pid_t *v;
        size_t n, cap;
};

static int collect(int dirfd, const char *dir, struct pid_vec *pv, struct husk_error *err)
{
        _cleanup_free_ char *s = NULL;
        size_t len;
        int r = husk_read_file_at(dirfd, "cgroup.procs", &s, &len, err);
        if (r < 0)
                return r == -ENOENT ? 0 : husk_error_prefix(err, "cgroup %s: ", dir);
        for (char *p = s; *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (pv->n == pv->cap) {
                        size_t cap = pv->cap ? pv->cap * 2 : 16;
                        pid_t *nv = realloc(pv->v, cap * sizeof(*nv));
                        if (!nv)
                                return husk_error_errno(err, ENOMEM, "cgroup %s: pids", dir);
                        pv->v = nv;
                        pv->cap = cap;
                }
                pv->v[pv->n++] = (pid_t) v;
                p = end + strspn(end, "\n");
        }
        int fd = openat(dirfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "cgroup: open %s", dir);
        DIR *dp = fdopendir(fd);
        if (!dp) {
                int e = errno;
                (void) close(fd);
                return husk_error_errno(err, e, "cgroup: open %s", dir);
        }
        _cleanup_closedir_ DIR *d = dp;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                _cleanup_close_ int sub = openat(dirfd, e->d_name, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                if (sub < 0) {
                        if (errno == ENOENT)
                                continue;
                        return husk_error_errno(err, errno, "cgroup: open %s/%s", dir, e->d_name);
                }
                r = collect(sub, dir, pv, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int husk_cg1_pids(struct husk_cg1 *cg, pid_t **ret, size_t *ret_n, struct husk_error *err)
{
        struct husk_cg1_dir *d = husk_cg1_find(cg, HUSK_CG1_PIDS);
        if (!d)
                d = husk_cg1_find(cg, HUSK_CG1_MEMORY);
        if (!d)
                return husk_error_set(err, ENOTSUP, "cgroup %s: no pids or memory cgroup to list processes", cg->path);
        struct pid_vec pv = { 0 };
        int r = collect(d->fd, d->dir, &pv, err);
        if (r < 0) {
                free(pv.v);
                return r;
        }
        *ret = pv.v;
        *ret_n = pv.n;
        return 0;
}

static bool pid_in(const pid_t *v, size_t n, pid_t p)
{
        for (size_t i = 0; i < n; i++)
                if (v[i] == p)
                        return true;
        return false;
}

/* Moves every process of the container into d, a directory just made in another hierarchy. A process
 * forked while we move the others is born where its parent is at that moment: passes repeat until one
 * moves nothing (a fork bomb under a pids limit converges too, the limit bounds it). */
static int migrate_into(struct husk_cg1 *cg, struct husk_cg1_dir *d, struct husk_error *err)
{
        _cleanup_close_ int procs = openat(d->fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (procs < 0)
                return husk_error_errno(err, errno, "cgroup: open %s/cgroup.procs", d->dir);
        for (int pass = 0; pass < 100; pass++) {
                _cleanup_free_ pid_t *all = NULL, *in = NULL;
                size_t n_all = 0, n_in = 0, moved = 0;
                int r = husk_cg1_pids(cg, &all, &n_all, err);
                if (r < 0)
                        return r;
                struct pid_vec pv = { 0 };
                r = collect(d->fd, d->dir, &pv, err);
                in = pv.v;
                n_in = pv.n;
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n_all; i++) {
                        if (pid_in(in, n_in, all[i]))
                                continue;
                        char buf[16];
                        int len = snprintf(buf, sizeof(buf), "%d", (int) all[i]);
                        if (write(procs, buf, (size_t) len) < 0) {
                                if (errno == ESRCH)
                                        continue;
                                return husk_error_errno(err, errno, "cgroup: move pid %d into %s", (int) all[i],
                                                        d->dir);
                        }
                        moved++;
                }
                if (moved == 0)
                        return 0;
        }
        return husk_error_set(err, EAGAIN, "cgroup: the processes of %s keep forking: could not move them all into %s",
                              cg->path, d->dir);
}

/* cpuset (and the other lazily created hierarchies) for a running container: made now and the
 * container's processes moved in, off the start path where creating it would cost milliseconds. */
static int add_missing(struct husk_cg1 *cg, unsigned missing, struct husk_error *err)
{
        struct husk_cg_layout l;
        int r = husk_cg_read_layout(&l, err);
        if (r < 0)
                return r;
        unsigned have = 0;
        for (size_t i = 0; i < l.n_v1; i++)
                have |= l.v1[i].ctrls;
        if (missing & ~have)
                return husk_error_set(err, ENOTSUP, "update: the %s cgroup controller is not mounted on this host",
                                      husk_cg1_ctrl_name(first_ctrl(missing & ~have)));
        for (size_t i = 0; i < l.n_v1; i++) {
                const struct husk_cg1_hier *h = &l.v1[i];
                if (!(h->ctrls & missing))
                        continue;
                if (cg->n == HUSK_CG1_MAX_HIER)
                        return husk_error_set(err, E2BIG, "cgroup %s: too many hierarchies", cg->path);
                struct husk_cg1_dir *d = &cg->d[cg->n];
                *d = (struct husk_cg1_dir) { .ctrls = h->ctrls, .fd = -1, .procs_fd = -1 };
                if (asprintf(&d->dir, "%s%s", h->mount, cg->path) < 0) {
                        d->dir = NULL;
                        return husk_error_errno(err, ENOMEM, "cgroup");
                }
                cg->n++;
                r = make_dir(h, cg->path, d, err);
                if (r >= 0)
                        r = migrate_into(cg, d, err);
                if (r < 0) {
                        /* Nothing moved in yet (or moved back by the kernel on exit): leave no empty
                         * directory behind. A directory with processes in it stays, consistent, and
                         * delete removes it. */
                        if (d->fd >= 0 && d->created)
                                (void) rmdir(d->dir);
                        return husk_error_prefix(err, "update: ");
                }
                d->created = 0;
        }
        return 0;
}

int husk_cg1_update(struct husk_cg1 *cg, const struct husk_resources *r, struct husk_error *err)
{
        unsigned have = 0;
        for (size_t i = 0; i < cg->n; i++)
                have |= cg->d[i].ctrls;
        unsigned missing = husk_cg1_needed(r) & ~have & ~ALWAYS;
        if (missing) {
                int k = add_missing(cg, missing, err);
                if (k < 0)
                        return k;
        }
        return husk_cg1_apply(cg, r, false, err);
}

int husk_cg1_kill(struct husk_cg1 *cg, int sig, struct husk_error *err)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = husk_cg1_pids(cg, &pids, &n, err);
        if (r < 0)
                return r;
        /* An empty cgroup is not frozen: freezing flips a kernel static key (shared/PERFORMANCE.md). */
        if (n == 0)
                return 0;
        bool freeze = husk_cg1_find(cg, HUSK_CG1_FREEZER) != NULL;
        if (freeze) {
                r = husk_cg1_freeze(cg, true, err);
                if (r < 0) {
                        /* Half-frozen (stuck in FREEZING) must not stay so. */
                        (void) husk_cg1_freeze(cg, false, NULL);
                        return r;
                }
                /* What forked before the freeze completed is in the list only now. */
                free(steal_ptr(pids));
                r = husk_cg1_pids(cg, &pids, &n, err);
                if (r < 0) {
                        (void) husk_cg1_freeze(cg, false, NULL);
                        return r;
                }
        }
        int first = 0;
        for (size_t i = 0; i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH && !first)
                        first = errno;
        if (freeze) {
                r = husk_cg1_freeze(cg, false, err);
                if (r < 0)
                        return r;
        }
        if (first)
                return husk_error_errno(err, first, "cgroup %s: send signal %d", cg->path, sig);
        return 0;
}

int husk_cg1_destroy(struct husk_cg1 *cg, struct husk_error *err)
{
        int first = 0;
        for (size_t i = 0; i < cg->n; i++) {
                struct husk_error e = { 0 };
                int r = remove_tree(cg->d[i].dir, &e);
                if (r < 0 && !first) {
                        first = r;
                        if (err)
                                *err = e;
                }
        }
        return first;
}

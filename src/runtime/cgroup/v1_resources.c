/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources on cgroup v1, knob by knob as runc's libcontainer/cgroups/fs writes them (same
 * files, same values, same ordering workarounds), so a container behaves the same under either.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"

const char *const husk_cg1_default_devices[] = {
        "c *:* m",    "b *:* m",    /* mknod of any device; opening it is what the rules decide */
        "c 1:3 rwm",  "c 1:8 rwm",  "c 1:7 rwm",  "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm", /* null random full tty zero urandom */
        "c 5:1 rwm",  "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm", /* console, pts, ptmx, net/tun */
        NULL,
};

int husk_cg1_device_rule(const struct husk_device_cgroup_rule *rule, char *buf, size_t size, struct husk_error *err)
{
        char type = rule->type ? rule->type : 'a';
        if (type != 'a' && type != 'c' && type != 'b')
                return husk_error_set(err, EINVAL, "linux.resources.devices: type \"%c\": must be a, b or c", type);
        const char *access = rule->access && rule->access[0] ? rule->access : "rwm";
        if (strspn(access, "rwm") != strlen(access) || strlen(access) > 3)
                return husk_error_set(err, EINVAL, "linux.resources.devices: access \"%s\": must be a subset of rwm",
                                      access);
        if ((rule->has_major && rule->major < 0) || (rule->has_minor && rule->minor < 0))
                return husk_error_set(err, EINVAL, "linux.resources.devices: negative major or minor");
        char maj[24] = "*", min[24] = "*";
        if (rule->has_major)
                (void) snprintf(maj, sizeof(maj), "%" PRId64, rule->major);
        if (rule->has_minor)
                (void) snprintf(min, sizeof(min), "%" PRId64, rule->minor);
        int n = snprintf(buf, size, "%c %s:%s %s", type, maj, min, access);
        if (n < 0 || (size_t) n >= size)
                return husk_error_set(err, ENAMETOOLONG, "linux.resources.devices: rule too long");
        return 0;
}

static void fmt_i64(struct husk_cg1_write *w, const char *file, int64_t v)
{
        w->file = file;
        (void) snprintf(w->value, sizeof(w->value), "%" PRId64, v);
}

size_t husk_cg1_memory_plan(const struct husk_memory *m, bool have_memsw, uint64_t cur_limit,
                            struct husk_cg1_write out[static 2])
{
        bool has_limit = m->has_limit && m->limit != 0;
        bool has_swap = m->has_swap && m->swap != 0;
        int64_t swap = m->swap;
        /* Unlimited memory with swap left unset means unlimited swap too, or the old memsw limit would
         * still cap it. */
        if (has_limit && m->limit == -1 && !has_swap && have_memsw) {
                has_swap = true;
                swap = -1;
        }
        size_t n = 0;
        /* memsw may never be below the memory limit: raising, memsw first; lowering, the limit first. */
        if (has_limit && has_swap && (swap == -1 || cur_limit < (uint64_t) swap)) {
                fmt_i64(&out[n++], "memory.memsw.limit_in_bytes", swap);
                fmt_i64(&out[n++], "memory.limit_in_bytes", m->limit);
                return n;
        }
        if (has_limit)
                fmt_i64(&out[n++], "memory.limit_in_bytes", m->limit);
        if (has_swap)
                fmt_i64(&out[n++], "memory.memsw.limit_in_bytes", swap);
        return n;
}

static int set_i64(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file, int64_t v, struct husk_error *err)
{
        char buf[32];
        (void) snprintf(buf, sizeof(buf), "%" PRId64, v);
        return husk_cg1_set(cg, c, file, buf, err);
}

static int set_u64(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file, uint64_t v, struct husk_error *err)
{
        char buf[32];
        (void) snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return husk_cg1_set(cg, c, file, buf, err);
}

/* Kernel-memory knobs are gone from recent kernels (or refuse writes): where absent they are skipped,
 * as runc does since 1.1. */
static int set_optional(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file, int64_t v, struct husk_error *err)
{
        if (!husk_cg1_has_file(cg, c, file))
                return 0;
        int r = set_i64(cg, c, file, v, err);
        if (r == -EOPNOTSUPP || r == -ENOTSUP) {
                husk_error_clear(err);
                return 0;
        }
        return r;
}

static int apply_memory(struct husk_cg1 *cg, const struct husk_memory *m, struct husk_error *err)
{
        enum husk_cg1_ctrl M = HUSK_CG1_MEMORY;
        bool have_memsw = husk_cg1_has_file(cg, M, "memory.memsw.limit_in_bytes");
        uint64_t cur = 0;
        int r;
        if (m->has_limit && m->has_swap) {
                r = husk_cg1_get_u64(cg, M, "memory.limit_in_bytes", &cur, err);
                if (r < 0)
                        return r;
        }
        struct husk_cg1_write w[2];
        size_t n = husk_cg1_memory_plan(m, have_memsw, cur, w);
        for (size_t i = 0; i < n; i++) {
                r = husk_cg1_set(cg, M, w[i].file, w[i].value, err);
                if (r < 0)
                        return r;
        }
        if (m->has_reservation && m->reservation != 0 && (r = set_i64(cg, M, "memory.soft_limit_in_bytes", m->reservation, err)) < 0)
                return r;
        if (m->has_kernel && (r = set_optional(cg, M, "memory.kmem.limit_in_bytes", m->kernel, err)) < 0)
                return r;
        if (m->has_kernel_tcp && (r = set_optional(cg, M, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, err)) < 0)
                return r;
        if (m->has_disable_oom_killer && (r = husk_cg1_set(cg, M, "memory.oom_control", m->disable_oom_killer ? "1" : "0", err)) < 0)
                return r;
        if (m->has_swappiness) {
                if (m->swappiness > 100)
                        return husk_error_set(err, EINVAL, "linux.resources.memory.swappiness %" PRIu64 ": valid range is 0-100",
                                              m->swappiness);
                if ((r = set_u64(cg, M, "memory.swappiness", m->swappiness, err)) < 0)
                        return r;
        }
        if (m->has_use_hierarchy && (r = husk_cg1_set(cg, M, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", err)) < 0)
                return r;
        return 0;
}

/* A pair of knobs whose valid values depend on each other (cfs period/quota, rt period/runtime): the
 * first may be refused (EINVAL) until the second is written; then it is retried after it. */
static int set_pair(struct husk_cg1 *cg, const char *first, bool has_first, const char *first_v, const char *second,
                    bool has_second, const char *second_v, struct husk_error *err)
{
        bool retry = false;
        int r;
        if (has_first) {
                r = husk_cg1_set(cg, HUSK_CG1_CPU, first, first_v, err);
                if (r == -EINVAL && has_second) {
                        husk_error_clear(err);
                        retry = true;
                } else if (r < 0) {
                        return r;
                }
        }
        if (has_second && (r = husk_cg1_set(cg, HUSK_CG1_CPU, second, second_v, err)) < 0)
                return r;
        if (retry && (r = husk_cg1_set(cg, HUSK_CG1_CPU, first, first_v, err)) < 0)
                return r;
        return 0;
}

static int apply_cpu(struct husk_cg1 *cg, const struct husk_cpu *c, struct husk_error *err)
{
        char a[32], b[32];
        int r;
        (void) snprintf(a, sizeof(a), "%" PRIu64, c->realtime_period);
        (void) snprintf(b, sizeof(b), "%" PRId64, c->realtime_runtime);
        r = set_pair(cg, "cpu.rt_period_us", c->has_realtime_period && c->realtime_period, a, "cpu.rt_runtime_us",
                     c->has_realtime_runtime && c->realtime_runtime, b, err);
        if (r < 0)
                return r;
        if (c->has_shares && c->shares) {
                r = set_u64(cg, HUSK_CG1_CPU, "cpu.shares", c->shares, err);
                if (r < 0)
                        return r;
                /* The kernel clamps silently to 2..262144: refuse rather than run with another value. */
                uint64_t got;
                r = husk_cg1_get_u64(cg, HUSK_CG1_CPU, "cpu.shares", &got, err);
                if (r < 0)
                        return r;
                if (got != c->shares)
                        return husk_error_set(err, EINVAL, "cgroup cpu: cpu.shares %" PRIu64 " is out of range (the kernel set %" PRIu64 ")",
                                              c->shares, got);
        }
        /* period and burst may be refused (EINVAL) while the old quota no longer fits them under the
         * parent's: with a new quota coming, retry them after it, as runc. */
        bool has_quota = c->has_quota && c->quota, retry_period = false, retry_burst = false;
        (void) snprintf(a, sizeof(a), "%" PRIu64, c->period);
        (void) snprintf(b, sizeof(b), "%" PRIu64, c->burst);
        if (c->has_period && c->period) {
                r = husk_cg1_set(cg, HUSK_CG1_CPU, "cpu.cfs_period_us", a, err);
                if (r == -EINVAL && has_quota)
                        retry_period = true;
                else if (r < 0)
                        return r;
        }
        if (c->has_burst && husk_cg1_has_file(cg, HUSK_CG1_CPU, "cpu.cfs_burst_us")) {
                r = husk_cg1_set(cg, HUSK_CG1_CPU, "cpu.cfs_burst_us", b, err);
                if (r == -EINVAL && has_quota)
                        retry_burst = true;
                else if (r < 0)
                        return r;
        }
        husk_error_clear(err);
        if (has_quota && (r = set_i64(cg, HUSK_CG1_CPU, "cpu.cfs_quota_us", c->quota, err)) < 0)
                return r;
        if (retry_period && (r = husk_cg1_set(cg, HUSK_CG1_CPU, "cpu.cfs_period_us", a, err)) < 0)
                return r;
        if (retry_burst && (r = husk_cg1_set(cg, HUSK_CG1_CPU, "cpu.cfs_burst_us", b, err)) < 0)
                return r;
        if (c->has_idle && (r = set_i64(cg, HUSK_CG1_CPU, "cpu.idle", c->idle, err)) < 0)
                return r;
        return 0;
}

static int apply_cpuset(struct husk_cg1 *cg, const struct husk_cpu *c, struct husk_error *err)
{
        int r;
        /* mems first, as runc: a task's memory placement must be valid before its cpus move. */
        if (c->mems && c->mems[0] && (r = husk_cg1_set(cg, HUSK_CG1_CPUSET, "cpuset.mems", c->mems, err)) < 0)
                return r;
        if (c->cpus && c->cpus[0] && (r = husk_cg1_set(cg, HUSK_CG1_CPUSET, "cpuset.cpus", c->cpus, err)) < 0)
                return r;
        return 0;
}

/* One rule per write(2): the kernel parses each write on its own, so one open of devices.allow and
 * devices.deny serves every rule (the default spec makes 14 writes). */
struct dev_files {
        int fd[2]; /* deny, allow */
};

static void dev_files_close(struct dev_files *f)
{
        for (int i = 0; i < 2; i++)
                if (f->fd[i] >= 0)
                        (void) close(f->fd[i]);
}

static int dev_write(struct husk_cg1_dir *d, struct dev_files *f, bool allow, const char *rule, struct husk_error *err)
{
        const char *file = allow ? "devices.allow" : "devices.deny";
        int *fd = &f->fd[allow];
        if (*fd < 0 && (*fd = openat(d->fd, file, O_WRONLY | O_CLOEXEC)) < 0)
                return husk_error_errno(err, errno, "cgroup devices: write %s \"%s\"", file, rule);
        ssize_t n;
        while ((n = write(*fd, rule, strlen(rule))) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return husk_error_errno(err, errno, "cgroup devices: write %s \"%s\"", file, rule);
        return 0;
}

static int apply_devices(struct husk_cg1 *cg, const struct husk_resources *r, struct husk_error *err)
{
        struct husk_cg1_dir *d = husk_cg1_find(cg, HUSK_CG1_DEVICES);
        _cleanup_(dev_files_close) struct dev_files f = { .fd = { -1, -1 } };
        /* Start from nothing: a new v1 cgroup inherits its parent's (usually allow-all) list. */
        int k = dev_write(d, &f, false, "a", err);
        if (k < 0)
                return k;
        char rule[64];
        for (size_t i = 0; i < r->n_devices; i++) {
                k = husk_cg1_device_rule(&r->devices[i], rule, sizeof(rule), err);
                if (k < 0)
                        return k;
                k = dev_write(d, &f, r->devices[i].allow, rule, err);
                if (k < 0)
                        return k;
        }
        for (const char *const *p = husk_cg1_default_devices; *p; p++)
                if ((k = dev_write(d, &f, true, *p, err)) < 0)
                        return k;
        return 0;
}

static int set_dev_list(struct husk_cg1 *cg, const char *file, const struct husk_throttle_device *t, size_t n,
                        struct husk_error *err)
{
        char buf[64];
        for (size_t i = 0; i < n; i++) {
                (void) snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor, t[i].rate);
                int r = husk_cg1_set(cg, HUSK_CG1_BLKIO, file, buf, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_blkio(struct husk_cg1 *cg, const struct husk_blkio *b, struct husk_error *err)
{
        /* With the bfq scheduler the weights live in blkio.bfq.*; cfq's blkio.weight is gone since 5.0. */
        bool bfq = husk_cg1_has_file(cg, HUSK_CG1_BLKIO, "blkio.bfq.weight");
        const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
        const char *weight_dev = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
        char buf[64];
        int r;
        if (b->has_weight && b->weight && (r = set_u64(cg, HUSK_CG1_BLKIO, weight, b->weight, err)) < 0)
                return r;
        if (b->has_leaf_weight && b->leaf_weight &&
            (r = set_u64(cg, HUSK_CG1_BLKIO, "blkio.leaf_weight", b->leaf_weight, err)) < 0)
                return r;
        for (size_t i = 0; i < b->n_weight_device; i++) {
                const struct husk_weight_device *w = &b->weight_device[i];
                if (w->has_weight) {
                        (void) snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->weight);
                        if ((r = husk_cg1_set(cg, HUSK_CG1_BLKIO, weight_dev, buf, err)) < 0)
                                return r;
                }
                if (w->has_leaf_weight) {
                        (void) snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->leaf_weight);
                        if ((r = husk_cg1_set(cg, HUSK_CG1_BLKIO, "blkio.leaf_weight_device", buf, err)) < 0)
                                return r;
                }
        }
        if ((r = set_dev_list(cg, "blkio.throttle.read_bps_device", b->throttle_read_bps, b->n_throttle_read_bps, err)) < 0 ||
            (r = set_dev_list(cg, "blkio.throttle.write_bps_device", b->throttle_write_bps, b->n_throttle_write_bps, err)) < 0 ||
            (r = set_dev_list(cg, "blkio.throttle.read_iops_device", b->throttle_read_iops, b->n_throttle_read_iops, err)) < 0 ||
            (r = set_dev_list(cg, "blkio.throttle.write_iops_device", b->throttle_write_iops, b->n_throttle_write_iops, err)) < 0)
                return r;
        return 0;
}

static int apply_hugetlb(struct husk_cg1 *cg, const struct husk_resources *res, struct husk_error *err)
{
        char file[96];
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const struct husk_hugepage_limit *h = &res->hugepage_limits[i];
                if (!h->page_size || !h->page_size[0] || strchr(h->page_size, '/'))
                        return husk_error_set(err, EINVAL, "linux.resources.hugepageLimits: bad pageSize \"%s\"",
                                              h->page_size ? h->page_size : "");
                (void) snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", h->page_size);
                int r = set_u64(cg, HUSK_CG1_HUGETLB, file, h->limit, err);
                if (r < 0)
                        return r;
                /* Reservations count too since 5.7: limit them alike, or a reservation escapes the limit. */
                (void) snprintf(file, sizeof(file), "hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
                if (husk_cg1_has_file(cg, HUSK_CG1_HUGETLB, file) && (r = set_u64(cg, HUSK_CG1_HUGETLB, file, h->limit, err)) < 0)
                        return r;
        }
        return 0;
}

static int apply_net_rdma(struct husk_cg1 *cg, const struct husk_resources *res, struct husk_error *err)
{
        char buf[256];
        int r;
        if (res->has_network && res->has_class_id &&
            (r = set_u64(cg, HUSK_CG1_NET_CLS, "net_cls.classid", res->class_id, err)) < 0)
                return r;
        for (size_t i = 0; res->has_network && i < res->n_net_priorities; i++) {
                (void) snprintf(buf, sizeof(buf), "%s %u", res->net_priorities[i].name, res->net_priorities[i].priority);
                if ((r = husk_cg1_set(cg, HUSK_CG1_NET_PRIO, "net_prio.ifpriomap", buf, err)) < 0)
                        return r;
        }
        for (size_t i = 0; i < res->n_rdma; i++) {
                const struct husk_rdma_limit *l = &res->rdma[i];
                char h[16] = "max", o[16] = "max";
                if (l->has_hca_handles)
                        (void) snprintf(h, sizeof(h), "%u", l->hca_handles);
                if (l->has_hca_objects)
                        (void) snprintf(o, sizeof(o), "%u", l->hca_objects);
                (void) snprintf(buf, sizeof(buf), "%s hca_handle=%s hca_object=%s", l->device, h, o);
                if ((r = husk_cg1_set(cg, HUSK_CG1_RDMA, "rdma.max", buf, err)) < 0)
                        return r;
        }
        return 0;
}

int husk_cg1_apply(struct husk_cg1 *cg, const struct husk_resources *r, bool creating, struct husk_error *err)
{
        static const struct husk_resources none = { 0 };
        if (!r)
                r = &none;
        if (r->n_unified)
                return husk_error_set(err, EINVAL, "linux.resources.unified: cgroup v2 keys (\"%s\"...) cannot be set on a cgroup v1 host",
                                      r->unified[0].key);
        int k;
        /* runc's order: cpuset before tasks arrive, devices and memory before the cpu knobs. */
        if (r->has_cpu && (k = apply_cpuset(cg, &r->cpu, err)) < 0)
                return k;
        if (creating && husk_cg1_find(cg, HUSK_CG1_DEVICES) && (k = apply_devices(cg, r, err)) < 0)
                return k;
        if (r->has_memory && (k = apply_memory(cg, &r->memory, err)) < 0)
                return k;
        if (r->has_cpu && (k = apply_cpu(cg, &r->cpu, err)) < 0)
                return k;
        if (r->has_pids) {
                char buf[32] = "max";
                if (r->pids_limit > 0)
                        (void) snprintf(buf, sizeof(buf), "%" PRId64, r->pids_limit);
                if ((k = husk_cg1_set(cg, HUSK_CG1_PIDS, "pids.max", buf, err)) < 0)
                        return k;
        }
        if (r->has_blkio && (k = apply_blkio(cg, &r->blkio, err)) < 0)
                return k;
        if ((k = apply_hugetlb(cg, r, err)) < 0)
                return k;
        return apply_net_rdma(cg, r, err);
}

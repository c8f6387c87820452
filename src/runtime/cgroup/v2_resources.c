/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources on cgroup v2, with the v1 -> v2 translations runc (libcontainer/cgroups/fs2) and
 * crun apply, in runc's order: pids, memory, io, cpu, devices, cpuset, hugetlb, rdma, unified.
 * Ignored as runc ignores them on v2: memory.kernel/kernelTCP (no v2 equivalent, deprecated in v1),
 * swappiness, disableOOMKiller, useHierarchy, blkio leafWeight, network (net_cls/net_prio are v1-only).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"

static bool memory_set(const struct husk_memory *m)
{
        return m->has_limit || m->has_reservation || m->has_swap;
}

static bool cpu_set(const struct husk_cpu *c)
{
        return c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_idle ||
               c->has_realtime_runtime || c->has_realtime_period;
}

static bool io_set(const struct husk_blkio *b)
{
        return b->has_weight || b->n_weight_device || b->n_throttle_read_bps || b->n_throttle_write_bps ||
               b->n_throttle_read_iops || b->n_throttle_write_iops;
}

unsigned husk_cg2_resources_mask(const struct husk_resources *r)
{
        if (!r)
                return 0;
        unsigned mask = 0;
        if (r->has_memory && memory_set(&r->memory))
                mask |= HUSK_CG2_MEMORY;
        if (r->has_cpu && cpu_set(&r->cpu))
                mask |= HUSK_CG2_CPU;
        if (r->has_cpu && ((r->cpu.cpus && *r->cpu.cpus) || (r->cpu.mems && *r->cpu.mems)))
                mask |= HUSK_CG2_CPUSET;
        if (r->has_pids)
                mask |= HUSK_CG2_PIDS;
        if (r->has_blkio && io_set(&r->blkio))
                mask |= HUSK_CG2_IO;
        if (r->n_hugepage_limits)
                mask |= HUSK_CG2_HUGETLB;
        if (r->n_rdma)
                mask |= HUSK_CG2_RDMA;
        for (size_t i = 0; i < r->n_unified; i++) {
                int m = husk_cg2_unified_key_mask(r->unified[i].key);
                if (m > 0)
                        mask |= (unsigned) m;
        }
        return mask;
}

static int apply_pids(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        if (!r->has_pids)
                return 0;
        char buf[21];
        /* The spec's 0 and -1 both mean unlimited (runc). */
        return husk_cg2_write(cg, "pids.max", husk_cg2_num(r->pids_limit > 0 ? r->pids_limit : -1, buf), err);
}

/* Current memory.max as the spec spells it (-1 unlimited), for an update that sets swap alone. */
static int current_memory_max(struct husk_cg2 *cg, int64_t *ret, struct husk_error *err)
{
        _cleanup_free_ char *v = NULL;
        int rc = husk_cg2_read(cg, "memory.max", &v, err);
        if (rc < 0)
                return rc;
        *ret = strncmp(v, "max", 3) == 0 ? -1 : strtoll(v, NULL, 10);
        return 0;
}

static int apply_memory(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        if (!r->has_memory)
                return 0;
        const struct husk_memory *m = &r->memory;
        char buf[21];
        int rc;
        int64_t limit = m->has_limit ? m->limit : 0;
        if (m->has_swap) {
                if (!m->has_limit && (rc = current_memory_max(cg, &limit, err)) < 0)
                        return rc;
                int64_t swap;
                if (husk_cg2_swap_max(limit, m->swap, &swap) < 0)
                        return husk_error_set(err, EINVAL,
                                              "linux.resources.memory.swap %" PRId64 " with limit %" PRId64
                                              ": swap is memory+swap, so it needs a limit and must not be below it",
                                              m->swap, limit);
                /* swap == limit: no swap at all; that is 0 here, which elsewhere means "not set". */
                const char *v = swap != 0 ? husk_cg2_num(swap, buf) : (m->swap > 0 ? "0" : NULL);
                if (v) {
                        rc = husk_cg2_write(cg, "memory.swap.max", v, err);
                        /* A kernel without swap accounting has no memory.swap.max: "unlimited" and
                         * "none" are what it does anyway. */
                        if (rc == -ENOENT && (strcmp(v, "max") == 0 || strcmp(v, "0") == 0))
                                rc = 0;
                        if (rc < 0)
                                return rc;
                }
        } else if (m->has_limit && limit == -1) {
                /* v1 compatibility: memory unlimited with no swap given means both unlimited. */
                rc = husk_cg2_write(cg, "memory.swap.max", "max", err);
                if (rc < 0 && rc != -ENOENT)
                        return rc;
        }
        if (m->has_limit && limit != 0 && (rc = husk_cg2_write(cg, "memory.max", husk_cg2_num(limit, buf), err)) < 0)
                return rc;
        if (m->has_reservation && m->reservation != 0 &&
            (rc = husk_cg2_write(cg, "memory.low", husk_cg2_num(m->reservation, buf), err)) < 0)
                return rc;
        return 0;
}

static int apply_io(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        if (!r->has_blkio)
                return 0;
        const struct husk_blkio *b = &r->blkio;
        /* BFQ takes v1's 10..1000 scale as is; io.weight (the cost model) needs it converted. */
        bool bfq = faccessat(cg->dirfd, "io.bfq.weight", F_OK, 0) == 0;
        char line[64];
        int rc;
        if (b->has_weight && b->weight != 0) {
                snprintf(line, sizeof(line), "%" PRIu64,
                         bfq ? (uint64_t) b->weight : husk_cg_blkio_weight_to_io_weight(b->weight));
                if ((rc = husk_cg2_write(cg, bfq ? "io.bfq.weight" : "io.weight", line, err)) < 0)
                        return rc;
        }
        for (size_t i = 0; i < b->n_weight_device; i++) {
                const struct husk_weight_device *w = &b->weight_device[i];
                if (!w->has_weight)
                        continue;
                snprintf(line, sizeof(line), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                         bfq ? (uint64_t) w->weight : husk_cg_blkio_weight_to_io_weight(w->weight));
                if ((rc = husk_cg2_write(cg, bfq ? "io.bfq.weight" : "io.weight", line, err)) < 0)
                        return rc;
        }
        _cleanup_strv_ char **lines = NULL;
        if (husk_cg2_io_max_lines(b, &lines) < 0)
                return husk_error_errno(err, ENOMEM, "io.max of %s", cg->dir);
        for (char **l = lines; *l; l++)
                if ((rc = husk_cg2_write(cg, "io.max", *l, err)) < 0)
                        return rc;
        return 0;
}

static int apply_cpu(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        if (!r->has_cpu)
                return 0;
        const struct husk_cpu *c = &r->cpu;
        char buf[64];
        int rc;
        /* The v2 cpu controller has no RT bandwidth; a limit that cannot be applied is refused, not
         * dropped (crun does the same). */
        if ((c->has_realtime_runtime && c->realtime_runtime != 0) || (c->has_realtime_period && c->realtime_period != 0))
                return husk_error_set(err, ENOTSUP,
                                      "linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported on cgroup v2");
        if (c->has_idle) {
                snprintf(buf, sizeof(buf), "%" PRId64, c->idle);
                if ((rc = husk_cg2_write(cg, "cpu.idle", buf, err)) < 0)
                        return rc;
        }
        if (c->has_shares && c->shares != 0) {
                snprintf(buf, sizeof(buf), "%" PRIu64, husk_cg_shares_to_weight(c->shares));
                if ((rc = husk_cg2_write(cg, "cpu.weight", buf, err)) < 0)
                        return rc;
        }
        /* The kernel refuses a burst above the quota: when the quota shrinks, burst goes first; when
         * it grows, burst must follow. Try first and retry after cpu.max, as runc does. */
        bool burst_pending = false;
        struct husk_error berr = { 0 };
        if (c->has_burst) {
                snprintf(buf, sizeof(buf), "%" PRIu64, c->burst);
                burst_pending = husk_cg2_write(cg, "cpu.max.burst", buf, &berr) < 0;
        }
        if ((c->has_quota && c->quota != 0) || (c->has_period && c->period != 0)) {
                _cleanup_free_ char *cur = NULL;
                const char *quota = "max";
                char qbuf[21];
                if (c->has_quota && c->quota > 0)
                        quota = husk_cg2_num(c->quota, qbuf);
                else if (!c->has_quota) {
                        /* Period alone (update --cpu-period): keep the quota that is there. */
                        if ((rc = husk_cg2_read(cg, "cpu.max", &cur, err)) < 0)
                                return rc;
                        cur[strcspn(cur, " \n")] = '\0';
                        quota = cur;
                }
                if (c->has_period && c->period != 0)
                        snprintf(buf, sizeof(buf), "%s %" PRIu64, quota, c->period);
                else
                        snprintf(buf, sizeof(buf), "%s", quota);
                if ((rc = husk_cg2_write(cg, "cpu.max", buf, err)) < 0)
                        return rc;
        }
        if (burst_pending) {
                snprintf(buf, sizeof(buf), "%" PRIu64, c->burst);
                if ((rc = husk_cg2_write(cg, "cpu.max.burst", buf, err)) < 0)
                        return rc;
        }
        return 0;
}

static int apply_cpuset(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        if (!r->has_cpu)
                return 0;
        int rc;
        if (r->cpu.cpus && *r->cpu.cpus && (rc = husk_cg2_write(cg, "cpuset.cpus", r->cpu.cpus, err)) < 0)
                return rc;
        if (r->cpu.mems && *r->cpu.mems && (rc = husk_cg2_write(cg, "cpuset.mems", r->cpu.mems, err)) < 0)
                return rc;
        return 0;
}

static int apply_hugetlb(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                const struct husk_hugepage_limit *h = &r->hugepage_limits[i];
                if (!h->page_size || !*h->page_size || strchr(h->page_size, '/') || strstr(h->page_size, ".."))
                        return husk_error_set(err, EINVAL, "linux.resources.hugepageLimits: invalid pageSize \"%s\"",
                                              h->page_size ? h->page_size : "");
                char file[96], val[21];
                snprintf(val, sizeof(val), "%" PRIu64, h->limit);
                snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
                int rc = husk_cg2_write(cg, file, val, err);
                if (rc == -ENOENT)
                        return husk_error_set(err, EINVAL, "linux.resources.hugepageLimits: page size %s not supported (no %s/%s)",
                                              h->page_size, cg->dir, file);
                if (rc < 0)
                        return rc;
                /* Since 5.7 reservations are charged separately; without the same limit on them a
                 * mmap(MAP_HUGETLB) could reserve past the limit and fault later (runc sets both). */
                snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", h->page_size);
                rc = husk_cg2_write(cg, file, val, err);
                if (rc < 0 && rc != -ENOENT)
                        return rc;
        }
        return 0;
}

static int apply_rdma(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        for (size_t i = 0; i < r->n_rdma; i++) {
                const struct husk_rdma_limit *l = &r->rdma[i];
                if (!l->has_hca_handles && !l->has_hca_objects)
                        continue;
                char line[256];
                int len = snprintf(line, sizeof(line), "%s", l->device);
                if (l->has_hca_handles)
                        len += snprintf(line + len, sizeof(line) - (size_t) len, " hca_handle=%" PRIu32, l->hca_handles);
                if (l->has_hca_objects)
                        len += snprintf(line + len, sizeof(line) - (size_t) len, " hca_object=%" PRIu32, l->hca_objects);
                if ((size_t) len >= sizeof(line))
                        return husk_error_set(err, EINVAL, "linux.resources.rdma: device name \"%s\" too long", l->device);
                int rc = husk_cg2_write(cg, "rdma.max", line, err);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

static int apply_unified(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        for (size_t i = 0; i < r->n_unified; i++) {
                const struct husk_kv *kv = &r->unified[i];
                if (husk_cg2_unified_key_mask(kv->key) < 0)
                        return husk_error_set(err, EINVAL, "linux.resources.unified: key \"%s\" is not a file name of the cgroup",
                                              kv->key ? kv->key : "");
                int rc = husk_cg2_write(cg, kv->key, kv->value ? kv->value : "", err);
                if (rc == -ENOENT)
                        return husk_error_set(err, EINVAL,
                                              "linux.resources.unified: %s/%s does not exist (controller not available?)",
                                              cg->dir, kv->key);
                if (rc < 0)
                        return husk_error_prefix(err, "linux.resources.unified: ");
        }
        return 0;
}

int husk_cg2_apply(struct husk_cg2 *cg, const struct husk_resources *r, bool creating, struct husk_error *err)
{
        int rc;
        if ((rc = apply_pids(cg, r, err)) < 0 || (rc = apply_memory(cg, r, err)) < 0 || (rc = apply_io(cg, r, err)) < 0 ||
            (rc = apply_cpu(cg, r, err)) < 0)
                return rc;
        /* An update without device rules keeps the filter that is there (runc's update does too). */
        if ((creating || r->n_devices) && (rc = husk_cg2_apply_devices(cg, r->devices, r->n_devices, err)) < 0)
                return rc;
        if ((rc = apply_cpuset(cg, r, err)) < 0 || (rc = apply_hugetlb(cg, r, err)) < 0 || (rc = apply_rdma(cg, r, err)) < 0 ||
            (rc = apply_unified(cg, r, err)) < 0)
                return rc;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Stats of a v1 container (runc's fs GetStats): knobs the container's cgroups lack read as 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "runtime/cgroup/stats_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

static uint64_t get(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file)
{
        uint64_t v = 0;
        if (husk_cg1_get_u64(cg, c, file, &v, NULL) < 0)
                return 0;
        return v;
}

static char *read_all(struct husk_cg1 *cg, enum husk_cg1_ctrl c, const char *file)
{
        struct husk_cg1_dir *d = husk_cg1_find(cg, c);
        char *s = NULL;
        size_t len;
        if (!d || husk_read_file_at(d->fd, file, &s, &len, NULL) < 0)
                return NULL;
        return s;
}

static int nomem(struct husk_error *err, const char *what)
{
        return husk_error_errno(err, ENOMEM, "cgroup stats: %s", what);
}

static int cpu_stats(struct husk_cg1 *cg, struct husk_cgroup_stats *s, struct husk_error *err)
{
        s->cpu_usage_ns = get(cg, HUSK_CG1_CPUACCT, "cpuacct.usage");
        s->cpu_user_ns = get(cg, HUSK_CG1_CPUACCT, "cpuacct.usage_user");
        s->cpu_system_ns = get(cg, HUSK_CG1_CPUACCT, "cpuacct.usage_sys");
        _cleanup_free_ char *cpu = read_all(cg, HUSK_CG1_CPU, "cpu.stat");
        if (cpu) {
                s->cpu_periods = husk_cg_keyed(cpu, "nr_periods");
                s->cpu_throttled_periods = husk_cg_keyed(cpu, "nr_throttled");
                s->cpu_throttled_ns = husk_cg_keyed(cpu, "throttled_time");
        }
        static const struct {
                const char *file;
                size_t off;
        } percpu[] = {
                { "cpuacct.usage_percpu", offsetof(struct husk_cgroup_stats, percpu) },
                { "cpuacct.usage_percpu_sys", offsetof(struct husk_cgroup_stats, percpu_kernel) },
                { "cpuacct.usage_percpu_user", offsetof(struct husk_cgroup_stats, percpu_user) },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(percpu); i++) {
                _cleanup_free_ char *text = read_all(cg, HUSK_CG1_CPUACCT, percpu[i].file);
                if (text && husk_cg_parse_u64_list(text, (struct husk_cg_u64v *) ((char *) s + percpu[i].off)) < 0)
                        return nomem(err, percpu[i].file);
        }
        return 0;
}

static int cpuset_stats(struct husk_cg1 *cg, struct husk_cg_cpuset_stats *c, struct husk_error *err)
{
        if (!husk_cg1_find(cg, HUSK_CG1_CPUSET))
                return 0;
        _cleanup_free_ char *cpus = read_all(cg, HUSK_CG1_CPUSET, "cpuset.cpus");
        _cleanup_free_ char *mems = read_all(cg, HUSK_CG1_CPUSET, "cpuset.mems");
        if ((cpus && husk_cg_parse_id_list(cpus, &c->cpus) < 0) || (mems && husk_cg_parse_id_list(mems, &c->mems) < 0))
                return nomem(err, "cpuset");
        c->cpu_exclusive = get(cg, HUSK_CG1_CPUSET, "cpuset.cpu_exclusive");
        c->mem_hardwall = get(cg, HUSK_CG1_CPUSET, "cpuset.mem_hardwall");
        c->mem_exclusive = get(cg, HUSK_CG1_CPUSET, "cpuset.mem_exclusive");
        c->memory_migrate = get(cg, HUSK_CG1_CPUSET, "cpuset.memory_migrate");
        c->memory_spread_page = get(cg, HUSK_CG1_CPUSET, "cpuset.memory_spread_page");
        c->memory_spread_slab = get(cg, HUSK_CG1_CPUSET, "cpuset.memory_spread_slab");
        c->memory_pressure = get(cg, HUSK_CG1_CPUSET, "cpuset.memory_pressure");
        c->sched_load_balance = get(cg, HUSK_CG1_CPUSET, "cpuset.sched_load_balance");
        _cleanup_free_ char *relax = read_all(cg, HUSK_CG1_CPUSET, "cpuset.sched_relax_domain_level");
        c->sched_relax_domain_level = relax ? strtoll(relax, NULL, 10) : 0;
        return 0;
}

/* memory.<prefix>{limit,usage,max_usage}_in_bytes and failcnt: runc's MemoryData. */
static void memory_entry(struct husk_cg1 *cg, const char *prefix, struct husk_cg_memory_entry *e)
{
        static const struct {
                const char *name;
                size_t off;
        } files[] = {
                { "limit_in_bytes", offsetof(struct husk_cg_memory_entry, limit) },
                { "usage_in_bytes", offsetof(struct husk_cg_memory_entry, usage) },
                { "max_usage_in_bytes", offsetof(struct husk_cg_memory_entry, max) },
                { "failcnt", offsetof(struct husk_cg_memory_entry, failcnt) },
        };
        char file[64];
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(files); i++) {
                (void) snprintf(file, sizeof(file), "memory.%s%s", prefix, files[i].name);
                *(uint64_t *) ((char *) e + files[i].off) = get(cg, HUSK_CG1_MEMORY, file);
        }
}

static int memory_stats(struct husk_cg1 *cg, struct husk_cgroup_stats *s, struct husk_error *err)
{
        memory_entry(cg, "", &s->memory);
        memory_entry(cg, "memsw.", &s->swap);
        memory_entry(cg, "kmem.", &s->kernel);
        memory_entry(cg, "kmem.tcp.", &s->kernel_tcp);
        s->memory_usage = s->memory.usage;
        s->memory_max_usage = s->memory.max;
        s->memory_limit = s->memory.limit;
        s->memory_swap_usage = s->swap.usage;
        _cleanup_free_ char *oom = read_all(cg, HUSK_CG1_MEMORY, "memory.oom_control");
        if (oom)
                s->memory_oom_events = husk_cg_keyed(oom, "oom_kill");
        _cleanup_free_ char *stat = read_all(cg, HUSK_CG1_MEMORY, "memory.stat");
        if (stat) {
                if (husk_cg_parse_kv(stat, &s->memory_raw, &s->n_memory_raw) < 0)
                        return nomem(err, "memory.stat");
                s->memory_cache = husk_cg_keyed(stat, "cache");
        }
        return 0;
}

static int blkio_stats(struct husk_cg1 *cg, struct husk_cgroup_stats *s, struct husk_error *err)
{
        _cleanup_free_ char *bytes = read_all(cg, HUSK_CG1_BLKIO, "blkio.throttle.io_service_bytes_recursive");
        _cleanup_free_ char *ops = read_all(cg, HUSK_CG1_BLKIO, "blkio.throttle.io_serviced_recursive");
        if ((bytes && husk_cg1_parse_blkio(bytes, &s->io_service_bytes, &s->n_io_service_bytes) < 0) ||
            (ops && husk_cg1_parse_blkio(ops, &s->io_serviced, &s->n_io_serviced) < 0))
                return nomem(err, "blkio");
        husk_cg_blkio_sum(s);
        return 0;
}

/* One entry per page size the kernel offers (the hugetlb.<size>.usage_in_bytes files). */
static int hugetlb_stats(struct husk_cg1 *cg, struct husk_cgroup_stats *s, struct husk_error *err)
{
        struct husk_cg1_dir *h = husk_cg1_find(cg, HUSK_CG1_HUGETLB);
        if (!h)
                return 0;
        int r = husk_cg_hugetlb_list(h->fd, h->dir, "usage_in_bytes", s, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_hugetlb; i++) {
                struct husk_cg_hugetlb_entry *e = &s->hugetlb[i];
                char file[64];
                (void) snprintf(file, sizeof(file), "hugetlb.%s.usage_in_bytes", e->pagesize);
                e->usage = get(cg, HUSK_CG1_HUGETLB, file);
                (void) snprintf(file, sizeof(file), "hugetlb.%s.max_usage_in_bytes", e->pagesize);
                e->max = get(cg, HUSK_CG1_HUGETLB, file);
                (void) snprintf(file, sizeof(file), "hugetlb.%s.failcnt", e->pagesize);
                e->failcnt = get(cg, HUSK_CG1_HUGETLB, file);
                s->hugetlb_usage += e->usage;
        }
        return 0;
}

int husk_cg1_stats(struct husk_cg1 *cg, struct husk_cgroup_stats *ret, struct husk_error *err)
{
        struct husk_cgroup_stats s = { 0 };
        int r;
        if ((r = cpu_stats(cg, &s, err)) < 0 || (r = cpuset_stats(cg, &s.cpuset, err)) < 0 ||
            (r = memory_stats(cg, &s, err)) < 0 || (r = blkio_stats(cg, &s, err)) < 0 ||
            (r = hugetlb_stats(cg, &s, err)) < 0) {
                husk_cgroup_stats_done(&s);
                return r;
        }
        s.pids_current = get(cg, HUSK_CG1_PIDS, "pids.current");
        s.pids_limit = get(cg, HUSK_CG1_PIDS, "pids.max");
        if (s.pids_limit == UINT64_MAX)
                s.pids_limit = 0;
        *ret = s;
        return 0;
}

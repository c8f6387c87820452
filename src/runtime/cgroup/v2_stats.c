/* SPDX-License-Identifier: Apache-2.0 */
/* Stats on cgroup v2, under runc's names. A controller that is not enabled leaves its fields 0. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup/stats_internal.h"
#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Read a file that may be missing (controller not enabled): *ret NULL then. */
static int read_opt(struct husk_cg2 *cg, const char *file, char **ret, struct husk_error *err)
{
        *ret = NULL;
        int rc = husk_read_file_at(cg->dirfd, file, ret, NULL, err);
        if (rc == -ENOENT) {
                husk_error_clear(err);
                return 0;
        }
        return rc < 0 ? husk_error_prefix(err, "%s: ", cg->dir) : 0;
}

/* A single value; "max" is UINT64_MAX unless max_as is given. */
static int single(struct husk_cg2 *cg, const char *file, uint64_t max_as, uint64_t *ret, struct husk_error *err)
{
        _cleanup_free_ char *v = NULL;
        int rc = read_opt(cg, file, &v, err);
        if (rc < 0 || !v)
                return rc;
        *ret = strncmp(v, "max", 3) == 0 ? max_as : strtoull(v, NULL, 10);
        return 0;
}

/* The value of key in a "key value" file that may be missing. */
static int keyed_opt(struct husk_cg2 *cg, const char *file, const char *key, uint64_t *ret, struct husk_error *err)
{
        _cleanup_free_ char *text = NULL;
        int rc = read_opt(cg, file, &text, err);
        if (rc < 0 || !text)
                return rc;
        *ret = husk_cg_keyed(text, key);
        return 0;
}

static int nomem(struct husk_error *err, const char *what)
{
        return husk_error_errno(err, ENOMEM, "cgroup stats: %s", what);
}

static int cpu_stats(struct husk_cg2 *cg, struct husk_cgroup_stats *s, struct husk_error *err)
{
        _cleanup_free_ char *cpu = NULL, *cpus = NULL, *mems = NULL;
        int rc;
        if ((rc = read_opt(cg, "cpu.stat", &cpu, err)) < 0)
                return rc;
        if (cpu) {
                s->cpu_usage_ns = husk_cg_keyed(cpu, "usage_usec") * 1000;
                s->cpu_user_ns = husk_cg_keyed(cpu, "user_usec") * 1000;
                s->cpu_system_ns = husk_cg_keyed(cpu, "system_usec") * 1000;
                s->cpu_periods = husk_cg_keyed(cpu, "nr_periods");
                s->cpu_throttled_periods = husk_cg_keyed(cpu, "nr_throttled");
                s->cpu_throttled_ns = husk_cg_keyed(cpu, "throttled_usec") * 1000;
        }
        /* What the container may use, whether or not it set its own cpuset. */
        if ((rc = read_opt(cg, "cpuset.cpus.effective", &cpus, err)) < 0 ||
            (rc = read_opt(cg, "cpuset.mems.effective", &mems, err)) < 0)
                return rc;
        if ((cpus && husk_cg_parse_id_list(cpus, &s->cpuset.cpus) < 0) ||
            (mems && husk_cg_parse_id_list(mems, &s->cpuset.mems) < 0))
                return nomem(err, "cpuset");
        return 0;
}

/* runc's v2 memory: usage/limit/peak of memory and swap, failcnt from memory.events' "max", and swap
 * reported as memory+swap, as v1's memsw (runc does the same for compatibility). */
static int memory_stats(struct husk_cg2 *cg, struct husk_cgroup_stats *s, struct husk_error *err)
{
        _cleanup_free_ char *events = NULL, *stat = NULL;
        struct husk_cg_memory_entry *m = &s->memory, swap = { 0 };
        int rc;
        bool have_swap = faccessat(cg->dirfd, "memory.swap.current", F_OK, 0) == 0;
        if ((rc = single(cg, "memory.current", UINT64_MAX, &m->usage, err)) < 0 ||
            (rc = single(cg, "memory.peak", UINT64_MAX, &m->max, err)) < 0 ||
            (rc = single(cg, "memory.max", UINT64_MAX, &m->limit, err)) < 0 ||
            (rc = single(cg, "memory.swap.current", UINT64_MAX, &swap.usage, err)) < 0 ||
            (rc = single(cg, "memory.swap.peak", UINT64_MAX, &swap.max, err)) < 0 ||
            (rc = single(cg, "memory.swap.max", UINT64_MAX, &swap.limit, err)) < 0 ||
            (rc = keyed_opt(cg, "memory.swap.events", "max", &swap.failcnt, err)) < 0)
                return rc;
        if ((rc = read_opt(cg, "memory.events", &events, err)) < 0)
                return rc;
        if (events) {
                m->failcnt = husk_cg_keyed(events, "max");
                s->memory_oom_events = husk_cg_keyed(events, "oom_kill");
        }
        s->memory_usage = m->usage;
        s->memory_max_usage = m->max;
        s->memory_limit = m->limit;
        s->memory_swap_usage = swap.usage;
        if (have_swap) {
                s->swap = swap;
                s->swap.usage += m->usage;
                s->swap.max = swap.max ? swap.max + m->max : 0;
                s->swap.limit = swap.limit == UINT64_MAX || m->limit == UINT64_MAX ? UINT64_MAX : swap.limit + m->limit;
        }
        if ((rc = read_opt(cg, "memory.stat", &stat, err)) < 0)
                return rc;
        if (stat) {
                if (husk_cg_parse_kv(stat, &s->memory_raw, &s->n_memory_raw) < 0)
                        return nomem(err, "memory.stat");
                s->memory_cache = husk_cg_keyed(stat, "file");
        }
        return 0;
}

static int io_stats(struct husk_cg2 *cg, struct husk_cgroup_stats *s, struct husk_error *err)
{
        _cleanup_free_ char *io = NULL;
        int rc = read_opt(cg, "io.stat", &io, err);
        if (rc < 0 || !io)
                return rc;
        if (husk_cg2_parse_io_stat(io, &s->io_service_bytes, &s->n_io_service_bytes, &s->io_serviced,
                                   &s->n_io_serviced) < 0)
                return nomem(err, "io.stat");
        husk_cg_blkio_sum(s);
        return 0;
}

/* hugetlb.<size>.current per page size (not the .rsvd. ones); failcnt is the "max" of its events. */
static int hugetlb_stats(struct husk_cg2 *cg, struct husk_cgroup_stats *s, struct husk_error *err)
{
        int rc = husk_cg_hugetlb_list(cg->dirfd, cg->dir, "current", s, err);
        for (size_t i = 0; rc == 0 && i < s->n_hugetlb; i++) {
                struct husk_cg_hugetlb_entry *e = &s->hugetlb[i];
                char file[64];
                (void) snprintf(file, sizeof(file), "hugetlb.%s.current", e->pagesize);
                if ((rc = single(cg, file, 0, &e->usage, err)) < 0)
                        break;
                (void) snprintf(file, sizeof(file), "hugetlb.%s.events", e->pagesize);
                rc = keyed_opt(cg, file, "max", &e->failcnt, err);
                s->hugetlb_usage += e->usage;
        }
        return rc;
}

int husk_cg2_stats(struct husk_cg2 *cg, struct husk_cgroup_stats *ret, struct husk_error *err)
{
        struct husk_cgroup_stats s = { 0 };
        int rc;
        if ((rc = cpu_stats(cg, &s, err)) < 0 || (rc = memory_stats(cg, &s, err)) < 0 ||
            (rc = single(cg, "pids.current", 0, &s.pids_current, err)) < 0 ||
            (rc = single(cg, "pids.max", 0, &s.pids_limit, err)) < 0 || (rc = io_stats(cg, &s, err)) < 0 ||
            (rc = hugetlb_stats(cg, &s, err)) < 0) {
                husk_cgroup_stats_done(&s);
                return rc;
        }
        *ret = s;
        return 0;
}

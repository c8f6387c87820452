/* SPDX-License-Identifier: Apache-2.0 */
/* Stats of a v1 container (runc's fs GetStats): knobs the container's cgroups lack read as 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/cgroup_internal.h"
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

/* "key value" lines (cpu.stat, memory.oom_control). */
static uint64_t keyed(const char *text, const char *key)
{
        size_t n = strlen(key);
        for (const char *p = text; p && *p;) {
                if (strncmp(p, key, n) == 0 && p[n] == ' ')
                        return strtoull(p + n + 1, NULL, 10);
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
        }
        return 0;
}

/* blkio.throttle.io_service_bytes_recursive: "8:0 Read 123" per device and operation. */
static void blkio_sum(const char *text, uint64_t *read, uint64_t *write)
{
        for (const char *p = text; p && *p;) {
                char dev[32], op[16];
                unsigned long long v;
                if (sscanf(p, "%31s %15s %llu", dev, op, &v) == 3) {
                        if (strcmp(op, "Read") == 0)
                                *read += v;
                        else if (strcmp(op, "Write") == 0)
                                *write += v;
                }
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
        }
}

int husk_cg1_stats(struct husk_cg1 *cg, struct husk_cgroup_stats *ret, struct husk_error *err)
{
        (void) err;
        struct husk_cgroup_stats s = { 0 };
        s.cpu_usage_ns = get(cg, HUSK_CG1_CPUACCT, "cpuacct.usage");
        s.cpu_user_ns = get(cg, HUSK_CG1_CPUACCT, "cpuacct.usage_user");
        s.cpu_system_ns = get(cg, HUSK_CG1_CPUACCT, "cpuacct.usage_sys");
        _cleanup_free_ char *cpu = read_all(cg, HUSK_CG1_CPU, "cpu.stat");
        if (cpu) {
                s.cpu_throttled_periods = keyed(cpu, "nr_throttled");
                s.cpu_throttled_ns = keyed(cpu, "throttled_time");
        }
        s.memory_usage = get(cg, HUSK_CG1_MEMORY, "memory.usage_in_bytes");
        s.memory_max_usage = get(cg, HUSK_CG1_MEMORY, "memory.max_usage_in_bytes");
        s.memory_limit = get(cg, HUSK_CG1_MEMORY, "memory.limit_in_bytes");
        s.memory_swap_usage = get(cg, HUSK_CG1_MEMORY, "memory.memsw.usage_in_bytes");
        _cleanup_free_ char *oom = read_all(cg, HUSK_CG1_MEMORY, "memory.oom_control");
        if (oom)
                s.memory_oom_events = keyed(oom, "oom_kill");
        s.pids_current = get(cg, HUSK_CG1_PIDS, "pids.current");
        s.pids_limit = get(cg, HUSK_CG1_PIDS, "pids.max");
        if (s.pids_limit == UINT64_MAX)
                s.pids_limit = 0;
        _cleanup_free_ char *bytes = read_all(cg, HUSK_CG1_BLKIO, "blkio.throttle.io_service_bytes_recursive");
        _cleanup_free_ char *ops = read_all(cg, HUSK_CG1_BLKIO, "blkio.throttle.io_serviced_recursive");
        blkio_sum(bytes, &s.io_read_bytes, &s.io_write_bytes);
        blkio_sum(ops, &s.io_read_ops, &s.io_write_ops);
        struct husk_cg1_dir *h = husk_cg1_find(cg, HUSK_CG1_HUGETLB);
        if (h) {
                static const char *const sizes[] = { "64KB", "2MB", "32MB", "512MB", "1GB", "16GB" };
                char file[64];
                for (size_t i = 0; i < HUSK_ARRAY_SIZE(sizes); i++) {
                        (void) snprintf(file, sizeof(file), "hugetlb.%s.usage_in_bytes", sizes[i]);
                        s.hugetlb_usage += get(cg, HUSK_CG1_HUGETLB, file);
                }
        }
        *ret = s;
        return 0;
}

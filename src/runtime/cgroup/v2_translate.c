/* SPDX-License-Identifier: Apache-2.0 */
/* The v1 -> v2 value translations runc and crun apply, kept pure so they can be tested alone. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"

uint64_t husk_cg_shares_to_weight(uint64_t shares)
{
        /* 0 means "not set" to every caller; out-of-range shares are clamped the way the v1 kernel
         * clamps cpu.shares writes, so the linear map stays inside 1..10000. */
        if (shares == 0)
                return 0;
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t husk_cg_blkio_weight_to_io_weight(uint64_t weight)
{
        if (weight == 0)
                return 0;
        if (weight < 10)
                weight = 10;
        if (weight > 1000)
                weight = 1000;
        return 1 + ((weight - 10) * 9999) / 990;
}

int husk_cg2_swap_max(int64_t memory, int64_t memory_swap, int64_t *ret)
{
        /* v1 compatibility: an unlimited memory with no swap given means "both unlimited". */
        if (memory == -1 && memory_swap == 0) {
                *ret = -1;
                return 0;
        }
        if (memory_swap == -1 || memory_swap == 0) {
                *ret = memory_swap;
                return 0;
        }
        if (memory <= 0 || memory_swap < memory)
                return -EINVAL;
        *ret = memory_swap - memory;
        return 0;
}

const char *husk_cg2_num(int64_t v, char buf[static 21])
{
        if (v < 0)
                return "max";
        snprintf(buf, 21, "%" PRId64, v);
        return buf;
}

struct io_dev {
        int64_t major, minor;
        char *line;
};

static int io_add(struct io_dev **devs, size_t *n, int64_t major, int64_t minor, const char *key, uint64_t rate)
{
        struct io_dev *d = NULL;
        for (size_t i = 0; i < *n; i++)
                if ((*devs)[i].major == major && (*devs)[i].minor == minor)
                        d = &(*devs)[i];
        if (!d) {
                struct io_dev *nd = realloc(*devs, (*n + 1) * sizeof(**devs));
                if (!nd)
                        return -ENOMEM;
                *devs = nd;
                d = &nd[(*n)++];
                d->major = major;
                d->minor = minor;
                if (asprintf(&d->line, "%" PRId64 ":%" PRId64, major, minor) < 0) {
                        d->line = NULL;
                        return -ENOMEM;
                }
        }
        char *nl = NULL;
        /* v1 throttle files take 0 as "remove the limit"; io.max spells that "max". */
        int r = rate ? asprintf(&nl, "%s %s=%" PRIu64, d->line, key, rate) : asprintf(&nl, "%s %s=max", d->line, key);
        if (r < 0)
                return -ENOMEM;
        free(d->line);
        d->line = nl;
        return 0;
}

int husk_cg2_io_max_lines(const struct husk_blkio *b, char ***ret)
{
        const struct {
                const char *key;
                const struct husk_throttle_device *v;
                size_t n;
        } lists[] = {
                { "rbps", b->throttle_read_bps, b->n_throttle_read_bps },
                { "wbps", b->throttle_write_bps, b->n_throttle_write_bps },
                { "riops", b->throttle_read_iops, b->n_throttle_read_iops },
                { "wiops", b->throttle_write_iops, b->n_throttle_write_iops },
        };
        struct io_dev *devs = NULL;
        size_t n = 0;
        int r = 0;
        for (size_t l = 0; l < HUSK_ARRAY_SIZE(lists) && r == 0; l++)
                for (size_t i = 0; i < lists[l].n && r == 0; i++)
                        r = io_add(&devs, &n, lists[l].v[i].major, lists[l].v[i].minor, lists[l].key,
                                   lists[l].v[i].rate);
        char **v = r == 0 ? calloc(n + 1, sizeof(char *)) : NULL;
        for (size_t i = 0; i < n; i++) {
                if (v)
                        v[i] = devs[i].line;
                else
                        free(devs[i].line);
        }
        free(devs);
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

int husk_cg2_unified_key_mask(const char *key)
{
        static const struct {
                const char *prefix;
                unsigned mask;
        } ctrls[] = {
                { "cpuset.", HUSK_CG2_CPUSET }, { "cpu.", HUSK_CG2_CPU },         { "io.", HUSK_CG2_IO },
                { "memory.", HUSK_CG2_MEMORY }, { "hugetlb.", HUSK_CG2_HUGETLB }, { "pids.", HUSK_CG2_PIDS },
                { "rdma.", HUSK_CG2_RDMA },     { "misc.", HUSK_CG2_MISC },
        };
        if (!key || !*key || strchr(key, '/') || strcmp(key, ".") == 0 || strcmp(key, "..") == 0)
                return -EINVAL;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(ctrls); i++)
                if (strncmp(key, ctrls[i].prefix, strlen(ctrls[i].prefix)) == 0)
                        return (int) ctrls[i].mask;
        return 0;
}

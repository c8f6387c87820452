/* SPDX-License-Identifier: Apache-2.0 */
/* The docker client's stats figures (stats_calc.h). */
#include "cli/husk/stats_calc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/units.h"

uint64_t husk_stats_mem_usage(uint64_t usage, const struct husk_cg_stat_kv *raw, size_t n_raw)
{
        /* v1 first: its memory.stat has both inactive_file (this cgroup) and total_inactive_file
         * (with its descendants); Docker takes the total there. */
        static const char *const keys[] = { "total_inactive_file", "inactive_file" };
        for (size_t k = 0; k < 2; k++)
                for (size_t i = 0; i < n_raw; i++)
                        if (strcmp(raw[i].key, keys[k]) == 0)
                                return raw[i].value < usage ? usage - raw[i].value : usage;
        return usage;
}

double husk_stats_cpu_percent(const struct husk_stats_sample *prev, const struct husk_stats_sample *cur)
{
        if (!prev || !prev->valid || !cur->valid)
                return 0.0;
        double cpu_delta = (double) cur->cpu_ns - (double) prev->cpu_ns;
        double system_delta = (double) cur->system_ns - (double) prev->system_ns;
        if (system_delta <= 0.0 || cpu_delta <= 0.0)
                return 0.0;
        return cpu_delta / system_delta * (double) cur->online_cpus * 100.0;
}

int husk_stats_parse_proc_stat(const char *text, long clk_tck, uint64_t *ret_ns)
{
        if (strncmp(text, "cpu ", 4) != 0 || clk_tck <= 0)
                return -EINVAL;
        const char *p = text + 4;
        uint64_t ticks = 0;
        for (int i = 0; i < 7; i++) {
                char *end;
                unsigned long long v = strtoull(p, &end, 10);
                if (end == p)
                        return -EINVAL;
                ticks += v;
                p = end;
        }
        *ret_ns = ticks * (1000000000ULL / (uint64_t) clk_tck);
        return 0;
}

int husk_stats_parse_net_dev(const char *text, uint64_t *ret_rx, uint64_t *ret_tx)
{
        uint64_t rx = 0, tx = 0;
        /* Two heading lines, then "  NAME: rx_bytes packets errs drop fifo frame compressed multicast
         * tx_bytes ..." */
        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                const char *colon = strchr(line, ':'), *nl = strchr(line, '\n');
                if (!colon || (nl && colon > nl))
                        continue;
                const char *name = line;
                while (*name == ' ')
                        name++;
                if ((size_t) (colon - name) == 2 && strncmp(name, "lo", 2) == 0)
                        continue;
                unsigned long long v[9];
                const char *p = colon + 1;
                int i;
                for (i = 0; i < 9; i++) {
                        char *end;
                        v[i] = strtoull(p, &end, 10);
                        if (end == p)
                                break;
                        p = end;
                }
                if (i < 9)
                        return -EINVAL;
                rx += v[0];
                tx += v[8];
        }
        *ret_rx = rx;
        *ret_tx = tx;
        return 0;
}

int husk_stats_parse_meminfo(const char *text, uint64_t *ret)
{
        const char *p = strstr(text, "MemTotal:");
        if (!p || (p != text && p[-1] != '\n'))
                return -EINVAL;
        char *end;
        unsigned long long kb = strtoull(p + 9, &end, 10);
        if (end == p + 9)
                return -EINVAL;
        *ret = (uint64_t) kb * 1024;
        return 0;
}

/* "X / Y" in go-units' binary (memory) or decimal (I/O) sizes. */
static void pair(char *out, size_t size, double x, double y, bool binary)
{
        char a[32], b[32];
        if (binary) {
                husk_bytes_size(a, sizeof(a), x);
                husk_bytes_size(b, sizeof(b), y);
        } else {
                husk_human_size(a, sizeof(a), x, 3);
                husk_human_size(b, sizeof(b), y, 3);
        }
        (void) snprintf(out, size, "%s / %s", a, b);
}

void husk_stats_columns(const struct husk_stats_sample *prev, const struct husk_stats_sample *cur,
                        struct husk_stats_cols *ret)
{
        static const struct husk_stats_sample none = { 0 };
        const struct husk_stats_sample *c = cur->valid ? cur : &none;
        double perc = c->mem_limit ? (double) c->mem_usage / (double) c->mem_limit * 100.0 : 0.0;
        (void) snprintf(ret->cpu, sizeof(ret->cpu), "%.2f%%", husk_stats_cpu_percent(prev, cur));
        pair(ret->mem_usage, sizeof(ret->mem_usage), (double) c->mem_usage, (double) c->mem_limit, true);
        (void) snprintf(ret->mem_perc, sizeof(ret->mem_perc), "%.2f%%", perc);
        pair(ret->net_io, sizeof(ret->net_io), (double) c->net_rx, (double) c->net_tx, false);
        pair(ret->block_io, sizeof(ret->block_io), (double) c->blk_read, (double) c->blk_write, false);
        (void) snprintf(ret->pids, sizeof(ret->pids), "%" PRIu64, c->pids);
}

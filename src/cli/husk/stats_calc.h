/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk stats`: the figures as the docker client computes them from a sample of the container's
 * cgroup and of the host (cli/command/container/stats_helpers.go). Pure: the parsers take file texts.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/cgroup/cgroup.h"

struct husk_stats_sample {
        bool valid;                     /* read from a running container; else every column is zero */
        uint64_t cpu_ns;                /* the container's CPU time */
        uint64_t system_ns;             /* the host's CPU time (/proc/stat), all CPUs */
        uint32_t online_cpus;
        uint64_t mem_usage, mem_limit;  /* usage without inactive file pages; limit at most the host's RAM */
        uint64_t net_rx, net_tx, blk_read, blk_write, pids;
};

/* Docker's memory usage: the cgroup's usage less its inactive file pages (v1 total_inactive_file,
 * v2 inactive_file) when those are below it. */
uint64_t husk_stats_mem_usage(uint64_t usage, const struct husk_cg_stat_kv *raw, size_t n_raw);

/* CPU % between two samples: the container's share of the host's CPU time, times the online CPUs
 * (100% is one CPU busy). 0 without a previous valid sample or when no time passed. */
double husk_stats_cpu_percent(const struct husk_stats_sample *prev, const struct husk_stats_sample *cur);

/* /proc/stat: the "cpu" line's user nice system idle iowait irq softirq in ns (Docker's sum). */
int husk_stats_parse_proc_stat(const char *text, long clk_tck, uint64_t *ret_ns);

/* /proc/PID/net/dev: received and sent bytes of every interface but lo. */
int husk_stats_parse_net_dev(const char *text, uint64_t *ret_rx, uint64_t *ret_tx);

/* /proc/meminfo: MemTotal in bytes. */
int husk_stats_parse_meminfo(const char *text, uint64_t *ret);

/* The columns of a row: "0.52%", "1.23MiB / 64MiB", "1.92%", "0B / 0B", "4.1kB / 0B", "3". */
struct husk_stats_cols {
        char cpu[32], mem_usage[80], mem_perc[32], net_io[80], block_io[80], pids[32];
};
void husk_stats_columns(const struct husk_stats_sample *prev, const struct husk_stats_sample *cur,
                        struct husk_stats_cols *ret);

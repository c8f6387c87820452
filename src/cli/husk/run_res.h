/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource options of `run`/`create` (and the part `update` takes): memory, CPU, pids, block I/O
 * and ulimits, with Docker's names, units and checks, kept in the record's HostConfig by Docker's keys
 * (engine/resources.h). The OCI config gets them at each start (engine/spec_res.c).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cli/husk/husk.h"

struct run_res_flags {
        bool oom_kill_disable;
        const char *memory, *memory_swap, *memory_reservation, *memory_swappiness, *kernel_memory, *cpus,
                *cpu_shares, *cpu_period, *cpu_quota, *cpuset_cpus, *cpuset_mems, *pids_limit, *blkio_weight;
        struct arg_strings blkio_weight_device, device_read_bps, device_write_bps, device_read_iops,
                device_write_iops, ulimit;
};

/* The options `docker update` takes too (S: the command's flags struct, F: its run_res_flags member). */
#define RES_UPDATE_OPTS(S, F)                                                                                   \
        ARG_OPT("memory", "m", ARG_STRING, S, F.memory, "Memory limit"),                                        \
        ARG_OPT("memory-swap", NULL, ARG_STRING, S, F.memory_swap,                                              \
                "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),                         \
        ARG_OPT("memory-reservation", NULL, ARG_STRING, S, F.memory_reservation, "Memory soft limit"),          \
        ARG_OPT("kernel-memory", NULL, ARG_STRING, S, F.kernel_memory, "Kernel memory limit (obsolete: refused)"), \
        ARG_OPT("cpus", NULL, ARG_STRING, S, F.cpus, "Number of CPUs"),                                         \
        ARG_OPT("cpu-shares", "c", ARG_STRING, S, F.cpu_shares, "CPU shares (relative weight)"),                \
        ARG_OPT("cpu-period", NULL, ARG_STRING, S, F.cpu_period, "Limit CPU CFS (Completely Fair Scheduler) period"), \
        ARG_OPT("cpu-quota", NULL, ARG_STRING, S, F.cpu_quota, "Limit CPU CFS (Completely Fair Scheduler) quota"), \
        ARG_OPT("cpuset-cpus", NULL, ARG_STRING, S, F.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)"), \
        ARG_OPT("cpuset-mems", NULL, ARG_STRING, S, F.cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)"), \
        ARG_OPT("pids-limit", NULL, ARG_STRING, S, F.pids_limit, "Tune container pids limit (set -1 for unlimited)"), \
        ARG_OPT("blkio-weight", NULL, ARG_STRING, S, F.blkio_weight,                                            \
                "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)")

/* RUN_OPTS's resource lines. */
#define RUN_RES_OPTS(S, F)                                                                                      \
        RES_UPDATE_OPTS(S, F),                                                                                  \
        ARG_OPT("memory-swappiness", NULL, ARG_STRING, S, F.memory_swappiness,                                  \
                "Tune container memory swappiness (0 to 100) (default -1)"),                                    \
        ARG_OPT("oom-kill-disable", NULL, ARG_BOOL, S, F.oom_kill_disable, "Disable OOM Killer"),               \
        ARG_OPT("blkio-weight-device", NULL, ARG_STRINGS, S, F.blkio_weight_device,                             \
                "Block IO weight (relative device weight) (DEVICE_PATH:WEIGHT)"),                               \
        ARG_OPT("device-read-bps", NULL, ARG_STRINGS, S, F.device_read_bps,                                     \
                "Limit read rate (bytes per second) from a device (DEVICE_PATH:RATE[b|k|m|g])"),                \
        ARG_OPT("device-write-bps", NULL, ARG_STRINGS, S, F.device_write_bps,                                   \
                "Limit write rate (bytes per second) to a device (DEVICE_PATH:RATE[b|k|m|g])"),                 \
        ARG_OPT("device-read-iops", NULL, ARG_STRINGS, S, F.device_read_iops,                                   \
                "Limit read rate (IO per second) from a device (DEVICE_PATH:RATE)"),                            \
        ARG_OPT("device-write-iops", NULL, ARG_STRINGS, S, F.device_write_iops,                                 \
                "Limit write rate (IO per second) to a device (DEVICE_PATH:RATE)"),                             \
        ARG_OPT("ulimit", NULL, ARG_STRINGS, S, F.ulimit, "Ulimit options (NAME=SOFT[:HARD], e.g. nofile=1024:2048)")

/*
 * Check the options and write them into host_config by Docker's keys. At create (update false) every
 * key this area owns is set (Docker's zero values: Memory 0, PidsLimit null...), MemorySwap defaults
 * to twice Memory, and the values are checked against this host (swap accounting, CPUs, cpusets, block
 * devices, ulimits). With update, host_config holds the record's values and only the options given
 * change. Returns 0, or HUSK_EXIT_ERROR after printing the error (which names the flag and value).
 */
int husk_run_res_to_config(const struct husk_ctx *ctx, const struct run_res_flags *f, bool update, json_t *host_config);
/* Whether any option is given (update refuses to do nothing). */
bool husk_run_res_any(const struct run_res_flags *f);

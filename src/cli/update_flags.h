/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `update`'s flags, turned into a struct husk_resources the way runc's update.go does it. Pure (no
 * library calls beyond the resources types), for tests.
 */
#pragma once

#include <stdint.h>

#include "cli/args.h"
#include "oci/spec.h"
#include "util/error.h"

/* Every value as the user wrote it (NULL: not given); parsed by cli_update_resources_from_flags. */
struct cli_update_flags {
        const char *resources; /* -r FILE, "-" = stdin: replaces every other flag, as in runc */
        const char *memory, *memory_swap, *memory_reservation, *kernel_memory, *kernel_memory_tcp;
        const char *cpu_share, *cpu_quota, *cpu_period, *cpu_burst, *cpu_rt_period, *cpu_rt_runtime, *cpu_idle;
        const char *cpuset_cpus, *cpuset_mems;
        const char *pids_limit;
        const char *blkio_weight;
        const char *l3_cache_schema, *mem_bw_schema; /* Intel RDT: refused (no resctrl support) */
};

#define CLI_UPDATE_N_OPTS 20
extern const struct arg_opt cli_update_opts[CLI_UPDATE_N_OPTS];

/* go-units RAMInBytes, which runc uses for the memory flags: "1024", "100m", "1.5g", "512 KiB", "2GB"
 * (binary multiples, case-insensitive, an optional "b" or "ib" after the unit, one optional space).
 * -EINVAL when it is not such a size or does not fit in int64. */
int cli_parse_ram_in_bytes(const char *s, int64_t *ret);

/* The flags as resources: only the flags given are set, each error names its flag
 * ("invalid value for --memory: invalid size: '12x'"). *ret must be zeroed; on error what was filled
 * is left for husk_resources_free_contents(). */
int cli_update_resources_from_flags(const struct cli_update_flags *f, struct husk_resources *ret,
                                    struct husk_error *err);

/* runc's update passes 0 for "not given" and libcontainer skips zero values: a 0 in a resources file
 * (or on the command line) for memory limit/reservation/swap/kernel/kernelTCP, cpu shares, quota,
 * period, burst, realtime runtime and period, blkio weight or pids limit leaves that limit as it is. */
void cli_update_zero_is_unchanged(struct husk_resources *r);

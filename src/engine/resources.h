/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource options of an engine container (run/create/update --memory ... --ulimit), kept in its
 * record as Docker's HostConfig keys (Memory, MemorySwap, MemoryReservation, MemorySwappiness,
 * OomKillDisable, NanoCpus, CpuShares, CpuPeriod, CpuQuota, CpusetCpus, CpusetMems, PidsLimit,
 * BlkioWeight, BlkioWeightDevice [{Path,Weight}], BlkioDevice{Read,Write}{Bps,IOps} [{Path,Rate}],
 * Ulimits [{Name,Soft,Hard}]) and turned into the OCI config's linux.resources and process.rlimits
 * at each start (spec_res.c). The runtime library enforces them on cgroup v1 and v2.
 *
 * res_parse.c: the values as Docker's client parses them (pure; tests/unit/engine/test_res_parse.c).
 * res_host.c: what this host can enforce (swap accounting, CPUs, rlimits, block devices).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct json_t;

/* Docker's lower bound for --memory and --memory-reservation (linuxMinMemory). */
#define HUSK_RES_MIN_MEMORY (6 * 1024 * 1024)

/* go-units RAMInBytes: "512", "64m", "1.5g", "2GiB", "10 kb" (binary multiples b k m g t p, an optional
 * "i" and "b" after, case-insensitive). -EINVAL when it is not one, -ERANGE past int64. */
int husk_res_parse_bytes(const char *s, int64_t *ret);

/* --cpus as the docker client reads it (a rational number times 1e9): "1.5" -> 1500000000. -EINVAL:
 * not a number; -ERANGE: more than 9 decimals ("too precise") or too large. A sign is accepted (the
 * range check against the host's CPUs refuses it later, with Docker's words). */
int husk_res_parse_nano_cpus(const char *s, int64_t *ret);

/* Go's strconv.ParseInt(s, 10, 64) (an optional sign, digits only). -EINVAL / -ERANGE. */
int husk_res_parse_i64(const char *s, int64_t *ret);

/* --ulimit NAME=SOFT[:HARD] (go-units ParseUlimit: Docker's names core cpu data fsize locks memlock
 * msgqueue nice nofile nproc rss rtprio rttime sigpending stack; -1 unlimited; hard defaults to
 * soft) as {"Name", "Hard", "Soft"}. The error says what is wrong in Docker's words. */
int husk_res_parse_ulimit(const char *s, struct json_t **ret, struct husk_error *err);
/* The RLIMIT_* number of a Docker ulimit name, -1 when it is none. */
int husk_res_ulimit_resource(const char *name);

/* Per-device options: DEVICE_PATH:VALUE with a path under /dev/ (Docker's client validators). */
enum husk_res_dev_kind {
        HUSK_RES_DEV_WEIGHT, /* --blkio-weight-device: {"Path","Weight"}, 0 or 10..1000 */
        HUSK_RES_DEV_BPS,    /* --device-{read,write}-bps: {"Path","Rate"}, a size with units */
        HUSK_RES_DEV_IOPS,   /* --device-{read,write}-iops: {"Path","Rate"}, a plain number */
};
int husk_res_parse_device(const char *s, enum husk_res_dev_kind kind, struct json_t **ret, struct husk_error *err);

/* A cpuset list ("0-3,5"): -EINVAL when malformed; else *ret_subset says whether every number of req
 * is in avail (avail in the same form, as the kernel writes cpuset.cpus). */
int husk_res_cpuset_within(const char *req, const char *avail, bool *ret_subset);

/* ---- the host (res_host.c) ---- */

/* Whether the memory controller the container's cgroup will use accounts swap: cgroup v1's
 * memory.memsw.* (absent when the kernel runs with swapaccount=0), v2's memory.swap.max. */
bool husk_res_swap_accounting(void);
/* Whether the memory controller is cgroup v2's (no swappiness, no OOM-killer switch there). */
bool husk_res_memory_v2(void);
/* CPUs this process may run on (Go's runtime.NumCPU: the affinity mask). */
int husk_res_num_cpus(void);
/* The online CPUs and memory nodes ("0-1", "0"), for --cpuset-cpus/--cpuset-mems. */
int husk_res_online(bool mems, char *buf, size_t size);
/* A block device's numbers, found by stat(2) on the host path; the error names the path (and says
 * when it is not a block device). */
int husk_res_block_device(const char *path, int64_t *ret_major, int64_t *ret_minor, struct husk_error *err);
/* A ulimit the container's init could not set: its hard limit above ours without CAP_SYS_RESOURCE,
 * or nofile above fs.nr_open. 0 when it can; -EPERM with words naming it otherwise. */
int husk_res_ulimit_settable(const char *name, int64_t soft, int64_t hard, struct husk_error *err);

/* ---- the OCI config (spec_res.c) ---- */

/* linux.resources members (memory, cpu, pids, blockIO) from a HostConfig object into res (an object,
 * devices left as they are), and process.rlimits into *ret_rlimits (NULL when no Ulimits). Device
 * paths are resolved again by stat (as Docker at each start). A swap limit is left out where the host
 * has no swap accounting. */
int husk_res_to_oci(const struct json_t *host_config, struct json_t *res, struct json_t **ret_rlimits,
                    struct husk_error *err);

/* The container's resource options applied to its config.json document (spec.c calls it). */
struct husk_engine_spec_in;
int husk_spec_apply_res(const struct husk_engine_spec_in *in, struct json_t *doc, struct husk_error *err);

/* ---- update (ctr_update.c) ---- */
struct husk_engine;
/*
 * Docker's update: under the container's lock, edit(hc, ud) changes a copy of its HostConfig (a
 * non-zero return cancels: -ECANCELED, the record untouched); a running container gets the new
 * limits through libhusk's update at once, then the record is saved (later starts apply it). A
 * failed runtime update leaves the record as it was. pids_unlimited: --pids-limit 0/-1 was given
 * (recorded as null, which alone would change nothing in a running cgroup).
 */
int husk_engine_update_res(struct husk_engine *e, const char *id, int (*edit)(struct json_t *hc, void *ud), void *ud,
                           bool pids_unlimited, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/runtime/cgroup/: the parsers both backends' stats use (stats_parse.c). Pure
 * functions over a file's text, so the unit tests check them without a cgroup (but for the hugetlb
 * directory listing). The array parsers
 * return 0 or -ENOMEM and leave *ret empty on failure; lines they do not understand are skipped.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "runtime/cgroup/cgroup.h"
#include "util/error.h"

/* "key value" lines (cpu.stat, memory.events, memory.oom_control): the value of key, or 0. */
uint64_t husk_cg_keyed(const char *text, const char *key);

/* Every "key value" line (memory.stat), in order; keys longer than the entry's room are skipped. */
int husk_cg_parse_kv(const char *text, struct husk_cg_stat_kv **ret, size_t *ret_n);

/* Whitespace-separated numbers (cpuacct.usage_percpu). */
int husk_cg_parse_u64_list(const char *text, struct husk_cg_u64v *ret);

/* A cpuset list, "0-3,8,10-11" (cpuset.cpus, cpuset.mems): every member, ascending as written. */
int husk_cg_parse_id_list(const char *text, struct husk_cg_u16v *ret);

/* v1 blkio.*_recursive: "8:0 Read 4096" per device and operation (the "Total N" summary line, which
 * names no device, is skipped, as runc does). */
int husk_cg1_parse_blkio(const char *text, struct husk_cg_blkio_entry **ret, size_t *ret_n);

/* v2 io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"): runc's v1-shaped entries,
 * rbytes/wbytes/dbytes as Read/Write/Discard of *bytes, rios/wios/dios of *ios. */
int husk_cg2_parse_io_stat(const char *text, struct husk_cg_blkio_entry **bytes, size_t *n_bytes,
                           struct husk_cg_blkio_entry **ios, size_t *n_ios);

/* Page size from a hugetlb file name: "hugetlb.2MB.usage_in_bytes" -> "2MB" (buf of 16). Returns 0,
 * or -EINVAL when the name is not hugetlb.<size>.<suffix> for this suffix. */
int husk_cg_hugetlb_pagesize(const char *name, const char *suffix, char buf[static 16]);

/* One zeroed entry in s->hugetlb per page size, from the files hugetlb.<size>.<suffix> of the directory
 * (v1: "usage_in_bytes", v2: "current"); the backend fills in the values. */
int husk_cg_hugetlb_list(int dirfd, const char *dir, const char *suffix, struct husk_cgroup_stats *s,
                         struct husk_error *err);

/* The io_* summaries from the per-device entries (their Read and Write lines). */
void husk_cg_blkio_sum(struct husk_cgroup_stats *s);

/* Append one entry to a growing array (doubling); -ENOMEM. */
int husk_cg_grow(void **v, size_t *n, size_t *cap, size_t size);

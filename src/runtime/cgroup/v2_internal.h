/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the cgroup v2 backend (v2*.c): the cgroup handle, small file helpers, and the pure
 * pieces (rule list -> BPF program, v1 -> v2 value translations) that the unit tests check directly.
 */
#pragma once

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "runtime/cgroup/backend.h"
#include "util/error.h"

struct husk_cg2 {
        char *mount; /* where cgroup2 is mounted: "/sys/fs/cgroup" or "/sys/fs/cgroup/unified" */
        char *path;  /* below it: "/husk/<id>" */
        char *dir;   /* mount + path, for messages and rmdir */
        int dirfd;   /* O_RDONLY|O_DIRECTORY: the *at() base, and the target of BPF attach/query */
        int procs_fd; /* cgroup.procs, O_WRONLY; opened by create only (enter_self) */
};

/* Controllers a set of resources needs enabled in every ancestor's cgroup.subtree_control. */
enum {
        HUSK_CG2_CPUSET = 1u << 0,
        HUSK_CG2_CPU = 1u << 1,
        HUSK_CG2_IO = 1u << 2,
        HUSK_CG2_MEMORY = 1u << 3,
        HUSK_CG2_HUGETLB = 1u << 4,
        HUSK_CG2_PIDS = 1u << 5,
        HUSK_CG2_RDMA = 1u << 6,
        HUSK_CG2_MISC = 1u << 7,
};

/* ---- v2.c ---- */
/* Write `value` to <cg>/<file>; the message names the value and the full path. */
int husk_cg2_write(const struct husk_cg2 *cg, const char *file, const char *value, struct husk_error *err);
/* Read <cg>/<file>; -ENOENT (with err set) when it does not exist. */
int husk_cg2_read(const struct husk_cg2 *cg, const char *file, char **ret, struct husk_error *err);
/* Enable `mask` in the subtree_control of every ancestor of cg, below the mount's root. */
int husk_cg2_enable_controllers(const struct husk_cg2 *cg, unsigned mask, struct husk_error *err);

/* ---- v2_resources.c ---- */
/* The controllers r needs (0 for NULL). */
unsigned husk_cg2_resources_mask(const struct husk_resources *r);
/* Write r's limits (fields not set are left alone). `creating`: a new container's cgroup, which gets
 * its device filter even when r lists no device rule (deny all but the default devices, as runc). */
int husk_cg2_apply(struct husk_cg2 *cg, const struct husk_resources *r, bool creating, struct husk_error *err);

/* ---- v2_devices_bpf.c ---- */
/*
 * The BPF_PROG_TYPE_CGROUP_DEVICE program for an OCI device rule list: default deny, the last
 * matching rule wins (rules are emitted last to first and the first match returns). Pure. The caller
 * frees *ret.
 */
int husk_cg2_devices_program(const struct husk_device_cgroup_rule *rules, size_t n, struct bpf_insn **ret,
                             size_t *ret_n, struct husk_error *err);
/* BPF_PROG_LOAD; returns the program fd. The verifier's log is in the message when it refuses. */
int husk_cg2_bpf_load(const struct bpf_insn *insns, size_t n, struct husk_error *err);
/* Attach prog_fd to the cgroup dirfd as its device filter, replacing the filter(s) attached before. */
int husk_cg2_bpf_attach_replace(int dirfd, int prog_fd, const char *dir, struct husk_error *err);
/* Generate, load and attach the program for rules followed by the devices every container may use
 * (runc's AllowedDevices: /dev/null, zero, full, random, urandom, tty, console, ptmx, pts, net/tun, and
 * mknod of any device node), so a rule list cannot take those away, as on v1. */
int husk_cg2_apply_devices(struct husk_cg2 *cg, const struct husk_device_cgroup_rule *rules, size_t n,
                           struct husk_error *err);

/* ---- v2_translate.c (pure) ---- */
/*
 * The spec's memory.swap is memory+swap (v1 memsw); v2's memory.swap.max is swap alone. `memory` and
 * `memory_swap` are the spec's values with 0 = not set and -1 = unlimited. *ret: the value for
 * memory.swap.max with the same convention (0 = do not write, -1 = "max"). -EINVAL when the pair
 * cannot be translated (swap set with no memory limit, or swap below the limit); runc's rules.
 */
int husk_cg2_swap_max(int64_t memory, int64_t memory_swap, int64_t *ret);
/*
 * io.max lines for the spec's throttle lists, one per device ("8:0 rbps=1048576 wiops=10"), in order
 * of first appearance; a rate of 0 (v1: no limit) becomes "max". NULL-terminated; caller frees.
 */
int husk_cg2_io_max_lines(const struct husk_blkio *b, char ***ret);
/* "max" for -1 (or any negative), the number otherwise. buf has room for 21 bytes. */
const char *husk_cg2_num(int64_t v, char buf[static 21]);
/* A `unified` key is a file name of the cgroup directory: no '/', not "." or "..", not empty. Returns
 * the mask of the controller it belongs to (0 for cgroup.* and unknown prefixes) or -EINVAL. */
int husk_cg2_unified_key_mask(const char *key);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device allow/deny list on cgroup v2: v2 has no devices controller, the kernel runs a
 * BPF_PROG_TYPE_CGROUP_DEVICE program on each device access instead. Hand-assembled (no libbpf):
 *
 *   r2 = ctx->access_type & 0xffff   (BPF_DEVCG_DEV_BLOCK / _CHAR)
 *   r3 = ctx->access_type >> 16      (BPF_DEVCG_ACC_* wanted)
 *   r4 = ctx->major, r5 = ctx->minor
 *   per rule, last to first:  if type/access/major/minor match: return allow
 *   return 0 (deny)
 *
 * The first match returning, with rules emitted in reverse, gives v1's "last matching rule wins".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define JNE_REG(dst, src, off) INSN(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* At most 7 instructions per rule plus the prologue and the default. */
#define MAX_PER_RULE 7

static int access_mask(const char *access, int *ret)
{
        int acc = 0;
        if (!access) {
                *ret = ACC_ALL;
                return 0;
        }
        for (const char *p = access; *p; p++) {
                switch (*p) {
                case 'r':
                        acc |= BPF_DEVCG_ACC_READ;
                        break;
                case 'w':
                        acc |= BPF_DEVCG_ACC_WRITE;
                        break;
                case 'm':
                        acc |= BPF_DEVCG_ACC_MKNOD;
                        break;
                default:
                        return -EINVAL;
                }
        }
        *ret = acc;
        return 0;
}

int husk_cg2_devices_program(const struct husk_device_cgroup_rule *rules, size_t n, struct bpf_insn **ret,
                             size_t *ret_n, struct husk_error *err)
{
        _cleanup_free_ struct bpf_insn *p = calloc(6 + n * MAX_PER_RULE + 2, sizeof(*p));
        if (!p)
                return husk_error_errno(err, ENOMEM, "device filter");
        size_t k = 0;
        /* struct bpf_cgroup_dev_ctx: access_type at 0, major at 4, minor at 8 (32-bit loads only). */
        p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);
        p[k++] = ALU32_IMM(BPF_AND, BPF_REG_2, 0xffff);
        p[k++] = LDX_W(BPF_REG_3, BPF_REG_1, 0);
        p[k++] = ALU32_IMM(BPF_RSH, BPF_REG_3, 16);
        p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);
        p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);

        bool catch_all = false;
        for (size_t i = n; i-- > 0 && !catch_all;) {
                const struct husk_device_cgroup_rule *rule = &rules[i];
                int acc;
                if (access_mask(rule->access, &acc) < 0)
                        return husk_error_set(err, EINVAL, "linux.resources.devices[%zu]: invalid access \"%s\"", i,
                                              rule->access);
                if (acc == 0)
                        continue; /* "" grants or denies nothing: no request is a subset of it */
                int type;
                switch (rule->type) {
                case 'a':
                case '\0':
                        type = 0;
                        break;
                case 'c':
                        type = BPF_DEVCG_DEV_CHAR;
                        break;
                case 'b':
                        type = BPF_DEVCG_DEV_BLOCK;
                        break;
                default:
                        return husk_error_set(err, EINVAL, "linux.resources.devices[%zu]: invalid type '%c'", i, rule->type);
                }
                /* -1 is how some configs spell the wildcard. */
                bool has_major = rule->has_major && rule->major >= 0;
                bool has_minor = rule->has_minor && rule->minor >= 0;
                if ((has_major && rule->major > INT32_MAX) || (has_minor && rule->minor > INT32_MAX))
                        return husk_error_set(err, EINVAL, "linux.resources.devices[%zu]: device number out of range", i);
                bool has_acc = acc != ACC_ALL;
                int len = (type ? 1 : 0) + (has_acc ? 3 : 0) + (has_major ? 1 : 0) + (has_minor ? 1 : 0) + 2;
                /* Each jump skips to the rule's end: the instructions left in the block after it. */
                int pos = 0;
                if (type) {
                        p[k++] = JNE_IMM(BPF_REG_2, type, (int16_t) (len - pos - 1));
                        pos++;
                }
                if (has_acc) {
                        /* (wanted & granted) == wanted: every access asked for is in the rule. */
                        p[k++] = MOV32_REG(BPF_REG_1, BPF_REG_3);
                        p[k++] = ALU32_IMM(BPF_AND, BPF_REG_1, acc);
                        pos += 2;
                        p[k++] = JNE_REG(BPF_REG_1, BPF_REG_3, (int16_t) (len - pos - 1));
                        pos++;
                }
                if (has_major) {
                        p[k++] = JNE_IMM(BPF_REG_4, (int32_t) rule->major, (int16_t) (len - pos - 1));
                        pos++;
                }
                if (has_minor) {
                        p[k++] = JNE_IMM(BPF_REG_5, (int32_t) rule->minor, (int16_t) (len - pos - 1));
                        pos++;
                }
                p[k++] = MOV64_IMM(BPF_REG_0, rule->allow ? 1 : 0);
                p[k++] = EXIT();
                /* A rule matching everything ends the program: the verifier rejects unreachable
                 * instructions, and the earlier rules could never be reached anyway. */
                catch_all = len == 2;
        }
        if (!catch_all) {
                p[k++] = MOV64_IMM(BPF_REG_0, 0);
                p[k++] = EXIT();
        }
        *ret = steal_ptr(p);
        *ret_n = k;
        return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int) syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int husk_cg2_bpf_load(const struct bpf_insn *insns, size_t n, struct husk_error *err)
{
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) insns;
        attr.insn_cnt = (uint32_t) n;
        attr.license = (uint64_t) (uintptr_t) "Apache-2.0";
        int fd = sys_bpf(BPF_PROG_LOAD, &attr); /* BPF fds are always close-on-exec */
        if (fd >= 0)
                return fd;
        int e = errno;
        if (e == EPERM) {
                /* Before 5.11 programs were charged to RLIMIT_MEMLOCK, often 64 KiB. */
                struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
                if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0 && (fd = sys_bpf(BPF_PROG_LOAD, &attr)) >= 0)
                        return fd;
        }
        /* Load again with the verifier's log, only now: logging makes every load slower. */
        _cleanup_free_ char *log = calloc(1, 16384);
        if (log) {
                attr.log_level = 1;
                attr.log_buf = (uint64_t) (uintptr_t) log;
                attr.log_size = 16384;
                fd = sys_bpf(BPF_PROG_LOAD, &attr);
                if (fd >= 0)
                        return fd;
                e = errno;
                log[16383] = '\0';
        }
        return husk_error_errno(err, e, "load device filter (BPF_PROG_TYPE_CGROUP_DEVICE, %zu instructions)%s%s", n,
                                log && *log ? ": verifier: " : "", log ? log : "");
}

/* The ids of the device programs attached to this cgroup itself (not inherited ones). */
static int query(int dirfd, const char *dir, uint32_t **ret, uint32_t *ret_n, struct husk_error *err)
{
        for (uint32_t cap = 64;; cap *= 2) {
                _cleanup_free_ uint32_t *ids = calloc(cap, sizeof(uint32_t));
                if (!ids)
                        return husk_error_errno(err, ENOMEM, "query device filters of %s", dir);
                union bpf_attr attr;
                memset(&attr, 0, sizeof(attr));
                attr.query.target_fd = (uint32_t) dirfd;
                attr.query.attach_type = BPF_CGROUP_DEVICE;
                attr.query.prog_ids = (uint64_t) (uintptr_t) ids;
                attr.query.prog_cnt = cap;
                if (sys_bpf(BPF_PROG_QUERY, &attr) < 0) {
                        if (errno == ENOSPC && cap < 65536)
                                continue;
                        return husk_error_errno(err, errno, "query device filters of %s", dir);
                }
                *ret_n = attr.query.prog_cnt;
                *ret = steal_ptr(ids);
                return 0;
        }
}

static int prog_fd_by_id(uint32_t id)
{
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.prog_id = id;
        return sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}

int husk_cg2_bpf_attach_replace(int dirfd, int prog_fd, const char *dir, struct husk_error *err)
{
        _cleanup_free_ uint32_t *old = NULL;
        uint32_t n_old = 0;
        int rc = query(dirfd, dir, &old, &n_old, err);
        if (rc < 0)
                return rc;
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t) dirfd;
        attr.attach_bpf_fd = (uint32_t) prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        /* One filter there (the usual update): swap it in place (5.6+), no moment with both or none. */
        if (n_old == 1) {
                _cleanup_close_ int ofd = prog_fd_by_id(old[0]);
                if (ofd >= 0) {
                        attr.attach_flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE;
                        attr.replace_bpf_fd = (uint32_t) ofd;
                        if (sys_bpf(BPF_PROG_ATTACH, &attr) == 0)
                                return 0;
                        attr.attach_flags = BPF_F_ALLOW_MULTI;
                        attr.replace_bpf_fd = 0;
                }
        }
        /* Otherwise new first, then the old ones: in between both run and a device must pass both,
         * so the window is stricter than either, never open. */
        if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
                return husk_error_errno(err, errno, "attach device filter to %s", dir);
        for (uint32_t i = 0; i < n_old; i++) {
                _cleanup_close_ int ofd = prog_fd_by_id(old[i]);
                if (ofd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return husk_error_errno(err, errno, "open device filter %" PRIu32 " of %s", old[i], dir);
                }
                memset(&attr, 0, sizeof(attr));
                attr.target_fd = (uint32_t) dirfd;
                attr.attach_bpf_fd = (uint32_t) ofd;
                attr.attach_type = BPF_CGROUP_DEVICE;
                if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
                        return husk_error_errno(err, errno, "detach old device filter %" PRIu32 " from %s", old[i], dir);
        }
        return 0;
}

/* runc's AllowedDevices, the same list the v1 backend appends (v1_resources.c). */
static const struct husk_device_cgroup_rule default_devices[] = {
#define DEV(t, maj, min, acc)                                                                                  \
        { .allow = true, .type = (t), .has_major = (maj) >= 0, .major = (maj), .has_minor = (min) >= 0, .minor = (min), \
          .access = (char *) (acc) }
        DEV('c', -1, -1, "m"),   DEV('b', -1, -1, "m"),   DEV('c', 1, 3, "rwm"),  DEV('c', 1, 8, "rwm"),
        DEV('c', 1, 7, "rwm"),   DEV('c', 5, 0, "rwm"),   DEV('c', 1, 5, "rwm"),  DEV('c', 1, 9, "rwm"),
        DEV('c', 5, 1, "rwm"),   DEV('c', 136, -1, "rwm"), DEV('c', 5, 2, "rwm"), DEV('c', 10, 200, "rwm"),
#undef DEV
};

int husk_cg2_apply_devices(struct husk_cg2 *cg, const struct husk_device_cgroup_rule *rules, size_t n,
                           struct husk_error *err)
{
        size_t total = n + HUSK_ARRAY_SIZE(default_devices);
        _cleanup_free_ struct husk_device_cgroup_rule *all = calloc(total, sizeof(*all));
        if (!all)
                return husk_error_errno(err, ENOMEM, "device filter of %s", cg->dir);
        if (n)
                memcpy(all, rules, n * sizeof(*rules));
        memcpy(all + n, default_devices, sizeof(default_devices));
        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t n_insns = 0;
        int rc = husk_cg2_devices_program(all, total, &insns, &n_insns, err);
        if (rc < 0)
                return rc;
        _cleanup_close_ int fd = husk_cg2_bpf_load(insns, n_insns, err);
        if (fd < 0)
                return fd;
        /* Attached, the program lives as long as the cgroup; our fd can go. */
        return husk_cg2_bpf_attach_replace(cg->dirfd, fd, cg->dir, err);
}

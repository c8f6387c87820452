/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/update_flags.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/cleanup.h"

#define F(n, field, u) ARG_OPT(n, NULL, ARG_STRING, struct cli_update_flags, field, u)

/* runc's flags and wording; "cpu-shares" beside runc's "cpu-share", since issue 3 and docker say so. */
const struct arg_opt cli_update_opts[] = {
        ARG_OPT("resources", "r", ARG_STRING, struct cli_update_flags, resources,
                "path to the file containing the resources to update or '-' to read from the standard input"),
        F("blkio-weight", blkio_weight, "Specifies per cgroup weight, range is from 10 to 1000"),
        F("cpu-period", cpu_period, "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
        F("cpu-quota", cpu_quota, "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
        F("cpu-burst", cpu_burst, "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period"),
        F("cpu-share", cpu_share, "CPU shares (relative weight vs. other containers)"),
        F("cpu-shares", cpu_share, "the same as --cpu-share"),
        F("cpu-rt-period", cpu_rt_period, "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"),
        F("cpu-rt-runtime", cpu_rt_runtime, "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
        F("cpuset-cpus", cpuset_cpus, "CPU(s) to use"),
        F("cpuset-mems", cpuset_mems, "Memory node(s) to use"),
        F("cpu-idle", cpu_idle, "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"),
        F("kernel-memory", kernel_memory, "(obsoleted; do not use)"),
        F("kernel-memory-tcp", kernel_memory_tcp, "(obsoleted; do not use)"),
        F("memory", memory, "Memory limit (in bytes)"),
        F("memory-reservation", memory_reservation, "Memory reservation or soft_limit (in bytes)"),
        F("memory-swap", memory_swap, "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
        F("pids-limit", pids_limit, "Maximum number of pids allowed in the container"),
        F("l3-cache-schema", l3_cache_schema, "The string of Intel RDT/CAT L3 cache schema (not supported: refused)"),
        F("mem-bw-schema", mem_bw_schema, "The string of Intel RDT/MBA memory bandwidth schema (not supported: refused)"),
};
_Static_assert(HUSK_ARRAY_SIZE(cli_update_opts) == CLI_UPDATE_N_OPTS, "CLI_UPDATE_N_OPTS");

int cli_parse_ram_in_bytes(const char *s, int64_t *ret)
{
        /* The number: digits and at most one dot (Go's ParseFloat would refuse more). */
        size_t n = strspn(s, "0123456789.");
        if (n == 0 || strchr(s, '.') != strrchr(s, '.') || strspn(s, ".") == n)
                return -EINVAL;
        char num[64];
        if (n >= sizeof(num))
                return -EINVAL;
        memcpy(num, s, n);
        num[n] = '\0';
        const char *sfx = s + n;
        if (*sfx == ' ')
                sfx++;

        static const char units[] = "kmgtp";
        double mul = 1;
        size_t len = strlen(sfx);
        if (len > 0) {
                const char *u = strchr(units, (char) (sfx[0] | 0x20));
                if (u && sfx[0] != '\0') {
                        for (const char *p = units; p <= u; p++)
                                mul *= 1024;
                        sfx++;
                        len--;
                        if (len == 2 && strcasecmp(sfx, "ib") != 0)
                                return -EINVAL;
                        if (len == 1 && (sfx[0] | 0x20) != 'b')
                                return -EINVAL;
                        if (len > 2)
                                return -EINVAL;
                } else if (len != 1 || (sfx[0] | 0x20) != 'b') {
                        return -EINVAL;
                }
        }
        char *end;
        errno = 0;
        double v = strtod(num, &end);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        v *= mul;
        /* 2^63 is the first double past INT64_MAX. */
        if (!isfinite(v) || v >= 9223372036854775808.0)
                return -EINVAL;
        *ret = (int64_t) v;
        return 0;
}

static int parse_i64(const char *s, int base, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, base);
        if (errno != 0 || end == s || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
        char *end;
        /* strtoull would take "-1" as UINT64_MAX; Go's ParseUint does not. */
        if (s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

static int bad(struct husk_error *err, const char *flag, const char *value, const char *why)
{
        return husk_error_set(err, EINVAL, "invalid value for --%s: %s: '%s'", flag, why, value);
}

static int memory_flag(const char *flag, const char *value, int64_t *dst, bool *has, struct husk_error *err)
{
        if (!value)
                return 0;
        /* runc: "-1" is unlimited; RAMInBytes itself refuses negative sizes. */
        if (strcmp(value, "-1") == 0)
                *dst = -1;
        else if (cli_parse_ram_in_bytes(value, dst) < 0)
                return bad(err, flag, value, "invalid size");
        *has = true;
        return 0;
}

static int u64_flag(const char *flag, const char *value, uint64_t *dst, bool *has, struct husk_error *err)
{
        if (!value)
                return 0;
        if (parse_u64(value, dst) < 0)
                return bad(err, flag, value, "not an unsigned integer");
        *has = true;
        return 0;
}

static int i64_flag(const char *flag, const char *value, int64_t *dst, bool *has, struct husk_error *err)
{
        if (!value)
                return 0;
        if (parse_i64(value, 10, dst) < 0)
                return bad(err, flag, value, "not an integer");
        *has = true;
        return 0;
}

static int strdup_flag(const char *value, char **dst, struct husk_error *err)
{
        if (!value)
                return 0;
        *dst = strdup(value);
        if (!*dst)
                return husk_error_errno(err, ENOMEM, "update");
        return 0;
}

int cli_update_resources_from_flags(const struct cli_update_flags *f, struct husk_resources *r,
                                    struct husk_error *err)
{
        if (f->l3_cache_schema || f->mem_bw_schema)
                return husk_error_set(err, ENOTSUP, "--%s: Intel RDT is not supported",
                                      f->l3_cache_schema ? "l3-cache-schema" : "mem-bw-schema");
        struct husk_memory *m = &r->memory;
        struct husk_cpu *c = &r->cpu;
        int ret;
        if ((ret = memory_flag("memory", f->memory, &m->limit, &m->has_limit, err)) < 0 ||
            (ret = memory_flag("memory-swap", f->memory_swap, &m->swap, &m->has_swap, err)) < 0 ||
            (ret = memory_flag("memory-reservation", f->memory_reservation, &m->reservation, &m->has_reservation,
                               err)) < 0 ||
            (ret = memory_flag("kernel-memory", f->kernel_memory, &m->kernel, &m->has_kernel, err)) < 0 ||
            (ret = memory_flag("kernel-memory-tcp", f->kernel_memory_tcp, &m->kernel_tcp, &m->has_kernel_tcp, err)) < 0 ||
            (ret = u64_flag("cpu-share", f->cpu_share, &c->shares, &c->has_shares, err)) < 0 ||
            (ret = i64_flag("cpu-quota", f->cpu_quota, &c->quota, &c->has_quota, err)) < 0 ||
            (ret = u64_flag("cpu-period", f->cpu_period, &c->period, &c->has_period, err)) < 0 ||
            (ret = u64_flag("cpu-burst", f->cpu_burst, &c->burst, &c->has_burst, err)) < 0 ||
            (ret = u64_flag("cpu-rt-period", f->cpu_rt_period, &c->realtime_period, &c->has_realtime_period, err)) < 0 ||
            (ret = i64_flag("cpu-rt-runtime", f->cpu_rt_runtime, &c->realtime_runtime, &c->has_realtime_runtime,
                            err)) < 0 ||
            (ret = i64_flag("cpu-idle", f->cpu_idle, &c->idle, &c->has_idle, err)) < 0 ||
            (ret = strdup_flag(f->cpuset_cpus, &c->cpus, err)) < 0 ||
            (ret = strdup_flag(f->cpuset_mems, &c->mems, err)) < 0)
                return ret;
        r->has_memory = m->has_limit || m->has_swap || m->has_reservation || m->has_kernel || m->has_kernel_tcp;
        r->has_cpu = c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_realtime_period ||
                     c->has_realtime_runtime || c->has_idle || c->cpus || c->mems;

        /* Go's flag.Int (runc's IntFlag) reads base prefixes: "0x10" is 16. */
        if (f->pids_limit) {
                int64_t v;
                if (parse_i64(f->pids_limit, 0, &v) < 0)
                        return bad(err, "pids-limit", f->pids_limit, "not an integer");
                r->has_pids = true;
                r->pids_limit = v;
        }
        if (f->blkio_weight) {
                int64_t v;
                if (parse_i64(f->blkio_weight, 0, &v) < 0 || v < 0 || v > UINT16_MAX)
                        return bad(err, "blkio-weight", f->blkio_weight, "not an integer from 0 to 65535");
                r->has_blkio = true;
                r->blkio.has_weight = true;
                r->blkio.weight = (uint16_t) v;
        }
        cli_update_zero_is_unchanged(r);
        return 0;
}

void cli_update_zero_is_unchanged(struct husk_resources *r)
{
        struct husk_memory *m = &r->memory;
        m->has_limit &= m->limit != 0;
        m->has_reservation &= m->reservation != 0;
        m->has_swap &= m->swap != 0;
        m->has_kernel &= m->kernel != 0;
        m->has_kernel_tcp &= m->kernel_tcp != 0;
        struct husk_cpu *c = &r->cpu;
        c->has_shares &= c->shares != 0;
        c->has_quota &= c->quota != 0;
        c->has_period &= c->period != 0;
        c->has_burst &= c->burst != 0;
        c->has_realtime_runtime &= c->realtime_runtime != 0;
        c->has_realtime_period &= c->realtime_period != 0;
        r->blkio.has_weight &= r->blkio.weight != 0;
        r->has_pids &= r->pids_limit != 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources as systemd unit properties. systemd rewrites the cgroup files it owns from the
 * unit's properties whenever it realises the unit again (a daemon-reload, another property change), so
 * a limit written only to the file would be undone: every limit systemd has a property for is given
 * to it as well, with runc's translations.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/systemd_internal.h"
#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"

/* systemd rounds CPUQuota to 1%: 10 ms of CPU time per second. */
#define QUOTA_GRANULE_USEC 10000
#define DEFAULT_PERIOD_USEC 100000
/* Highest cpu number a cpuset list may name here (the kernel's NR_CPUS limit on Debian's kernel). */
#define MAX_CPU 8191

void husk_sd_props_done(struct husk_sd_props *p)
{
        for (size_t i = 0; i < p->n; i++) {
                free(p->v[i].str);
                free(p->v[i].bytes);
        }
        free(p->v);
        *p = (struct husk_sd_props){ 0 };
}

static struct husk_sd_prop *add(struct husk_sd_props *p, const char *name, const char *sig)
{
        struct husk_sd_prop *v = realloc(p->v, (p->n + 1) * sizeof(*v));
        if (!v)
                return NULL;
        p->v = v;
        v = &p->v[p->n++];
        *v = (struct husk_sd_prop){ .name = name, .sig = sig };
        return v;
}

int husk_sd_props_add_u64(struct husk_sd_props *p, const char *name, uint64_t val)
{
        struct husk_sd_prop *v = add(p, name, "t");
        if (!v)
                return -ENOMEM;
        v->u64 = val;
        return 0;
}

int husk_sd_props_add_bool(struct husk_sd_props *p, const char *name, bool val)
{
        struct husk_sd_prop *v = add(p, name, "b");
        if (!v)
                return -ENOMEM;
        v->b = val;
        return 0;
}

int husk_sd_props_add_str(struct husk_sd_props *p, const char *name, const char *sig, const char *val)
{
        char *s = strdup(val);
        struct husk_sd_prop *v = s ? add(p, name, sig) : NULL;
        if (!v) {
                free(s);
                return -ENOMEM;
        }
        v->str = s;
        return 0;
}

int husk_sd_props_add_pid(struct husk_sd_props *p, const char *name, pid_t pid)
{
        struct husk_sd_prop *v = add(p, name, "au");
        if (!v)
                return -ENOMEM;
        v->u64 = (uint64_t) pid;
        return 0;
}

static int add_bytes(struct husk_sd_props *p, const char *name, uint8_t *bytes, size_t n)
{
        struct husk_sd_prop *v = add(p, name, "ay");
        if (!v) {
                free(bytes);
                return -ENOMEM;
        }
        v->bytes = bytes;
        v->n_bytes = n;
        return 0;
}

int husk_sd_unit_props(const struct husk_sd_unit *u, const char *id, struct husk_sd_props *p, struct husk_error *err)
{
        _cleanup_free_ char *desc = NULL;
        if (asprintf(&desc, "husk container %s", id) < 0)
                return husk_error_errno(err, ENOMEM, "unit properties");
        int r = husk_sd_props_add_str(p, "Description", "s", desc);
        if (r == 0 && u->is_slice)
                r = husk_sd_props_add_str(p, "Wants", "as", u->slice);
        if (r == 0 && !u->is_slice)
                r = husk_sd_props_add_str(p, "Slice", "s", u->slice);
        /* Delegate: the container may manage its own sub-cgroups, and systemd leaves them alone. */
        if (r == 0 && !u->is_slice)
                r = husk_sd_props_add_bool(p, "Delegate", true);
        /* No ordering against shutdown.target and friends: the container's life is the runtime's. */
        if (r == 0)
                r = husk_sd_props_add_bool(p, "DefaultDependencies", false);
        /* Accounting on: without it systemd does not enable the controllers for the unit, and the
         * backends' files would be missing. */
        static const char *const accounting[] = { "MemoryAccounting", "CPUAccounting", "IOAccounting", "TasksAccounting" };
        for (size_t i = 0; r == 0 && i < HUSK_ARRAY_SIZE(accounting); i++)
                r = husk_sd_props_add_bool(p, accounting[i], true);
        if (r < 0)
                return husk_error_errno(err, -r, "unit properties");
        return 0;
}

/* -1 (or any negative) is unlimited. */
static uint64_t limit_value(int64_t v)
{
        return v < 0 ? HUSK_SD_INFINITY : (uint64_t) v;
}

static int memory_props(const struct husk_memory *m, bool unified, struct husk_sd_props *p, struct husk_error *err)
{
        int r = 0;
        if (m->has_limit && m->limit != 0)
                r = husk_sd_props_add_u64(p, unified ? "MemoryMax" : "MemoryLimit", limit_value(m->limit));
        if (r == 0 && unified && m->has_reservation && m->reservation != 0)
                r = husk_sd_props_add_u64(p, "MemoryLow", limit_value(m->reservation));
        if (r == 0 && unified && m->has_swap && m->has_limit) {
                int64_t swap;
                if (husk_cg2_swap_max(m->limit, m->swap, &swap) < 0)
                        return husk_error_set(err, EINVAL,
                                              "linux.resources.memory.swap %" PRId64 " with limit %" PRId64
                                              ": swap is memory+swap, so it needs a limit and must not be below it",
                                              m->swap, m->limit);
                /* swap == limit: no swap (0), which the translation returns as "not set" otherwise. */
                if (swap != 0 || m->swap > 0)
                        r = husk_sd_props_add_u64(p, "MemorySwapMax", limit_value(swap));
        }
        return r < 0 ? husk_error_errno(err, -r, "unit properties") : 0;
}

/* runc's quota translation: CPUQuotaPerSecUSec is the quota per second of wall time, rounded up to
 * systemd's 1%, so a container never gets less than asked. */
static uint64_t quota_per_sec(int64_t quota, uint64_t period)
{
        if (quota <= 0)
                return HUSK_SD_INFINITY;
        if (period == 0)
                period = DEFAULT_PERIOD_USEC;
        uint64_t per_sec = (uint64_t) quota * 1000000 / period;
        if (per_sec % QUOTA_GRANULE_USEC)
                per_sec = (per_sec / QUOTA_GRANULE_USEC + 1) * QUOTA_GRANULE_USEC;
        return per_sec;
}

static int cpuset_prop(struct husk_sd_props *p, const char *name, const char *field, const char *list,
                       struct husk_error *err)
{
        if (!list || !list[0])
                return 0;
        uint8_t *mask;
        size_t n;
        int r = husk_sd_cpuset_mask(list, &mask, &n);
        if (r == -EINVAL)
                return husk_error_set(err, EINVAL, "linux.resources.cpu.%s \"%s\": not a list like \"0-3,8\" (0..%d)",
                                      field, list, MAX_CPU);
        if (r == 0)
                r = add_bytes(p, name, mask, n);
        return r < 0 ? husk_error_errno(err, -r, "unit properties") : 0;
}

static int cpu_props(const struct husk_cpu *c, bool unified, struct husk_sd_props *p, struct husk_error *err)
{
        int r = 0;
        if (c->has_shares && c->shares != 0)
                r = unified ? husk_sd_props_add_u64(p, "CPUWeight", husk_cg_shares_to_weight(c->shares))
                            : husk_sd_props_add_u64(p, "CPUShares", c->shares);
        bool quota = c->has_quota && c->quota != 0, period = c->has_period && c->period != 0;
        if (r == 0 && period)
                r = husk_sd_props_add_u64(p, "CPUQuotaPeriodUSec", c->period);
        if (r == 0 && (quota || period))
                r = husk_sd_props_add_u64(p, "CPUQuotaPerSecUSec", quota_per_sec(quota ? c->quota : -1, c->period));
        if (r < 0)
                return husk_error_errno(err, -r, "unit properties");
        /* On v1 systemd has no cpuset controller; the v1 backend writes cpuset.cpus/mems. */
        if (!unified)
                return 0;
        r = cpuset_prop(p, "AllowedCPUs", "cpus", c->cpus, err);
        if (r < 0)
                return r;
        return cpuset_prop(p, "AllowedMemoryNodes", "mems", c->mems, err);
}

int husk_sd_resource_props(const struct husk_resources *r, bool unified, struct husk_sd_props *p,
                           struct husk_error *err)
{
        if (!r)
                return 0;
        int rc;
        if (r->has_memory && (rc = memory_props(&r->memory, unified, p, err)) < 0)
                return rc;
        if (r->has_cpu && (rc = cpu_props(&r->cpu, unified, p, err)) < 0)
                return rc;
        rc = 0;
        if (r->has_pids)
                rc = husk_sd_props_add_u64(p, "TasksMax", r->pids_limit > 0 ? (uint64_t) r->pids_limit : HUSK_SD_INFINITY);
        if (rc == 0 && r->has_blkio && r->blkio.has_weight && r->blkio.weight != 0)
                rc = unified ? husk_sd_props_add_u64(p, "IOWeight", husk_cg_blkio_weight_to_io_weight(r->blkio.weight))
                             : husk_sd_props_add_u64(p, "BlockIOWeight", r->blkio.weight);
        return rc < 0 ? husk_error_errno(err, -rc, "unit properties") : 0;
}

static int parse_cpu(const char **s, unsigned long *ret)
{
        if (**s < '0' || **s > '9')
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long v = strtoul(*s, &end, 10);
        if (errno || v > MAX_CPU)
                return -EINVAL;
        *s = end;
        *ret = v;
        return 0;
}

int husk_sd_cpuset_mask(const char *list, uint8_t **ret, size_t *ret_n)
{
        _cleanup_free_ uint8_t *mask = NULL;
        size_t n = 0;
        for (const char *s = list; *s;) {
                unsigned long lo, hi;
                if (parse_cpu(&s, &lo) < 0)
                        return -EINVAL;
                hi = lo;
                if (*s == '-') {
                        s++;
                        if (parse_cpu(&s, &hi) < 0 || hi < lo)
                                return -EINVAL;
                }
                if (*s == ',' && s[1])
                        s++;
                else if (*s == '\n' && !s[1])
                        s++;
                else if (*s)
                        return -EINVAL;
                size_t need = hi / 8 + 1;
                if (need > n) {
                        uint8_t *m = realloc(mask, need);
                        if (!m)
                                return -ENOMEM;
                        memset(m + n, 0, need - n);
                        mask = m;
                        n = need;
                }
                for (unsigned long c = lo; c <= hi; c++)
                        mask[c / 8] |= (uint8_t) (1u << (c % 8));
        }
        if (!mask)
                return -EINVAL;
        *ret = steal_ptr(mask);
        *ret_n = n;
        return 0;
}

int husk_sd_prop_format(const struct husk_sd_prop *prop, char *buf, size_t size)
{
        int n;
        if (strcmp(prop->sig, "t") == 0)
                n = prop->u64 == HUSK_SD_INFINITY ? snprintf(buf, size, "%s=infinity", prop->name)
                                                   : snprintf(buf, size, "%s=%" PRIu64, prop->name, prop->u64);
        else if (strcmp(prop->sig, "au") == 0)
                n = snprintf(buf, size, "%s=%" PRIu64, prop->name, prop->u64);
        else if (strcmp(prop->sig, "b") == 0)
                n = snprintf(buf, size, "%s=%s", prop->name, prop->b ? "yes" : "no");
        else if (strcmp(prop->sig, "ay") == 0) {
                n = snprintf(buf, size, "%s=0x", prop->name);
                for (size_t i = 0; n >= 0 && (size_t) n < size && i < prop->n_bytes; i++)
                        n += snprintf(buf + n, size - (size_t) n, "%02x", prop->bytes[i]);
        } else
                n = snprintf(buf, size, "%s=%s", prop->name, prop->str ? prop->str : "");
        return n < 0 || (size_t) n >= size ? -ENOSPC : 0;
}

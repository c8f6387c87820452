/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runc's event lines, byte for byte as Go's encoding/json writes them: fields in struct order, compact,
 * `omitempty` fields left out when zero, map keys sorted. Written by hand rather than with jansson,
 * whose integers are signed: runc prints an unlimited v2 limit as 18446744073709551615.
 */
#include "cli/events_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

/* ---- Go durations ---- */

static const struct {
        const char *name;
        uint64_t ns;
} units[] = {
        { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 }, { "ms", 1000000 },
        { "s", 1000000000ull }, { "m", 60000000000ull }, { "h", 3600000000000ull },
};

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

int cli_parse_duration(const char *s, int64_t *ret_ns)
{
        bool neg = false;
        if (*s == '-' || *s == '+')
                neg = *s++ == '-';
        if (strcmp(s, "0") == 0) {
                *ret_ns = 0;
                return 0;
        }
        if (!*s)
                return -EINVAL;
        unsigned __int128 total = 0;
        const unsigned __int128 limit = (unsigned __int128) INT64_MAX + (neg ? 1 : 0);
        while (*s) {
                unsigned __int128 whole = 0, frac = 0, scale = 1;
                bool digits = false;
                for (; is_digit(*s); s++, digits = true)
                        if ((whole = whole * 10 + (unsigned) (*s - '0')) > limit)
                                return -ERANGE;
                if (*s == '.')
                        for (s++; is_digit(*s); s++, digits = true)
                                if (scale < 1000000000000000000ull) { /* digits past 1e-18 change nothing */
                                        frac = frac * 10 + (unsigned) (*s - '0');
                                        scale *= 10;
                                }
                if (!digits)
                        return -EINVAL;
                size_t ul = strcspn(s, "0123456789.");
                uint64_t unit = 0;
                for (size_t i = 0; i < HUSK_ARRAY_SIZE(units); i++)
                        if (strlen(units[i].name) == ul && strncmp(s, units[i].name, ul) == 0)
                                unit = units[i].ns;
                if (!unit)
                        return -EINVAL;
                s += ul;
                total += whole * unit + frac * unit / scale;
                if (total > limit)
                        return -ERANGE;
        }
        /* -2^63 is the one value whose magnitude has no positive int64. */
        *ret_ns = !neg || total == 0 ? (int64_t) total : -(int64_t) (total - 1) - 1;
        return 0;
}

/* ---- JSON ---- */

struct jw {
        FILE *f;
        bool first; /* no comma before the next member */
};

static void key(struct jw *w, const char *k)
{
        fprintf(w->f, "%s\"%s\":", w->first ? "" : ",", k);
        w->first = false;
}

/* A string as Go writes it (<, > and & escaped too, as json.Encoder does by default). */
static void str(FILE *f, const char *s)
{
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fprintf(f, "\\%c", *p);
                else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&')
                        fprintf(f, "\\u%04x", *p);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
}

static void open_obj(struct jw *w, const char *k)
{
        if (k)
                key(w, k);
        fputc('{', w->f);
        w->first = true;
}

static void close_obj(struct jw *w)
{
        fputc('}', w->f);
        w->first = false;
}

/* `omit`: Go's omitempty, the member is left out when zero. */
static void u64(struct jw *w, const char *k, uint64_t v, bool omit)
{
        if (omit && v == 0)
                return;
        key(w, k);
        fprintf(w->f, "%" PRIu64, v);
}

static void u64_array(struct jw *w, const char *k, const uint64_t *v, size_t n)
{
        if (n == 0)
                return;
        key(w, k);
        for (size_t i = 0; i < n; i++)
                fprintf(w->f, "%c%" PRIu64, i ? ',' : '[', v[i]);
        fputc(']', w->f);
}

static void u16_array(struct jw *w, const char *k, const struct husk_cg_u16v *v)
{
        if (v->n == 0)
                return;
        key(w, k);
        for (size_t i = 0; i < v->n; i++)
                fprintf(w->f, "%c%u", i ? ',' : '[', (unsigned) v->v[i]);
        fputc(']', w->f);
}

static void cpu(struct jw *w, const struct husk_cgroup_stats *s)
{
        open_obj(w, "cpu");
        open_obj(w, "usage");
        u64(w, "total", s->cpu_usage_ns, true);
        u64_array(w, "percpu", s->percpu.v, s->percpu.n);
        u64_array(w, "percpu_kernel", s->percpu_kernel.v, s->percpu_kernel.n);
        u64_array(w, "percpu_user", s->percpu_user.v, s->percpu_user.n);
        u64(w, "kernel", s->cpu_system_ns, false);
        u64(w, "user", s->cpu_user_ns, false);
        close_obj(w);
        open_obj(w, "throttling");
        u64(w, "periods", s->cpu_periods, true);
        u64(w, "throttledPeriods", s->cpu_throttled_periods, true);
        u64(w, "throttledTime", s->cpu_throttled_ns, true);
        close_obj(w);
        close_obj(w);
}

static void cpuset(struct jw *w, const struct husk_cg_cpuset_stats *c)
{
        open_obj(w, "cpuset");
        u16_array(w, "cpus", &c->cpus);
        u64(w, "cpu_exclusive", c->cpu_exclusive, false);
        u16_array(w, "mems", &c->mems);
        u64(w, "mem_hardwall", c->mem_hardwall, false);
        u64(w, "mem_exclusive", c->mem_exclusive, false);
        u64(w, "memory_migrate", c->memory_migrate, false);
        u64(w, "memory_spread_page", c->memory_spread_page, false);
        u64(w, "memory_spread_slab", c->memory_spread_slab, false);
        u64(w, "memory_pressure", c->memory_pressure, false);
        u64(w, "sched_load_balance", c->sched_load_balance, false);
        key(w, "sched_relax_domain_level");
        fprintf(w->f, "%" PRId64, c->sched_relax_domain_level);
        close_obj(w);
}

static void memory_entry(struct jw *w, const char *k, const struct husk_cg_memory_entry *e)
{
        open_obj(w, k);
        u64(w, "limit", e->limit, false);
        u64(w, "usage", e->usage, true);
        u64(w, "max", e->max, true);
        u64(w, "failcnt", e->failcnt, false);
        close_obj(w);
}

static int cmp_kv(const void *a, const void *b)
{
        return strcmp(((const struct husk_cg_stat_kv *) a)->key, ((const struct husk_cg_stat_kv *) b)->key);
}

static void memory(struct jw *w, const struct husk_cgroup_stats *s, const struct husk_cg_stat_kv *raw)
{
        open_obj(w, "memory");
        u64(w, "cache", s->memory_cache, true);
        memory_entry(w, "usage", &s->memory);
        memory_entry(w, "swap", &s->swap);
        memory_entry(w, "kernel", &s->kernel);
        memory_entry(w, "kernelTCP", &s->kernel_tcp);
        if (s->n_memory_raw) {
                open_obj(w, "raw");
                for (size_t i = 0; i < s->n_memory_raw; i++) {
                        fputs(i ? "," : "", w->f);
                        str(w->f, raw[i].key);
                        fprintf(w->f, ":%" PRIu64, raw[i].value);
                }
                close_obj(w);
        }
        close_obj(w);
}

static void blkio_list(struct jw *w, const char *k, const struct husk_cg_blkio_entry *e, size_t n)
{
        if (n == 0)
                return;
        key(w, k);
        fputc('[', w->f);
        for (size_t i = 0; i < n; i++) {
                fputs(i ? "," : "", w->f);
                open_obj(w, NULL);
                u64(w, "major", e[i].major, true);
                u64(w, "minor", e[i].minor, true);
                if (e[i].op[0]) {
                        key(w, "op");
                        str(w->f, e[i].op);
                }
                u64(w, "value", e[i].value, true);
                close_obj(w);
        }
        fputc(']', w->f);
}

static int cmp_hugetlb(const void *a, const void *b)
{
        return strcmp(((const struct husk_cg_hugetlb_entry *) a)->pagesize,
                      ((const struct husk_cg_hugetlb_entry *) b)->pagesize);
}

static void hugetlb(struct jw *w, const struct husk_cg_hugetlb_entry *h, size_t n)
{
        open_obj(w, "hugetlb");
        for (size_t i = 0; i < n; i++) {
                open_obj(w, h[i].pagesize);
                u64(w, "usage", h[i].usage, true);
                u64(w, "max", h[i].max, true);
                u64(w, "failcnt", h[i].failcnt, false);
                close_obj(w);
        }
        close_obj(w);
}

/* A sorted copy of n elements (Go writes a map's keys sorted); NULL for none or out of memory. */
static void *sorted_copy(const void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
        void *c = n ? calloc(n, size) : NULL;
        if (!c)
                return NULL;
        memcpy(c, v, n * size);
        qsort(c, n, size, cmp);
        return c;
}

static int finish(FILE *f)
{
        fputc('\n', f);
        if (fflush(f) != 0 || ferror(f))
                return -(errno ? errno : EIO);
        return 0;
}

static void header(struct jw *w, const char *type, const char *id)
{
        open_obj(w, NULL);
        key(w, "type");
        str(w->f, type);
        key(w, "id");
        str(w->f, id);
}

int cli_events_write_stats(FILE *f, const char *id, const struct husk_cgroup_stats *s)
{
        /* Everything that can fail before the first byte: no half line on stdout. */
        _cleanup_free_ struct husk_cg_stat_kv *raw = sorted_copy(s->memory_raw, s->n_memory_raw, sizeof(*raw), cmp_kv);
        _cleanup_free_ struct husk_cg_hugetlb_entry *h = sorted_copy(s->hugetlb, s->n_hugetlb, sizeof(*h), cmp_hugetlb);
        if ((s->n_memory_raw && !raw) || (s->n_hugetlb && !h))
                return -ENOMEM;
        struct jw w = { .f = f };
        header(&w, "stats", id);
        open_obj(&w, "data");
        cpu(&w, s);
        cpuset(&w, &s->cpuset);
        memory(&w, s, raw);
        open_obj(&w, "pids");
        u64(&w, "current", s->pids_current, true);
        u64(&w, "limit", s->pids_limit, true);
        close_obj(&w);
        open_obj(&w, "blkio");
        blkio_list(&w, "ioServiceBytesRecursive", s->io_service_bytes, s->n_io_service_bytes);
        blkio_list(&w, "ioServicedRecursive", s->io_serviced, s->n_io_serviced);
        close_obj(&w);
        hugetlb(&w, h, s->n_hugetlb);
        open_obj(&w, "intel_rdt");
        close_obj(&w);
        key(&w, "network_interfaces");
        fputs("null", f);
        close_obj(&w); /* data */
        close_obj(&w);
        return finish(f);
}

int cli_events_write_oom(FILE *f, const char *id)
{
        struct jw w = { .f = f };
        header(&w, "oom", id);
        close_obj(&w);
        return finish(f);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers of the cgroup files that stats read, shared by the v1 and v2 backends (stats_internal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup/stats_internal.h"
#include "util/cleanup.h"

/* The start of the line after p, or NULL at the end. */
static const char *next_line(const char *p)
{
        p = strchr(p, '\n');
        return p ? p + 1 : NULL;
}

uint64_t husk_cg_keyed(const char *text, const char *key)
{
        size_t kl = strlen(key);
        for (const char *p = text; p && *p; p = next_line(p))
                if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
                        return strtoull(p + kl + 1, NULL, 10);
        return 0;
}

int husk_cg_grow(void **v, size_t *n, size_t *cap, size_t size)
{
        if (*n < *cap)
                return 0;
        size_t c = *cap ? *cap * 2 : 16;
        void *nv = reallocarray(*v, c, size);
        if (!nv)
                return -ENOMEM;
        *v = nv;
        *cap = c;
        return 0;
}

int husk_cg_parse_kv(const char *text, struct husk_cg_stat_kv **ret, size_t *ret_n)
{
        _cleanup_free_ struct husk_cg_stat_kv *v = NULL;
        size_t n = 0, cap = 0;
        for (const char *p = text; p && *p; p = next_line(p)) {
                size_t kl = strcspn(p, " \n");
                uint64_t val;
                if (p[kl] != ' ' || kl == 0 || kl >= sizeof(v->key) || sscanf(p + kl + 1, "%" SCNu64, &val) != 1)
                        continue;
                if (husk_cg_grow((void **) &v, &n, &cap, sizeof(*v)) < 0)
                        return -ENOMEM;
                memcpy(v[n].key, p, kl);
                v[n].key[kl] = '\0';
                v[n++].value = val;
        }
        *ret = steal_ptr(v);
        *ret_n = n;
        return 0;
}

int husk_cg_parse_u64_list(const char *text, struct husk_cg_u64v *ret)
{
        _cleanup_free_ uint64_t *v = NULL;
        size_t n = 0, cap = 0;
        const char *p = text;
        for (;;) {
                char *end;
                p += strspn(p, " \t\n");
                if (*p < '0' || *p > '9')
                        break;
                uint64_t x = strtoull(p, &end, 10);
                if (husk_cg_grow((void **) &v, &n, &cap, sizeof(*v)) < 0)
                        return -ENOMEM;
                v[n++] = x;
                p = end;
        }
        ret->v = steal_ptr(v);
        ret->n = n;
        return 0;
}

int husk_cg_parse_id_list(const char *text, struct husk_cg_u16v *ret)
{
        _cleanup_free_ uint16_t *v = NULL;
        size_t n = 0, cap = 0;
        const char *p = text;
        while (*p >= '0' && *p <= '9') {
                char *end;
                unsigned long lo = strtoul(p, &end, 10), hi = lo;
                if (*end == '-')
                        hi = strtoul(end + 1, &end, 10);
                /* cpuset ids fit runc's uint16; a range written backwards is nothing. */
                for (unsigned long i = lo; i <= hi && i <= UINT16_MAX; i++) {
                        if (husk_cg_grow((void **) &v, &n, &cap, sizeof(*v)) < 0)
                                return -ENOMEM;
                        v[n++] = (uint16_t) i;
                }
                p = *end == ',' ? end + 1 : end;
        }
        ret->v = steal_ptr(v);
        ret->n = n;
        return 0;
}

static int add_blkio(struct husk_cg_blkio_entry **v, size_t *n, size_t *cap, uint64_t major, uint64_t minor,
                     const char *op, uint64_t value)
{
        if (husk_cg_grow((void **) v, n, cap, sizeof(**v)) < 0)
                return -ENOMEM;
        struct husk_cg_blkio_entry *e = &(*v)[(*n)++];
        *e = (struct husk_cg_blkio_entry){ .major = major, .minor = minor, .value = value };
        (void) snprintf(e->op, sizeof(e->op), "%s", op);
        return 0;
}

int husk_cg1_parse_blkio(const char *text, struct husk_cg_blkio_entry **ret, size_t *ret_n)
{
        _cleanup_free_ struct husk_cg_blkio_entry *v = NULL;
        size_t n = 0, cap = 0;
        for (const char *p = text; p && *p; p = next_line(p)) {
                uint64_t major, minor, value;
                char op[8];
                if (sscanf(p, "%" SCNu64 ":%" SCNu64 " %7s %" SCNu64, &major, &minor, op, &value) != 4)
                        continue;
                if (add_blkio(&v, &n, &cap, major, minor, op, value) < 0)
                        return -ENOMEM;
        }
        *ret = steal_ptr(v);
        *ret_n = n;
        return 0;
}

int husk_cg2_parse_io_stat(const char *text, struct husk_cg_blkio_entry **bytes, size_t *n_bytes,
                           struct husk_cg_blkio_entry **ios, size_t *n_ios)
{
        static const struct {
                const char *key, *op;
                bool is_bytes;
        } fields[] = {
                { "rbytes", "Read", true }, { "wbytes", "Write", true }, { "dbytes", "Discard", true },
                { "rios", "Read", false },  { "wios", "Write", false },  { "dios", "Discard", false },
        };
        _cleanup_free_ struct husk_cg_blkio_entry *b = NULL, *o = NULL;
        size_t nb = 0, cb = 0, no = 0, co = 0;
        for (const char *p = text; p && *p; p = next_line(p)) {
                uint64_t major, minor;
                int off;
                if (sscanf(p, "%" SCNu64 ":%" SCNu64 "%n", &major, &minor, &off) != 2)
                        continue;
                const char *eol = strchrnul(p, '\n');
                for (const char *f = p + off; f < eol; f += strcspn(f, " \n")) {
                        f += strspn(f, " ");
                        char key[16];
                        uint64_t val;
                        if (f >= eol || sscanf(f, "%15[a-z]=%" SCNu64, key, &val) != 2)
                                continue;
                        for (size_t i = 0; i < HUSK_ARRAY_SIZE(fields); i++) {
                                if (strcmp(key, fields[i].key) != 0)
                                        continue;
                                int r = fields[i].is_bytes ? add_blkio(&b, &nb, &cb, major, minor, fields[i].op, val)
                                                           : add_blkio(&o, &no, &co, major, minor, fields[i].op, val);
                                if (r < 0)
                                        return r;
                        }
                }
        }
        *bytes = steal_ptr(b);
        *n_bytes = nb;
        *ios = steal_ptr(o);
        *n_ios = no;
        return 0;
}

int husk_cg_hugetlb_pagesize(const char *name, const char *suffix, char buf[static 16])
{
        size_t len = strlen(name), sl = strlen(suffix);
        if (strncmp(name, "hugetlb.", 8) != 0 || len <= 8 + sl + 1 || strcmp(name + len - sl, suffix) != 0 ||
            name[len - sl - 1] != '.')
                return -EINVAL;
        size_t ps = len - 8 - sl - 1;
        if (ps >= 16 || memchr(name + 8, '.', ps))
                return -EINVAL;
        memcpy(buf, name + 8, ps);
        buf[ps] = '\0';
        return 0;
}

int husk_cg_hugetlb_list(int dirfd, const char *dir, const char *suffix, struct husk_cgroup_stats *s,
                         struct husk_error *err)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", dir);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                int r = husk_error_errno(err, errno, "open %s", dir);
                (void) close(fd);
                return r;
        }
        size_t cap = s->n_hugetlb;
        struct dirent *de;
        while ((de = readdir(d))) {
                char ps[16];
                if (husk_cg_hugetlb_pagesize(de->d_name, suffix, ps) < 0)
                        continue;
                if (husk_cg_grow((void **) &s->hugetlb, &s->n_hugetlb, &cap, sizeof(*s->hugetlb)) < 0)
                        return husk_error_errno(err, ENOMEM, "cgroup stats: hugetlb");
                struct husk_cg_hugetlb_entry *e = &s->hugetlb[s->n_hugetlb++];
                *e = (struct husk_cg_hugetlb_entry){ 0 };
                memcpy(e->pagesize, ps, sizeof(ps));
        }
        return 0;
}

void husk_cg_blkio_sum(struct husk_cgroup_stats *s)
{
        for (size_t i = 0; i < s->n_io_service_bytes; i++) {
                if (strcmp(s->io_service_bytes[i].op, "Read") == 0)
                        s->io_read_bytes += s->io_service_bytes[i].value;
                else if (strcmp(s->io_service_bytes[i].op, "Write") == 0)
                        s->io_write_bytes += s->io_service_bytes[i].value;
        }
        for (size_t i = 0; i < s->n_io_serviced; i++) {
                if (strcmp(s->io_serviced[i].op, "Read") == 0)
                        s->io_read_ops += s->io_serviced[i].value;
                else if (strcmp(s->io_serviced[i].op, "Write") == 0)
                        s->io_write_ops += s->io_serviced[i].value;
        }
}

void husk_cgroup_stats_done(struct husk_cgroup_stats *s)
{
        free(s->percpu.v);
        free(s->percpu_kernel.v);
        free(s->percpu_user.v);
        free(s->cpuset.cpus.v);
        free(s->cpuset.mems.v);
        free(s->memory_raw);
        free(s->io_service_bytes);
        free(s->io_serviced);
        free(s->hugetlb);
        *s = (struct husk_cgroup_stats){ 0 };
}

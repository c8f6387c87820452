/* SPDX-License-Identifier: Apache-2.0 */
/* procps' ps columns from /proc texts, for `husk top` (top_ps.h). */
#include "cli/husk/top_ps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/cleanup.h"

static const struct {
        const char *name;
        enum husk_top_field field;
        const char *header;
} fields[] = {
        { "pid", TOP_PID, "PID" },        { "ppid", TOP_PPID, "PPID" },      { "pgid", TOP_PGID, "PGID" },
        { "pgrp", TOP_PGID, "PGRP" },     { "sid", TOP_SID, "SID" },         { "sess", TOP_SID, "SESS" },
        { "uid", TOP_UID, "UID" },        { "euid", TOP_UID, "EUID" },       { "user", TOP_USER, "USER" },
        { "euser", TOP_USER, "EUSER" },   { "uname", TOP_USER, "USER" },     { "gid", TOP_GID, "GID" },
        { "egid", TOP_GID, "EGID" },      { "group", TOP_GROUP, "GROUP" },   { "egroup", TOP_GROUP, "EGROUP" },
        { "comm", TOP_COMM, "COMMAND" },  { "ucmd", TOP_COMM, "CMD" },       { "ucomm", TOP_COMM, "COMMAND" },
        { "args", TOP_ARGS, "COMMAND" },  { "cmd", TOP_ARGS, "CMD" },        { "command", TOP_ARGS, "COMMAND" },
        { "stat", TOP_STAT, "STAT" },     { "s", TOP_S, "S" },               { "state", TOP_S, "S" },
        { "tty", TOP_TTY, "TT" },         { "tt", TOP_TTY, "TT" },           { "tname", TOP_TTY, "TTY" },
        { "time", TOP_TIME, "TIME" },     { "cputime", TOP_TIME, "TIME" },   { "etime", TOP_ETIME, "ELAPSED" },
        { "stime", TOP_STIME, "STIME" },  { "start_time", TOP_STIME, "START" }, { "c", TOP_C, "C" },
        { "pcpu", TOP_PCPU, "%CPU" },     { "%cpu", TOP_PCPU, "%CPU" },      { "pmem", TOP_PMEM, "%MEM" },
        { "%mem", TOP_PMEM, "%MEM" },     { "rss", TOP_RSS, "RSS" },         { "rssize", TOP_RSS, "RSS" },
        { "vsz", TOP_VSZ, "VSZ" },        { "vsize", TOP_VSZ, "VSZ" },       { "nlwp", TOP_NLWP, "NLWP" },
        { "thcount", TOP_NLWP, "THCNT" }, { "ni", TOP_NI, "NI" },            { "nice", TOP_NI, "NI" },
        { "pri", TOP_PRI, "PRI" },
};

#define SUPPORTED "supported: -e, -A, -f, -o/-eo FIELD[=HEADER],..., aux"

static int add_col(struct husk_top_col *cols, size_t *n, enum husk_top_field f, const char *header, size_t hlen,
                   struct husk_error *err)
{
        if (*n >= HUSK_TOP_MAX_COLS)
                return husk_error_set(err, EINVAL, "ps -o: more than %d columns", HUSK_TOP_MAX_COLS);
        cols[*n].field = f;
        (void) snprintf(cols[*n].header, sizeof(cols[*n].header), "%.*s", (int) hlen, header);
        (*n)++;
        return 0;
}

/* One -o list: fields separated by commas or blanks, NAME=HEADER renaming. */
static int parse_list(const char *list, struct husk_top_col *cols, size_t *n, struct husk_error *err)
{
        const char *p = list;
        while (*p) {
                size_t len = strcspn(p, ", \t");
                if (len == 0) {
                        p++;
                        continue;
                }
                const char *eq = memchr(p, '=', len);
                size_t nlen = eq ? (size_t) (eq - p) : len;
                size_t i = 0;
                while (i < HUSK_ARRAY_SIZE(fields) && !(strlen(fields[i].name) == nlen &&
                                                         strncasecmp(fields[i].name, p, nlen) == 0))
                        i++;
                if (i == HUSK_ARRAY_SIZE(fields))
                        return husk_error_set(err, EINVAL, "ps -o: unknown or unsupported field \"%.*s\" (%s)",
                                              (int) nlen, p, "fields: pid ppid pgid sid uid user gid group comm args "
                                                             "cmd stat s tty time etime stime c pcpu pmem rss vsz "
                                                             "nlwp ni pri");
                const char *h = eq ? eq + 1 : fields[i].header;
                size_t hlen = eq ? len - nlen - 1 : strlen(h);
                int r = add_col(cols, n, fields[i].field, h, hlen, err);
                if (r < 0)
                        return r;
                p += len;
        }
        return 0;
}

static int preset(const enum husk_top_field *f, const char *const *h, size_t k, struct husk_top_col *cols, size_t *n,
                  struct husk_error *err)
{
        for (size_t i = 0; i < k; i++) {
                int r = add_col(cols, n, f[i], h[i], strlen(h[i]), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int husk_top_parse_args(int argc, char *const *argv, struct husk_top_col *ret, size_t *ret_n, struct husk_error *err)
{
        bool full = false, bsd_user = false, any = argc > 0;
        size_t n = 0;
        for (int i = 0; i < argc; i++) {
                const char *a = argv[i];
                if (a[0] != '-') {
                        /* BSD options (docker top C aux): a and x select every process, as -e. */
                        if (i != 0 || !a[0] || strspn(a, "aux") != strlen(a))
                                return husk_error_set(err, EINVAL, "ps option \"%s\" is not supported (%s)", a, SUPPORTED);
                        bsd_user = strchr(a, 'u') != NULL;
                        continue;
                }
                for (const char *c = a + 1; *c; c++) {
                        if (*c == 'e' || *c == 'A')
                                continue;
                        if (*c == 'f') {
                                full = true;
                                continue;
                        }
                        if (*c != 'o')
                                return husk_error_set(err, EINVAL, "ps option \"-%c\" (in \"%s\") is not supported (%s)",
                                                      *c, a, SUPPORTED);
                        const char *list = c[1] ? c + 1 : i + 1 < argc ? argv[++i] : NULL;
                        if (!list)
                                return husk_error_set(err, EINVAL, "ps option -o: a list of fields is needed");
                        int r = parse_list(list, ret, &n, err);
                        if (r < 0)
                                return r;
                        break;
                }
        }
        if (n == 0) {
                int r;
                if (bsd_user) {
                        static const enum husk_top_field f[] = { TOP_USER, TOP_PID,  TOP_PCPU, TOP_PMEM,
                                                                 TOP_VSZ,  TOP_RSS,  TOP_TTY,  TOP_STAT,
                                                                 TOP_STIME, TOP_TIME, TOP_ARGS };
                        static const char *const h[] = { "USER", "PID",  "%CPU",  "%MEM", "VSZ",    "RSS",
                                                         "TTY",  "STAT", "START", "TIME", "COMMAND" };
                        r = preset(f, h, HUSK_ARRAY_SIZE(f), ret, &n, err);
                } else if (full || !any) {
                        /* Docker's default: ps -ef. */
                        static const enum husk_top_field f[] = { TOP_USER, TOP_PID, TOP_PPID, TOP_C,
                                                                 TOP_STIME, TOP_TTY, TOP_TIME, TOP_ARGS };
                        static const char *const h[] = { "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD" };
                        r = preset(f, h, HUSK_ARRAY_SIZE(f), ret, &n, err);
                } else {
                        static const enum husk_top_field f[] = { TOP_PID, TOP_TTY, TOP_TIME, TOP_COMM };
                        static const char *const h[] = { "PID", "TTY", "TIME", "CMD" };
                        r = preset(f, h, HUSK_ARRAY_SIZE(f), ret, &n, err);
                }
                if (r < 0)
                        return r;
        }
        *ret_n = n;
        return 0;
}

static void status_ids(const char *status, const char *key, uint32_t *ret_real, uint32_t *ret_eff)
{
        const char *p = status ? strstr(status, key) : NULL;
        unsigned long r = 0, e = 0;
        if (p && sscanf(p + strlen(key), "%lu %lu", &r, &e) == 2) {
                *ret_real = (uint32_t) r;
                *ret_eff = (uint32_t) e;
        }
}

int husk_top_parse_stat(const char *stat, const char *status, struct husk_top_proc *ret)
{
        struct husk_top_proc p = { 0 };
        /* "PID (COMM) S ...": comm may hold blanks and parentheses, so it ends at the last ')'. */
        const char *open = strchr(stat, '('), *close = strrchr(stat, ')');
        if (!open || !close || close < open || sscanf(stat, "%d", &p.pid) != 1)
                return -EINVAL;
        (void) snprintf(p.comm, sizeof(p.comm), "%.*s", (int) (close - open - 1), open + 1);
        unsigned long long utime, stime, starttime, vsize;
        long long rss;
        int n = sscanf(close + 1,
                       " %c %d %d %d %d %d %*u %*u %*u %*u %*u %llu %llu %*d %*d %ld %ld %ld %*d %llu %llu %lld",
                       &p.state, &p.ppid, &p.pgid, &p.sid, &p.tty_nr, &p.tpgid, &utime, &stime, &p.priority,
                       &p.nice, &p.nlwp, &starttime, &vsize, &rss);
        if (n != 14)
                return -EINVAL;
        p.utime = utime;
        p.stime = stime;
        p.starttime = starttime;
        p.vsize = vsize;
        p.rss = rss;
        uint32_t r = 0, e = 0;
        status_ids(status, "\nUid:", &r, &e);
        p.ruid = r;
        p.euid = e;
        r = e = 0;
        status_ids(status, "\nGid:", &r, &e);
        p.rgid = r;
        p.egid = e;
        *ret = p;
        return 0;
}

void husk_top_set_args(struct husk_top_proc *p, const char *cmdline, size_t len)
{
        if (len >= sizeof(p->args))
                len = sizeof(p->args) - 1;
        memcpy(p->args, cmdline, len);
        /* The last NUL ends the last argument; the others separate them. */
        while (len > 0 && p->args[len - 1] == '\0')
                len--;
        for (size_t i = 0; i < len; i++)
                if (p->args[i] == '\0')
                        p->args[i] = ' ';
        p->args[len] = '\0';
}

static void tty_name(int tty_nr, char *buf, size_t size)
{
        unsigned major = ((unsigned) tty_nr >> 8) & 0xfff;
        unsigned minor = ((unsigned) tty_nr & 0xff) | (((unsigned) tty_nr >> 12) & 0xfff00);
        if (tty_nr == 0)
                (void) snprintf(buf, size, "?");
        else if (major >= 136 && major <= 143)
                (void) snprintf(buf, size, "pts/%u", (major - 136) * 256 + minor);
        else if (major == 4 && minor < 64)
                (void) snprintf(buf, size, "tty%u", minor);
        else if (major == 4)
                (void) snprintf(buf, size, "ttyS%u", minor - 64);
        else
                (void) snprintf(buf, size, "%u,%u", major, minor);
}

static int64_t elapsed(const struct husk_top_proc *p, const struct husk_top_host *h)
{
        int64_t start = h->boot_time + (int64_t) (p->starttime / (uint64_t) h->hz);
        return h->now > start ? h->now - start : 0;
}

/* ps's %CPU in tenths: CPU time over the time it has existed. */
static uint64_t pcpu_tenths(const struct husk_top_proc *p, const struct husk_top_host *h)
{
        int64_t secs = elapsed(p, h);
        if (secs <= 0)
                return 0;
        return (p->utime + p->stime) * 1000 / (uint64_t) h->hz / (uint64_t) secs;
}

static void start_time(const struct husk_top_proc *p, const struct husk_top_host *h, char *buf, size_t size)
{
        time_t start = (time_t) (h->boot_time + (int64_t) (p->starttime / (uint64_t) h->hz));
        time_t now = (time_t) h->now;
        struct tm st, nt;
        if (!localtime_r(&start, &st) || !localtime_r(&now, &nt)) {
                (void) snprintf(buf, size, "?");
                return;
        }
        /* As procps: the time of day within the last day, the date within the year, else the year. */
        size_t n = now - start < 24 * 3600    ? strftime(buf, size, "%H:%M", &st)
                   : st.tm_year == nt.tm_year ? strftime(buf, size, "%b%d", &st)
                                              : strftime(buf, size, "%Y", &st);
        if (n == 0)
                (void) snprintf(buf, size, "?");
}

static void stat_flags(const struct husk_top_proc *p, char *buf, size_t size)
{
        (void) snprintf(buf, size, "%c%s%s%s%s%s", p->state, p->nice < 0 ? "<" : "", p->nice > 0 ? "N" : "",
                        p->sid == p->pid ? "s" : "", p->nlwp > 1 ? "l" : "",
                        p->tty_nr != 0 && p->tpgid == p->pgid ? "+" : "");
}

void husk_top_format(enum husk_top_field f, const struct husk_top_proc *p, const struct husk_top_host *h, char *buf,
                     size_t size)
{
        const char *name;
        uint64_t t;
        int64_t e;
        switch (f) {
        case TOP_PID:
                (void) snprintf(buf, size, "%d", (int) p->pid);
                return;
        case TOP_PPID:
                (void) snprintf(buf, size, "%d", (int) p->ppid);
                return;
        case TOP_PGID:
                (void) snprintf(buf, size, "%d", (int) p->pgid);
                return;
        case TOP_SID:
                (void) snprintf(buf, size, "%d", (int) p->sid);
                return;
        case TOP_UID:
                (void) snprintf(buf, size, "%u", (unsigned) p->euid);
                return;
        case TOP_USER:
                name = h->user_name ? h->user_name(p->euid, h->ud) : NULL;
                if (name)
                        (void) snprintf(buf, size, "%s", name);
                else
                        (void) snprintf(buf, size, "%u", (unsigned) p->euid);
                return;
        case TOP_GID:
                (void) snprintf(buf, size, "%u", (unsigned) p->egid);
                return;
        case TOP_GROUP:
                name = h->group_name ? h->group_name(p->egid, h->ud) : NULL;
                if (name)
                        (void) snprintf(buf, size, "%s", name);
                else
                        (void) snprintf(buf, size, "%u", (unsigned) p->egid);
                return;
        case TOP_COMM:
                (void) snprintf(buf, size, "%s", p->comm);
                return;
        case TOP_ARGS:
                /* A process without a command line (a kernel thread, a zombie) shows its name in brackets. */
                if (p->args[0])
                        (void) snprintf(buf, size, "%s", p->args);
                else
                        (void) snprintf(buf, size, "[%s]", p->comm);
                return;
        case TOP_STAT:
                stat_flags(p, buf, size);
                return;
        case TOP_S:
                (void) snprintf(buf, size, "%c", p->state);
                return;
        case TOP_TTY:
                tty_name(p->tty_nr, buf, size);
                return;
        case TOP_TIME:
                t = (p->utime + p->stime) / (uint64_t) h->hz;
                if (t >= 86400)
                        (void) snprintf(buf, size, "%" PRIu64 "-%02u:%02u:%02u", t / 86400, (unsigned) (t / 3600 % 24),
                                        (unsigned) (t / 60 % 60), (unsigned) (t % 60));
                else
                        (void) snprintf(buf, size, "%02u:%02u:%02u", (unsigned) (t / 3600), (unsigned) (t / 60 % 60),
                                        (unsigned) (t % 60));
                return;
        case TOP_ETIME:
                e = elapsed(p, h);
                if (e >= 86400)
                        (void) snprintf(buf, size, "%" PRId64 "-%02d:%02d:%02d", e / 86400, (int) (e / 3600 % 24),
                                        (int) (e / 60 % 60), (int) (e % 60));
                else if (e >= 3600)
                        (void) snprintf(buf, size, "%02d:%02d:%02d", (int) (e / 3600), (int) (e / 60 % 60), (int) (e % 60));
                else
                        (void) snprintf(buf, size, "%02d:%02d", (int) (e / 60), (int) (e % 60));
                return;
        case TOP_STIME:
                start_time(p, h, buf, size);
                return;
        case TOP_C:
                t = pcpu_tenths(p, h) / 10;
                (void) snprintf(buf, size, "%u", (unsigned) (t > 99 ? 99 : t));
                return;
        case TOP_PCPU:
                t = pcpu_tenths(p, h);
                (void) snprintf(buf, size, "%" PRIu64 ".%u", t / 10, (unsigned) (t % 10));
                return;
        case TOP_PMEM:
                t = h->mem_total ? (uint64_t) (p->rss > 0 ? p->rss : 0) * (uint64_t) h->page_size * 1000 / h->mem_total : 0;
                (void) snprintf(buf, size, "%" PRIu64 ".%u", t / 10, (unsigned) (t % 10));
                return;
        case TOP_RSS:
                (void) snprintf(buf, size, "%" PRIu64, (uint64_t) (p->rss > 0 ? p->rss : 0) * (uint64_t) h->page_size / 1024);
                return;
        case TOP_VSZ:
                (void) snprintf(buf, size, "%" PRIu64, p->vsize / 1024);
                return;
        case TOP_NLWP:
                (void) snprintf(buf, size, "%ld", p->nlwp);
                return;
        case TOP_NI:
                (void) snprintf(buf, size, "%ld", p->nice);
                return;
        case TOP_PRI:
                /* procps' pri: 39 - the kernel's priority (19 for nice 0). */
                (void) snprintf(buf, size, "%ld", 39 - p->priority);
                return;
        }
        (void) snprintf(buf, size, "?");
}

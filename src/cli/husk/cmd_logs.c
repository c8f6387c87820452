/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk logs [-f] [--tail N] [--since T] [--until T] [-t] CONTAINER`: the container's log (json-file or
 * k8s-file, across the files a rotation left: NAME.N ... NAME.1, NAME), each entry to our stdout or
 * stderr as it was written. -f follows the current file, a rotation included, until the monitor ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/husk/containers.h"
#include "cli/husk/units.h"
#include "engine/log_config.h"
#include "engine/logfile.h"
#include "util/cleanup.h"

struct logs_flags {
        bool follow, timestamps;
        const char *tail, *since, *until;
};

static const struct arg_opt logs_opts[] = {
        ARG_OPT("follow", "f", ARG_BOOL, struct logs_flags, follow, "Follow log output"),
        ARG_OPT("tail", "n", ARG_STRING, struct logs_flags, tail,
                "Number of lines to show from the end of the logs (default \"all\")"),
        ARG_OPT("since", NULL, ARG_STRING, struct logs_flags, since,
                "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"),
        ARG_OPT("until", NULL, ARG_STRING, struct logs_flags, until,
                "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"),
        ARG_OPT("timestamps", "t", ARG_BOOL, struct logs_flags, timestamps, "Show timestamps"),
};

struct entry {
        enum husk_log_stream stream;
        char *text;
        size_t len;
        int64_t time;
};

struct reader {
        enum husk_log_format format;
        bool timestamps;
        int64_t since, until;           /* ns, 0: none */
        long tail;                      /* -1: all */
        /* --tail: the last entries kept in a ring until the end is known */
        struct entry *ring;
        size_t ring_n, ring_next;
        /* a line still being written */
        char *buf;
        size_t cap, len;
};

static void entry_free(struct entry *e)
{
        free(e->text);
        e->text = NULL;
}

static int print_entry(const struct reader *rd, const struct entry *e)
{
        FILE *out = e->stream == HUSK_LOG_STDERR ? stderr : stdout;
        if (rd->timestamps) {
                char when[64];
                husk_time_rfc3339(e->time, when, sizeof(when));
                fprintf(out, "%s ", when);
        }
        if (fwrite(e->text, 1, e->len, out) != e->len)
                return -EIO;
        (void) fflush(out);
        return 0;
}

/* An entry read: printed, or kept for --tail (the oldest kept one dropped). */
static int take(struct reader *rd, struct entry *e)
{
        if ((rd->since && e->time < rd->since) || (rd->until && e->time > rd->until)) {
                entry_free(e);
                return 0;
        }
        if (rd->tail < 0) {
                int r = print_entry(rd, e);
                entry_free(e);
                return r;
        }
        if (rd->tail == 0) {
                entry_free(e);
                return 0;
        }
        if (rd->ring_n < (size_t) rd->tail) {
                struct entry *v = realloc(rd->ring, (rd->ring_n + 1) * sizeof(*v));
                if (!v) {
                        entry_free(e);
                        return -ENOMEM;
                }
                rd->ring = v;
                rd->ring[rd->ring_n++] = *e;
                return 0;
        }
        entry_free(&rd->ring[rd->ring_next]);
        rd->ring[rd->ring_next] = *e;
        rd->ring_next = (rd->ring_next + 1) % rd->ring_n;
        return 0;
}

/* The kept --tail entries, oldest first; from then on entries are printed as they come. */
static int flush_tail(struct reader *rd)
{
        int r = 0;
        for (size_t i = 0; i < rd->ring_n; i++) {
                struct entry *e = &rd->ring[(rd->ring_next + i) % rd->ring_n];
                if (r == 0)
                        r = print_entry(rd, e);
                entry_free(e);
        }
        free(rd->ring);
        rd->ring = NULL;
        rd->ring_n = rd->ring_next = 0;
        rd->tail = -1;
        return r;
}

/* The complete lines of the buffer; what is left (a line still being written) stays. */
static int take_lines(struct reader *rd)
{
        size_t off = 0;
        int r = 0;
        for (;;) {
                char *nl = memchr(rd->buf + off, '\n', rd->len - off);
                if (!nl)
                        break;
                size_t l = (size_t) (nl - (rd->buf + off));
                struct entry e = { 0 };
                int p = rd->format == HUSK_LOG_K8S
                                ? husk_log_parse_k8s_line(rd->buf + off, l, &e.stream, &e.text, &e.len, &e.time)
                                : husk_log_parse_line(rd->buf + off, l, &e.stream, &e.text, &e.len, &e.time);
                if (p == 0 && r == 0)
                        r = take(rd, &e);
                else
                        entry_free(&e);
                off += l + 1;
        }
        memmove(rd->buf, rd->buf + off, rd->len - off);
        rd->len -= off;
        return r;
}

/* Read fd to its current end. */
static int drain(struct reader *rd, int fd)
{
        for (;;) {
                ssize_t n = read(fd, rd->buf + rd->len, rd->cap - rd->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                rd->len += (size_t) n;
                int r = take_lines(rd);
                if (r < 0)
                        return r;
                if (rd->len == rd->cap)
                        rd->len = 0; /* not a log line: skipped */
        }
}

/* The files a rotation left, oldest first (NAME.1 is the newest of them). */
static int read_rotated(struct reader *rd, int dfd, const char *name)
{
        int last = 0;
        char path[64];
        for (int i = 1; i < 1000; i++) {
                (void) snprintf(path, sizeof(path), "%s.%d", name, i);
                if (faccessat(dfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        break;
                last = i;
        }
        for (int i = last; i >= 1; i--) {
                (void) snprintf(path, sizeof(path), "%s.%d", name, i);
                _cleanup_close_ int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        continue; /* rotated away meanwhile */
                int r = drain(rd, fd);
                rd->len = 0; /* a file ends with whole lines */
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The digits of a fraction of a second at p, as ns; *ret_end: after them. */
static int64_t fraction_ns(const char *p, const char **ret_end)
{
        int64_t frac = 0;
        int digits = 0;
        for (; *p >= '0' && *p <= '9'; p++, digits++)
                if (digits < 9)
                        frac = frac * 10 + (*p - '0');
        for (; digits < 9; digits++)
                frac *= 10;
        *ret_end = p;
        return frac;
}

/* Docker's --since/--until: Unix seconds with a fraction, a duration back from now, RFC 3339 or a
 * date. In ns. */
static int parse_time(const char *s, int64_t *ret)
{
        int64_t now = husk_now_ns(), secs;
        double d;
        char *end;
        if (husk_parse_go_duration(s, &d) == 0) {
                *ret = now - (int64_t) (d * 1e9);
                return 0;
        }
        /* Unix seconds: the fraction read as digits (a double would lose the nanoseconds). */
        errno = 0;
        long long whole = strtoll(s, &end, 10);
        if (*s >= '0' && *s <= '9' && !errno && (!*end || *end == '.')) {
                const char *p;
                int64_t frac = fraction_ns(*end == '.' ? end + 1 : end, &p);
                if (!*p) {
                        *ret = (int64_t) whole * 1000000000 + frac;
                        return 0;
                }
        }
        if (husk_parse_timestamp(s, now / 1000000000, &secs) < 0)
                return -EINVAL;
        *ret = secs * 1000000000;
        /* RFC 3339 with a fraction: the fraction counts too. */
        const char *dot = strchr(s, '.');
        if (dot && strchr(s, 'T'))
                *ret += fraction_ns(dot + 1, &dot);
        return 0;
}

static int options(const struct husk_ctx *ctx, const struct logs_flags *f, struct reader *rd)
{
        rd->tail = -1;
        rd->timestamps = f->timestamps;
        if (f->tail && strcmp(f->tail, "all") != 0) {
                char *end;
                long n = strtol(f->tail, &end, 10);
                if (!*f->tail || *end)
                        return husk_usage_error(ctx, "invalid value for \"tail\": %s", f->tail);
                rd->tail = n < 0 ? -1 : n; /* Docker: a negative tail is all */
        }
        if (f->since && parse_time(f->since, &rd->since) < 0)
                return husk_usage_error(ctx, "invalid value for \"since\": failed to parse value as time or duration: \"%s\"",
                                        f->since);
        if (f->until && parse_time(f->until, &rd->until) < 0)
                return husk_usage_error(ctx, "invalid value for \"until\": failed to parse value as time or duration: \"%s\"",
                                        f->until);
        return 0;
}

/* -f: the current file as it grows; a rotation (the name now another inode) is followed after what
 * the old file still had. One more pass once the monitor ended reads what it wrote last. */
static int follow(struct reader *rd, struct husk_engine *e, const char *id, int dfd, const char *name, int *fd)
{
        for (;;) {
                bool alive = husk_ctr_monitor_alive(e->ctrs, id);
                int r = *fd >= 0 ? drain(rd, *fd) : 0;
                if (r < 0)
                        return r;
                struct stat now, cur;
                if (fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
                    (*fd < 0 || (fstat(*fd, &cur) == 0 && cur.st_ino != now.st_ino))) {
                        /* What the monitor wrote to the old file before it moved it on. */
                        if (*fd >= 0 && (r = drain(rd, *fd)) < 0)
                                return r;
                        if (*fd >= 0)
                                (void) close(*fd);
                        rd->len = 0;
                        *fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        continue;
                }
                if (!alive)
                        return 0;
                struct timespec ts = { 0, 50 * 1000 * 1000 };
                (void) nanosleep(&ts, NULL);
        }
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        const struct logs_flags *f = flags;
        struct reader rd = { 0 };
        if (options(ctx, f, &rd) != 0)
                return HUSK_EXIT_ERROR;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        struct husk_log_opts lo;
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0 ||
            husk_ctr_load(e.ctrs, id, &c, &err) < 0 || husk_log_opts_get(&c, &lo, &err) < 0)
                return husk_fail(ctx, &err);
        if (lo.none)
                return husk_failf(ctx, "configured logging driver does not support reading");
        rd.format = lo.format;
        const char *name = husk_log_file_name(lo.format);
        _cleanup_close_ int dfd = husk_ctr_dir_open(e.ctrs, id, &err);
        if (dfd < 0)
                return husk_fail(ctx, &err);
        /* An entry is at most 16 KiB of text, escaped at most 6 times: the buffer holds any line. */
        rd.cap = 6 * HUSK_LOG_LINE_MAX + 4096;
        _cleanup_free_ char *buf = rd.buf = malloc(rd.cap);
        if (!buf)
                return husk_failf(ctx, "out of memory");
        /* The current file is opened first: a rotation meanwhile then shows as its inode moving on. */
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno != ENOENT)
                return husk_failf(ctx, "open the log of %s: %s", argv[0], strerror(errno));
        int r = read_rotated(&rd, dfd, name);
        if (r >= 0 && fd >= 0)
                r = drain(&rd, fd);
        if (r >= 0)
                r = flush_tail(&rd);
        if (r >= 0 && f->follow)
                r = follow(&rd, &e, id, dfd, name, &fd);
        if (r < 0)
                return husk_failf(ctx, "read the log of %s: %s", argv[0], strerror(-r));
        return 0;
}

const struct husk_cmd husk_cmd_logs = {
        .names = { "logs", "container logs" },
        .summary = "Fetch the logs of a container",
        .usage = "[OPTIONS] CONTAINER",
        .opts = logs_opts,
        .n_opts = HUSK_ARRAY_SIZE(logs_opts),
        .flags_size = sizeof(struct logs_flags),
        .min_args = 1,
        .max_args = 1,
        .run = run,
};

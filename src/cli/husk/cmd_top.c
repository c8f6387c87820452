/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk top CONTAINER [ps OPTIONS]`: the processes of the container's cgroup (cgroup.procs, v1 or
 * v2, through libhusk's ps) described from the host's /proc as ps would (top_ps.c), never by running
 * anything, in the container or on the host. Docker's layout: columns at least 20 wide.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/husk/containers.h"
#include "cli/husk/top_ps.h"
#include "engine/ctr_exec.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Names as the host's ps shows them (the host's users: a container's uid is a host uid here). */
struct names {
        char buf[256];
};

static const char *user_name(uid_t uid, void *ud)
{
        struct names *n = ud;
        struct passwd pw, *res = NULL;
        char tmp[1024];
        if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) != 0 || !res)
                return NULL;
        (void) snprintf(n->buf, sizeof(n->buf), "%s", pw.pw_name);
        return n->buf;
}

static const char *group_name(gid_t gid, void *ud)
{
        struct names *n = ud;
        struct group gr, *res = NULL;
        char tmp[4096];
        if (getgrgid_r(gid, &gr, tmp, sizeof(tmp), &res) != 0 || !res)
                return NULL;
        (void) snprintf(n->buf, sizeof(n->buf), "%s", gr.gr_name);
        return n->buf;
}

/* A small file of /proc/PID (read whole, NUL-terminated); its length, or -errno. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t have = 0;
        while (have < size - 1) {
                ssize_t n = read(fd, buf + have, size - 1 - have);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                have += (size_t) n;
        }
        buf[have] = '\0';
        return (ssize_t) have;
}

/* One process; -ENOENT/-ESRCH when it has gone meanwhile (left out). */
static int load_proc(pid_t pid, struct husk_top_proc *ret)
{
        char path[32], stat[1024], status[4096], cmdline[4096];
        (void) snprintf(path, sizeof(path), "/proc/%d", (int) pid);
        /* Every file read through one directory fd: all of the same process, even if the pid is reused. */
        _cleanup_close_ int dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        ssize_t n;
        if ((n = read_at(dfd, "stat", stat, sizeof(stat))) < 0)
                return (int) n;
        if ((n = read_at(dfd, "status", status, sizeof(status))) < 0)
                return (int) n;
        if (husk_top_parse_stat(stat, status, ret) < 0)
                return -EINVAL;
        if ((n = read_at(dfd, "cmdline", cmdline, sizeof(cmdline))) < 0)
                return (int) n;
        husk_top_set_args(ret, cmdline, (size_t) n);
        return 0;
}

static int64_t boot_time(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/stat", "re");
        char line[256];
        long long bt;
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "btime %lld", &bt) == 1)
                        return bt;
        return 0;
}

static uint64_t mem_total(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
        char line[256];
        unsigned long long kb;
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
                        return kb * 1024;
        return 0;
}

struct table {
        char **cells;   /* rows x ncols used of cap cells (NULL past them) */
        size_t rows, ncols, cap;
};

static void table_done(struct table *t)
{
        for (size_t i = 0; t->cells && i < t->cap; i++)
                free(t->cells[i]);
        free(t->cells);
}

/* Docker's top output: tabwriter with minwidth 20, padding 3, the last column unpadded. */
static void table_print(const struct table *t)
{
        size_t width[HUSK_TOP_MAX_COLS] = { 0 };
        for (size_t r = 0; r < t->rows; r++)
                for (size_t c = 0; c < t->ncols; c++) {
                        size_t w = strlen(t->cells[r * t->ncols + c]) + 3;
                        if (w > width[c])
                                width[c] = w;
                }
        for (size_t r = 0; r < t->rows; r++) {
                for (size_t c = 0; c < t->ncols; c++) {
                        const char *s = t->cells[r * t->ncols + c];
                        if (c + 1 == t->ncols)
                                printf("%s\n", s);
                        else
                                printf("%-*s", (int) (width[c] < 20 ? 20 : width[c]), s);
                }
        }
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        struct husk_top_col cols[HUSK_TOP_MAX_COLS];
        size_t ncols = 0;
        struct husk_error err = { 0 };
        if (husk_top_parse_args(argc - 1, argv + 1, cols, &ncols, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        char id[HUSK_CTR_ID_LEN + 1];
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0 || husk_engine_pids(&e, id, &pids, &n, &err) < 0) {
                /* Docker's client exits 1 for the daemon's refusal (no such container, not running). */
                (void) husk_fail(ctx, &err);
                return err.code == ENOENT || err.code == EINVAL ? 1 : HUSK_EXIT_ERROR;
        }
        struct names names;
        struct husk_top_host host = { .hz = sysconf(_SC_CLK_TCK), .boot_time = boot_time(), .now = (int64_t) time(NULL),
                                      .page_size = sysconf(_SC_PAGESIZE), .mem_total = mem_total(),
                                      .user_name = user_name, .group_name = group_name, .ud = &names };
        if (host.hz <= 0)
                host.hz = 100;
        _cleanup_(table_done) struct table t = { .ncols = ncols, .cap = (n + 1) * ncols };
        t.cells = calloc(t.cap, sizeof(char *));
        if (!t.cells)
                return husk_failf(ctx, "out of memory");
        for (size_t c = 0; c < ncols; c++)
                if (!(t.cells[c] = strdup(cols[c].header)))
                        return husk_failf(ctx, "out of memory");
        t.rows = 1;
        for (size_t i = 0; i < n; i++) {
                struct husk_top_proc p;
                if (load_proc(pids[i], &p) < 0)
                        continue; /* exited meanwhile */
                for (size_t c = 0; c < ncols; c++) {
                        char cell[4200];
                        husk_top_format(cols[c].field, &p, &host, cell, sizeof(cell));
                        if (!(t.cells[t.rows * ncols + c] = strdup(cell)))
                                return husk_failf(ctx, "out of memory");
                }
                t.rows++;
        }
        table_print(&t);
        return 0;
}

const struct husk_cmd husk_cmd_top = {
        .names = { "top", "container top" },
        .summary = "Display the running processes of a container",
        .usage = "CONTAINER [ps OPTIONS]",
        .description = "Display the running processes of a container: every process of its cgroup, described\n"
                       "from the host's /proc (nothing is run). ps OPTIONS: none (as -ef), -e, -A, -f,\n"
                       "-o/-eo FIELD[=HEADER],... (pid ppid pgid sid uid user gid group comm args cmd stat s\n"
                       "tty time etime stime c pcpu pmem rss vsz nlwp ni pri), or aux.",
        .min_args = 1,
        .max_args = -1,
        .args_flags = ARGS_STOP_AT_POSITIONAL,
        .run = run,
};

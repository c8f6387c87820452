/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk stats`: Docker's live table of containers' resource use, read from their cgroups (libhusk's
 * stats, cgroup v1 and v2) and, for NET I/O, from /proc/PID/net/dev of each init (its network
 * namespace's counters). Nothing is run in the container. CPU % needs two samples: --no-stream
 * takes them one second apart; the stream redraws every second until interrupted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/husk/containers.h"
#include "cli/husk/stats_calc.h"
#include "cli/husk/template.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct stats_flags {
        bool all, no_stream, no_trunc;
        const char *format;
};

static const struct arg_opt stats_opts[] = {
        ARG_OPT("all", "a", ARG_BOOL, struct stats_flags, all, "Show all containers (default shows just running)"),
        ARG_OPT("no-stream", NULL, ARG_BOOL, struct stats_flags, no_stream,
                "Disable streaming stats and only pull the first result"),
        ARG_OPT("no-trunc", NULL, ARG_BOOL, struct stats_flags, no_trunc, "Do not truncate output"),
        ARG_OPT("format", NULL, ARG_STRING, struct stats_flags, format,
                "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'"),
};

static const struct husk_fmt_field stats_fields[] = {
        { "Container", "CONTAINER" }, { "Name", "NAME" },     { "ID", "CONTAINER ID" },
        { "CPUPerc", "CPU %" },       { "MemUsage", "MEM USAGE / LIMIT" }, { "MemPerc", "MEM %" },
        { "NetIO", "NET I/O" },       { "BlockIO", "BLOCK I/O" }, { "PIDs", "PIDS" },
};
#define STATS_TABLE "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

struct entry {
        char id[HUSK_CTR_ID_LEN + 1];
        char *name;
        const char *given;      /* as typed (the Container field), or NULL: the id */
        bool seen;              /* still listed in this round */
        struct husk_stats_sample prev, cur;
};

struct stats_run {
        struct husk_engine *e;
        struct entry *v;
        size_t n;
        uint64_t mem_total;     /* the host's RAM: the limit of an unlimited container, as Docker's */
};

static void stats_run_done(struct stats_run *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i].name);
        free(s->v);
}

static struct entry *entry_get(struct stats_run *s, const char *id, const char *name, const char *given)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i].id, id) == 0) {
                        s->v[i].seen = true;
                        return &s->v[i];
                }
        struct entry *v = realloc(s->v, (s->n + 1) * sizeof(*v));
        if (!v)
                return NULL;
        s->v = v;
        struct entry *n = &v[s->n];
        memset(n, 0, sizeof(*n));
        (void) snprintf(n->id, sizeof(n->id), "%s", id);
        n->given = given;
        n->seen = true;
        if (!(n->name = strdup(name ? name : "")))
                return NULL;
        s->n++;
        return n;
}

static int read_text(const char *path, char **ret)
{
        struct husk_error ignored = { 0 };
        return husk_read_file_at(AT_FDCWD, path, ret, NULL, &ignored);
}

/* One sample of a container: zeros (valid false) unless it runs and its cgroup can be read. */
static void sample(struct stats_run *s, const struct husk_ctr *c, uint64_t system_ns, uint32_t online,
                   struct husk_stats_sample *ret)
{
        memset(ret, 0, sizeof(*ret));
        if (c->state != HUSK_CTR_RUNNING || c->monitor_dead)
                return;
        struct husk_cgroup_stats st = { 0 };
        struct husk_error err = { 0 };
        if (husk_container_stats(&s->e->rt, c->id, &st, &err) < 0) {
                husk_cgroup_stats_done(&st);
                return;
        }
        ret->valid = true;
        ret->cpu_ns = st.cpu_usage_ns;
        ret->system_ns = system_ns;
        ret->online_cpus = online;
        ret->mem_usage = husk_stats_mem_usage(st.memory_usage, st.memory_raw, st.n_memory_raw);
        ret->mem_limit = st.memory_limit;
        if (s->mem_total && (ret->mem_limit == 0 || ret->mem_limit > s->mem_total))
                ret->mem_limit = s->mem_total;
        ret->blk_read = st.io_read_bytes;
        ret->blk_write = st.io_write_bytes;
        ret->pids = st.pids_current;
        husk_cgroup_stats_done(&st);
        /* The host's network namespace is not the container's own: Docker shows nothing for it. */
        if (c->pid > 0 && !(c->cfg.network && strcmp(c->cfg.network, "host") == 0)) {
                char path[64];
                _cleanup_free_ char *text = NULL;
                (void) snprintf(path, sizeof(path), "/proc/%d/net/dev", (int) c->pid);
                if (read_text(path, &text) == 0)
                        (void) husk_stats_parse_net_dev(text, &ret->net_rx, &ret->net_tx);
        }
}

/* A round: the containers (those named, else the running ones or all), each sampled. */
static int round_sample(const struct husk_ctx *ctx, struct stats_run *s, const struct stats_flags *f, int argc,
                        char **argv)
{
        struct husk_error err = { 0 };
        _cleanup_free_ char *stat_text = NULL;
        uint64_t system_ns = 0;
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        if (read_text("/proc/stat", &stat_text) == 0)
                (void) husk_stats_parse_proc_stat(stat_text, sysconf(_SC_CLK_TCK), &system_ns);
        for (size_t i = 0; i < s->n; i++) {
                s->v[i].seen = false;
                s->v[i].prev = s->v[i].cur;
        }
        if (argc > 0) {
                for (int i = 0; i < argc; i++) {
                        char id[HUSK_CTR_ID_LEN + 1];
                        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
                        if (husk_ctr_lookup(s->e->ctrs, argv[i], id, &err) < 0 || husk_ctr_load(s->e->ctrs, id, &c, &err) < 0)
                                return husk_fail(ctx, &err);
                        struct entry *en = entry_get(s, c.id, c.name, argv[i]);
                        if (!en)
                                return husk_failf(ctx, "out of memory");
                        sample(s, &c, system_ns, (uint32_t) online, &en->cur);
                }
                return 0;
        }
        struct husk_ctr *list = NULL;
        size_t n = 0;
        if (husk_ctr_list(s->e->ctrs, &list, &n, &err) < 0)
                return husk_fail(ctx, &err);
        int ret = 0;
        for (size_t i = 0; i < n && ret == 0; i++) {
                bool running = list[i].state == HUSK_CTR_RUNNING && !list[i].monitor_dead;
                if (!f->all && !running)
                        continue;
                struct entry *en = entry_get(s, list[i].id, list[i].name, NULL);
                if (!en)
                        ret = husk_failf(ctx, "out of memory");
                else
                        sample(s, &list[i], system_ns, (uint32_t) online, &en->cur);
        }
        husk_ctr_list_free(list, n);
        /* Gone (removed, or stopped without -a): dropped from the table, as Docker's stream does. */
        size_t k = 0;
        for (size_t i = 0; i < s->n; i++) {
                if (s->v[i].seen)
                        s->v[k++] = s->v[i];
                else
                        free(s->v[i].name);
        }
        s->n = k;
        return ret;
}

static int print_round(const struct husk_ctx *ctx, const struct stats_run *s, const struct stats_flags *f, bool clear)
{
        struct husk_error err = { 0 };
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        const char *spec = husk_format_is_json(f->format) ? "{{json .}}" : f->format;
        if (husk_format_new(spec, STATS_TABLE, stats_fields, HUSK_ARRAY_SIZE(stats_fields), &fmt, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        for (size_t i = 0; i < s->n; i++) {
                const struct entry *en = &s->v[i];
                struct husk_stats_cols c;
                husk_stats_columns(&en->prev, &en->cur, &c);
                char id[HUSK_CTR_ID_LEN + 1];
                (void) snprintf(id, sizeof(id), "%.*s", f->no_trunc ? HUSK_CTR_ID_LEN : 12, en->id);
                const char *values[] = { en->given ? en->given : id, en->name, id, c.cpu, c.mem_usage, c.mem_perc,
                                         c.net_io, c.block_io, c.pids };
                if (husk_format_add(fmt, values, &err) < 0)
                        return husk_fail(ctx, &err);
        }
        /* The stream redraws in place, as Docker's (clear the screen, cursor home). */
        if (clear)
                fputs("\033[2J\033[H", stdout);
        if (husk_format_flush(fmt, stdout, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct stats_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_(stats_run_done) struct stats_run s = { .e = &e };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        /* The format is checked before the first second goes by. */
        _cleanup_(husk_format_freep) struct husk_format *check = NULL;
        if (husk_format_new(husk_format_is_json(f->format) ? "{{json .}}" : f->format, STATS_TABLE, stats_fields,
                            HUSK_ARRAY_SIZE(stats_fields), &check, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        _cleanup_free_ char *meminfo = NULL;
        if (read_text("/proc/meminfo", &meminfo) == 0)
                (void) husk_stats_parse_meminfo(meminfo, &s.mem_total);
        const struct timespec second = { .tv_sec = 1 };
        int r = round_sample(ctx, &s, f, argc, argv);
        while (r == 0) {
                (void) nanosleep(&second, NULL);
                if ((r = round_sample(ctx, &s, f, argc, argv)) != 0 || (r = print_round(ctx, &s, f, !f->no_stream)) != 0)
                        break;
                if (f->no_stream)
                        return 0;
        }
        return r;
}

const struct husk_cmd husk_cmd_stats = {
        .names = { "stats", "container stats" },
        .summary = "Display a live stream of container(s) resource usage statistics",
        .usage = "[OPTIONS] [CONTAINER...]",
        .description = "Display a live stream of container(s) resource usage statistics.\n\n"
                       "Read from the containers' cgroups and their network namespaces' counters; CPU % is\n"
                       "measured over one second. Fields for --format: .Container, .Name, .ID, .CPUPerc,\n"
                       ".MemUsage, .MemPerc, .NetIO, .BlockIO, .PIDs.",
        .opts = stats_opts,
        .n_opts = HUSK_ARRAY_SIZE(stats_opts),
        .flags_size = sizeof(struct stats_flags),
        .min_args = 0,
        .max_args = -1,
        .run = run,
};

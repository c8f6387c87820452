/* SPDX-License-Identifier: Apache-2.0 */
/* `husk ps`: the records only (one file read per container, no process looked at but the monitor's
 * lock of running ones), so it stays fast with hundreds of containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/husk/containers.h"
#include "cli/husk/template.h"
#include "cli/husk/units.h"
#include "util/cleanup.h"

struct ps_flags {
        bool all, quiet, no_trunc;
        const char *format;
};

static const struct arg_opt ps_opts[] = {
        ARG_OPT("all", "a", ARG_BOOL, struct ps_flags, all, "Show all containers (default shows just running)"),
        ARG_OPT("quiet", "q", ARG_BOOL, struct ps_flags, quiet, "Only display container IDs"),
        ARG_OPT("no-trunc", NULL, ARG_BOOL, struct ps_flags, no_trunc, "Don't truncate output"),
        ARG_OPT("format", NULL, ARG_STRING, struct ps_flags, format,
                "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'"),
};

static const struct husk_fmt_field ps_fields[] = {
        { "ID", "CONTAINER ID" }, { "Image", "IMAGE" },      { "Command", "COMMAND" },
        { "RunningFor", "CREATED" }, { "Status", "STATUS" }, { "Ports", "PORTS" },
        { "Names", "NAMES" },      { "State", "STATE" },     { "CreatedAt", "CREATED AT" },
};
#define PS_TABLE "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

/* Docker's COMMAND column: the command quoted, cut to 20 characters with an ellipsis. */
static void command_column(const struct husk_ctr *c, bool no_trunc, char *buf, size_t size)
{
        char cmd[4096] = "";
        size_t n = 0;
        for (size_t i = 0; c->command && c->command[i] && n < sizeof(cmd) - 1; i++)
                n += (size_t) snprintf(cmd + n, sizeof(cmd) - n, "%s%s", i ? " " : "", c->command[i]);
        if (!no_trunc && strlen(cmd) > 20)
                (void) snprintf(cmd + 19, sizeof(cmd) - 19, "…");
        (void) snprintf(buf, size, "\"%s\"", cmd);
}

static void status_column(const struct husk_ctr *c, int64_t now, char *buf, size_t size)
{
        char d[64];
        if (c->state == HUSK_CTR_RUNNING && c->monitor_dead) {
                (void) snprintf(buf, size, "Exited (unknown): its monitor died");
        } else if (c->state == HUSK_CTR_RUNNING) {
                husk_human_duration(d, sizeof(d), now - c->started_at / 1000000000);
                (void) snprintf(buf, size, "Up %s", d);
        } else if (c->state == HUSK_CTR_EXITED) {
                husk_time_ago(d, sizeof(d), c->finished_at / 1000000000, now);
                (void) snprintf(buf, size, "Exited (%d) %s", c->exit_code, d);
        } else {
                (void) snprintf(buf, size, "Created");
        }
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        (void) argv;
        const struct ps_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        _cleanup_(husk_format_freep) struct husk_format *fmt = NULL;
        /* Docker's `ps --format json`: one object per line. */
        const char *spec = f->quiet ? "{{.ID}}" : husk_format_is_json(f->format) ? "{{json .}}" : f->format;
        if (husk_format_new(spec, PS_TABLE, ps_fields, HUSK_ARRAY_SIZE(ps_fields), &fmt, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        struct husk_ctr *list = NULL;
        size_t n = 0;
        if (husk_ctr_list(e.ctrs, &list, &n, &err) < 0)
                return husk_fail(ctx, &err);
        int64_t now = (int64_t) time(NULL);
        int ret = 0;
        for (size_t i = 0; i < n && ret == 0; i++) {
                const struct husk_ctr *c = &list[i];
                bool running = c->state == HUSK_CTR_RUNNING && !c->monitor_dead;
                if (!f->all && !running)
                        continue;
                char id[HUSK_CTR_ID_LEN + 1], cmd[4200], created[64], status[128], created_at[64];
                (void) snprintf(id, sizeof(id), "%.*s", f->no_trunc ? HUSK_CTR_ID_LEN : 12, c->id);
                command_column(c, f->no_trunc, cmd, sizeof(cmd));
                husk_time_ago(created, sizeof(created), c->created / 1000000000, now);
                status_column(c, now, status, sizeof(status));
                husk_time_string(created_at, sizeof(created_at), c->created / 1000000000);
                const char *state = running ? "running" : c->monitor_dead ? "exited" : husk_ctr_state_to_string(c->state);
                const char *values[] = { id, c->image, cmd, created, status, "", c->name, state, created_at };
                if (husk_format_add(fmt, values, &err) < 0)
                        ret = husk_fail(ctx, &err);
        }
        husk_ctr_list_free(list, n);
        if (ret == 0 && husk_format_flush(fmt, stdout, &err) < 0)
                ret = husk_fail(ctx, &err);
        return ret;
}

const struct husk_cmd husk_cmd_ps = {
        .names = { "ps", "container ls", "container list", "container ps" },
        .summary = "List containers",
        .usage = "[OPTIONS]",
        .opts = ps_opts,
        .n_opts = HUSK_ARRAY_SIZE(ps_opts),
        .flags_size = sizeof(struct ps_flags),
        .min_args = 0,
        .max_args = 0,
        .run = run,
};

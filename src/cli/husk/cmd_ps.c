/* SPDX-License-Identifier: Apache-2.0 */
/* `husk ps`: the records only (one file read per container, no process looked at but the monitor's
 * lock of running ones), so it stays fast with hundreds of containers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/husk/containers.h"
#include "cli/husk/ctr_filter.h"
#include "cli/husk/template.h"
#include "cli/husk/units.h"
#include "engine/life.h"
#include "util/cleanup.h"

struct ps_flags {
        bool all, quiet, no_trunc;
        const char *format;
        struct arg_strings filter;
};

static const struct arg_opt ps_opts[] = {
        ARG_OPT("all", "a", ARG_BOOL, struct ps_flags, all, "Show all containers (default shows just running)"),
        ARG_OPT("quiet", "q", ARG_BOOL, struct ps_flags, quiet, "Only display container IDs"),
        ARG_OPT("no-trunc", NULL, ARG_BOOL, struct ps_flags, no_trunc, "Don't truncate output"),
        ARG_OPT("filter", "f", ARG_STRINGS, struct ps_flags, filter,
                "Filter output based on conditions provided (id, name, label, status, exited, health, ancestor, before, since)"),
        ARG_OPT("format", NULL, ARG_STRING, struct ps_flags, format,
                "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'"),
};

static const struct husk_fmt_field ps_fields[] = {
        { "ID", "CONTAINER ID" }, { "Image", "IMAGE" },      { "Command", "COMMAND" },
        { "RunningFor", "CREATED" }, { "Status", "STATUS" }, { "Ports", "PORTS" },
        { "Names", "NAMES" },      { "State", "STATE" },     { "CreatedAt", "CREATED AT" },
        { "Labels", "LABELS" },
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

/* Docker's {{.Labels}}: "k=v,k2=v2". */
static void labels_column(json_t *labels, char *buf, size_t size)
{
        size_t n = 0;
        const char *k;
        json_t *v;
        buf[0] = '\0';
        json_object_foreach(labels, k, v) {
                int w = snprintf(buf + n, size - n, "%s%s=%s", n ? "," : "", k, json_is_string(v) ? json_string_value(v) : "");
                if (w < 0 || (size_t) w >= size - n)
                        break;
                n += (size_t) w;
        }
}

static void status_column(const struct husk_ctr *c, const struct husk_life *l, int64_t now, char *buf, size_t size)
{
        char d[64];
        const char *health = husk_life_health_status(l);
        if (c->state == HUSK_CTR_RUNNING && c->monitor_dead) {
                (void) snprintf(buf, size, "Exited (unknown): its monitor died");
        } else if (c->state == HUSK_CTR_RUNNING) {
                husk_human_duration(d, sizeof(d), now - c->started_at / 1000000000);
                /* Docker's "Up 5 seconds (healthy)", "(health: starting)"; paused says only that */
                if (c->paused)
                        (void) snprintf(buf, size, "Up %s (Paused)", d);
                else if (health)
                        (void) snprintf(buf, size, "Up %s (%s%s)", d, strcmp(health, "starting") == 0 ? "health: " : "",
                                        health);
                else
                        (void) snprintf(buf, size, "Up %s", d);
        } else if (strcmp(husk_life_status(c, l), "restarting") == 0) {
                husk_time_ago(d, sizeof(d), c->finished_at / 1000000000, now);
                (void) snprintf(buf, size, "Restarting (%d) %s", c->exit_code, d);
        } else if (c->state == HUSK_CTR_EXITED) {
                husk_time_ago(d, sizeof(d), c->finished_at / 1000000000, now);
                (void) snprintf(buf, size, "Exited (%d) %s", c->exit_code, d);
        } else {
                (void) snprintf(buf, size, "Created");
        }
}

/* before=/since=: the creation time of the container named; ancestor=: the image ids named. */
static int resolve_filter(struct husk_engine *e, struct husk_ctr_filter *flt, struct husk_error *err)
{
        struct {
                const char *what;
                int64_t *ret;
        } refs[] = { { flt->before, &flt->before_created }, { flt->since, &flt->since_created } };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(refs); i++) {
                if (!refs[i].what)
                        continue;
                char id[HUSK_CTR_ID_LEN + 1];
                _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
                int r = husk_ctr_lookup(e->ctrs, refs[i].what, id, err);
                if (r < 0 || (r = husk_ctr_load(e->ctrs, id, &c, err)) < 0)
                        return r;
                *refs[i].ret = c.created;
        }
        if (flt->n_ancestors == 0)
                return 0;
        flt->ancestor_ids = calloc(flt->n_ancestors, sizeof(char *));
        if (!flt->ancestor_ids)
                return husk_error_errno(err, ENOMEM, "filters");
        struct husk_store *store;
        int r = husk_engine_store(e, &store, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < flt->n_ancestors; i++) {
                struct husk_image img = { 0 };
                struct husk_error ignored = { 0 };
                /* An image that is not (or no more) in the store matches by the name as run. */
                if (husk_store_image_lookup(store, flt->ancestors[i], &img, &ignored) < 0)
                        continue;
                flt->ancestor_ids[flt->n_ancestor_ids] = strdup(img.id);
                husk_image_free(&img);
                if (!flt->ancestor_ids[flt->n_ancestor_ids++])
                        return husk_error_errno(err, ENOMEM, "filters");
        }
        return 0;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        (void) argv;
        const struct ps_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        _cleanup_(husk_ctr_filter_done) struct husk_ctr_filter flt = { 0 };
        if (husk_ctr_filter_parse(f->filter.v, f->filter.n, &flt, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || resolve_filter(&e, &flt, &err) < 0)
                return husk_fail(ctx, &err);
        bool all = f->all || husk_ctr_filter_wants_all(&flt);
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
                if (!all && !running)
                        continue;
                _cleanup_(husk_life_done) struct husk_life l = { 0 };
                struct husk_error ignored = { 0 };
                (void) husk_life_load_by_id(e.ctrs, c->id, &l, &ignored);
                const char *state = husk_life_status(c, &l);
                struct husk_ctr_filter_row row = {
                        .id = c->id, .name = c->name, .image = c->image, .image_id = c->image_id, .status = state,
                        .health = husk_life_health_status(&l), .exit_code = c->exit_code, .created = c->created,
                        .labels = c->cfg.ctr_config ? json_object_get(c->cfg.ctr_config, "Labels") : NULL,
                };
                if (!husk_ctr_filter_match(&flt, &row))
                        continue;
                char id[HUSK_CTR_ID_LEN + 1], cmd[4200], created[64], status[128], created_at[64];
                (void) snprintf(id, sizeof(id), "%.*s", f->no_trunc ? HUSK_CTR_ID_LEN : 12, c->id);
                command_column(c, f->no_trunc, cmd, sizeof(cmd));
                husk_time_ago(created, sizeof(created), c->created / 1000000000, now);
                status_column(c, &l, now, status, sizeof(status));
                husk_time_string(created_at, sizeof(created_at), c->created / 1000000000);
                char labels[4096];
                labels_column(row.labels, labels, sizeof(labels));
                const char *values[] = { id, c->image, cmd, created, status, "", c->name, state, created_at, labels };
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

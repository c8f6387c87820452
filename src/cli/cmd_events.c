/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>

#include "cli/events_json.h"
#include "util/cleanup.h"

struct events_flags {
        const char *interval;
        bool stats;
};

static const struct arg_opt events_opts[] = {
        ARG_OPT("interval", NULL, ARG_STRING, struct events_flags, interval,
                "set the stats collection interval (default: 5s)"),
        ARG_OPT("stats", NULL, ARG_BOOL, struct events_flags, stats, "display the container's stats then exit"),
};

struct events_out {
        struct cli_ctx *ctx;
        const char *id;
};

static int on_event(const struct husk_event *ev, void *userdata)
{
        struct events_out *o = userdata;
        switch (ev->type) {
        case HUSK_EVENT_STATS:
                return cli_events_write_stats(stdout, o->id, ev->stats);
        case HUSK_EVENT_OOM:
                return cli_events_write_oom(stdout, o->id);
        case HUSK_EVENT_ERROR:
                /* As runc: the stats of one interval failed; say so and go on. */
                cli_error(o->ctx, "%s", ev->error->msg);
                return 0;
        }
        return 0;
}

static int run_events(struct cli_ctx *ctx, int argc, char **argv)
{
        struct events_flags f = { .interval = "5s" };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_events, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        int64_t ns;
        if (cli_parse_duration(f.interval, &ns) < 0) {
                /* Go's flag package's words, as runc prints them. */
                cli_error(ctx, "invalid value \"%s\" for flag -interval: parse error", f.interval);
                return 1;
        }
        if (ns <= 0) {
                cli_error(ctx, "duration interval must be greater than 0");
                return 1;
        }

        /* SIGINT and SIGTERM end the loop through a signalfd, so the last line is whole and every
         * fd is closed on the way out; the signals stay blocked only in this process (exec'd
         * children get none from us). */
        _cleanup_close_ int sfd = -1;
        if (!f.stats) {
                sigset_t set;
                sigemptyset(&set);
                sigaddset(&set, SIGINT);
                sigaddset(&set, SIGTERM);
                if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
                        cli_error(ctx, "events: signalfd: %m");
                        return 1;
                }
        }
        struct husk_events_opts o = { .interval_ns = (uint64_t) ns, .stats_only = f.stats, .stop_fd = sfd };
        struct events_out out = { .ctx = ctx, .id = pos[0] };
        struct husk_error err = { 0 };
        if (husk_container_events(&ctx->rt, pos[0], &o, on_event, &out, &err) < 0)
                return cli_fail(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_events = {
        .name = "events",
        .summary = "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
        .args_usage = "<container-id>\n\n"
                      "Where \"<container-id>\" is the name for the instance of the container.",
        .description = "The events command displays information about the container. By default the\n"
                       "information is displayed once every 5 seconds.",
        .opts = events_opts,
        .n_opts = HUSK_ARRAY_SIZE(events_opts),
        .min_args = 1,
        .max_args = 1,
        .run = run_events,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* `husk stop` and `husk kill`: the stop signal then SIGKILL after a timeout, or one signal; `husk
 * restart`: a stop then a start (Docker's; like a user's stop and start it ends a restart policy's
 * wait and resets RestartCount). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "cli/husk/containers.h"
#include "cli/signals.h"
#include "engine/life.h"
#include "util/cleanup.h"

struct stop_flags {
        const char *time, *signal;
};

static const struct arg_opt stop_opts[] = {
        ARG_OPT("time", "t", ARG_STRING, struct stop_flags, time, "Seconds to wait before killing the container"),
        ARG_OPT("signal", "s", ARG_STRING, struct stop_flags, signal, "Signal to send to the container"),
};

struct stop_args {
        int sig;                /* 0: the container's own stop signal */
        int timeout;            /* -1: the container's own */
};

static int stop_one(struct husk_engine *e, const char *id, void *ud, struct husk_error *err)
{
        const struct stop_args *a = ud;
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        int sig = a->sig ? a->sig : husk_cli_stop_signal(&c, err);
        if (sig < 0)
                return sig;
        int timeout = a->timeout >= 0 ? a->timeout : c.cfg.stop_timeout >= 0 ? c.cfg.stop_timeout : 10;
        return husk_engine_stop(e, id, sig, timeout, err);
}

static int parse_signal(const struct husk_ctx *ctx, const char *s, int *ret)
{
        int sig = cli_signal_parse(s);
        if (sig < 0)
                return husk_usage_error(ctx, "invalid signal: %s", s);
        *ret = sig;
        return 0;
}

/* stop's and restart's options; 0 or HUSK_EXIT_ERROR. */
static int stop_args_parse(const struct husk_ctx *ctx, const struct stop_flags *f, struct stop_args *a)
{
        *a = (struct stop_args){ .sig = 0, .timeout = -1 };
        if (f->time) {
                char *end;
                long t = strtol(f->time, &end, 10);
                if (!*f->time || *end || t < 0 || t > 86400 * 365)
                        return husk_usage_error(ctx, "invalid argument \"%s\" for \"-t, --time\" flag", f->time);
                a->timeout = (int) t;
        }
        if (f->signal && parse_signal(ctx, f->signal, &a->sig) != 0)
                return HUSK_EXIT_ERROR;
        return 0;
}

static int each(struct husk_ctx *ctx, const struct stop_flags *f, int argc, char **argv,
                int (*fn)(struct husk_engine *e, const char *id, void *ud, struct husk_error *err))
{
        struct stop_args a;
        if (stop_args_parse(ctx, f, &a) != 0)
                return HUSK_EXIT_ERROR;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        return husk_cli_each(ctx, &e, argc, argv, fn, &a);
}

static int run_stop(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        return each(ctx, flags, argc, argv, stop_one);
}

static int restart_one(struct husk_engine *e, const char *id, void *ud, struct husk_error *err)
{
        /* A stop also ends a restart policy's wait (its process lets go of the monitor lock). */
        int r = stop_one(e, id, ud, err);
        if (r < 0)
                return r;
        return husk_engine_start(e, id, NULL, NULL, err);
}

static int run_restart(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        return each(ctx, flags, argc, argv, restart_one);
}

static int kill_one(struct husk_engine *e, const char *id, void *ud, struct husk_error *err)
{
        int sig = *(const int *) ud;
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        /* Docker: a kill with SIGKILL or the stop signal ends the restart policy too (life.h). */
        struct husk_error ignored = { 0 };
        if ((sig == SIGKILL || sig == husk_cli_stop_signal(&c, &ignored)) && (r = husk_life_mark_stopped(e, &c, err)) < 0)
                return r;
        return husk_engine_kill(e, id, sig, err);
}

static int run_kill(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct stop_flags *f = flags;
        int sig = SIGKILL;
        if (f->signal && parse_signal(ctx, f->signal, &sig) != 0)
                return HUSK_EXIT_ERROR;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        return husk_cli_each(ctx, &e, argc, argv, kill_one, &sig);
}

const struct husk_cmd husk_cmd_stop = {
        .names = { "stop", "container stop" },
        .summary = "Stop one or more running containers",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .opts = stop_opts,
        .n_opts = HUSK_ARRAY_SIZE(stop_opts),
        .flags_size = sizeof(struct stop_flags),
        .min_args = 1,
        .max_args = -1,
        .run = run_stop,
};

const struct husk_cmd husk_cmd_restart = {
        .names = { "restart", "container restart" },
        .summary = "Restart one or more containers",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .opts = stop_opts,
        .n_opts = HUSK_ARRAY_SIZE(stop_opts),
        .flags_size = sizeof(struct stop_flags),
        .min_args = 1,
        .max_args = -1,
        .seal_exe = true,
        .run = run_restart,
};

const struct husk_cmd husk_cmd_kill = {
        .names = { "kill", "container kill" },
        .summary = "Kill one or more running containers",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .opts = stop_opts + 1,
        .n_opts = 1,
        .flags_size = sizeof(struct stop_flags),
        .min_args = 1,
        .max_args = -1,
        .run = run_kill,
};

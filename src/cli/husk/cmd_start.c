/* SPDX-License-Identifier: Apache-2.0 */
/* `husk start [-a] CONTAINER...`: start created or exited containers, each with a monitor of its own. */
#include <stdio.h>

#include "cli/husk/attach_session.h"
#include "cli/husk/containers.h"
#include "util/cleanup.h"

struct start_flags {
        bool attach, interactive;
        const char *detach_keys;
};

static const struct arg_opt start_opts[] = {
        ARG_OPT("attach", "a", ARG_BOOL, struct start_flags, attach, "Attach STDOUT/STDERR and forward signals"),
        ARG_OPT("interactive", "i", ARG_BOOL, struct start_flags, interactive, "Attach container's STDIN"),
        ARG_OPT("detach-keys", NULL, ARG_STRING, struct start_flags, detach_keys,
                "Override the key sequence for detaching a container (default \"ctrl-p,ctrl-q\")"),
};

static int start_one(struct husk_engine *e, const char *id, void *ud, struct husk_error *err)
{
        (void) ud;
        /* Docker's start of a running container is a no-op that succeeds. */
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        if (c.state == HUSK_CTR_RUNNING && !c.monitor_dead)
                return 0;
        return husk_engine_start(e, id, NULL, NULL, err);
}

/* start -a / -i: containers with a terminal or an open stdin (run/create -t, -i) go through the
 * attach protocol (-i: our stdin as theirs, Docker's start -i implies -a); others as before. */
static int start_attach(const struct husk_ctx *ctx, struct husk_engine *e, const char *id,
                        const struct start_flags *f)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        struct husk_error err = { 0 };
        if (husk_ctr_load(e->ctrs, id, &c, &err) < 0)
                return husk_fail(ctx, &err);
        /* Docker's start -a of a running container attaches to it. */
        bool running = c.state == HUSK_CTR_RUNNING && !c.monitor_dead;
        if (!running && !husk_cli_ctr_interactive(&c))
                return husk_cli_start_attached(ctx, e, id);
        struct husk_cli_attach_opts o = { .start = !running, .stdin = f->interactive, .detach_keys = f->detach_keys };
        return husk_cli_attach_session(ctx, e, id, &o);
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct start_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        if (f->attach || f->interactive) {
                if (argc != 1)
                        return husk_usage_error(ctx, "you cannot start and attach multiple containers at once");
                {
                        char id[HUSK_CTR_ID_LEN + 1];
                        if (husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0)
                                return husk_fail(ctx, &err);
                        return start_attach(ctx, &e, id, f);
                }
        }
        (void) fflush(stdout);
        return husk_cli_each(ctx, &e, argc, argv, start_one, NULL);
}

const struct husk_cmd husk_cmd_start = {
        .names = { "start", "container start" },
        .summary = "Start one or more stopped containers",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .opts = start_opts,
        .n_opts = HUSK_ARRAY_SIZE(start_opts),
        .flags_size = sizeof(struct start_flags),
        .min_args = 1,
        .max_args = -1,
        .seal_exe = true,
        .run = run,
};

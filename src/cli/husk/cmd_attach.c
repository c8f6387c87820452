/* SPDX-License-Identifier: Apache-2.0 */
/* `husk attach [--detach-keys] [--no-stdin] CONTAINER`: reconnect to a running container (tty). */
#include "cli/husk/attach_session.h"
#include "cli/husk/containers.h"
#include "util/cleanup.h"

struct attach_flags {
        bool no_stdin;
        const char *detach_keys;
};

static const struct arg_opt attach_opts[] = {
        ARG_OPT("detach-keys", NULL, ARG_STRING, struct attach_flags, detach_keys,
                "Override the key sequence for detaching a container (default \"ctrl-p,ctrl-q\")"),
        ARG_OPT("no-stdin", NULL, ARG_BOOL, struct attach_flags, no_stdin, "Do not attach STDIN"),
};

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        const struct attach_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0)
                return husk_fail(ctx, &err);
        struct husk_cli_attach_opts o = { .stdin = !f->no_stdin, .detach_keys = f->detach_keys };
        return husk_cli_attach_session(ctx, &e, id, &o);
}

const struct husk_cmd husk_cmd_attach = {
        .names = { "attach", "container attach" },
        .summary = "Attach local standard input, output, and error streams to a running container",
        .usage = "[OPTIONS] CONTAINER",
        .description = "Attach local standard input, output, and error streams to a running container.\n\n"
                       "Its output from now on is shown; what is typed goes to it when it was made with -i\n"
                       "(raw, when it has a terminal: -t). The detach keys (ctrl-p ctrl-q) leave it running.\n"
                       "The exit code is the container's when it ends while attached.",
        .opts = attach_opts,
        .n_opts = HUSK_ARRAY_SIZE(attach_opts),
        .flags_size = sizeof(struct attach_flags),
        .min_args = 1,
        .max_args = 1,
        .run = run,
};

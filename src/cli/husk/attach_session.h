/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An attached session over the monitor's attach protocol (engine/attach.h): the container's output
 * on ours, our stdin (raw when it is a terminal and the container has one) as its keys, our
 * terminal's size followed, the detach keys, signals forwarded. For run -i/-t, start -a/-i (the
 * container started with a socketpair as its first caller) and attach (connected to <dir>/attach).
 */
#pragma once

#include "cli/husk/husk.h"
#include "engine/engine.h"

struct husk_cli_attach_opts {
        bool start;                     /* start the container attached (else it must be running) */
        bool stdin;                     /* relay our stdin (when the container keeps one open: -i) */
        const char *detach_keys;        /* NULL: ctrl-p,ctrl-q */
};

/* The container has a terminal (-t) or keeps its stdin open (-i): Config.Tty, Config.OpenStdin. */
bool husk_cli_ctr_interactive(const struct husk_ctr *c);

/* Returns the exit code: the container's, 0 after detaching, or HUSK_EXIT_ERROR (125/126/127 when
 * the start failed). */
int husk_cli_attach_session(const struct husk_ctx *ctx, struct husk_engine *e, const char *id,
                            const struct husk_cli_attach_opts *o);

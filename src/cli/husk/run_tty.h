/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run/create -i/--interactive, -t/--tty, --detach-keys (tty): the flags of struct run_flags' `term`
 * sub-struct, kept in the record as Docker's Config keys (Tty, OpenStdin, StdinOnce, AttachStdin,
 * AttachStdout, AttachStderr); and the foreground session of `run` (run_tty.c).
 */
#pragma once

#include "cli/husk/husk.h"
#include "engine/engine.h"

struct run_tty_flags {
        bool interactive, tty;
        const char *detach_keys;
};

#define RUN_TTY_OPTS                                                                                             \
        ARG_OPT("interactive", "i", ARG_BOOL, struct run_flags, term.interactive,                                \
                "Keep STDIN open even if not attached"),                                                         \
        ARG_OPT("tty", "t", ARG_BOOL, struct run_flags, term.tty, "Allocate a pseudo-TTY"),                      \
        ARG_OPT("detach-keys", NULL, ARG_STRING, struct run_flags, term.detach_keys,                             \
                "Override the key sequence for detaching a container (default \"ctrl-p,ctrl-q\")")

/* Check the flags (--detach-keys) and write the Config keys into cfg->ctr_config. detach: run -d
 * (nothing attached: StdinOnce and the Attach* keys false). */
int husk_cli_run_tty_config(const struct husk_ctx *ctx, const struct run_tty_flags *t, bool detach,
                            struct husk_ctr_config *cfg);

/* Foreground `run` of a created container: with -i or -t the attach session (attach_session.h),
 * else husk_cli_start_attached. A -it run whose stdin is no terminal is refused as Docker does
 * ("the input device is not a TTY") and the container removed. */
int husk_cli_run_attached(const struct husk_ctx *ctx, struct husk_engine *e, const char *id,
                          const struct run_tty_flags *t);

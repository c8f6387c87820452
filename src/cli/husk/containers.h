/* SPDX-License-Identifier: Apache-2.0 */
/* What the engine's container commands share (containers.c). */
#pragma once

#include "cli/husk/husk.h"
#include "engine/engine.h"

/* Open the engine (container records; the image store is opened on first use). */
int husk_cli_engine_open(const struct husk_ctx *ctx, struct husk_engine *e, bool create, struct husk_error *err);

static inline void husk_cli_engine_closep(struct husk_engine *e)
{
        husk_engine_close(e);
}

/* The exit code for a failed start: 126 (cannot execute), 127 (not found) as Docker, else 125. */
int husk_cli_start_exit_code(const struct husk_error *err);

/* A container's stop signal: the record's (--stop-signal, or the image's StopSignal), else SIGTERM. */
int husk_cli_stop_signal(const struct husk_ctr *c, struct husk_error *err);

/* Run fn for every name in argv, printing the name on success (Docker's rm/stop/kill/start) and the
 * error on failure; 1 when any failed, as the docker client. */
int husk_cli_each(const struct husk_ctx *ctx, struct husk_engine *e, int argc, char **argv,
                  int (*fn)(struct husk_engine *e, const char *id, void *ud, struct husk_error *err), void *ud);

/* Start a container attached (its output on ours, our signals forwarded) and wait for it: its exit
 * code, or Docker's 125/126/127 when it could not start. */
int husk_cli_start_attached(const struct husk_ctx *ctx, struct husk_engine *e, const char *id);

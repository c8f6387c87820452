/* SPDX-License-Identifier: Apache-2.0 */
/* `husk exec -t`: the process's pty, received over a console socket, relayed to our terminal. */
#pragma once

#include "cli/husk/term.h"
#include "engine/ctr_exec.h"

/*
 * Run o (o->tty set) with its pty master sent to a console socket of ours (as runc exec
 * --console-socket), then relay it to our terminal (raw mode when stdin is one and interactive,
 * SIGWINCH followed, signals we get forwarded to the process) until its output ends: its exit code in
 * *ret_exit. When the detach keys are typed, the process runs on: a small keeper process holds the
 * pty (a closed master would hang it up) and discards its output until it ends; *ret_exit is 0.
 */
int husk_cli_exec_tty(struct husk_engine *e, const char *id, struct husk_engine_exec_opts *o, bool interactive,
                      struct husk_detach_keys *keys, int *ret_exit, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/* Signal names for `kill`. A hand-written table: no dependence on the C library's sigabbrev. */
#pragma once

/*
 * "KILL", "SIGKILL", "sigkill", "9", "RTMIN+3", "SIGRTMAX-1" -> the signal number, as runc (which
 * upper-cases and strips "SIG"); -EINVAL for an unknown name or a number outside 1 .. SIGRTMAX.
 */
int cli_signal_parse(const char *s);

/* 9 -> "SIGKILL"; NULL for numbers without a fixed name (real-time signals). */
const char *cli_signal_name(int sig);

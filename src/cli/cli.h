/* SPDX-License-Identifier: Apache-2.0 */
/* husk-runtime: runc's command line over libhusk. One file per command (cmd_*.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli/args.h"
#include "cli/log.h"
#include "runtime/runtime.h"
#include "util/error.h"

#define CLI_NAME "husk-runtime"
/* The runtime-spec version husk implements (`--version`, `features`' ociVersionMax). */
#define CLI_OCI_VERSION_MAX "1.2.0"
#define CLI_OCI_VERSION_MIN "1.0.0"

struct cli_ctx {
        struct husk_runtime rt;
        struct cli_log log;
        const char *cmd; /* the command being run, for messages */
        const char *criu; /* --criu: the criu binary for checkpoint/restore; NULL: criu from PATH */
};

struct cli_command {
        const char *name;
        const char *summary;     /* one line, for the command list */
        const char *args_usage;  /* "<container-id>" */
        const char *description; /* NULL: none; printed under DESCRIPTION (or as is when it has its own heads) */
        const struct arg_opt *opts;
        size_t n_opts;
        int min_args, max_args;  /* positional arguments */
        int (*run)(struct cli_ctx *ctx, int argc, char **argv); /* argv: after the command name; returns the exit code */
        unsigned args_flags;     /* ARGS_* for args_parse: ps stops at its id, the rest is ps's own options */
        bool seal_exe;           /* enters a container: re-executes from a sealed binary first (runtime/exeseal.h) */
};

extern const struct cli_command cli_cmd_create, cli_cmd_start, cli_cmd_state, cli_cmd_kill, cli_cmd_delete,
        cli_cmd_run, cli_cmd_list, cli_cmd_spec, cli_cmd_features, cli_cmd_exec;
/* The commands that act on the container's cgroup. */
/* CRIU (checkpoint*.c). */
extern const struct cli_command cli_cmd_checkpoint, cli_cmd_restore;
extern const struct cli_command cli_cmd_pause, cli_cmd_resume, cli_cmd_update, cli_cmd_ps, cli_cmd_events;

/*
 * Parse a command's options into flags and check its argument count. Returns 0 to go on, 1 when
 * --help was printed (exit 0), -1 after a usage error was reported (exit 1).
 */
int cli_parse(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv, void *flags,
              struct args_result *ret);

/* Report an error: the message alone on stderr (as runc), and an error line in the --log file. */
void cli_error(struct cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a library error; returns the exit code 1. */
int cli_fail(struct cli_ctx *ctx, const struct husk_error *err);
/* The library returns warnings (a failing poststart/poststop hook...) as a message with code 0
 * beside success: show it on stderr and as a "warning" line in the log. */
void cli_warnings(struct cli_ctx *ctx, const struct husk_error *err);
/* A debug line in the log (or on stderr without --log), only with --debug. */
void cli_debug(struct cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void cli_print_command_help(const struct cli_command *cmd);

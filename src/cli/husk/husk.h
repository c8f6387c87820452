/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk: the engine's command line, with Docker's habits (pflag options, `husk image ls` = `husk images`,
 * exit code 125 for husk's own errors). One file per command or group of commands (cmd_*.c), each
 * defining a `const struct husk_cmd husk_cmd_NAME`, listed once in commands.h.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/args.h"
#include "util/error.h"

#define HUSK_CLI_NAME "husk"
/* Docker's exit code when the engine itself failed (not the container). */
#define HUSK_EXIT_ERROR 125

enum husk_log_level {
        HUSK_LOG_DEBUG,
        HUSK_LOG_INFO,
        HUSK_LOG_WARN,
        HUSK_LOG_ERROR,
        HUSK_LOG_FATAL,
};

/* What the global options say; read-only for commands. */
struct husk_ctx {
        const char *storage_root;       /* --storage-root / $HUSK_STORAGE_ROOT; NULL: the store's default */
        const char *root;               /* --root / $HUSK_ROOT: runtime state of the engine's containers */
        enum husk_log_level log_level;  /* --log-level, -D */
        const char *cmd;                /* "image ls": the command as typed, for messages */
};

struct husk_cmd {
        /*
         * Every name it answers to, the main one first (shown in help). A two-word name puts the
         * command under a management group ("image ls"); a one-word name makes it a top-level command
         * ("images"). NULL-terminated.
         */
        const char *names[6];
        const char *summary;            /* one line: "List images" */
        const char *usage;              /* after the name: "[OPTIONS] [REPOSITORY[:TAG]]" */
        const char *description;        /* NULL: the summary; more lines for --help */
        const struct arg_opt *opts;     /* parsed with ARGS_POSIX into a zeroed flags struct */
        size_t n_opts;
        size_t flags_size;              /* sizeof the command's flags struct (0: none) */
        int min_args, max_args;         /* positional arguments; max -1: any number */
        unsigned args_flags;            /* extra ARGS_*: ARGS_STOP_AT_POSITIONAL for `run IMAGE CMD...` */
        bool hidden;                    /* husk's own plumbing (run by the monitor): left out of help lists */
        bool seal_exe;                  /* re-executed from a sealed copy first: it forks container
                                         * processes from this binary (runtime/exeseal.h) */
        /*
         * flags: the parsed options (ARG_STRINGS freed after run returns); argv: the positional
         * arguments, NULL-terminated. Returns the exit code: 0, HUSK_EXIT_ERROR after husk_fail(), or a
         * container's own status.
         */
        int (*run)(struct husk_ctx *ctx, void *flags, int argc, char **argv);
};

/* Management groups (`husk image ...`): name and summary. */
struct husk_group {
        const char *name;
        const char *summary;
};

extern const struct husk_cmd *const husk_commands[];
extern const size_t husk_n_commands;
extern const struct husk_group husk_groups[];
extern const size_t husk_n_groups;

/* Report a library error as "husk: MESSAGE" on stderr; returns HUSK_EXIT_ERROR. */
int husk_fail(const struct husk_ctx *ctx, const struct husk_error *err);
/* The same with a message of the command's own. */
int husk_failf(const struct husk_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error: the message, then "See 'husk CMD --help'."; returns HUSK_EXIT_ERROR. */
int husk_usage_error(const struct husk_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Lines at or above --log-level, on stderr ("husk: warning: ..."). */
void husk_log(const struct husk_ctx *ctx, enum husk_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* help.c */
void husk_print_help(FILE *out);
void husk_print_group_help(FILE *out, const struct husk_group *g);
void husk_print_command_help(FILE *out, const struct husk_cmd *cmd);
/* The "-a, --all" / "    --digests" column of an option; returns its length (snprintf-style). */
int husk_format_flag(const struct arg_opt *opt, char *buf, size_t size);

/* Finding commands (commands.c): by words as typed ("images", or "image" "ls"). */
const struct husk_group *husk_find_group(const char *name);
/* The command named by argv[0] (and argv[1] for a group); *ret_words gets how many words it took. */
const struct husk_cmd *husk_find_command(int argc, char **argv, int *ret_words);

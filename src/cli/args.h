/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line options the way runc's urfave/cli (over Go's flag package) reads them, because
 * podman, containerd and CRI-O were written against that: `--flag value`, `--flag=value`,
 * `-flag value`, booleans as `--flag` or `--flag=true|false`, short aliases, "--" ending the
 * options, and options allowed after positional arguments (urfave/cli v1 reorders them, so
 * `delete ID --force` works).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "util/error.h"

enum arg_type {
        ARG_BOOL,   /* bool */
        ARG_STRING, /* const char *, pointing into argv */
        ARG_UINT,   /* int, 0 .. INT_MAX */
        ARG_STRINGS, /* struct arg_strings: repeatable, every value appended (runc's StringSlice) */
        ARG_TRIBOOL, /* int: a boolean whose absence is seen (the caller starts it at -1) */
};

/* The values of a repeated flag, pointers into argv; v is NULL-terminated (NULL when none), the
 * caller frees it (arg_strings_done) also after a parse error. */
struct arg_strings {
        char **v;
        size_t n;
};

static inline void arg_strings_done(struct arg_strings *s)
{
        free(s->v);
        s->v = NULL;
        s->n = 0;
}

struct arg_opt {
        const char *name;  /* long name without dashes: "bundle" */
        const char *alias; /* short alias ("b") or NULL */
        enum arg_type type;
        size_t offset;     /* of the destination inside the caller's flags struct */
        const char *usage; /* one line for --help */
};

#define ARG_OPT(n, a, t, s, f, u) { (n), (a), (t), offsetof(s, f), (u) }

enum {
        /* Stop at the first positional argument (global options: what follows is the command). */
        ARGS_STOP_AT_POSITIONAL = 1 << 0,
        /*
         * Docker's (cobra/pflag) conventions instead of Go's flag package: long options only with two
         * dashes; one dash starts a cluster of one-letter aliases (`-aq`, `-it`), the last of which may
         * take a value joined (`-fjson`, `-f=json`) or as the next argument. Used by `husk`.
         */
        ARGS_POSIX = 1 << 1,
};

struct args_result {
        char **pos;  /* positional arguments, pointers into argv; NULL-terminated; free() the array */
        int n_pos;
        bool help;   /* --help / -h was given */
};

/*
 * Parse argv[0 .. argc) (no program or command name) against opts, writing values at
 * dest + opt->offset. On error (EINVAL) the message names the flag as the user wrote it
 * ("flag provided but not defined: --bogus", "flag needs an argument: -b"; with ARGS_POSIX
 * pflag's words: "unknown flag: --bogus", "unknown shorthand flag: 'x' in -ax").
 */
int args_parse(const struct arg_opt *opts, size_t n_opts, unsigned flags, int argc, char **argv, void *dest,
               struct args_result *ret, struct husk_error *err);

/* Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False. */
int args_parse_bool(const char *s, bool *ret);

/* The "--bundle value, -b value" column of --help; returns its length (snprintf-style). */
int args_format_flag(const struct arg_opt *opt, char *buf, size_t size);

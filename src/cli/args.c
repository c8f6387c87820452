/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/args.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int args_parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
        static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                if (strcmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

static int parse_uint(const char *s, int *ret)
{
        if (*s < '0' || *s > '9')
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0' || v > INT_MAX)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

static const struct arg_opt *find_opt(const struct arg_opt *opts, size_t n_opts, const char *name, size_t len)
{
        for (size_t i = 0; i < n_opts; i++) {
                const struct arg_opt *o = &opts[i];
                if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                        return o;
                if (o->alias && strlen(o->alias) == len && strncmp(o->alias, name, len) == 0)
                        return o;
        }
        return NULL;
}

static int set_value(const struct arg_opt *o, const char *dashes, const char *value, void *dest,
                     struct husk_error *err)
{
        char *p = (char *) dest + o->offset;
        switch (o->type) {
        case ARG_TRIBOOL:
        case ARG_BOOL: {
                bool b;
                if (args_parse_bool(value, &b) < 0)
                        return husk_error_set(err, EINVAL, "invalid boolean value \"%s\" for flag %s%s", value,
                                              dashes, o->name);
                if (o->type == ARG_TRIBOOL) {
                        int v = b;
                        memcpy(p, &v, sizeof(v));
                } else {
                        memcpy(p, &b, sizeof(b));
                }
                return 0;
        }
        case ARG_STRINGS: {
                struct arg_strings *l = (struct arg_strings *) (void *) p;
                char **nv = realloc(l->v, (l->n + 2) * sizeof(char *));
                if (!nv)
                        return husk_error_errno(err, ENOMEM, "flag %s%s", dashes, o->name);
                nv[l->n++] = (char *) value;
                nv[l->n] = NULL;
                l->v = nv;
                return 0;
        }
        case ARG_STRING:
                memcpy(p, &value, sizeof(value));
                return 0;
        case ARG_UINT: {
                int v;
                if (parse_uint(value, &v) < 0)
                        return husk_error_set(err, EINVAL, "invalid value \"%s\" for flag %s%s: parse error",
                                              value, dashes, o->name);
                memcpy(p, &v, sizeof(v));
                return 0;
        }
        }
        return husk_error_set(err, EINVAL, "flag %s%s: unknown type", dashes, o->name);
}

/* One option at argv[*i]; *i is advanced past a separate value. */
static int parse_one(const struct arg_opt *opts, size_t n_opts, int argc, char **argv, int *i, void *dest,
                     bool *help, struct husk_error *err)
{
        const char *arg = argv[*i];
        size_t ndash = arg[1] == '-' ? 2 : 1;
        const char *dashes = ndash == 2 ? "--" : "-";
        const char *name = arg + ndash;
        if (name[0] == '\0' || name[0] == '-' || name[0] == '=')
                return husk_error_set(err, EINVAL, "bad flag syntax: %s", arg);

        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t) (eq - name) : strlen(name);
        const struct arg_opt *o = find_opt(opts, n_opts, name, len);
        if (!o) {
                if ((len == 4 && strncmp(name, "help", 4) == 0) || (len == 1 && name[0] == 'h')) {
                        bool b = true;
                        if (eq && args_parse_bool(eq + 1, &b) < 0)
                                return husk_error_set(err, EINVAL, "invalid boolean value \"%s\" for flag %s%.*s",
                                                      eq + 1, dashes, (int) len, name);
                        *help = *help || b;
                        return 0;
                }
                return husk_error_set(err, EINVAL, "flag provided but not defined: %s%.*s", dashes, (int) len, name);
        }

        if (eq)
                return set_value(o, dashes, eq + 1, dest, err);
        if (o->type == ARG_BOOL || o->type == ARG_TRIBOOL)
                return set_value(o, dashes, "true", dest, err);
        /* As Go's flag package: the next argument is the value even if it starts with a dash. */
        if (*i + 1 >= argc)
                return husk_error_set(err, EINVAL, "flag needs an argument: %s%.*s", dashes, (int) len, name);
        (*i)++;
        return set_value(o, dashes, argv[*i], dest, err);
}

static const struct arg_opt *find_short(const struct arg_opt *opts, size_t n_opts, char c)
{
        for (size_t i = 0; i < n_opts; i++)
                if (opts[i].alias && opts[i].alias[0] == c && opts[i].alias[1] == '\0')
                        return &opts[i];
        return NULL;
}

/* pflag's "--name[=value]": only long names; a bool takes no separate value. */
static int parse_long_posix(const struct arg_opt *opts, size_t n_opts, int argc, char **argv, int *i, void *dest,
                            bool *help, struct husk_error *err)
{
        const char *name = argv[*i] + 2;
        if (name[0] == '\0' || name[0] == '-' || name[0] == '=')
                return husk_error_set(err, EINVAL, "bad flag syntax: %s", argv[*i]);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t) (eq - name) : strlen(name);
        const struct arg_opt *o = NULL;
        for (size_t k = 0; k < n_opts && !o; k++)
                if (strlen(opts[k].name) == len && strncmp(opts[k].name, name, len) == 0)
                        o = &opts[k];
        if (!o) {
                if (len == 4 && strncmp(name, "help", 4) == 0) {
                        bool b = true;
                        if (eq && args_parse_bool(eq + 1, &b) < 0)
                                return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--help\" flag",
                                                      eq + 1);
                        *help = *help || b;
                        return 0;
                }
                return husk_error_set(err, EINVAL, "unknown flag: --%.*s", (int) len, name);
        }
        if (eq)
                return set_value(o, "--", eq + 1, dest, err);
        if (o->type == ARG_BOOL || o->type == ARG_TRIBOOL)
                return set_value(o, "--", "true", dest, err);
        if (*i + 1 >= argc)
                return husk_error_set(err, EINVAL, "flag needs an argument: --%s", o->name);
        (*i)++;
        return set_value(o, "--", argv[*i], dest, err);
}

/* pflag's "-abc": a cluster of one-letter aliases; one that takes a value ends the cluster. */
static int parse_shorts_posix(const struct arg_opt *opts, size_t n_opts, int argc, char **argv, int *i, void *dest,
                              bool *help, struct husk_error *err)
{
        const char *arg = argv[*i];
        for (const char *p = arg + 1; *p; p++) {
                const struct arg_opt *o = find_short(opts, n_opts, *p);
                if (!o) {
                        if (*p == 'h') {
                                *help = true;
                                continue;
                        }
                        return husk_error_set(err, EINVAL, "unknown shorthand flag: '%c' in %s", *p, arg);
                }
                if (o->type == ARG_BOOL || o->type == ARG_TRIBOOL) {
                        if (p[1] == '=')
                                return set_value(o, "-", p + 2, dest, err);
                        int r = set_value(o, "-", "true", dest, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (p[1] != '\0')
                        return set_value(o, "-", p[1] == '=' ? p + 2 : p + 1, dest, err);
                if (*i + 1 >= argc)
                        return husk_error_set(err, EINVAL, "flag needs an argument: '%c' in %s", *p, arg);
                (*i)++;
                return set_value(o, "-", argv[*i], dest, err);
        }
        return 0;
}

int args_parse(const struct arg_opt *opts, size_t n_opts, unsigned flags, int argc, char **argv, void *dest,
               struct args_result *ret, struct husk_error *err)
{
        char **pos = calloc((size_t) argc + 1, sizeof(char *));
        if (!pos)
                return husk_error_errno(err, ENOMEM, "parse arguments");
        int n_pos = 0;
        bool help = false;

        for (int i = 0; i < argc; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0) {
                        for (i++; i < argc; i++)
                                pos[n_pos++] = argv[i];
                        break;
                }
                if (a[0] != '-' || a[1] == '\0') {
                        if (flags & ARGS_STOP_AT_POSITIONAL) {
                                for (; i < argc; i++)
                                        pos[n_pos++] = argv[i];
                                break;
                        }
                        pos[n_pos++] = argv[i];
                        continue;
                }
                int r;
                if (!(flags & ARGS_POSIX))
                        r = parse_one(opts, n_opts, argc, argv, &i, dest, &help, err);
                else if (a[1] == '-')
                        r = parse_long_posix(opts, n_opts, argc, argv, &i, dest, &help, err);
                else
                        r = parse_shorts_posix(opts, n_opts, argc, argv, &i, dest, &help, err);
                if (r < 0) {
                        free(pos);
                        return r;
                }
        }

        pos[n_pos] = NULL;
        ret->pos = pos;
        ret->n_pos = n_pos;
        ret->help = help;
        return 0;
}

int args_format_flag(const struct arg_opt *opt, char *buf, size_t size)
{
        const char *v = opt->type == ARG_BOOL || opt->type == ARG_TRIBOOL ? "" : " value";
        if (opt->alias)
                return snprintf(buf, size, "--%s%s, -%s%s", opt->name, v, opt->alias, v);
        return snprintf(buf, size, "--%s%s", opt->name, v);
}

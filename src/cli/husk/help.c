/* SPDX-License-Identifier: Apache-2.0 */
/* `husk --help`, `husk image --help`, `husk help CMD`: Docker's layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/husk.h"
#include "util/cleanup.h"

/* The global options, shown by husk_print_help (husk.c owns the table). */
extern const struct arg_opt husk_global_opts[];
extern const size_t husk_n_global_opts;

static const char *value_name(enum arg_type t)
{
        switch (t) {
        case ARG_STRING:
                return " string";
        case ARG_UINT:
                return " int";
        case ARG_STRINGS:
                return " list";
        case ARG_BOOL:
        case ARG_TRIBOOL:
                break;
        }
        return "";
}

int husk_format_flag(const struct arg_opt *opt, char *buf, size_t size)
{
        if (opt->alias)
                return snprintf(buf, size, "-%s, --%s%s", opt->alias, opt->name, value_name(opt->type));
        return snprintf(buf, size, "    --%s%s", opt->name, value_name(opt->type));
}

static void print_options(FILE *out, const char *title, const struct arg_opt *opts, size_t n)
{
        int width = 0;
        char col[128];
        for (size_t i = 0; i < n; i++) {
                int w = husk_format_flag(&opts[i], col, sizeof(col));
                if (w > width)
                        width = w;
        }
        fprintf(out, "\n%s:\n", title);
        for (size_t i = 0; i < n; i++) {
                (void) husk_format_flag(&opts[i], col, sizeof(col));
                fprintf(out, "  %-*s   %s\n", width, col, opts[i].usage);
        }
}

struct cmd_line {
        const char *name, *summary;
};

static int by_name(const void *a, const void *b)
{
        return strcmp(((const struct cmd_line *) a)->name, ((const struct cmd_line *) b)->name);
}

/* Print "  NAME   summary" for every command name starting with prefix ("" top level, "image "). */
static void print_commands(FILE *out, const char *prefix)
{
        size_t plen = strlen(prefix), n = 0;
        struct cmd_line lines[256];
        for (size_t i = 0; i < husk_n_commands && n < HUSK_ARRAY_SIZE(lines); i++) {
                if (husk_commands[i]->hidden)
                        continue;
                for (const char *const *nm = husk_commands[i]->names; *nm; nm++) {
                        if (strncmp(*nm, prefix, plen) != 0 || strchr(*nm + plen, ' '))
                                continue;
                        /* One line per command: its first name at this level. */
                        lines[n++] = (struct cmd_line) { *nm + plen, husk_commands[i]->summary };
                        break;
                }
        }
        qsort(lines, n, sizeof(*lines), by_name);
        for (size_t i = 0; i < n; i++)
                fprintf(out, "  %-11s %s\n", lines[i].name, lines[i].summary);
}

static bool group_used(const struct husk_group *g)
{
        size_t len = strlen(g->name);
        for (size_t i = 0; i < husk_n_commands; i++)
                for (const char *const *nm = husk_commands[i]->names; *nm; nm++)
                        if (strncmp(*nm, g->name, len) == 0 && (*nm)[len] == ' ')
                                return true;
        return false;
}

void husk_print_help(FILE *out)
{
        fprintf(out, "\nUsage:  " HUSK_CLI_NAME " [OPTIONS] COMMAND\n\n"
                     "A container engine with Docker's command line, without a daemon\n\nManagement Commands:\n");
        for (size_t i = 0; i < husk_n_groups; i++)
                if (group_used(&husk_groups[i]))
                        fprintf(out, "  %-11s %s\n", husk_groups[i].name, husk_groups[i].summary);
        fprintf(out, "\nCommands:\n");
        print_commands(out, "");
        print_options(out, "Global Options", husk_global_opts, husk_n_global_opts);
        fprintf(out, "\nRun '" HUSK_CLI_NAME " COMMAND --help' for more information on a command.\n");
}

void husk_print_group_help(FILE *out, const struct husk_group *g)
{
        char prefix[64];
        (void) snprintf(prefix, sizeof(prefix), "%s ", g->name);
        fprintf(out, "\nUsage:  " HUSK_CLI_NAME " %s COMMAND\n\n%s\n\nCommands:\n", g->name, g->summary);
        print_commands(out, prefix);
        fprintf(out, "\nRun '" HUSK_CLI_NAME " %s COMMAND --help' for more information on a command.\n", g->name);
}

void husk_print_command_help(FILE *out, const struct husk_cmd *cmd)
{
        fprintf(out, "\nUsage:  " HUSK_CLI_NAME " %s%s%s\n\n%s\n", cmd->names[0], *cmd->usage ? " " : "", cmd->usage,
                cmd->description ? cmd->description : cmd->summary);
        if (cmd->names[1]) {
                fprintf(out, "\nAliases:\n  ");
                for (const char *const *nm = cmd->names; *nm; nm++)
                        fprintf(out, "%s" HUSK_CLI_NAME " %s", nm == cmd->names ? "" : ", ", *nm);
                fputc('\n', out);
        }
        if (cmd->n_opts)
                print_options(out, "Options", cmd->opts, cmd->n_opts);
}

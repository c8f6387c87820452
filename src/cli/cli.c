/* SPDX-License-Identifier: Apache-2.0 */
/* What every command shares: option parsing with usage errors, --help, error and debug reporting. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first line of args_usage: the "USAGE:" line without the explanation that follows it. */
static int usage_line_len(const char *args_usage)
{
        const char *nl = strchr(args_usage, '\n');
        return nl ? (int) (nl - args_usage) : (int) strlen(args_usage);
}

void cli_print_command_help(const struct cli_command *cmd)
{
        printf("NAME:\n   " CLI_NAME " %s - %s\n\nUSAGE:\n   " CLI_NAME " %s%s%s%s\n", cmd->name, cmd->summary,
               cmd->name, cmd->n_opts ? " [command options]" : "", *cmd->args_usage ? " " : "", cmd->args_usage);
        if (cmd->description)
                printf("\nDESCRIPTION:\n   %s\n", cmd->description);
        if (cmd->n_opts == 0)
                return;

        int width = 0;
        char col[128];
        for (size_t i = 0; i < cmd->n_opts; i++) {
                int n = args_format_flag(&cmd->opts[i], col, sizeof(col));
                if (n > width)
                        width = n;
        }
        printf("\nOPTIONS:\n");
        for (size_t i = 0; i < cmd->n_opts; i++) {
                (void) args_format_flag(&cmd->opts[i], col, sizeof(col));
                printf("   %-*s  %s\n", width, col, cmd->opts[i].usage);
        }
}

static void usage_error(struct cli_ctx *ctx, const struct cli_command *cmd, const char *msg)
{
        cli_error(ctx, "%s", msg);
        fprintf(stderr, "Usage: " CLI_NAME " %s%s%s%.*s\nSee '" CLI_NAME " %s --help'.\n", cmd->name,
                cmd->n_opts ? " [command options]" : "", *cmd->args_usage ? " " : "",
                usage_line_len(cmd->args_usage), cmd->args_usage, cmd->name);
}

int cli_parse(struct cli_ctx *ctx, const struct cli_command *cmd, int argc, char **argv, void *flags,
              struct args_result *ret)
{
        struct husk_error err = { 0 };
        if (args_parse(cmd->opts, cmd->n_opts, cmd->args_flags, argc, argv, flags, ret, &err) < 0) {
                usage_error(ctx, cmd, err.msg);
                return -1;
        }
        if (ret->help) {
                cli_print_command_help(cmd);
                free(ret->pos);
                ret->pos = NULL;
                return 1;
        }

        char msg[128];
        if (cmd->min_args == cmd->max_args && ret->n_pos != cmd->min_args)
                (void) snprintf(msg, sizeof(msg), "\"%s\" requires exactly %d argument(s)", cmd->name, cmd->min_args);
        else if (ret->n_pos < cmd->min_args)
                (void) snprintf(msg, sizeof(msg), "\"%s\" requires a minimum of %d argument(s)", cmd->name,
                                cmd->min_args);
        else if (ret->n_pos > cmd->max_args)
                (void) snprintf(msg, sizeof(msg), "\"%s\" requires a maximum of %d argument(s)", cmd->name,
                                cmd->max_args);
        else
                return 0;
        usage_error(ctx, cmd, msg);
        free(ret->pos);
        ret->pos = NULL;
        return -1;
}

__attribute__((format(printf, 4, 0))) static void vreport(struct cli_ctx *ctx, const char *level, bool to_stderr, const char *fmt, va_list ap)
{
        char msg[HUSK_ERROR_MSG_MAX + 256];
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        if (to_stderr)
                fprintf(stderr, "%s\n", msg);
        /* Without --log, runc's logrus writes to stderr: the error is already there, debug lines go. */
        if (ctx->log.path || !to_stderr)
                cli_log_write(&ctx->log, level, msg);
}

void cli_error(struct cli_ctx *ctx, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vreport(ctx, "error", true, fmt, ap);
        va_end(ap);
}

int cli_fail(struct cli_ctx *ctx, const struct husk_error *err)
{
        cli_error(ctx, "%s", err->msg[0] ? err->msg : "unknown error");
        return 1;
}

void cli_debug(struct cli_ctx *ctx, const char *fmt, ...)
{
        if (!ctx->log.debug)
                return;
        va_list ap;
        va_start(ap, fmt);
        vreport(ctx, "debug", false, fmt, ap);
        va_end(ap);
}

void cli_warnings(struct cli_ctx *ctx, const struct husk_error *err)
{
        if (err->code != 0 || err->msg[0] == '\0')
                return;
        fprintf(stderr, "warning: %s\n", err->msg);
        if (ctx->log.path)
                cli_log_write(&ctx->log, "warning", err->msg);
}

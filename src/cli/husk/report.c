/* SPDX-License-Identifier: Apache-2.0 */
/* Errors and log lines of `husk`: stderr only, never stdout (scripts parse stdout). */
#include <stdarg.h>
#include <stdio.h>

#include "cli/husk/husk.h"

int husk_fail(const struct husk_ctx *ctx, const struct husk_error *err)
{
        (void) ctx;
        fprintf(stderr, HUSK_CLI_NAME ": %s\n", err->msg[0] ? err->msg : "unknown error");
        return HUSK_EXIT_ERROR;
}

int husk_failf(const struct husk_ctx *ctx, const char *fmt, ...)
{
        (void) ctx;
        va_list ap;
        va_start(ap, fmt);
        fputs(HUSK_CLI_NAME ": ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        return HUSK_EXIT_ERROR;
}

int husk_usage_error(const struct husk_ctx *ctx, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs(HUSK_CLI_NAME ": ", stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        if (ctx->cmd)
                fprintf(stderr, "\nSee '" HUSK_CLI_NAME " %s --help'.\n", ctx->cmd);
        else
                fprintf(stderr, "\nSee '" HUSK_CLI_NAME " --help'.\n");
        return HUSK_EXIT_ERROR;
}

void husk_log(const struct husk_ctx *ctx, enum husk_log_level level, const char *fmt, ...)
{
        static const char *const names[] = { "debug", "info", "warning", "error", "fatal" };
        if (level < ctx->log_level)
                return;
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, HUSK_CLI_NAME ": %s: ", names[level]);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

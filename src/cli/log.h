/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The --log file. containerd's shim and podman read the last "error" entry of this file to tell the
 * user why the runtime failed, so the lines are logrus's, as runc writes them:
 *   text: time="2026-11-29T01:02:03Z" level=error msg="container does not exist"
 *   json: {"level":"error","msg":"container does not exist","time":"2026-11-29T01:02:03Z"}
 * The file is opened on the first line written: a successful command without --debug costs nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum cli_log_format {
        CLI_LOG_TEXT,
        CLI_LOG_JSON,
};

struct cli_log {
        const char *path; /* NULL: no log file (debug lines then go to stderr) */
        enum cli_log_format format;
        bool debug;
        int fd;           /* -1 until opened */
};

/* "text" | "json"; -EINVAL otherwise. */
int cli_log_format_from_string(const char *s, enum cli_log_format *ret);

/* Format one line (with its '\n') into buf; returns its length, or the length it needed (snprintf
 * style). Pure, for tests. */
size_t cli_log_format_line(char *buf, size_t size, enum cli_log_format format, const char *level, const char *msg,
                           time_t when);

/* Append a line to the log file. Failing to log is not worth failing the command for. */
void cli_log_write(struct cli_log *log, const char *level, const char *msg);

void cli_log_close(struct cli_log *log);

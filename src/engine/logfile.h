/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's output in Docker's json-file format: one JSON object per line,
 *   {"log":"hello\n","stream":"stdout","time":"2026-01-02T03:04:05.123456789Z"}
 * A line longer than 16 KiB is cut into entries without the newline, as Docker does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define HUSK_LOG_FILE "container-json.log"
#define HUSK_LOG_LINE_MAX 16384

enum husk_log_stream { HUSK_LOG_STDOUT, HUSK_LOG_STDERR };

struct husk_log_writer {
        int fd;                                 /* O_APPEND; not owned */
        char partial[2][HUSK_LOG_LINE_MAX];     /* an incomplete line per stream */
        size_t len[2];
};

/* One JSON line for an entry into buf (the caller gives at least 6 * len + 128 bytes); returns its
 * length. Control characters are escaped and invalid UTF-8 becomes U+FFFD, as Go's encoder does. */
size_t husk_log_format(enum husk_log_stream stream, const char *data, size_t len, int64_t time_ns, char *buf);

/* Feed output of a stream: every complete line is written as an entry. -errno on a write error. */
int husk_log_feed(struct husk_log_writer *w, enum husk_log_stream stream, const char *data, size_t len);
/* Write what is left of incomplete lines (at the container's exit). */
int husk_log_flush(struct husk_log_writer *w);

/* Parse one line of the file: stream, the text (not NUL-terminated, owned by *ret_text; free it) and
 * its length. -EINVAL for a line that is not an entry. */
int husk_log_parse_line(const char *line, size_t len, enum husk_log_stream *ret_stream, char **ret_text,
                        size_t *ret_len, int64_t *ret_time_ns);

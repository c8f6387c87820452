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
/* --log-driver k8s-file: podman's file name and the CRI format, one entry a line:
 *   2026-01-02T03:04:05.123456789Z stdout F hello
 * (F: a full line, its newline dropped; P: a part of one). */
#define HUSK_LOG_FILE_K8S "ctr.log"
#define HUSK_LOG_LINE_MAX 16384

enum husk_log_stream { HUSK_LOG_STDOUT, HUSK_LOG_STDERR };
enum husk_log_format { HUSK_LOG_JSON, HUSK_LOG_K8S };

struct husk_log_writer {
        int fd;                                 /* O_APPEND; not owned (a rotation replaces the file
                                                 * under the same fd number) */
        char partial[2][HUSK_LOG_LINE_MAX];     /* an incomplete line per stream */
        size_t len[2];
        enum husk_log_format format;
        /* --log-opt max-size / max-file: when the file has reached max_size it is renamed to NAME.1
         * (NAME.1 to NAME.2 ..., at most max_files - 1 kept; max_files 1: the file starts over) and
         * a new one begins, as Docker's json-file. max_size 0: no rotation. */
        int64_t max_size;
        int max_files;
        int dirfd;                              /* the container's directory (rotation) */
        int64_t size;                           /* of the current file */
};

/* The file name of a format. */
const char *husk_log_file_name(enum husk_log_format f);

/* One CRI (k8s-file) line for an entry into buf (at least len + 64 bytes); returns its length. */
size_t husk_log_format_k8s(enum husk_log_stream stream, const char *data, size_t len, int64_t time_ns, char *buf);

/* One JSON line for an entry into buf (the caller gives at least 6 * len + 128 bytes); returns its
 * length. Control characters are escaped and invalid UTF-8 becomes U+FFFD, as Go's encoder does. */
size_t husk_log_format(enum husk_log_stream stream, const char *data, size_t len, int64_t time_ns, char *buf);

/* Feed output of a stream: every complete line is written as an entry. -errno on a write error. */
int husk_log_feed(struct husk_log_writer *w, enum husk_log_stream stream, const char *data, size_t len);
/* Write what is left of incomplete lines (at the container's exit). */
int husk_log_flush(struct husk_log_writer *w);

/* Parse one CRI line (k8s-file) the same way; a full line's text gets its newline back. */
int husk_log_parse_k8s_line(const char *line, size_t len, enum husk_log_stream *ret_stream, char **ret_text,
                            size_t *ret_len, int64_t *ret_time_ns);

/* Parse one line of the file: stream, the text (not NUL-terminated, owned by *ret_text; free it) and
 * its length. -EINVAL for a line that is not an entry. */
int husk_log_parse_line(const char *line, size_t len, enum husk_log_stream *ret_stream, char **ret_text,
                        size_t *ret_len, int64_t *ret_time_ns);

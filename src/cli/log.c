/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

int cli_log_format_from_string(const char *s, enum cli_log_format *ret)
{
        if (strcmp(s, "text") == 0)
                *ret = CLI_LOG_TEXT;
        else if (strcmp(s, "json") == 0)
                *ret = CLI_LOG_JSON;
        else
                return -EINVAL;
        return 0;
}

struct out {
        char *buf;
        size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
        if (o->len < o->size) {
                size_t room = o->size - o->len;
                memcpy(o->buf + o->len, s, n < room ? n : room);
        }
        o->len += n;
}

static void puts_(struct out *o, const char *s)
{
        put(o, s, strlen(s));
}

/* Both logrus's text quoting (Go's strconv.Quote) and JSON escape the same way for what matters
 * here: quote, backslash and control characters; bytes >= 0x80 pass through. */
static void put_escaped(struct out *o, const char *s, bool json)
{
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                char tmp[8];
                switch (*p) {
                case '"':
                        puts_(o, "\\\"");
                        break;
                case '\\':
                        puts_(o, "\\\\");
                        break;
                case '\n':
                        puts_(o, "\\n");
                        break;
                case '\t':
                        puts_(o, "\\t");
                        break;
                case '\r':
                        puts_(o, "\\r");
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f) {
                                (void) snprintf(tmp, sizeof(tmp), json ? "\\u%04x" : "\\x%02x", *p);
                                puts_(o, tmp);
                        } else {
                                put(o, (const char *) p, 1);
                        }
                }
        }
}

size_t cli_log_format_line(char *buf, size_t size, enum cli_log_format format, const char *level, const char *msg,
                           time_t when)
{
        struct out o = { buf, size, 0 };
        struct tm tm;
        char ts[32] = "";
        if (gmtime_r(&when, &tm))
                (void) strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

        if (format == CLI_LOG_JSON) {
                puts_(&o, "{\"level\":\"");
                put_escaped(&o, level, true);
                puts_(&o, "\",\"msg\":\"");
                put_escaped(&o, msg, true);
                puts_(&o, "\",\"time\":\"");
                puts_(&o, ts);
                puts_(&o, "\"}\n");
        } else {
                puts_(&o, "time=\"");
                puts_(&o, ts);
                puts_(&o, "\" level=");
                puts_(&o, level);
                puts_(&o, " msg=\"");
                put_escaped(&o, msg, false);
                puts_(&o, "\"\n");
        }
        if (size > 0)
                buf[o.len < size ? o.len : size - 1] = '\0';
        return o.len;
}

void cli_log_write(struct cli_log *log, const char *level, const char *msg)
{
        int fd = STDERR_FILENO;
        if (log->path) {
                if (log->fd < 0)
                        log->fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
                if (log->fd < 0)
                        return;
                fd = log->fd;
        }

        time_t now = time(NULL);
        char stack[2048];
        size_t n = cli_log_format_line(stack, sizeof(stack), log->format, level, msg, now);
        _cleanup_free_ char *heap = NULL;
        const char *line = stack;
        if (n >= sizeof(stack)) {
                heap = malloc(n + 1);
                if (!heap)
                        return;
                (void) cli_log_format_line(heap, n + 1, log->format, level, msg, now);
                line = heap;
        }
        /* One write(2) per line with O_APPEND: concurrent writers (the shim, hooks) do not interleave
         * inside a line. */
        ssize_t w;
        do
                w = write(fd, line, n);
        while (w < 0 && errno == EINTR);
}

void cli_log_close(struct cli_log *log)
{
        if (log->fd >= 0) {
                (void) close(log->fd);
                log->fd = -1;
        }
}

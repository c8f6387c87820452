/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's json-file log format: entries read back (`husk logs`). */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/logfile.h"

static int64_t parse_time(const char *s)
{
        struct tm tm = { 0 };
        const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!rest)
                return 0;
        int64_t ns = 0;
        if (*rest == '.') {
                int digits = 0;
                for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
                        if (digits < 9)
                                ns = ns * 10 + (*rest - '0');
                for (; digits < 9; digits++)
                        ns *= 10;
        }
        return (int64_t) timegm(&tm) * 1000000000 + ns;
}

int husk_log_parse_line(const char *line, size_t len, enum husk_log_stream *ret_stream, char **ret_text,
                        size_t *ret_len, int64_t *ret_time_ns)
{
        json_error_t jerr;
        json_t *o = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
        if (!o)
                return -EINVAL;
        json_t *log = json_object_get(o, "log"), *stream = json_object_get(o, "stream"),
               *when = json_object_get(o, "time");
        if (!json_is_string(log) || !json_is_string(stream)) {
                json_decref(o);
                return -EINVAL;
        }
        size_t n = json_string_length(log);
        char *text = malloc(n + 1);
        if (!text) {
                json_decref(o);
                return -ENOMEM;
        }
        memcpy(text, json_string_value(log), n + 1);
        *ret_stream = strcmp(json_string_value(stream), "stderr") == 0 ? HUSK_LOG_STDERR : HUSK_LOG_STDOUT;
        *ret_text = text;
        *ret_len = n;
        if (ret_time_ns)
                *ret_time_ns = json_is_string(when) ? parse_time(json_string_value(when)) : 0;
        json_decref(o);
        return 0;
}

int husk_log_parse_k8s_line(const char *line, size_t len, enum husk_log_stream *ret_stream, char **ret_text,
                            size_t *ret_len, int64_t *ret_time_ns)
{
        /* TIME SP STREAM SP TAG SP TEXT */
        const char *sp1 = memchr(line, ' ', len);
        if (!sp1 || sp1 - line >= 64)
                return -EINVAL;
        const char *rest = sp1 + 1;
        size_t left = len - (size_t) (rest - line);
        enum husk_log_stream stream;
        if (left >= 7 && memcmp(rest, "stdout ", 7) == 0)
                stream = HUSK_LOG_STDOUT;
        else if (left >= 7 && memcmp(rest, "stderr ", 7) == 0)
                stream = HUSK_LOG_STDERR;
        else
                return -EINVAL;
        rest += 7;
        left -= 7;
        if (left < 2 || (rest[0] != 'F' && rest[0] != 'P') || rest[1] != ' ')
                return -EINVAL;
        bool full = rest[0] == 'F';
        rest += 2;
        left -= 2;
        char *text = malloc(left + 2);
        if (!text)
                return -ENOMEM;
        memcpy(text, rest, left);
        if (full)
                text[left++] = '\n';
        text[left] = '\0';
        if (ret_time_ns) {
                char when[64];
                memcpy(when, line, (size_t) (sp1 - line));
                when[sp1 - line] = '\0';
                *ret_time_ns = parse_time(when);
        }
        *ret_stream = stream;
        *ret_text = text;
        *ret_len = left;
        return 0;
}

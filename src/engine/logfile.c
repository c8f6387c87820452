/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's json-file log format: writing entries as output arrives (libc only: husk-monitor writes
 * the log). Reading them back is logfile_read.c. */
#include "engine/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "util/cleanup.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
        size_t need;
        uint32_t cp;
        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0) {
                need = 2;
                cp = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                need = 3;
                cp = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                need = 4;
                cp = s[0] & 0x07;
        } else {
                return 0;
        }
        if (n < need)
                return 0;
        for (size_t i = 1; i < need; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
        static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < min[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return need;
}

size_t husk_log_format(enum husk_log_stream stream, const char *data, size_t len, int64_t time_ns, char *buf)
{
        static const char hex[] = "0123456789abcdef";
        char *p = buf;
        p += sprintf(p, "{\"log\":\"");
        const unsigned char *s = (const unsigned char *) data;
        for (size_t i = 0; i < len;) {
                unsigned char c = s[i];
                if (c == '"' || c == '\\') {
                        *p++ = '\\';
                        *p++ = (char) c;
                        i++;
                } else if (c == '\n') {
                        p = memcpy(p, "\\n", 2) + 2;
                        i++;
                } else if (c == '\r') {
                        p = memcpy(p, "\\r", 2) + 2;
                        i++;
                } else if (c == '\t') {
                        p = memcpy(p, "\\t", 2) + 2;
                        i++;
                } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
                        /* Go's encoder escapes HTML characters too; Docker's files have them so. */
                        p += sprintf(p, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
                        i++;
                } else if (c < 0x80) {
                        *p++ = (char) c;
                        i++;
                } else {
                        size_t n = utf8_seq(s + i, len - i);
                        if (n == 0) {
                                p = memcpy(p, "\\ufffd", 6) + 6;
                                i++;
                        } else {
                                memcpy(p, s + i, n);
                                p += n;
                                i += n;
                        }
                }
        }
        char when[64];
        husk_time_rfc3339(time_ns, when, sizeof(when));
        p += sprintf(p, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream == HUSK_LOG_STDERR ? "stderr" : "stdout",
                     when);
        return (size_t) (p - buf);
}

static int write_all(int fd, const char *data, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                data += n;
                len -= (size_t) n;
        }
        return 0;
}

const char *husk_log_file_name(enum husk_log_format f)
{
        return f == HUSK_LOG_K8S ? HUSK_LOG_FILE_K8S : HUSK_LOG_FILE;
}

size_t husk_log_format_k8s(enum husk_log_stream stream, const char *data, size_t len, int64_t time_ns, char *buf)
{
        char when[64];
        husk_time_rfc3339(time_ns, when, sizeof(when));
        bool full = len > 0 && data[len - 1] == '\n';
        int n = sprintf(buf, "%s %s %c ", when, stream == HUSK_LOG_STDERR ? "stderr" : "stdout", full ? 'F' : 'P');
        size_t text = full ? len - 1 : len;
        memcpy(buf + n, data, text);
        buf[(size_t) n + text] = '\n';
        return (size_t) n + text + 1;
}

/* NAME.(i-1) -> NAME.i down to NAME -> NAME.1, then a new NAME under the same fd number. */
static int rotate(struct husk_log_writer *w)
{
        const char *name = husk_log_file_name(w->format);
        char from[64], to[64];
        for (int i = w->max_files - 1; i >= 1; i--) {
                (void) snprintf(to, sizeof(to), "%s.%d", name, i);
                if (i > 1)
                        (void) snprintf(from, sizeof(from), "%s.%d", name, i - 1);
                else
                        (void) snprintf(from, sizeof(from), "%s", name);
                if (renameat(w->dirfd, from, w->dirfd, to) < 0 && errno != ENOENT)
                        return -errno;
        }
        int fd = openat(w->dirfd, name, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        int r = dup3(fd, w->fd, O_CLOEXEC) < 0 ? -errno : 0;
        (void) close(fd);
        if (r == 0)
                w->size = 0;
        return r;
}

static int write_entry(struct husk_log_writer *w, enum husk_log_stream stream, const char *data, size_t len)
{
        if (w->fd < 0)
                return 0; /* --log-driver none */
        /* The worst case of escaping is 6 bytes per input byte. */
        _cleanup_free_ char *buf = malloc(6 * len + 128);
        if (!buf)
                return -ENOMEM;
        size_t n = w->format == HUSK_LOG_K8S ? husk_log_format_k8s(stream, data, len, husk_now_ns(), buf)
                                             : husk_log_format(stream, data, len, husk_now_ns(), buf);
        /* As Docker: the entry that crosses max-size is written, the next one starts a new file. */
        if (w->max_size > 0 && w->size >= w->max_size && w->dirfd >= 0) {
                int r = rotate(w);
                if (r < 0)
                        return r;
        }
        int r = write_all(w->fd, buf, n);
        if (r == 0)
                w->size += (int64_t) n;
        return r;
}

int husk_log_feed(struct husk_log_writer *w, enum husk_log_stream stream, const char *data, size_t len)
{
        char *part = w->partial[stream];
        size_t *plen = &w->len[stream];
        while (len > 0) {
                const char *nl = memchr(data, '\n', len);
                size_t take = nl ? (size_t) (nl - data) + 1 : len;
                if (*plen + take > HUSK_LOG_LINE_MAX)
                        take = HUSK_LOG_LINE_MAX - *plen;
                memcpy(part + *plen, data, take);
                *plen += take;
                data += take;
                len -= take;
                if (part[*plen - 1] == '\n' || *plen == HUSK_LOG_LINE_MAX) {
                        int r = write_entry(w, stream, part, *plen);
                        *plen = 0;
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int husk_log_flush(struct husk_log_writer *w)
{
        for (int s = 0; s < 2; s++) {
                if (w->len[s] == 0)
                        continue;
                int r = write_entry(w, (enum husk_log_stream) s, w->partial[s], w->len[s]);
                w->len[s] = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The json-file log: entries per line, escaping as Go's encoder, long lines cut, parsed back. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/logfile.h"
#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

TEST(format_escapes_as_go)
{
        char buf[512];
        const char in[] = "a\"b\\c\td<&>\x01\xff\xc3\xa9\n";
        size_t n = husk_log_format(HUSK_LOG_STDERR, in, sizeof(in) - 1, 1700000000123456789, buf);
        buf[n] = '\0';
        CHECK_STR_EQ(buf, "{\"log\":\"a\\\"b\\\\c\\td\\u003c\\u0026\\u003e\\u0001\\ufffdé\\n\",\"stream\":\"stderr\","
                          "\"time\":\"2023-11-14T22:13:20.123456789Z\"}\n");
        enum husk_log_stream s;
        _cleanup_free_ char *text = NULL;
        size_t len;
        int64_t t;
        CHECK(husk_log_parse_line(buf, n - 1, &s, &text, &len, &t) == 0);
        CHECK(s == HUSK_LOG_STDERR);
        CHECK(t == 1700000000123456789);
        CHECK(len == strlen("a\"b\\c\td<&>\x01\xef\xbf\xbd\xc3\xa9\n"));
        CHECK(memcmp(text, "a\"b\\c\td<&>\x01\xef\xbf\xbd\xc3\xa9\n", len) == 0);
        CHECK(husk_log_parse_line("{\"x\":1}", 7, &s, &text, &len, NULL) < 0);
}

static char *read_all(int fd)
{
        (void) lseek(fd, 0, SEEK_SET);
        char *text = NULL;
        size_t len;
        char path[64];
        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (husk_read_file_at(AT_FDCWD, path, &text, &len, NULL) < 0)
                return NULL;
        return text;
}

static size_t count_lines(const char *s)
{
        size_t n = 0;
        for (; s && *s; s++)
                n += *s == '\n';
        return n;
}

TEST(feed_splits_lines_and_keeps_partial)
{
        char path[] = "/tmp/husk-log-test.XXXXXX";
        _cleanup_close_ int fd = mkstemp(path);
        CHECK(fd >= 0);
        (void) unlink(path);
        _cleanup_free_ struct husk_log_writer *w = calloc(1, sizeof(*w));
        w->fd = fd;
        CHECK(husk_log_feed(w, HUSK_LOG_STDOUT, "one\ntw", 6) == 0);
        CHECK(husk_log_feed(w, HUSK_LOG_STDERR, "err\n", 4) == 0);
        CHECK(husk_log_feed(w, HUSK_LOG_STDOUT, "o\nthree", 7) == 0);
        CHECK(husk_log_flush(w) == 0);
        _cleanup_free_ char *text = read_all(fd);
        CHECK(count_lines(text) == 4);
        CHECK_CONTAINS(text, "{\"log\":\"one\\n\",\"stream\":\"stdout\"");
        CHECK_CONTAINS(text, "{\"log\":\"err\\n\",\"stream\":\"stderr\"");
        CHECK_CONTAINS(text, "{\"log\":\"two\\n\",\"stream\":\"stdout\"");
        /* What had no newline at the end is written as it is. */
        CHECK_CONTAINS(text, "{\"log\":\"three\",\"stream\":\"stdout\"");
}

TEST(long_line_cut_at_16k)
{
        char path[] = "/tmp/husk-log-test.XXXXXX";
        _cleanup_close_ int fd = mkstemp(path);
        CHECK(fd >= 0);
        (void) unlink(path);
        _cleanup_free_ struct husk_log_writer *w = calloc(1, sizeof(*w));
        w->fd = fd;
        size_t n = 40000;
        _cleanup_free_ char *big = malloc(n + 1);
        memset(big, 'x', n);
        big[n] = '\n';
        CHECK(husk_log_feed(w, HUSK_LOG_STDOUT, big, n + 1) == 0);
        CHECK(husk_log_flush(w) == 0);
        _cleanup_free_ char *text = read_all(fd);
        /* 16384 + 16384 + 7232 characters and the newline: three entries. */
        CHECK(count_lines(text) == 3);
        size_t total = 0;
        for (char *line = text; line && *line;) {
                char *nl = strchr(line, '\n');
                enum husk_log_stream s;
                _cleanup_free_ char *t = NULL;
                size_t len;
                CHECK(husk_log_parse_line(line, (size_t) (nl - line), &s, &t, &len, NULL) == 0);
                total += len;
                line = nl + 1;
        }
        CHECK(total == n + 1);
}

RUN_TESTS()

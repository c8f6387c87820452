/* SPDX-License-Identifier: Apache-2.0 */
/* The --log line formats and the `list` table. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/list_table.h"
#include "cli/log.h"
#include "test.h"
#include "util/cleanup.h"

/* 2026-11-29T01:02:03Z */
static const time_t when = 1795914123;

TEST(text_line)
{
        char buf[256];
        size_t n = cli_log_format_line(buf, sizeof(buf), CLI_LOG_TEXT, "error", "container does not exist", when);
        CHECK_STR_EQ(buf, "time=\"2026-11-29T01:02:03Z\" level=error msg=\"container does not exist\"\n");
        CHECK(n == strlen(buf));
}

TEST(json_line)
{
        char buf[256];
        (void) cli_log_format_line(buf, sizeof(buf), CLI_LOG_JSON, "error", "say \"hi\"\\\n\x01", when);
        CHECK_STR_EQ(buf, "{\"level\":\"error\",\"msg\":\"say \\\"hi\\\"\\\\\\n\\u0001\",\"time\":\"2026-11-29T01:02:03Z\"}\n");
}

TEST(truncation_reports_length)
{
        char small[16];
        size_t n = cli_log_format_line(small, sizeof(small), CLI_LOG_JSON, "error", "a long message here", when);
        CHECK(n > sizeof(small));
        CHECK(strlen(small) == sizeof(small) - 1);
        char big[256];
        CHECK(cli_log_format_line(big, sizeof(big), CLI_LOG_JSON, "error", "a long message here", when) == n);
}

TEST(format_names)
{
        enum cli_log_format f;
        CHECK(cli_log_format_from_string("json", &f) == 0 && f == CLI_LOG_JSON);
        CHECK(cli_log_format_from_string("text", &f) == 0 && f == CLI_LOG_TEXT);
        CHECK(cli_log_format_from_string("xml", &f) == -EINVAL);
}

TEST(log_file_appends)
{
        char path[] = "/tmp/husk-test-log-XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        (void) close(fd);
        struct cli_log log = { .path = path, .format = CLI_LOG_JSON, .fd = -1 };
        cli_log_write(&log, "error", "first");
        cli_log_write(&log, "warning", "second");
        cli_log_close(&log);
        char buf[512] = "";
        _cleanup_close_ int rfd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = rfd >= 0 ? read(rfd, buf, sizeof(buf) - 1) : -1;
        (void) unlink(path);
        CHECK(n > 0);
        CHECK_CONTAINS(buf, "{\"level\":\"error\",\"msg\":\"first\",\"time\":\"");
        CHECK_CONTAINS(buf, "\"}\n{\"level\":\"warning\",\"msg\":\"second\"");
        CHECK(buf[n - 1] == '\n');
}

TEST(list_table_empty)
{
        _cleanup_free_ char *t = NULL;
        CHECK(cli_list_table(NULL, 0, &t) == 0);
        /* Byte for byte what `runc list` prints with no container. */
        CHECK_STR_EQ(t, "ID          PID         STATUS      BUNDLE      CREATED     OWNER\n");
}

TEST(list_table_rows)
{
        const struct cli_list_row rows[] = {
                { "a", 1234, "running", "/tmp/bundle-one", "2026-11-29T01:02:03.123456789Z", "root" },
                { "second-container", 0, "stopped", "/b", "2026-11-29T01:02:04Z", "#1000" },
        };
        _cleanup_free_ char *t = NULL;
        CHECK(cli_list_table(rows, 2, &t) == 0);
        CHECK_STR_EQ(t,
                     "ID                 PID         STATUS      BUNDLE            CREATED                          OWNER\n"
                     "a                  1234        running     /tmp/bundle-one   2026-11-29T01:02:03.123456789Z   root\n"
                     "second-container   0           stopped     /b                2026-11-29T01:02:04Z             #1000\n");
}

TEST(list_table_counts_runes)
{
        const struct cli_list_row rows[] = {
                { "x", 1, "running", "/tmp/b\xc3\xa9", "t", "o" }, /* "/tmp/bé": 7 runes, 8 bytes */
        };
        _cleanup_free_ char *t = NULL;
        CHECK(cli_list_table(rows, 1, &t) == 0);
        CHECK_CONTAINS(t, "/tmp/b\xc3\xa9     t");
}

RUN_TESTS()

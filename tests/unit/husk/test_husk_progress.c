/* SPDX-License-Identifier: Apache-2.0 */
/* The progress display: its lines (pure) and what each mode writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/progress.h"
#include "test.h"
#include "util/cleanup.h"

TEST(eta_and_speed)
{
        char b[64];
        husk_format_eta(b, sizeof(b), 0);
        CHECK_STR_EQ(b, "0s");
        husk_format_eta(b, sizeof(b), 44.6);
        CHECK_STR_EQ(b, "45s");
        husk_format_eta(b, sizeof(b), 80);
        CHECK_STR_EQ(b, "1m20s");
        husk_format_eta(b, sizeof(b), 7384);
        CHECK_STR_EQ(b, "2h3m4s");
        husk_format_eta(b, sizeof(b), -3);
        CHECK_STR_EQ(b, "0s");
        husk_format_speed(b, sizeof(b), 2.5e6);
        CHECK_STR_EQ(b, "2.5MB/s");
        husk_format_speed(b, sizeof(b), 0);
        CHECK_STR_EQ(b, "-");
}

TEST(lines)
{
        char b[256];
        /* 1 MB of 4 MB in 2 s: 500kB/s, 6 s left; a bar of 10 with 2 cells done. */
        husk_progress_format_line(b, sizeof(b), "layer 0123456789ab", 1000000, 4000000, 2, false, 10);
        CHECK_STR_EQ(b, "layer 0123456789ab  [==>       ]  1MB/4MB  500kB/s  ETA 6s");
        husk_progress_format_line(b, sizeof(b), "x", 1000000, 4000000, 2, false, 0);
        CHECK_STR_EQ(b, "x  1MB/4MB  500kB/s  ETA 6s");
        /* Nothing known yet: no speed, no ETA. */
        husk_progress_format_line(b, sizeof(b), "x", 0, 4000000, 0, false, 4);
        CHECK_STR_EQ(b, "x  [>   ]  0B/4MB  -");
        husk_progress_format_line(b, sizeof(b), "x", 2500, 0, 1, false, 10);
        CHECK_STR_EQ(b, "x  2.5kB  2.5kB/s");
        husk_progress_format_line(b, sizeof(b), "x", 4000000, 4000000, 61, false, 10);
        CHECK_STR_EQ(b, "x  Done  4MB in 1m1s");
        husk_progress_format_line(b, sizeof(b), "x", 10, 0, 0.2, true, 10);
        CHECK_STR_EQ(b, "x  Done  10B in 0s");
}

/* Feed a display writing into a string. */
static char *feed(enum husk_progress_mode mode, bool ok)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        struct husk_progress_display *d = husk_progress_display_new(out, mode);
        struct husk_progress p = husk_progress_display_callbacks(d);
        p.update(p.ctx, "a", 0, 100);
        p.update(p.ctx, "b", 5, 0);
        p.update(p.ctx, "a", 50, 100);
        p.update(p.ctx, "a", 100, 100);
        p.update(p.ctx, "a", 100, 100);        /* a repeated end draws nothing more */
        husk_progress_display_finish(d, ok);
        husk_progress_display_free(d);
        fclose(out);
        return buf;
}

TEST(modes)
{
        _cleanup_free_ char *lines = feed(HUSK_PROGRESS_LINES, true);
        CHECK_STR_EQ(lines, "a  Done  100B in 0s\nb  Done  5B in 0s\n");
        _cleanup_free_ char *failed = feed(HUSK_PROGRESS_LINES, false);
        CHECK_CONTAINS(failed, "a  Done  100B in 0s\nb  5B  ");
        _cleanup_free_ char *quiet = feed(HUSK_PROGRESS_QUIET, true);
        CHECK_STR_EQ(quiet, "");
        /* A terminal: lines cleared to their end, the block redrawn from its top. */
        _cleanup_free_ char *tty = feed(HUSK_PROGRESS_TTY, true);
        CHECK_CONTAINS(tty, "\033[1A\ra  Done  100B in 0s\033[K\n\rb  5B");
        /* a finished at the top of the block: it stays, only b is redrawn. */
        CHECK_CONTAINS(tty, "\033[1A\rb  Done  5B in 0s\033[K\n");
        CHECK(strstr(tty, "\033[2A") == NULL);
}

/* Many items on a screen of 24 rows (no terminal: the default size): the cursor never moves up past it. */
TEST(block_never_taller_than_the_screen)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        struct husk_progress_display *d = husk_progress_display_new(out, HUSK_PROGRESS_TTY);
        struct husk_progress p = husk_progress_display_callbacks(d);
        char what[16];
        for (int i = 0; i < 40; i++) {
                (void) snprintf(what, sizeof(what), "item%d", i);
                p.update(p.ctx, what, 0, 100);
        }
        for (int i = 39; i >= 0; i--) {
                (void) snprintf(what, sizeof(what), "item%d", i);
                p.update(p.ctx, what, 100, 100);
        }
        husk_progress_display_finish(d, true);
        husk_progress_display_free(d);
        fclose(out);
        _cleanup_free_ char *s = buf;
        int max_up = 0;
        for (const char *q = s; (q = strstr(q, "\033[")); q += 2) {
                char *end;
                long n = strtol(q + 2, &end, 10);
                if (*end == 'A' && n > max_up)
                        max_up = (int) n;
        }
        CHECK(max_up > 0 && max_up <= 23);
        CHECK_CONTAINS(s, "\ritem0  Done  100B in 0s\033[K\n");
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/list_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

enum { N_COLS = 6, MIN_WIDTH = 12, PADDING = 3 };

/* tabwriter counts runes, not bytes: a UTF-8 continuation byte adds no width. */
static size_t text_width(const char *s)
{
        size_t w = 0;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if ((*p & 0xc0) != 0x80)
                        w++;
        return w;
}

int cli_list_table(const struct cli_list_row *rows, size_t n, char **ret)
{
        /* Row 0 is the header; pids are formatted once into a side array. */
        _cleanup_free_ char(*pids)[24] = calloc(n + 1, sizeof(*pids));
        _cleanup_free_ const char **cells = calloc((n + 1) * N_COLS, sizeof(char *));
        if (!pids || !cells)
                return -ENOMEM;

        static const char *const header[N_COLS] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
        memcpy(cells, header, sizeof(header));
        for (size_t i = 0; i < n; i++) {
                const char **c = cells + (i + 1) * N_COLS;
                (void) snprintf(pids[i], sizeof(pids[i]), "%d", (int) rows[i].pid);
                c[0] = rows[i].id ? rows[i].id : "";
                c[1] = pids[i];
                c[2] = rows[i].status ? rows[i].status : "";
                c[3] = rows[i].bundle ? rows[i].bundle : "";
                c[4] = rows[i].created ? rows[i].created : "";
                c[5] = rows[i].owner ? rows[i].owner : "";
        }

        /* The last cell of a line ends with '\n', not a tab, so tabwriter does not pad it. */
        size_t width[N_COLS - 1];
        for (size_t col = 0; col < N_COLS - 1; col++) {
                width[col] = MIN_WIDTH;
                for (size_t i = 0; i <= n; i++) {
                        size_t w = text_width(cells[i * N_COLS + col]) + PADDING;
                        if (w > width[col])
                                width[col] = w;
                }
        }

        char *buf = NULL;
        size_t len = 0;
        _cleanup_fclose_ FILE *f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i <= n; i++) {
                for (size_t col = 0; col < N_COLS - 1; col++) {
                        const char *s = cells[i * N_COLS + col];
                        fputs(s, f);
                        for (size_t pad = text_width(s); pad < width[col]; pad++)
                                fputc(' ', f);
                }
                fputs(cells[i * N_COLS + N_COLS - 1], f);
                fputc('\n', f);
        }
        int failed = ferror(f);
        if (fclose(steal_ptr(f)) != 0 || failed) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's text/tabwriter with Docker's settings (minwidth 10, tabwidth 1, padding 3, padchar ' ', no
 * flags), so that `husk images` lines up exactly as `docker images` does. The algorithm is Go's:
 * a column is a block of consecutive lines that have a tab-terminated cell at that index, as wide as
 * its widest cell plus the padding; a line of one cell ends all blocks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/template.h"
#include "util/cleanup.h"

#define MINWIDTH 10
#define PADDING 3
#define MAX_DEPTH 64

struct cell {
        const char *s;
        size_t len;     /* bytes */
        size_t width;   /* UTF-8 characters */
};

struct line {
        struct cell *cells;
        size_t n;       /* cells; the last one is not tab-terminated */
};

struct tw {
        struct line *lines;
        size_t widths[MAX_DEPTH];
        size_t depth;
        FILE *out;
        int error;
};

static size_t utf8_width(const char *s, size_t len)
{
        size_t w = 0;
        for (size_t i = 0; i < len; i++)
                if (((unsigned char) s[i] & 0xC0) != 0x80)
                        w++;
        return w;
}

static void write_lines(struct tw *t, size_t line0, size_t line1)
{
        for (size_t i = line0; i < line1; i++) {
                const struct line *l = &t->lines[i];
                for (size_t j = 0; j < l->n; j++) {
                        const struct cell *c = &l->cells[j];
                        if (fwrite(c->s, 1, c->len, t->out) != c->len)
                                t->error = EIO;
                        /* The last cell of a line is never in a column: no trailing spaces. */
                        if (j < t->depth)
                                for (size_t k = c->width; k < t->widths[j]; k++)
                                        (void) fputc(' ', t->out);
                }
                (void) fputc('\n', t->out);
        }
}

static void format(struct tw *t, size_t line0, size_t line1)
{
        size_t column = t->depth;
        for (size_t this = line0; this < line1; this++) {
                if (column + 1 >= t->lines[this].n)
                        continue;
                write_lines(t, line0, this);
                line0 = this;
                size_t width = MINWIDTH;
                for (; this < line1; this++) {
                        const struct line *l = &t->lines[this];
                        if (column + 1 >= l->n)
                                break;
                        if (l->cells[column].width + PADDING > width)
                                width = l->cells[column].width + PADDING;
                }
                if (t->depth == MAX_DEPTH) {
                        t->error = E2BIG;
                        return;
                }
                t->widths[t->depth++] = width;
                format(t, line0, this);
                t->depth--;
                /* As Go: the loop's ++ steps over the line that ended the block, which has too few
                   cells to start one. */
                line0 = this;
        }
        write_lines(t, line0, line1);
}

static void free_lines(struct line *lines, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(lines[i].cells);
        free(lines);
}

int husk_tabwrite(const char *text, size_t len, FILE *out)
{
        /* Lines (a final line without '\n' counts too), each split into cells at tabs. */
        size_t n_lines = 0;
        for (size_t i = 0; i < len; i++)
                if (text[i] == '\n')
                        n_lines++;
        struct line *lines = calloc(n_lines + 1, sizeof(*lines));
        if (!lines)
                return -ENOMEM;
        size_t nl = 0;
        for (const char *p = text, *end = text + len; p < end;) {
                const char *eol = memchr(p, '\n', (size_t) (end - p));
                if (!eol)
                        eol = end;
                size_t n_cells = 1;
                for (const char *q = p; q < eol; q++)
                        n_cells += *q == '\t';
                struct cell *cells = calloc(n_cells, sizeof(*cells));
                if (!cells) {
                        free_lines(lines, nl);
                        return -ENOMEM;
                }
                size_t k = 0;
                const char *c = p;
                for (const char *q = p; q <= eol; q++) {
                        if (q == eol || *q == '\t') {
                                cells[k++] = (struct cell) { c, (size_t) (q - c), utf8_width(c, (size_t) (q - c)) };
                                c = q + 1;
                        }
                }
                lines[nl++] = (struct line) { cells, n_cells };
                p = eol + 1;
        }

        struct tw t = { .lines = lines, .out = out };
        /* A line of a single cell ends every column block (Go flushes there). */
        size_t start = 0;
        for (size_t i = 0; i < nl; i++) {
                if (lines[i].n <= 1) {
                        format(&t, start, i);
                        write_lines(&t, i, i + 1);
                        start = i + 1;
                }
        }
        format(&t, start, nl);
        free_lines(lines, nl);
        return t.error ? -t.error : 0;
}

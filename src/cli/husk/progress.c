/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress display (progress.h): items kept in arrival order. On a terminal the items still moving
 * are one block of lines redrawn in place; an item that finished at the top of the block is left where
 * it is and leaves the block, so the block stays small and never taller than the screen (a cursor moved
 * up past the top of the screen would draw over the wrong lines).
 */
#include "cli/husk/progress.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/husk/units.h"

/* A terminal is redrawn at most this often (except when an item finishes): drawing every 64 KiB read
   would cost more than the copy. */
#define REDRAW_NS (100 * 1000 * 1000)

struct item {
        char *what;
        uint64_t done, total;
        int64_t start_ns, end_ns;
        bool finished;
        bool shown_done;        /* its finished line is on the terminal */
};

struct husk_progress_display {
        FILE *out;
        enum husk_progress_mode mode;
        struct item *items;
        size_t n_items;
        size_t first_live;      /* items before it are drawn for good, above the block */
        size_t drawn;           /* lines of the block on the terminal */
        int64_t last_draw_ns;
};

static int64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void husk_format_eta(char *buf, size_t size, double seconds)
{
        long long s = seconds > 0 ? (long long) (seconds + 0.5) : 0;
        if (s >= 3600)
                (void) snprintf(buf, size, "%lldh%lldm%llds", s / 3600, s % 3600 / 60, s % 60);
        else if (s >= 60)
                (void) snprintf(buf, size, "%lldm%llds", s / 60, s % 60);
        else
                (void) snprintf(buf, size, "%llds", s);
}

void husk_format_speed(char *buf, size_t size, double bytes_per_second)
{
        if (bytes_per_second <= 0) {
                (void) snprintf(buf, size, "-");
                return;
        }
        char h[32];
        husk_human_size(h, sizeof(h), bytes_per_second, 3);
        (void) snprintf(buf, size, "%s/s", h);
}

void husk_progress_format_line(char *buf, size_t size, const char *what, uint64_t done, uint64_t total,
                               double elapsed, bool finished, int bar_width)
{
        char d[32], t[32], speed[40], eta[40];
        double rate = elapsed > 0 ? (double) done / elapsed : 0;
        husk_human_size(d, sizeof(d), (double) done, 3);
        if (finished || (total > 0 && done >= total)) {
                husk_format_eta(eta, sizeof(eta), elapsed);
                (void) snprintf(buf, size, "%s  Done  %s in %s", what, d, eta);
                return;
        }
        husk_format_speed(speed, sizeof(speed), rate);
        if (total == 0) {
                (void) snprintf(buf, size, "%s  %s  %s", what, d, speed);
                return;
        }
        husk_human_size(t, sizeof(t), (double) total, 3);
        if (rate > 0) {
                char e[32];
                husk_format_eta(e, sizeof(e), (double) (total - done) / rate);
                (void) snprintf(eta, sizeof(eta), "  ETA %s", e);
        } else {
                eta[0] = '\0';
        }
        char bar[256] = "";
        if (bar_width > 0) {
                if (bar_width > (int) sizeof(bar) - 4)
                        bar_width = (int) sizeof(bar) - 4;
                /* Docker's bar: '=' for what is done, '>' at the head, spaces for the rest. */
                int filled = (int) ((double) bar_width * (double) done / (double) total);
                int i = 0;
                bar[i++] = '[';
                for (int k = 0; k < bar_width; k++)
                        bar[i++] = k < filled ? '=' : k == filled ? '>' : ' ';
                bar[i++] = ']';
                bar[i++] = ' ';
                bar[i++] = ' ';
                bar[i] = '\0';
        }
        (void) snprintf(buf, size, "%s  %s%s/%s  %s%s", what, bar, d, t, speed, eta);
}

static void term_size(FILE *out, int *cols, int *rows)
{
        struct winsize ws;
        *cols = 80;
        *rows = 24;
        if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
                *cols = ws.ws_col;
                *rows = ws.ws_row;
        }
}

static void draw_item(struct husk_progress_display *d, const struct item *it, int64_t now, int bar_width)
{
        char line[1024];
        int64_t end = it->finished ? it->end_ns : now;
        husk_progress_format_line(line, sizeof(line), it->what, it->done, it->total,
                                  (double) (end - it->start_ns) / 1e9, it->finished, bar_width);
        fprintf(d->out, "%s", line);
}

/* A terminal: move up over the block and draw its items again, each line cleared to its end. */
static void redraw(struct husk_progress_display *d, int64_t now)
{
        int cols, rows;
        term_size(d->out, &cols, &rows);
        /* Room for the name, the numbers and the rest; Docker's bar is 50 wide on a wide terminal. */
        int bar = cols - 70;
        bar = bar > 50 ? 50 : bar < 10 ? 0 : bar;
        if (d->drawn)
                fprintf(d->out, "\033[%zuA", d->drawn);
        /* Items that left the block unfinished (it outgrew the screen) and have finished since: their last
           line goes where the block started, and the block moves down under it. */
        for (size_t i = 0; i < d->first_live; i++) {
                struct item *it = &d->items[i];
                if (it->finished && !it->shown_done) {
                        fputc('\r', d->out);
                        draw_item(d, it, now, bar);
                        fputs("\033[K\n", d->out);
                        it->shown_done = true;
                }
        }
        for (size_t i = d->first_live; i < d->n_items; i++) {
                fputc('\r', d->out);
                draw_item(d, &d->items[i], now, bar);
                fputs("\033[K\n", d->out);
                d->items[i].shown_done = d->items[i].finished;
        }
        /* Finished items at the top stay as drawn; so do the oldest when the block outgrows the screen. */
        while (d->first_live < d->n_items &&
               (d->items[d->first_live].finished || d->n_items - d->first_live > (size_t) (rows > 2 ? rows - 1 : 1)))
                d->first_live++;
        d->drawn = d->n_items - d->first_live;
        d->last_draw_ns = now;
        (void) fflush(d->out);
}

static struct item *find_item(struct husk_progress_display *d, const char *what)
{
        for (size_t i = 0; i < d->n_items; i++)
                if (strcmp(d->items[i].what, what) == 0)
                        return &d->items[i];
        struct item *v = realloc(d->items, (d->n_items + 1) * sizeof(*v));
        if (!v)
                return NULL;
        d->items = v;
        char *w = strdup(what);
        if (!w)
                return NULL;
        d->items[d->n_items] = (struct item) { .what = w, .start_ns = now_ns() };
        return &d->items[d->n_items++];
}

static void update(void *ctx, const char *what, uint64_t done, uint64_t total)
{
        struct husk_progress_display *d = ctx;
        if (d->mode == HUSK_PROGRESS_QUIET)
                return;
        /* Progress is advice: without memory for it the operation goes on undisplayed. */
        struct item *it = find_item(d, what ? what : "");
        if (!it || it->finished)
                return;
        int64_t now = now_ns();
        it->done = done;
        it->total = total;
        bool finishing = total > 0 && done >= total;
        if (finishing) {
                it->finished = true;
                it->end_ns = now;
        }
        if (d->mode == HUSK_PROGRESS_LINES) {
                if (finishing) {
                        draw_item(d, it, now, 0);
                        fputc('\n', d->out);
                        (void) fflush(d->out);
                }
                return;
        }
        if (finishing || now - d->last_draw_ns >= REDRAW_NS)
                redraw(d, now);
}

struct husk_progress_display *husk_progress_display_new(FILE *out, enum husk_progress_mode mode)
{
        struct husk_progress_display *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->out = out;
        if (mode == HUSK_PROGRESS_AUTO)
                mode = isatty(fileno(out)) ? HUSK_PROGRESS_TTY : HUSK_PROGRESS_LINES;
        d->mode = mode;
        return d;
}

struct husk_progress husk_progress_display_callbacks(struct husk_progress_display *d)
{
        return (struct husk_progress) { .update = update, .ctx = d };
}

void husk_progress_display_finish(struct husk_progress_display *d, bool ok)
{
        if (d->mode == HUSK_PROGRESS_QUIET)
                return;
        int64_t now = now_ns();
        for (size_t i = 0; i < d->n_items; i++) {
                struct item *it = &d->items[i];
                if (it->finished)
                        continue;
                /* Only success says an item of unknown size was whole. */
                it->finished = ok;
                it->end_ns = now;
                if (d->mode == HUSK_PROGRESS_LINES) {
                        draw_item(d, it, now, 0);
                        fputc('\n', d->out);
                }
        }
        if (d->mode == HUSK_PROGRESS_TTY && d->n_items)
                redraw(d, now);
        (void) fflush(d->out);
}

void husk_progress_display_free(struct husk_progress_display *d)
{
        for (size_t i = 0; i < d->n_items; i++)
                free(d->items[i].what);
        free(d->items);
        free(d);
}

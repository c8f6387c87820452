/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drawing struct husk_progress updates (image/transfer.h) the way `docker pull` does: one line per item
 * (a layer, a blob) with a bar, bytes, speed and time left, redrawn in place on a terminal; on anything
 * else one line per item when it is finished (logs stay readable); nothing with --quiet.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image/transfer.h"

enum husk_progress_mode {
        HUSK_PROGRESS_AUTO,     /* TTY when out is a terminal, else LINES */
        HUSK_PROGRESS_TTY,
        HUSK_PROGRESS_LINES,
        HUSK_PROGRESS_QUIET,
};

struct husk_progress_display;

/* out is normally stderr (stdout carries what scripts read: ids, names). NULL only on ENOMEM. */
struct husk_progress_display *husk_progress_display_new(FILE *out, enum husk_progress_mode mode);
/* The callbacks to hand to the library; valid while the display lives. */
struct husk_progress husk_progress_display_callbacks(struct husk_progress_display *d);
/* The operation ended: with ok, items of unknown size still open are done; without, they are drawn as
   they stand. A terminal's last frame is left on screen. */
void husk_progress_display_finish(struct husk_progress_display *d, bool ok);
void husk_progress_display_free(struct husk_progress_display *d);
static inline void husk_progress_display_freep(struct husk_progress_display **d)
{
        if (*d)
                husk_progress_display_free(*d);
}

/* ---- the pure parts, unit-tested ---- */

/* Go's Duration.String rounded to seconds: "0s", "45s", "1m20s", "2h3m4s". */
void husk_format_eta(char *buf, size_t size, double seconds);
/* "2.5MB/s" (go-units decimal sizes); "-" when nothing is known yet (rate 0). */
void husk_format_speed(char *buf, size_t size, double bytes_per_second);
/*
 * One line of the display, without newline: for a known total
 *   "WHAT  [=========>           ]  1.23MB/4.56MB  2.1MB/s  ETA 2s"
 * an unknown one "WHAT  1.23MB  2.1MB/s", and finished (finished or done >= total > 0)
 *   "WHAT  Done  4.56MB in 2s".
 * bar_width: cells between the brackets (0: no bar). elapsed: seconds since the item's first update.
 */
void husk_progress_format_line(char *buf, size_t size, const char *what, uint64_t done, uint64_t total,
                               double elapsed, bool finished, int bar_width);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Numbers and times as Docker prints them (github.com/docker/go-units): "4.26MB", "2 hours ago",
 * "2026-11-29 01:02:03 +0000 UTC". Pure, for `images`, `system df`, the progress display and `ps`.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* go-units HumanSizeWithPrecision: decimal units (B, kB, MB, GB...) and "%.*g". images use 3, df 4. */
void husk_human_size(char *buf, size_t size, double bytes, int precision);
/* go-units BytesSize: binary units (B, KiB, MiB, GiB...) and "%.4g", as `stats` shows memory. */
void husk_bytes_size(char *buf, size_t size, double bytes);

/* go-units HumanDuration: "Less than a second", "1 second", "About a minute", "3 hours", "2 weeks"... */
void husk_human_duration(char *buf, size_t size, int64_t seconds);

/* "2 hours ago" for a time since the epoch, seen at now; "N/A" when when is 0 (unknown). */
void husk_time_ago(char *buf, size_t size, int64_t when, int64_t now);

/* Go's Time.String() in the local zone, without fractions: "2026-11-29 01:02:03 +0000 UTC". */
void husk_time_string(char *buf, size_t size, int64_t when);

/* RFC 3339 (an image config's "created": "2026-11-29T01:02:03.123Z", "...+01:00") to seconds since the
   epoch. -EINVAL if it is not one. */
int husk_parse_rfc3339(const char *s, int64_t *ret);

/* Go's time.ParseDuration ("90s", "1h30m", "1.5h", "250ms"; units ns us µs ms s m h) to seconds. -EINVAL
   otherwise; a sign is refused (filters want a span back from now). */
int husk_parse_go_duration(const char *s, double *ret);

/*
 * Docker's filter timestamps (until=, since=): a duration back from now ("24h"), Unix seconds
 * ("1700000000", "1700000000.5"), RFC 3339, or a date "2006-01-02" (UTC). Seconds since the epoch.
 */
int husk_parse_timestamp(const char *s, int64_t now, int64_t *ret);

/* SPDX-License-Identifier: Apache-2.0 */
/* URL pieces of the distribution API, pure and unit-tested. Every function returns NULL on ENOMEM. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* RFC 3986 percent-encoding of a query value (unreserved characters kept). */
char *husk_url_escape(const char *s);

/* A Location header resolved against base ("https://host:port"): absolute URLs kept (http/https only,
   else NULL with *ret_bad set), "/path" joined to base. */
char *husk_url_resolve(const char *base, const char *location, bool *ret_bad);

/* url + "?" or "&" + key=escaped(value). */
char *husk_url_add_query(const char *url, const char *key, const char *value);

/* Same scheme, host and port (case-insensitive host): whether credentials may go to `url`. */
bool husk_url_same_origin(const char *a, const char *b);

/*
 * "bytes 100-199/1000" (a Content-Range, "bytes " optional, total may be "*") or "0-199" (a Range
 * answer to an upload): start and end inclusive. -EINVAL when malformed or end < start.
 */
int husk_parse_range(const char *s, uint64_t *ret_start, uint64_t *ret_end);

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/url.h"

char *husk_url_escape(const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        char *out = malloc(strlen(s) * 3 + 1), *o = out;

        if (!out)
                return NULL;
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~') {
                        *o++ = (char) c;
                } else {
                        *o++ = '%';
                        *o++ = hex[c >> 4];
                        *o++ = hex[c & 15];
                }
        }
        *o = '\0';
        return out;
}

static bool is_http(const char *s)
{
        return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

char *husk_url_resolve(const char *base, const char *location, bool *ret_bad)
{
        char *out;

        *ret_bad = false;
        if (is_http(location))
                return strdup(location);
        if (location[0] != '/' || location[1] == '/' || strstr(location, "://")) {
                *ret_bad = true;
                return NULL;
        }
        return asprintf(&out, "%s%s", base, location) < 0 ? NULL : out;
}

char *husk_url_add_query(const char *url, const char *key, const char *value)
{
        char *v = husk_url_escape(value), *out;
        int r;

        if (!v)
                return NULL;
        r = asprintf(&out, "%s%c%s=%s", url, strchr(url, '?') ? '&' : '?', key, v);
        free(v);
        return r < 0 ? NULL : out;
}

/* Length of "scheme://authority" at the start of url, 0 when it is not an http(s) URL. */
static size_t origin_len(const char *url)
{
        const char *p = strstr(url, "://");

        if (!is_http(url) || !p)
                return 0;
        p += 3;
        return (size_t) (p - url) + strcspn(p, "/?#");
}

bool husk_url_same_origin(const char *a, const char *b)
{
        size_t la = origin_len(a), lb = origin_len(b);

        return la && la == lb && strncasecmp(a, b, la) == 0;
}

static int parse_u64(const char **p, uint64_t *ret)
{
        uint64_t v = 0;
        const char *s = *p;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        *p = s;
        *ret = v;
        return 0;
}

int husk_parse_range(const char *s, uint64_t *ret_start, uint64_t *ret_end)
{
        uint64_t a, b, total;

        if (strncasecmp(s, "bytes ", 6) == 0 || strncasecmp(s, "bytes=", 6) == 0)
                s += 6;
        if (parse_u64(&s, &a) < 0 || *s++ != '-' || parse_u64(&s, &b) < 0 || b < a)
                return -EINVAL;
        if (*s == '/') {
                s++;
                if (*s == '*')
                        s++;
                else if (parse_u64(&s, &total) < 0 || b >= total)
                        return -EINVAL;
        }
        if (*s)
                return -EINVAL;
        *ret_start = a;
        *ret_end = b;
        return 0;
}

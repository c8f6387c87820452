/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hand-written recursive-descent parser over RFC 7235's grammar:
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 * The ambiguity of commas (they separate both parameters and challenges) is resolved by looking ahead:
 * after a comma, "token =" continues the parameters, a lone token starts the next challenge.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/challenge.h"
#include "util/cleanup.h"

struct cursor {
        const char *s;
        size_t len, pos;
};

/* RFC 7230 tchar */
static bool is_tchar(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token68_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c != '\0' && strchr("-._~+/", c));
}

static char peek(const struct cursor *c)
{
        return c->pos < c->len ? c->s[c->pos] : '\0';
}

static void skip_ows(struct cursor *c)
{
        while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
                c->pos++;
}

static size_t token_len(const struct cursor *c, size_t at)
{
        size_t n = 0;

        while (at + n < c->len && is_tchar(c->s[at + n]))
                n++;
        return n;
}

static int fail(struct husk_error *err, const struct cursor *c, const char *why)
{
        return husk_error_set(err, EINVAL, "WWW-Authenticate: %s at offset %zu", why, c->pos);
}

/* quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; the cursor is on the opening quote. */
static int parse_quoted(struct cursor *c, char **ret, struct husk_error *err)
{
        _cleanup_free_ char *out = malloc(c->len - c->pos + 1);
        size_t n = 0;

        if (!out)
                return husk_error_errno(err, ENOMEM, "WWW-Authenticate");
        c->pos++;
        for (;;) {
                char ch = peek(c);

                if (c->pos >= c->len)
                        return fail(err, c, "unterminated quoted string");
                c->pos++;
                if (ch == '"')
                        break;
                if (ch == '\\') {
                        if (c->pos >= c->len)
                                return fail(err, c, "unterminated quoted string");
                        ch = c->s[c->pos++];
                }
                /* qdtext and quoted-pair exclude control characters other than HTAB */
                if ((unsigned char) ch < 0x20 && ch != '\t')
                        return fail(err, c, "control character in quoted string");
                if (ch == 0x7f)
                        return fail(err, c, "control character in quoted string");
                out[n++] = ch;
        }
        out[n] = '\0';
        *ret = steal_ptr(out);
        return 0;
}

static int set_param(struct husk_auth_challenge *ch, const char *name, size_t name_len, char *value,
                     const struct cursor *c, struct husk_error *err)
{
        char **slot = NULL;

        if (name_len == 5 && strncasecmp(name, "realm", 5) == 0)
                slot = &ch->realm;
        else if (name_len == 7 && strncasecmp(name, "service", 7) == 0)
                slot = &ch->service;
        else if (name_len == 5 && strncasecmp(name, "scope", 5) == 0)
                slot = &ch->scope;
        if (!slot) {
                free(value);    /* error=, error_description= and extensions: not needed */
                return 0;
        }
        if (*slot) {
                free(value);
                return husk_error_set(err, EINVAL, "WWW-Authenticate: parameter %.*s given twice (offset %zu)",
                                      (int) name_len, name, c->pos);
        }
        *slot = value;
        return 0;
}

/* True when the cursor is at "token BWS =" (an auth-param) rather than a new scheme or token68. */
static bool at_param(const struct cursor *c)
{
        size_t n = token_len(c, c->pos), at = c->pos + n;

        if (n == 0)
                return false;
        while (at < c->len && (c->s[at] == ' ' || c->s[at] == '\t'))
                at++;
        if (at >= c->len || c->s[at] != '=')
                return false;
        /* "abc==" or "abc=" followed by the end or a comma is a token68, not a parameter */
        at++;
        while (at < c->len && (c->s[at] == ' ' || c->s[at] == '\t'))
                at++;
        return at < c->len && c->s[at] != ',' && c->s[at] != '=';
}

/* The parameters (or token68) of one challenge; stops before the comma that starts the next challenge. */
static int parse_params(struct cursor *c, struct husk_auth_challenge *ch, struct husk_error *err)
{
        for (;;) {
                size_t name_at, name_len;
                _cleanup_free_ char *value = NULL;
                int r;

                skip_ows(c);
                if (c->pos >= c->len)
                        return 0;
                if (peek(c) == ',') {
                        /* empty list elements are allowed (#rule); a lone token after them is a new scheme */
                        size_t save = c->pos;

                        while (peek(c) == ',' || peek(c) == ' ' || peek(c) == '\t')
                                c->pos++;
                        if (!at_param(c)) {
                                c->pos = save;
                                return 0;
                        }
                }
                if (!at_param(c)) {
                        /* token68: accepted (Basic/Negotiate data) and ignored */
                        size_t n = 0;

                        while (c->pos + n < c->len && is_token68_char(c->s[c->pos + n]))
                                n++;
                        if (n == 0)
                                return fail(err, c, "expected a parameter");
                        c->pos += n;
                        while (peek(c) == '=')
                                c->pos++;
                        skip_ows(c);
                        if (c->pos < c->len && peek(c) != ',')
                                return fail(err, c, "unexpected character after token68");
                        return 0;
                }
                name_at = c->pos;
                name_len = token_len(c, c->pos);
                c->pos += name_len;
                skip_ows(c);
                c->pos++;       /* '=' */
                skip_ows(c);
                if (peek(c) == '"') {
                        r = parse_quoted(c, &value, err);
                        if (r < 0)
                                return r;
                } else {
                        size_t n = token_len(c, c->pos);

                        if (n == 0)
                                return fail(err, c, "expected a token or quoted string");
                        value = strndup(c->s + c->pos, n);
                        if (!value)
                                return husk_error_errno(err, ENOMEM, "WWW-Authenticate");
                        c->pos += n;
                }
                r = set_param(ch, c->s + name_at, name_len, steal_ptr(value), c, err);
                if (r < 0)
                        return r;
                skip_ows(c);
                if (c->pos < c->len && peek(c) != ',')
                        return fail(err, c, "expected ',' between parameters");
        }
}

static bool is_http_url(const char *s)
{
        return strncasecmp(s, "https://", 8) == 0 || strncasecmp(s, "http://", 7) == 0;
}

void husk_auth_challenge_free(struct husk_auth_challenge *c)
{
        if (!c)
                return;
        free(c->realm);
        free(c->service);
        free(c->scope);
        *c = (struct husk_auth_challenge) { 0 };
}

int husk_auth_challenge_parse(const char *value, size_t len, struct husk_auth_challenge *ret, struct husk_error *err)
{
        struct cursor c = { .s = value, .len = len };
        struct husk_auth_challenge best = { 0 };

        if (len > HUSK_CHALLENGE_MAX)
                return husk_error_set(err, EINVAL, "WWW-Authenticate: %zu bytes, more than %d", len,
                                      HUSK_CHALLENGE_MAX);
        if (memchr(value, '\0', len))
                return husk_error_set(err, EINVAL, "WWW-Authenticate: NUL byte in the header");
        for (;;) {
                struct husk_auth_challenge ch = { 0 };
                size_t n;
                enum husk_auth_scheme scheme = 0;
                int r;

                while (peek(&c) == ',' || peek(&c) == ' ' || peek(&c) == '\t')
                        c.pos++;
                if (c.pos >= c.len)
                        break;
                n = token_len(&c, c.pos);
                if (n == 0) {
                        husk_auth_challenge_free(&best);
                        return fail(err, &c, "expected an authentication scheme");
                }
                if (n == 6 && strncasecmp(c.s + c.pos, "bearer", 6) == 0)
                        scheme = HUSK_AUTH_BEARER;
                else if (n == 5 && strncasecmp(c.s + c.pos, "basic", 5) == 0)
                        scheme = HUSK_AUTH_BASIC;
                c.pos += n;
                if (c.pos < c.len && peek(&c) != ' ' && peek(&c) != '\t' && peek(&c) != ',') {
                        husk_auth_challenge_free(&best);
                        return fail(err, &c, "expected a space after the scheme");
                }
                r = parse_params(&c, &ch, err);
                if (r < 0) {
                        husk_auth_challenge_free(&ch);
                        husk_auth_challenge_free(&best);
                        return r;
                }
                ch.scheme = scheme;
                if (scheme == HUSK_AUTH_BEARER && (!ch.realm || !is_http_url(ch.realm))) {
                        husk_auth_challenge_free(&ch);
                        husk_auth_challenge_free(&best);
                        return husk_error_set(err, EINVAL, "WWW-Authenticate: Bearer challenge %s",
                                              "without an http(s) realm");
                }
                if (scheme != 0 && (best.scheme == 0 || (best.scheme == HUSK_AUTH_BASIC && scheme == HUSK_AUTH_BEARER))) {
                        husk_auth_challenge_free(&best);
                        best = ch;
                } else {
                        husk_auth_challenge_free(&ch);
                }
        }
        if (best.scheme == 0)
                return husk_error_set(err, ENOTSUP, "WWW-Authenticate: no Bearer or Basic challenge in \"%.*s\"",
                                      (int) (len < 200 ? len : 200), value);
        *ret = best;
        return 0;
}

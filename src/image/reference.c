/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's image references (distribution/reference: reference.go's grammar, normalize.go's defaults),
 * written as a small hand parser: the grammar is regular, and a regex engine would be more code to trust.
 */
#include "image/reference.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/digest.h"
#include "util/cleanup.h"

/* distribution/reference's NameTotalLengthMax: the whole "domain/path". */
#define NAME_TOTAL_MAX 255
#define TAG_MAX 128

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
        return isascii((unsigned char) c) && isalnum((unsigned char) c);
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | "__" | "-"+ */
static bool valid_path_component(const char *p, size_t n)
{
        size_t i = 0;

        if (n == 0 || !is_lower_alnum(p[0]) || !is_lower_alnum(p[n - 1]))
                return false;
        while (i < n) {
                if (is_lower_alnum(p[i])) {
                        i++;
                        continue;
                }
                size_t sep = i;
                if (p[i] == '-') {
                        while (i < n && p[i] == '-')
                                i++;
                } else if (p[i] == '_') {
                        i++;
                        if (i < n && p[i] == '_')
                                i++;
                } else if (p[i] == '.') {
                        i++;
                } else {
                        return false;
                }
                /* a separator is always followed by an alphanumeric ("a_-b", "a._b" are refused) */
                if (i == sep || i >= n || !is_lower_alnum(p[i]))
                        return false;
        }
        return true;
}

static bool valid_path(const char *p, size_t n)
{
        size_t start = 0;

        for (size_t i = 0; i <= n; i++) {
                if (i == n || p[i] == '/') {
                        if (!valid_path_component(p + start, i - start))
                                return false;
                        start = i + 1;
                }
        }
        return true;
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool valid_domain_component(const char *p, size_t n)
{
        if (n == 0 || !is_alnum(p[0]) || !is_alnum(p[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(p[i]) && p[i] != '-')
                        return false;
        return true;
}

/* domain := host [":" port], host := domain-name | IPv4 | "[" IPv6 "]" (IPv4 is a domain-name too). */
static bool valid_domain(const char *p, size_t n)
{
        size_t host_end;

        if (n > 0 && p[0] == '[') {
                const char *close = memchr(p, ']', n);
                if (!close || close == p + 1)
                        return false;
                for (const char *q = p + 1; q < close; q++)
                        if (!isxdigit((unsigned char) *q) && *q != ':')
                                return false;
                host_end = (size_t) (close - p) + 1;
        } else {
                const char *colon = memchr(p, ':', n);
                host_end = colon ? (size_t) (colon - p) : n;
                size_t start = 0;
                for (size_t i = 0; i <= host_end; i++) {
                        if (i == host_end || p[i] == '.') {
                                if (!valid_domain_component(p + start, i - start))
                                        return false;
                                start = i + 1;
                        }
                }
        }
        if (host_end == n)
                return true;
        if (p[host_end] != ':' || host_end + 1 == n)
                return false;
        for (size_t i = host_end + 1; i < n; i++)
                if (!isdigit((unsigned char) p[i]))
                        return false;
        return true;
}

/* tag := [\w][\w.-]{0,127} */
static bool valid_tag(const char *t)
{
        size_t n = strlen(t);

        if (n == 0 || n > TAG_MAX || !(is_alnum(t[0]) || t[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(is_alnum(t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
                        return false;
        return true;
}

static bool is_hex64(const char *s)
{
        size_t n = strlen(s);

        if (n != 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

static int fail(struct husk_error *err, const char *s, const char *why)
{
        return husk_error_set(err, EINVAL, "invalid reference format \"%.300s\": %s", s, why);
}

int husk_reference_parse(const char *s, struct husk_reference *ret, struct husk_error *err)
{
        if (!s || !*s)
                return husk_error_set(err, EINVAL, "invalid reference format: empty image name");
        /* A bare 64-hex string is an image id, never a name (normalize.go). */
        if (is_hex64(s))
                return fail(err, s, "a 64-digit hexadecimal string is an image id, not a repository name");

        _cleanup_free_ char *copy = strdup(s);
        if (!copy)
                return husk_error_errno(err, ENOMEM, "parse reference");

        _cleanup_free_ char *digest = NULL, *tag = NULL;
        char *at = strchr(copy, '@');
        if (at) {
                *at = '\0';
                struct husk_error derr = { 0 };
                if (husk_digest_validate(at + 1, "digest", &derr) < 0)
                        return fail(err, s, derr.msg);
                digest = strdup(at + 1);
                if (!digest)
                        return husk_error_errno(err, ENOMEM, "parse reference");
        }
        /* The tag is after the last ':' that follows the last '/': "localhost:5000/x" has none. */
        char *slash = strrchr(copy, '/');
        char *colon = strrchr(slash ? slash : copy, ':');
        if (colon) {
                *colon = '\0';
                if (!valid_tag(colon + 1))
                        return fail(err, s, "invalid tag (want [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})");
                tag = strdup(colon + 1);
                if (!tag)
                        return husk_error_errno(err, ENOMEM, "parse reference");
        }

        /* splitDockerDomain: the first component is a registry when it looks like a host name
           ('.' or ':'), is "localhost", or has uppercase letters (which a path may not have). */
        const char *name = copy, *remainder = copy;
        _cleanup_free_ char *domain = NULL;
        const char *first_slash = strchr(name, '/');
        if (first_slash) {
                size_t n = (size_t) (first_slash - name);
                bool host = memchr(name, '.', n) || memchr(name, ':', n) ||
                            (n == 9 && strncmp(name, "localhost", 9) == 0);
                for (size_t i = 0; i < n && !host; i++)
                        if (isupper((unsigned char) name[i]))
                                host = true;
                if (host) {
                        domain = strndup(name, n);
                        remainder = first_slash + 1;
                }
        }
        if (!domain || strcmp(domain, "index.docker.io") == 0) {
                free(domain);
                domain = strdup("docker.io");
        }
        if (!domain)
                return husk_error_errno(err, ENOMEM, "parse reference");
        if (!valid_domain(domain, strlen(domain)))
                return fail(err, s, "invalid registry host name");
        for (const char *p = remainder; *p; p++)
                if (isupper((unsigned char) *p))
                        return fail(err, s, "repository name must be lowercase");

        _cleanup_free_ char *path = NULL;
        if (strcmp(domain, "docker.io") == 0 && !strchr(remainder, '/')) {
                if (asprintf(&path, "library/%s", remainder) < 0)
                        return husk_error_errno(err, ENOMEM, "parse reference");
        } else {
                path = strdup(remainder);
                if (!path)
                        return husk_error_errno(err, ENOMEM, "parse reference");
        }
        if (!valid_path(path, strlen(path)))
                return fail(err, s, "invalid repository name (components of [a-z0-9] separated by '.', '_', '__' or '-', joined by '/')");
        if (strlen(domain) + 1 + strlen(path) > NAME_TOTAL_MAX)
                return fail(err, s, "repository name must not be more than 255 characters");

        if (!tag && !digest) {
                tag = strdup("latest");
                if (!tag)
                        return husk_error_errno(err, ENOMEM, "parse reference");
        }
        *ret = (struct husk_reference) {
                .domain = steal_ptr(domain),
                .path = steal_ptr(path),
                .tag = steal_ptr(tag),
                .digest = steal_ptr(digest),
        };
        return 0;
}

char *husk_reference_repository(const struct husk_reference *r)
{
        char *s = NULL;

        if (asprintf(&s, "%s/%s", r->domain, r->path) < 0)
                return NULL;
        return s;
}

char *husk_reference_string(const struct husk_reference *r)
{
        char *s = NULL;

        if (asprintf(&s, "%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
                     r->digest ? "@" : "", r->digest ? r->digest : "") < 0)
                return NULL;
        return s;
}

void husk_reference_free(struct husk_reference *r)
{
        if (!r)
                return;
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        *r = (struct husk_reference) { 0 };
}

int husk_reference_normalise(const char *name, char **ret, struct husk_error *err)
{
        _cleanup_(husk_reference_freep) struct husk_reference ref = { 0 };
        int r = husk_reference_parse(name, &ref, err);
        if (r < 0)
                return r;
        if (ref.digest)
                return husk_error_set(err, EINVAL, "%s: a digest reference cannot name an image", name);
        *ret = husk_reference_string(&ref);
        if (!*ret)
                return husk_error_errno(err, ENOMEM, "%s", name);
        return 0;
}

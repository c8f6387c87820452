/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registries_conf.h"
#include "util/cleanup.h"
#include "util/fs.h"


void husk_registries_conf_free(struct husk_registries_conf *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_entries; i++) {
                struct husk_registry_entry *e = &c->entries[i];

                free(e->prefix);
                free(e->location);
                for (size_t j = 0; j < e->n_mirrors; j++)
                        free(e->mirrors[j].location);
                free(e->mirrors);
        }
        free(c->entries);
        husk_strv_free(c->insecure);
        *c = (struct husk_registries_conf) { 0 };
}

/* "host[:port][/path]": no scheme, no empty component, no whitespace. */
static int check_location(const char *s, const char *what, const char *field, struct husk_error *err)
{
        if (!s[0] || s[0] == '/' || strstr(s, "://") || strstr(s, "//") || s[strlen(s) - 1] == '/' ||
            strpbrk(s, " \t\r\n?#@"))
                return husk_error_set(err, EINVAL, "%s: %s: \"%s\" is not host[:port][/path]", what, field, s);
        return 0;
}

static int get_string(json_t *obj, const char *key, const char *what, const char *field, bool required, char **ret,
                      struct husk_error *err)
{
        json_t *v = json_object_get(obj, key);

        if (!v) {
                if (required)
                        return husk_error_set(err, EINVAL, "%s: %s.%s: missing", what, field, key);
                return 0;
        }
        if (!json_is_string(v))
                return husk_error_set(err, EINVAL, "%s: %s.%s: not a string", what, field, key);
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "%s", what);
}

static int get_bool(json_t *obj, const char *key, const char *what, const char *field, bool *ret,
                    struct husk_error *err)
{
        json_t *v = json_object_get(obj, key);

        if (!v)
                return 0;
        if (!json_is_boolean(v))
                return husk_error_set(err, EINVAL, "%s: %s.%s: not a boolean", what, field, key);
        *ret = json_is_true(v);
        return 0;
}

static int parse_entry(json_t *j, const char *what, const char *field, struct husk_registry_entry *e,
                       struct husk_error *err)
{
        json_t *mirrors, *m;
        size_t i;
        int r;

        if (!json_is_object(j))
                return husk_error_set(err, EINVAL, "%s: %s: not an object", what, field);
        r = get_string(j, "prefix", what, field, true, &e->prefix, err);
        if (r < 0)
                return r;
        r = check_location(e->prefix, what, "prefix", err);
        if (r < 0)
                return r;
        r = get_string(j, "location", what, field, false, &e->location, err);
        if (r < 0)
                return r;
        if (e->location && (r = check_location(e->location, what, "location", err)) < 0)
                return r;
        r = get_bool(j, "insecure", what, field, &e->insecure, err);
        if (r < 0)
                return r;
        mirrors = json_object_get(j, "mirrors");
        if (!mirrors)
                return 0;
        if (!json_is_array(mirrors))
                return husk_error_set(err, EINVAL, "%s: %s.mirrors: not an array", what, field);
        e->mirrors = calloc(json_array_size(mirrors) + 1, sizeof(*e->mirrors));
        if (!e->mirrors)
                return husk_error_errno(err, ENOMEM, "%s", what);
        json_array_foreach(mirrors, i, m) {
                char f[96];

                snprintf(f, sizeof(f), "%s.mirrors[%zu]", field, i);
                if (!json_is_object(m))
                        return husk_error_set(err, EINVAL, "%s: %s: not an object", what, f);
                r = get_string(m, "location", what, f, true, &e->mirrors[i].location, err);
                e->n_mirrors = i + (e->mirrors[i].location ? 1 : 0);
                if (r < 0)
                        return r;
                r = check_location(e->mirrors[i].location, what, "location", err);
                if (r < 0)
                        return r;
                r = get_bool(m, "insecure", what, f, &e->mirrors[i].insecure, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int husk_registries_conf_parse(const char *json, size_t len, const char *what, struct husk_registries_conf *ret,
                               struct husk_error *err)
{
        json_error_t jerr;
        json_auto_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
        _cleanup_(husk_registries_conf_free) struct husk_registries_conf c = { 0 };
        json_t *regs, *ins, *v;
        size_t i;
        int r;

        if (!root)
                return husk_error_set(err, EINVAL, "%s: line %d: %s", what, jerr.line, jerr.text);
        if (!json_is_object(root))
                return husk_error_set(err, EINVAL, "%s: not a JSON object", what);
        regs = json_object_get(root, "registries");
        if (regs && !json_is_array(regs))
                return husk_error_set(err, EINVAL, "%s: registries: not an array", what);
        if (regs) {
                c.entries = calloc(json_array_size(regs) + 1, sizeof(*c.entries));
                if (!c.entries)
                        return husk_error_errno(err, ENOMEM, "%s", what);
                json_array_foreach(regs, i, v) {
                        char f[48];

                        snprintf(f, sizeof(f), "registries[%zu]", i);
                        c.n_entries = i + 1;
                        r = parse_entry(v, what, f, &c.entries[i], err);
                        if (r < 0)
                                return r;
                }
        }
        ins = json_object_get(root, "insecure-registries");
        if (ins && !json_is_array(ins))
                return husk_error_set(err, EINVAL, "%s: insecure-registries: not an array", what);
        c.insecure = calloc((ins ? json_array_size(ins) : 0) + 1, sizeof(char *));
        if (!c.insecure)
                return husk_error_errno(err, ENOMEM, "%s", what);
        if (ins) {
                json_array_foreach(ins, i, v) {
                        if (!json_is_string(v))
                                return husk_error_set(err, EINVAL, "%s: insecure-registries[%zu]: not a string",
                                                      what, i);
                        c.insecure[i] = strdup(json_string_value(v));
                        if (!c.insecure[i])
                                return husk_error_errno(err, ENOMEM, "%s", what);
                }
        }
        *ret = c;
        c = (struct husk_registries_conf) { 0 };
        return 0;
}

int husk_registries_conf_load(const char *path, struct husk_registries_conf *ret, struct husk_error *err)
{
        const char *e = getenv("HUSK_REGISTRIES_CONF");
        const char *file = path ? path : e && e[0] ? e : HUSK_REGISTRIES_CONF;
        _cleanup_free_ char *data = NULL;
        size_t len;
        struct husk_error e2 = { 0 };
        int r = husk_read_file_at(AT_FDCWD, file, &data, &len, &e2);

        if (r == -ENOENT) {
                *ret = (struct husk_registries_conf) { 0 };
                ret->insecure = calloc(1, sizeof(char *));
                return ret->insecure ? 0 : husk_error_errno(err, ENOMEM, "%s", file);
        }
        if (r < 0) {
                *err = e2;
                return r;
        }
        return husk_registries_conf_parse(data, len, file, ret, err);
}

bool husk_host_is_loopback(const char *host)
{
        size_t n = strcspn(host, ":/");

        if (host[0] == '[')
                return strncmp(host, "[::1]", 5) == 0;
        if (n == 9 && strncmp(host, "localhost", 9) == 0)
                return true;
        return strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") >= n;
}

void husk_endpoints_free(struct husk_endpoint *e, size_t n)
{
        if (!e)
                return;
        for (size_t i = 0; i < n; i++) {
                free(e[i].domain);
                free(e[i].host);
                free(e[i].path);
        }
        free(e);
}

/* prefix applies to "domain/path" when it is equal or a prefix ending at a '/'; returns its length. */
static size_t prefix_match(const char *prefix, const char *full)
{
        size_t n = strlen(prefix);

        if (strncmp(prefix, full, n) != 0 || (full[n] != '\0' && full[n] != '/'))
                return 0;
        return n;
}

static bool conf_insecure(const struct husk_registries_conf *c, const char *domain)
{
        for (char **p = c->insecure; p && *p; p++)
                if (strcmp(*p, domain) == 0)
                        return true;
        return husk_host_is_loopback(domain);
}

/* location + rest ("127.0.0.1:5000/hub" + "/library/busybox") split into an endpoint. */
static int make_endpoint(const struct husk_registries_conf *c, const char *location, const char *rest,
                         bool insecure, bool mirror, struct husk_endpoint *ret)
{
        _cleanup_free_ char *full = NULL;
        char *slash;

        if (asprintf(&full, "%s%s", location, rest) < 0) {
                full = NULL;
                return -ENOMEM;
        }
        slash = strchr(full, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        *slash = '\0';
        ret->domain = strdup(full);
        ret->path = strdup(slash + 1);
        /* Docker Hub's API is not served at the name users write */
        ret->host = strdup(strcmp(full, "docker.io") == 0 ? "registry-1.docker.io" : full);
        ret->insecure = insecure || conf_insecure(c, full);
        ret->mirror = mirror;
        return ret->domain && ret->path && ret->host ? 0 : -ENOMEM;
}

int husk_registries_endpoints(const struct husk_registries_conf *c, const char *domain, const char *path, bool pull,
                              struct husk_endpoint **ret, size_t *ret_n, struct husk_error *err)
{
        _cleanup_free_ char *full = NULL;
        const struct husk_registry_entry *best = NULL;
        size_t best_len = 0, n = 0;
        struct husk_endpoint *eps;
        int r;

        if (asprintf(&full, "%s/%s", domain, path) < 0) {
                full = NULL;
                return husk_error_errno(err, ENOMEM, "registries");
        }
        for (size_t i = 0; i < c->n_entries; i++) {
                size_t m = prefix_match(c->entries[i].prefix, full);

                if (m > best_len) {
                        best_len = m;
                        best = &c->entries[i];
                }
        }
        eps = calloc((best && pull ? best->n_mirrors : 0) + 1, sizeof(*eps));
        if (!eps)
                return husk_error_errno(err, ENOMEM, "registries");
        if (best && pull) {
                for (size_t i = 0; i < best->n_mirrors; i++) {
                        r = make_endpoint(c, best->mirrors[i].location, full + best_len, best->mirrors[i].insecure,
                                          true, &eps[n++]);
                        if (r < 0) {
                                husk_endpoints_free(eps, n);
                                return husk_error_errno(err, -r, "mirror %s of %s", best->mirrors[i].location,
                                                        best->prefix);
                        }
                }
        }
        r = make_endpoint(c, best && best->location ? best->location : best ? best->prefix : domain,
                          best ? full + best_len : full + strlen(domain), best && best->insecure, false, &eps[n++]);
        if (r < 0) {
                husk_endpoints_free(eps, n);
                return husk_error_errno(err, -r, "registry of %s", full);
        }
        *ret = eps;
        *ret_n = n;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/auth_file.h"
#include "registry/base64.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Auth files are small; a bigger one is not an auth file. */
#define AUTH_FILE_MAX (1024 * 1024)


void husk_credentials_free(struct husk_credentials *c)
{
        if (!c)
                return;
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        free(c->username);
        free(c->password);
        c->username = c->password = NULL;
}

static const char *home_dir(void)
{
        const char *h = getenv("HOME");
        struct passwd *pw;

        if (h && h[0] == '/')
                return h;
        pw = getpwuid(getuid());
        return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

/* $XDG_CONFIG_HOME/rel or ~/.config/rel */
static char *config_path(const char *rel)
{
        const char *x = getenv("XDG_CONFIG_HOME"), *h;
        char *p;

        if (x && x[0] == '/')
                return asprintf(&p, "%s/%s", x, rel) < 0 ? NULL : p;
        h = home_dir();
        if (!h)
                return NULL;
        return asprintf(&p, "%s/.config/%s", h, rel) < 0 ? NULL : p;
}

char *husk_auth_default_path(void)
{
        const char *e = getenv("HUSK_AUTH_FILE");

        if (e && e[0])
                return strdup(e);
        return config_path("husk/auth.json");
}

/*
 * A key as it is written by docker, podman or husk, normalised to "domain[/path]": no scheme, no
 * "/v1/"-style API suffix, Docker Hub's aliases as docker.io.
 */
static char *normalise_key(const char *key)
{
        _cleanup_free_ char *k = NULL;
        char *slash;
        size_t n;

        if (strncmp(key, "https://", 8) == 0)
                key += 8;
        else if (strncmp(key, "http://", 7) == 0)
                key += 7;
        k = strdup(key);
        if (!k)
                return NULL;
        slash = strchr(k, '/');
        if (slash && (strncmp(slash, "/v1", 3) == 0 || strncmp(slash, "/v2", 3) == 0) &&
            (slash[3] == '\0' || slash[3] == '/'))
                *slash = '\0';
        n = strlen(k);
        while (n > 0 && k[n - 1] == '/')
                k[--n] = '\0';
        slash = strchr(k, '/');
        n = slash ? (size_t) (slash - k) : strlen(k);
        if ((n == 15 && strncmp(k, "index.docker.io", n) == 0) || (n == 20 && strncmp(k, "registry-1.docker.io", n) == 0)) {
                char *out;

                return asprintf(&out, "docker.io%s", slash ? slash : "") < 0 ? NULL : out;
        }
        return steal_ptr(k);
}

/* How much of "domain/path" key covers: its length, or 0 when it does not apply. */
static size_t key_match(const char *key, const char *domain, const char *path)
{
        size_t dl = strlen(domain), kl = strlen(key);

        if (strncmp(key, domain, dl) != 0)
                return 0;
        if (key[dl] == '\0')
                return kl;
        if (key[dl] != '/' || !path)
                return 0;
        /* a namespace key: a prefix of path ending at a '/' boundary */
        const char *kp = key + dl + 1;
        size_t kpl = strlen(kp);

        if (strncmp(path, kp, kpl) == 0 && (path[kpl] == '\0' || path[kpl] == '/'))
                return kl;
        return 0;
}

static int entry_credentials(json_t *entry, const char *what, const char *key, struct husk_credentials *ret,
                             struct husk_error *err)
{
        json_t *auth = json_object_get(entry, "auth");
        _cleanup_free_ char *plain = NULL;
        size_t len;
        char *colon;

        if (!json_is_object(entry))
                return husk_error_set(err, EINVAL, "%s: auths.%s: not an object", what, key);
        if (!auth || (json_is_string(auth) && json_string_length(auth) == 0)) {
                json_t *u = json_object_get(entry, "username"), *p = json_object_get(entry, "password");

                if (json_is_string(u) && json_is_string(p)) {
                        ret->username = strdup(json_string_value(u));
                        ret->password = strdup(json_string_value(p));
                        if (!ret->username || !ret->password) {
                                husk_credentials_free(ret);
                                return husk_error_errno(err, ENOMEM, "%s", what);
                        }
                        return 0;
                }
                /* an entry without credentials (a credential helper's placeholder): not ours to use */
                return -ENOENT;
        }
        if (!json_is_string(auth))
                return husk_error_set(err, EINVAL, "%s: auths.%s.auth: not a string", what, key);
        if (husk_base64_decode(json_string_value(auth), json_string_length(auth), &plain, &len) < 0)
                return husk_error_set(err, EINVAL, "%s: auths.%s.auth: not base64", what, key);
        colon = memchr(plain, ':', len);
        if (!colon || strlen(plain) != len) {
                explicit_bzero(plain, len);
                return husk_error_set(err, EINVAL, "%s: auths.%s.auth: not \"user:password\"", what, key);
        }
        ret->username = strndup(plain, (size_t) (colon - plain));
        ret->password = strdup(colon + 1);
        explicit_bzero(plain, len);
        if (!ret->username || !ret->password) {
                husk_credentials_free(ret);
                return husk_error_errno(err, ENOMEM, "%s", what);
        }
        return 0;
}

int husk_auth_lookup_json(const char *json, size_t len, const char *what, const char *domain, const char *path,
                          struct husk_credentials *ret, struct husk_error *err)
{
        json_error_t jerr;
        json_auto_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
        json_t *auths, *entry, *best = NULL;
        const char *key, *best_key = NULL;
        size_t best_len = 0;

        if (!root)
                return husk_error_set(err, EINVAL, "%s: line %d: %s", what, jerr.line, jerr.text);
        if (!json_is_object(root))
                return husk_error_set(err, EINVAL, "%s: not a JSON object", what);
        auths = json_object_get(root, "auths");
        if (!auths)
                return -ENOENT;
        if (!json_is_object(auths))
                return husk_error_set(err, EINVAL, "%s: auths: not an object", what);
        json_object_foreach(auths, key, entry) {
                _cleanup_free_ char *k = normalise_key(key);
                size_t m;

                if (!k)
                        return husk_error_errno(err, ENOMEM, "%s", what);
                m = key_match(k, domain, path);
                if (m > best_len) {
                        best_len = m;
                        best = entry;
                        best_key = key;
                }
        }
        if (!best)
                return -ENOENT;
        return entry_credentials(best, what, best_key, ret, err);
}

static int lookup_file(const char *file, const char *domain, const char *path, struct husk_credentials *ret,
                       struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        struct husk_error e = { 0 };
        int r = husk_read_file_at(AT_FDCWD, file, &data, &len, &e);

        if (r == -ENOENT || r == -ENOTDIR)
                return -ENOENT;
        if (r < 0) {
                *err = e;
                return r;
        }
        if (len > AUTH_FILE_MAX)
                return husk_error_set(err, EFBIG, "%s: more than %d bytes", file, AUTH_FILE_MAX);
        return husk_auth_lookup_json(data, len, file, domain, path, ret, err);
}

int husk_auth_lookup(const char *authfile, const char *domain, const char *path, struct husk_credentials *ret,
                     char **ret_source, struct husk_error *err)
{
        char *files[5] = { 0 };
        const char *e;
        int r = -ENOENT;
        size_t n = 0;

        if (authfile) {
                r = lookup_file(authfile, domain, path, ret, err);
                if (r == 0 && ret_source && !(*ret_source = strdup(authfile)))
                        r = husk_error_errno(err, ENOMEM, "%s", authfile);
                return r;
        }
        files[n++] = husk_auth_default_path();
        e = getenv("REGISTRY_AUTH_FILE");
        files[n++] = e && e[0] ? strdup(e) : NULL;
        e = getenv("XDG_RUNTIME_DIR");
        if (e && e[0] == '/' && asprintf(&files[n++], "%s/containers/auth.json", e) < 0)
                files[n - 1] = NULL;
        files[n++] = config_path("containers/auth.json");
        e = getenv("DOCKER_CONFIG");
        if (e && e[0]) {
                if (asprintf(&files[n++], "%s/config.json", e) < 0)
                        files[n - 1] = NULL;
        } else if (home_dir() && asprintf(&files[n++], "%s/.docker/config.json", home_dir()) < 0) {
                files[n - 1] = NULL;
        }
        for (size_t i = 0; i < n && r == -ENOENT; i++) {
                if (!files[i])
                        continue;
                r = lookup_file(files[i], domain, path, ret, err);
                if (r == 0 && ret_source)
                        *ret_source = steal_ptr(files[i]);
        }
        for (size_t i = 0; i < n; i++)
                free(files[i]);
        return r;
}

/* Read husk's file (or an empty object), let edit change it, write it back 0600. */
static int auth_file_rewrite(const char *authfile, const char *key,
                             int (*edit)(json_t *auths, const char *key, void *ctx, struct husk_error *err), void *ctx,
                             struct husk_error *err)
{
        _cleanup_free_ char *def = authfile ? NULL : husk_auth_default_path();
        const char *file = authfile ? authfile : def;
        _cleanup_free_ char *data = NULL, *dir = NULL, *out = NULL;
        json_auto_t *root = NULL;
        json_t *auths;
        size_t len;
        char *slash;
        struct husk_error e = { 0 };
        int r;

        if (!file)
                return husk_error_set(err, ENOENT, "no home directory for the auth file (set HUSK_AUTH_FILE)");
        r = husk_read_file_at(AT_FDCWD, file, &data, &len, &e);
        if (r < 0 && r != -ENOENT) {
                *err = e;
                return r;
        }
        if (r == 0) {
                json_error_t jerr;

                root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
                if (!root)
                        return husk_error_set(err, EINVAL, "%s: line %d: %s", file, jerr.line, jerr.text);
                if (!json_is_object(root))
                        return husk_error_set(err, EINVAL, "%s: not a JSON object", file);
        } else {
                root = json_object();
                if (!root)
                        return husk_error_errno(err, ENOMEM, "%s", file);
        }
        auths = json_object_get(root, "auths");
        if (!auths) {
                auths = json_object();
                if (!auths || json_object_set_new(root, "auths", auths) < 0)
                        return husk_error_errno(err, ENOMEM, "%s", file);
        } else if (!json_is_object(auths)) {
                return husk_error_set(err, EINVAL, "%s: auths: not an object", file);
        }
        r = edit(auths, key, ctx, err);
        if (r < 0)
                return r;
        out = json_dumps(root, JSON_INDENT(8) | JSON_SORT_KEYS);
        if (!out)
                return husk_error_errno(err, ENOMEM, "%s", file);
        dir = strdup(file);
        if (!dir)
                return husk_error_errno(err, ENOMEM, "%s", file);
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                r = husk_mkdir_p(dir, 0700, err);
                if (r < 0)
                        return r;
        }
        return husk_write_file_atomic_at(AT_FDCWD, file, out, strlen(out), 0600, true, err);
}

struct save_ctx {
        const char *username, *password;
};

static int edit_save(json_t *auths, const char *key, void *ctx, struct husk_error *err)
{
        const struct save_ctx *c = ctx;
        _cleanup_free_ char *plain = NULL, *b64 = NULL;
        json_t *entry;

        if (asprintf(&plain, "%s:%s", c->username, c->password) < 0) {
                plain = NULL;
                return husk_error_errno(err, ENOMEM, "auth file");
        }
        b64 = husk_base64_encode(plain, strlen(plain));
        explicit_bzero(plain, strlen(plain));
        if (!b64)
                return husk_error_errno(err, ENOMEM, "auth file");
        entry = json_pack("{s:s}", "auth", b64);
        explicit_bzero(b64, strlen(b64));
        if (!entry || json_object_set_new(auths, key, entry) < 0)
                return husk_error_errno(err, ENOMEM, "auth file");
        return 0;
}

static int edit_remove(json_t *auths, const char *key, void *ctx, struct husk_error *err)
{
        (void) ctx;
        if (json_object_del(auths, key) < 0)
                return husk_error_set(err, ENOENT, "not logged in to %s", key);
        return 0;
}

int husk_auth_save(const char *authfile, const char *key, const char *username, const char *password,
                   struct husk_error *err)
{
        struct save_ctx c = { username, password };

        if (strchr(username, ':'))
                return husk_error_set(err, EINVAL, "username \"%s\": must not contain ':'", username);
        return auth_file_rewrite(authfile, key, edit_save, &c, err);
}

int husk_auth_remove(const char *authfile, const char *key, struct husk_error *err)
{
        return auth_file_rewrite(authfile, key, edit_remove, NULL, err);
}

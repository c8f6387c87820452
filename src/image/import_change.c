/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `import --change`: the Dockerfile instructions docker import takes (CMD, ENTRYPOINT, ENV, EXPOSE,
 * LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL) applied to the "config" object of an image config, with
 * Docker's JSON keys. Pure: no I/O.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "image/transfer_internal.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static const char *skip_space(const char *s)
{
        while (*s && isspace((unsigned char) *s))
                s++;
        return s;
}

/* A JSON array of strings ("exec form"), or NULL when s is not one. */
static json_t *exec_form(const char *s)
{
        json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);
        size_t i;
        json_t *e;

        if (!json_is_array(v))
                goto not;
        json_array_foreach(v, i, e)
                if (!json_is_string(e))
                        goto not;
        return v;
not:
        json_decref(v);
        return NULL;
}

/* CMD/ENTRYPOINT: exec form as it is, shell form under /bin/sh -c (Dockerfile reference). */
static json_t *command(const char *args)
{
        json_t *v = args[0] == '[' ? exec_form(args) : NULL;

        return v ? v : json_pack("[s, s, s]", "/bin/sh", "-c", args);
}

/*
 * The words of ENV/LABEL's key=value form: split on unquoted spaces, double or single quotes removed,
 * a backslash escaping the next character (Dockerfile's rules for these two instructions).
 */
static int words(const char *s, char ***ret)
{
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (s = skip_space(s); *s; s = skip_space(s)) {
                _cleanup_free_ char *w = malloc(strlen(s) + 1);
                size_t o = 0;
                char quote = 0;

                if (!w)
                        return -ENOMEM;
                for (; *s && (quote || !isspace((unsigned char) *s)); s++) {
                        if (*s == '\\' && s[1] && quote != '\'')
                                w[o++] = *++s;
                        else if (!quote && (*s == '"' || *s == '\''))
                                quote = *s;
                        else if (quote && *s == quote)
                                quote = 0;
                        else
                                w[o++] = *s;
                }
                if (quote)
                        return -EINVAL;
                w[o] = '\0';
                char **nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv)
                        return -ENOMEM;
                v = nv;
                v[n++] = steal_ptr(w);
                v[n] = NULL;
        }
        *ret = steal_ptr(v);
        return 0;
}

/* ENV and LABEL: "k=v k2=v2", or the old "k v" form (one pair, the value the rest of the line). */
static int pairs(const char *args, bool env, json_t *target, const char *change, struct husk_error *err)
{
        const char *sp = strpbrk(args, " \t");
        const char *eq = strchr(args, '=');

        if (!eq || (sp && sp < eq)) {
                if (!sp || !*skip_space(sp))
                        return husk_error_set(err, EINVAL, "--change \"%s\": expected KEY=VALUE", change);
                _cleanup_free_ char *key = strndup(args, (size_t) (sp - args));
                if (!key)
                        return -ENOMEM;
                int r = env ? json_array_append_new(target, json_sprintf("%s=%s", key, skip_space(sp)))
                            : json_object_set_new(target, key, json_string(skip_space(sp)));
                return r < 0 ? -ENOMEM : 0;
        }
        _cleanup_strv_ char **w = NULL;
        int r = words(args, &w);
        if (r == -EINVAL)
                return husk_error_set(err, EINVAL, "--change \"%s\": unterminated quote", change);
        if (r < 0)
                return r;
        for (size_t i = 0; w[i]; i++) {
                char *e = strchr(w[i], '=');
                if (!e || e == w[i])
                        return husk_error_set(err, EINVAL, "--change \"%s\": \"%s\" is not KEY=VALUE", change, w[i]);
                if (env) {
                        /* A later value of a variable replaces the earlier one. */
                        size_t k;
                        json_t *x;
                        json_array_foreach(target, k, x)
                                if (strncmp(json_string_value(x), w[i], (size_t) (e - w[i]) + 1) == 0) {
                                        (void) json_array_remove(target, k);
                                        break;
                                }
                        r = json_array_append_new(target, json_string(w[i]));
                } else {
                        *e = '\0';
                        r = json_object_set_new(target, w[i], json_string(e + 1));
                }
                if (r < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* config[key] as an object or array, made when absent. */
static json_t *member(json_t *config, const char *key, bool array)
{
        json_t *v = json_object_get(config, key);

        if (array ? json_is_array(v) : json_is_object(v))
                return v;
        v = array ? json_array() : json_object();
        if (json_object_set_new(config, key, v) < 0)
                return NULL;
        return v;
}

/* EXPOSE 80 53/udp -> "80/tcp", "53/udp"; VOLUME ["/a"] or /a /b. */
static int set_keys(json_t *obj, const char *args, bool ports, const char *change, struct husk_error *err)
{
        _cleanup_json_ json_t *list = !ports && args[0] == '[' ? exec_form(args) : NULL;
        _cleanup_strv_ char **w = NULL;

        if (!list) {
                int r = words(args, &w);
                if (r == -EINVAL)
                        return husk_error_set(err, EINVAL, "--change \"%s\": unterminated quote", change);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; list ? i < json_array_size(list) : w[i] != NULL; i++) {
                const char *k = list ? json_string_value(json_array_get(list, i)) : w[i];
                _cleanup_free_ char *key = NULL;
                if (ports) {
                        char *end;
                        unsigned long p = strtoul(k, &end, 10);
                        if (end == k || p == 0 || p > 65535 ||
                            (*end && strcmp(end, "/tcp") != 0 && strcmp(end, "/udp") != 0 && strcmp(end, "/sctp") != 0))
                                return husk_error_set(err, EINVAL, "--change \"%s\": invalid port \"%s\"", change, k);
                        if (asprintf(&key, "%lu%s", p, *end ? end : "/tcp") < 0)
                                return -ENOMEM;
                        k = key;
                }
                if (json_object_set_new(obj, k, json_object()) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int apply_one(json_t *config, const char *change, struct husk_error *err)
{
        static const struct {
                const char *instr, *key;
        } strings[] = { { "USER", "User" }, { "WORKDIR", "WorkingDir" }, { "STOPSIGNAL", "StopSignal" } };
        const char *s = skip_space(change);
        size_t n = 0;

        while (s[n] && !isspace((unsigned char) s[n]))
                n++;
        const char *args = skip_space(s + n);
        if (!*args)
                return husk_error_set(err, EINVAL, "--change \"%s\": an instruction and its arguments expected",
                                      change);
#define IS(name) (n == strlen(name) && strncasecmp(s, name, n) == 0)
        if (IS("CMD") || IS("ENTRYPOINT"))
                return json_object_set_new(config, IS("CMD") ? "Cmd" : "Entrypoint", command(args)) < 0 ? -ENOMEM
                                                                                                          : 0;
        if (IS("ENV") || IS("LABEL")) {
                json_t *t = member(config, IS("ENV") ? "Env" : "Labels", IS("ENV"));
                return t ? pairs(args, IS("ENV"), t, change, err) : -ENOMEM;
        }
        if (IS("EXPOSE") || IS("VOLUME")) {
                json_t *t = member(config, IS("EXPOSE") ? "ExposedPorts" : "Volumes", false);
                return t ? set_keys(t, args, IS("EXPOSE"), change, err) : -ENOMEM;
        }
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(strings); i++)
                if (IS(strings[i].instr))
                        return json_object_set_new(config, strings[i].key, json_string(args)) < 0 ? -ENOMEM : 0;
#undef IS
        return husk_error_set(err, EINVAL,
                              "--change \"%s\": %.*s is not one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, "
                              "USER, VOLUME, WORKDIR",
                              change, (int) n, s);
}

int husk_import_apply_changes(json_t *config, const char *const *changes, struct husk_error *err)
{
        for (size_t i = 0; changes && changes[i]; i++) {
                int r = apply_one(config, changes[i], err);
                if (r == -ENOMEM)
                        return husk_error_errno(err, ENOMEM, "--change \"%s\"", changes[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

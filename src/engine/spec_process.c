/* SPDX-License-Identifier: Apache-2.0 */
/* The container process from the image config and the run options: args, env, working directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec.h"
#include "util/cleanup.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static size_t strv_len(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

/* Append copies of v to out (sized by the caller). */
static int strv_append(char **out, size_t *n, char *const *v)
{
        for (size_t i = 0; v && v[i]; i++) {
                out[*n] = strdup(v[i]);
                if (!out[*n])
                        return -ENOMEM;
                (*n)++;
        }
        return 0;
}

int husk_engine_args(const struct husk_ctr_config *cfg, const struct husk_image_config *img, char ***ret,
                     struct husk_error *err)
{
        char *const *entry, *const *cmd;
        if (cfg->has_entrypoint) {
                /* docker run --entrypoint clears the image's Cmd too. */
                entry = cfg->entrypoint;
                cmd = cfg->cmd;
        } else {
                entry = img ? img->entrypoint : NULL;
                cmd = cfg->cmd ? cfg->cmd : (img ? img->cmd : NULL);
        }
        size_t total = strv_len(entry) + strv_len(cmd);
        if (total == 0)
                return husk_error_set(err, EINVAL, "no command specified: the image has no Entrypoint or Cmd and none was given");
        _cleanup_strv_ char **out = calloc(total + 1, sizeof(char *));
        size_t n = 0;
        if (!out || strv_append(out, &n, entry) < 0 || strv_append(out, &n, cmd) < 0)
                return husk_error_errno(err, ENOMEM, "process args");
        *ret = steal_ptr(out);
        return 0;
}

/* Index of the entry of out[0..n) with the same key as kv ("KEY=..." or "KEY"), or -1. */
static long env_find(char **out, size_t n, const char *kv)
{
        size_t klen = strcspn(kv, "=");
        for (size_t i = 0; i < n; i++)
                if (strncmp(out[i], kv, klen) == 0 && (out[i][klen] == '=' || out[i][klen] == '\0'))
                        return (long) i;
        return -1;
}

/* Set kv in out, replacing an entry of the same key. */
static int env_set(char **out, size_t *n, const char *kv)
{
        char *copy = strdup(kv);
        if (!copy)
                return -ENOMEM;
        long i = env_find(out, *n, kv);
        if (i >= 0) {
                free(out[i]);
                out[i] = copy;
        } else {
                out[(*n)++] = copy;
        }
        return 0;
}

int husk_engine_env(const struct husk_ctr_config *cfg, const struct husk_image_config *img, const char *hostname,
                    const char *home, char ***ret, struct husk_error *err)
{
        char *const *img_env = img ? img->env : NULL;
        size_t cap = strv_len(img_env) + strv_len(cfg->env) + 4;
        _cleanup_strv_ char **out = calloc(cap, sizeof(char *));
        if (!out)
                return husk_error_errno(err, ENOMEM, "process env");
        size_t n = 0;
        _cleanup_free_ char *hn = NULL;
        if (hostname && asprintf(&hn, "HOSTNAME=%s", hostname) < 0) {
                hn = NULL;
                return husk_error_errno(err, ENOMEM, "process env");
        }
        int r = 0;
        if (env_find((char **) img_env, strv_len(img_env), "PATH") < 0)
                r = env_set(out, &n, DEFAULT_PATH);
        if (r >= 0 && hn)
                r = env_set(out, &n, hn);
        for (size_t i = 0; r >= 0 && img_env && img_env[i]; i++)
                r = env_set(out, &n, img_env[i]);
        for (size_t i = 0; r >= 0 && cfg->env && cfg->env[i]; i++) {
                if (!strchr(cfg->env[i], '=')) {
                        /* A bare KEY was resolved from the caller's environment at create; one that was
                         * unset there is dropped, as Docker does. */
                        continue;
                }
                r = env_set(out, &n, cfg->env[i]);
        }
        if (r >= 0 && home && env_find(out, n, "HOME") < 0) {
                _cleanup_free_ char *h = NULL;
                if (asprintf(&h, "HOME=%s", home) < 0)
                        return husk_error_errno(err, ENOMEM, "process env");
                r = env_set(out, &n, h);
        }
        if (r < 0)
                return husk_error_errno(err, ENOMEM, "process env");
        *ret = steal_ptr(out);
        return 0;
}

int husk_engine_cwd(const struct husk_ctr_config *cfg, const struct husk_image_config *img, char **ret,
                    struct husk_error *err)
{
        const char *w = cfg->workdir && *cfg->workdir ? cfg->workdir
                        : img && img->working_dir && *img->working_dir ? img->working_dir
                                                                       : "/";
        if (w[0] != '/')
                return husk_error_set(err, EINVAL, "the working directory '%s' is invalid, it needs to be an absolute path", w);
        *ret = strdup(w);
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "working directory");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* `husk login` / `husk logout`: credentials checked against the registry, then kept in the auth file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry/endpoints.h"
#include "registry/registry.h"
#include "util/cleanup.h"

/* "https://index.docker.io/v1/", "localhost:5000/", "docker.io" -> the domain husk keys it under. */
static char *server_key(const char *server)
{
        const char *s = server ? server : "docker.io";
        size_t n;

        if (strncmp(s, "https://", 8) == 0)
                s += 8;
        else if (strncmp(s, "http://", 7) == 0)
                s += 7;
        n = strcspn(s, "/");
        if ((n == 15 && strncmp(s, "index.docker.io", n) == 0) || (n == 20 && strncmp(s, "registry-1.docker.io", n) == 0))
                return strdup("docker.io");
        return n ? strndup(s, n) : NULL;
}

int husk_registry_login(const char *server, const struct husk_credentials *creds, const struct husk_registry_opts *opts,
                        char **ret_key, struct husk_error *err)
{
        _cleanup_free_ char *key = server_key(server);
        _cleanup_(husk_endpoint_set_free) struct husk_endpoint_set eps = { 0 };
        _cleanup_(husk_session_freep) struct husk_session *s = NULL;
        struct husk_registry_opts o = *opts;
        int r;

        if (!key || strpbrk(key, " \t\r\n@"))
                return husk_error_set(err, EINVAL, "login: bad server address \"%s\"", server ? server : "");
        if (!creds || !creds->username || !creds->username[0])
                return husk_error_set(err, EINVAL, "login: a username is needed");
        o.creds = creds;
        /* the endpoint of the registry as a pull would find it (location rewrite, insecure), but the
           check asks for the registry itself: no repository, so no scope in the token request */
        r = husk_endpoint_set_open(&eps, &o, key, "login", false, err);
        if (r < 0)
                return r;
        free(eps.eps[0].path);
        eps.eps[0].path = strdup("");
        if (!eps.eps[0].path)
                return husk_error_errno(err, ENOMEM, "login");
        r = husk_endpoint_session(&eps, 0, "pull", &s, err);
        if (r < 0)
                return husk_error_prefix(err, "login %s: ", key);
        r = husk_auth_save(opts->authfile, key, creds->username, creds->password ? creds->password : "", err);
        if (r < 0)
                return r;
        *ret_key = steal_ptr(key);
        return 0;
}

int husk_registry_logout(const char *server, const char *authfile, char **ret_key, struct husk_error *err)
{
        _cleanup_free_ char *key = server_key(server);
        int r;

        if (!key)
                return husk_error_set(err, EINVAL, "logout: bad server address \"%s\"", server ? server : "");
        r = husk_auth_remove(authfile, key, err);
        if (r < 0)
                return r;
        *ret_key = steal_ptr(key);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry credentials in the format of Docker's ~/.docker/config.json and containers' auth.json:
 *   {"auths": {"registry.example:5000": {"auth": "<base64 of user:password>"}}}
 * `husk login` writes husk's own file (husk_auth_default_path(): $HUSK_AUTH_FILE, else
 * $XDG_CONFIG_HOME/husk/auth.json, else ~/.config/husk/auth.json), mode 0600 in a 0700 directory,
 * replaced atomically; other keys of the file are kept. Lookups also read the files other tools write,
 * so existing logins work: husk's own, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
 * $XDG_CONFIG_HOME/containers/auth.json (~/.config/...), $DOCKER_CONFIG/config.json (~/.docker/...).
 * Credential helpers (credsStore, credHelpers) and identity tokens are not supported.
 */
#pragma once

#include "util/error.h"

struct husk_credentials {
        char *username;
        char *password;
};
void husk_credentials_free(struct husk_credentials *c);

/* husk's own file; NULL on ENOMEM or when neither $HOME nor the password database names a home. */
char *husk_auth_default_path(void);

/*
 * Credentials for repository "domain/path" (path may be NULL: the registry itself). A key may name the
 * registry ("localhost:5000", "https://index.docker.io/v1/": scheme and /v1/ /v2/ are dropped, Docker
 * Hub's hosts mean docker.io) or a namespace in it ("quay.io/org"); the longest match wins. authfile
 * non-NULL reads only that file. -ENOENT when no file has an entry; -EINVAL (naming the file and the key)
 * for a malformed file or entry. ret_source (may be NULL) gets the file that had it.
 */
int husk_auth_lookup(const char *authfile, const char *domain, const char *path, struct husk_credentials *ret,
                     char **ret_source, struct husk_error *err);

/* The same over a JSON text (the parser the lookup uses; what names it in errors). */
int husk_auth_lookup_json(const char *json, size_t len, const char *what, const char *domain, const char *path,
                          struct husk_credentials *ret, struct husk_error *err);

/* Store (replace) the entry of key (a registry domain) in authfile (NULL: husk's own). */
int husk_auth_save(const char *authfile, const char *key, const char *username, const char *password,
                   struct husk_error *err);
/* Remove it; -ENOENT "not logged in to KEY" when it was not there. */
int husk_auth_remove(const char *authfile, const char *key, struct husk_error *err);

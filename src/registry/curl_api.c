/* SPDX-License-Identifier: Apache-2.0 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "registry/curl_api.h"
#include "util/cleanup.h"

int husk_curl_api_load(struct husk_curl_api *api, struct husk_error *err)
{
        static const struct {
                const char *name;
                size_t off;
        } syms[] = {
#define S(field, n) { #n, offsetof(struct husk_curl_api, field) }
                S(global_init, curl_global_init), S(easy_init, curl_easy_init), S(easy_setopt, curl_easy_setopt),
                S(easy_perform, curl_easy_perform), S(easy_getinfo, curl_easy_getinfo),
                S(easy_cleanup, curl_easy_cleanup), S(easy_strerror, curl_easy_strerror),
                S(slist_append, curl_slist_append), S(slist_free_all, curl_slist_free_all),
                S(share_init, curl_share_init), S(share_setopt, curl_share_setopt),
                S(share_cleanup, curl_share_cleanup),
#undef S
        };

        *api = (struct husk_curl_api) { 0 };
        api->lib = dlopen(HUSK_LIBCURL_PATH, RTLD_NOW | RTLD_LOCAL);
        if (!api->lib)
                return husk_error_set(err, ENOTSUP, "cannot load %s: %s", HUSK_LIBCURL_PATH, dlerror());
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(syms); i++) {
                void *p = dlsym(api->lib, syms[i].name);

                if (!p) {
                        husk_curl_api_unload(api);
                        return husk_error_set(err, ENOTSUP, "%s has no %s", HUSK_LIBCURL_PATH, syms[i].name);
                }
                /* A data pointer to a function pointer: what dlsym() is for (POSIX guarantees it). */
                memcpy((char *) api + syms[i].off, &p, sizeof(p));
        }
        /* Not thread-safe before libcurl 7.84: done here, before the pull starts its threads. */
        if (api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                husk_curl_api_unload(api);
                return husk_error_set(err, EIO, "curl_global_init failed");
        }
        return 0;
}

void husk_curl_api_unload(struct husk_curl_api *api)
{
        /* No curl_global_cleanup() and no dlclose(): OpenSSL's atexit handlers would run after the
           library went away. The mapping stays until exit, as a linked library would. */
        api->lib = NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded with dlopen() on the first registry operation: the `husk` binary does not link it, so
 * commands that never talk to a registry (run, ps, images...) do not pay for loading libcurl and the
 * ~30 libraries behind it (~5 ms measured at start-up); husk-runtime never sees it at all.
 */
#pragma once

#include <curl/curl.h>

#include "util/error.h"

#define SYM(name, fn) __typeof__(&fn) name
struct husk_curl_api {
        void *lib;
        SYM(global_init, curl_global_init);
        SYM(easy_init, curl_easy_init);
        SYM(easy_setopt, curl_easy_setopt);
        SYM(easy_perform, curl_easy_perform);
        SYM(easy_getinfo, curl_easy_getinfo);
        SYM(easy_cleanup, curl_easy_cleanup);
        SYM(easy_strerror, curl_easy_strerror);
        SYM(slist_append, curl_slist_append);
        SYM(slist_free_all, curl_slist_free_all);
        SYM(share_init, curl_share_init);
        SYM(share_setopt, curl_share_setopt);
        SYM(share_cleanup, curl_share_cleanup);
};
#undef SYM

/* Load libcurl (HUSK_LIBCURL_PATH) and curl_global_init() it. Call before any thread uses it. */
int husk_curl_api_load(struct husk_curl_api *api, struct husk_error *err);
void husk_curl_api_unload(struct husk_curl_api *api);

/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/endpoints.h"

int husk_endpoint_set_open(struct husk_endpoint_set *set, const struct husk_registry_opts *opts, const char *domain,
                           const char *path, bool pull, struct husk_error *err)
{
        int r;

        *set = (struct husk_endpoint_set) { .opts = opts };
        r = husk_registries_conf_load(opts->registries_conf, &set->conf, err);
        if (r < 0)
                return r;
        r = husk_registries_endpoints(&set->conf, domain, path, pull, &set->eps, &set->n, err);
        if (r < 0)
                return r;
        return husk_http_new(&set->http, err);
}

void husk_endpoint_set_free(struct husk_endpoint_set *set)
{
        husk_http_free(set->http);
        husk_endpoints_free(set->eps, set->n);
        husk_registries_conf_free(&set->conf);
        *set = (struct husk_endpoint_set) { 0 };
}

int husk_endpoint_session(struct husk_endpoint_set *set, size_t i, const char *actions, struct husk_session **ret,
                          struct husk_error *err)
{
        struct husk_session_opts o = {
                .endpoint = &set->eps[i], .actions = actions, .creds = set->opts->creds,
                .authfile = set->opts->authfile, .tls_verify = set->opts->tls_verify,
        };

        return husk_session_open(set->http, &o, ret, err);
}

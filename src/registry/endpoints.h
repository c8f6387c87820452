/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The endpoints of one repository with what every operation needs to talk to them: the HTTP client,
 * the registries setting, the options (credentials, --tls-verify). Shared by pull and push.
 */
#pragma once

#include "registry/http.h"
#include "registry/registries_conf.h"
#include "registry/registry.h"
#include "registry/session.h"

struct husk_endpoint_set {
        const struct husk_registry_opts *opts;
        struct husk_http *http;
        struct husk_registries_conf conf;
        struct husk_endpoint *eps;
        size_t n;
};

int husk_endpoint_set_open(struct husk_endpoint_set *set, const struct husk_registry_opts *opts, const char *domain,
                           const char *path, bool pull, struct husk_error *err);
void husk_endpoint_set_free(struct husk_endpoint_set *set);

/* A session with endpoint i for actions ("pull", "pull,push"). */
int husk_endpoint_session(struct husk_endpoint_set *set, size_t i, const char *actions, struct husk_session **ret,
                          struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a repository is pulled from and pushed to: containers-registries.conf(5)'s model (a prefix
 * rewritten to a location, pull-only mirrors tried first, insecure registries) in a JSON file,
 * /etc/husk/registries.json ($HUSK_REGISTRIES_CONF names another; a missing file is an empty setting):
 *   {
 *     "registries": [
 *       {"prefix": "docker.io", "mirrors": [{"location": "127.0.0.1:5000/hub", "insecure": true}]},
 *       {"prefix": "registry.corp", "location": "registry.corp:8443", "insecure": true}
 *     ],
 *     "insecure-registries": ["10.0.0.5:5000"]
 *   }
 * "insecure" allows plain HTTP and TLS without verification. Like Docker, loopback registries
 * (localhost, 127.0.0.0/8, ::1) are insecure without saying so.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

#define HUSK_REGISTRIES_CONF "/etc/husk/registries.json"

struct husk_mirror {
        char *location;         /* "host[:port][/path]" */
        bool insecure;
};

struct husk_registry_entry {
        char *prefix;           /* "domain[/path]" */
        char *location;         /* NULL: the prefix itself */
        bool insecure;
        struct husk_mirror *mirrors;
        size_t n_mirrors;
};

struct husk_registries_conf {
        struct husk_registry_entry *entries;
        size_t n_entries;
        char **insecure;        /* NULL-terminated domains */
};

/* path NULL: $HUSK_REGISTRIES_CONF, else HUSK_REGISTRIES_CONF. */
int husk_registries_conf_load(const char *path, struct husk_registries_conf *ret, struct husk_error *err);
int husk_registries_conf_parse(const char *json, size_t len, const char *what, struct husk_registries_conf *ret,
                               struct husk_error *err);
void husk_registries_conf_free(struct husk_registries_conf *c);

/* One place to talk to about a repository. */
struct husk_endpoint {
        char *domain;           /* as named ("docker.io", "127.0.0.1:5000") */
        char *host;             /* where the API is ("registry-1.docker.io", "127.0.0.1:5000") */
        char *path;             /* the repository's path there ("library/busybox") */
        bool insecure;
        bool mirror;
};
void husk_endpoints_free(struct husk_endpoint *e, size_t n);

/*
 * The endpoints of repository domain/path in the order to try them: for a pull the mirrors of the
 * longest matching prefix, then the (rewritten) registry itself; for a push only the latter.
 */
int husk_registries_endpoints(const struct husk_registries_conf *c, const char *domain, const char *path, bool pull,
                              struct husk_endpoint **ret, size_t *ret_n, struct husk_error *err);

/* localhost, 127.0.0.0/8, ::1 (with or without a port). */
bool husk_host_is_loopback(const char *host);

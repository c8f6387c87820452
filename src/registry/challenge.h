/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WWW-Authenticate challenges (RFC 7235 §4.1, RFC 6750 §3) as registries send them on a 401:
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"
 *   Basic realm="Registry Realm"
 * The header comes from the network: the parser is pure, bounded, and fuzzed (tests/fuzz).
 */
#pragma once

#include <stddef.h>

#include "util/error.h"

enum husk_auth_scheme {
        HUSK_AUTH_BASIC = 1,
        HUSK_AUTH_BEARER,
};

struct husk_auth_challenge {
        enum husk_auth_scheme scheme;
        char *realm;            /* Bearer: the token endpoint (required); Basic: a label (may be NULL) */
        char *service;          /* may be NULL */
        char *scope;            /* may be NULL */
};

/* A header longer than this is refused rather than parsed. */
#define HUSK_CHALLENGE_MAX 8192

/*
 * Parse one WWW-Authenticate value, which may hold several challenges ("Bearer ..., Basic ..."), and
 * return the one husk will answer: the first Bearer, else the first Basic. Unknown schemes are skipped.
 * -EINVAL (the message quotes what was wrong) for a malformed value, a duplicated parameter, a Bearer
 * without realm or with a realm that is not an http(s) URL; -ENOTSUP when no challenge is Bearer or Basic.
 */
int husk_auth_challenge_parse(const char *value, size_t len, struct husk_auth_challenge *ret, struct husk_error *err);
void husk_auth_challenge_free(struct husk_auth_challenge *c);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the WWW-Authenticate parser (untrusted: any registry or man in the middle of an
 * insecure one writes it), and the auth-file and base64 decoders beside it. Whatever parses must hold
 * the parser's promises: a Bearer has an http(s) realm, strings have no control characters.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/auth_file.h"
#include "registry/base64.h"
#include "registry/challenge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *s)
{
        for (; s && *s; s++)
                if ((unsigned char) *s < 0x20 && *s != '\t')
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct husk_error err = { 0 };
        struct husk_auth_challenge c = { 0 };
        struct husk_credentials cred = { 0 };
        char *dec = NULL;
        size_t n;

        if (husk_auth_challenge_parse((const char *) data, size, &c, &err) == 0) {
                if (c.scheme != HUSK_AUTH_BASIC && c.scheme != HUSK_AUTH_BEARER)
                        abort();
                if (c.scheme == HUSK_AUTH_BEARER &&
                    (!c.realm || (strncmp(c.realm, "http://", 7) != 0 && strncmp(c.realm, "https://", 8) != 0 &&
                                  strncasecmp(c.realm, "http", 4) != 0)))
                        abort();
                check_clean(c.realm);
                check_clean(c.service);
                check_clean(c.scope);
                husk_auth_challenge_free(&c);
        }
        if (husk_base64_decode((const char *) data, size, &dec, &n) == 0) {
                char *enc = husk_base64_encode(dec, n);

                if (!enc)
                        abort();
                free(enc);
                free(dec);
        }
        if (husk_auth_lookup_json((const char *) data, size, "auth.json", "r.io", "a/b", &cred, &err) == 0) {
                if (!cred.username || !cred.password)
                        abort();
                husk_credentials_free(&cred);
        }
        return 0;
}

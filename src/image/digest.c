/* SPDX-License-Identifier: Apache-2.0 */
#include "image/digest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct husk_digester {
        EVP_MD_CTX *ctx;
        uint64_t bytes;
};

struct husk_digester *husk_digester_new(void)
{
        struct husk_digester *d = calloc(1, sizeof(*d));

        if (!d)
                return NULL;
        d->ctx = EVP_MD_CTX_new();
        if (!d->ctx || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
                husk_digester_free(d);
                return NULL;
        }
        return d;
}

void husk_digester_update(struct husk_digester *d, const void *data, size_t len)
{
        (void) EVP_DigestUpdate(d->ctx, data, len);
        d->bytes += len;
}

static void hex(const unsigned char *md, unsigned int n, char *out)
{
        static const char digits[] = "0123456789abcdef";

        for (unsigned int i = 0; i < n; i++) {
                out[2 * i] = digits[md[i] >> 4];
                out[2 * i + 1] = digits[md[i] & 0xf];
        }
        out[2 * n] = '\0';
}

void husk_digester_final(struct husk_digester *d, char ret[static HUSK_DIGEST_LEN])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;

        (void) EVP_DigestFinal_ex(d->ctx, md, &n);
        memcpy(ret, "sha256:", 7);
        hex(md, n, ret + 7);
}

void husk_digester_reset(struct husk_digester *d)
{
        (void) EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL);
        d->bytes = 0;
}

uint64_t husk_digester_bytes(const struct husk_digester *d)
{
        return d->bytes;
}

void husk_digester_free(struct husk_digester *d)
{
        if (!d)
                return;
        EVP_MD_CTX_free(d->ctx);
        free(d);
}

void husk_digest_buf(const void *data, size_t len, char ret[static HUSK_DIGEST_LEN])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;

        (void) EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
        memcpy(ret, "sha256:", 7);
        hex(md, n, ret + 7);
}

bool husk_digest_is_valid(const char *s)
{
        if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
                return false;
        for (const char *p = s + 7; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

int husk_digest_validate(const char *s, const char *what, struct husk_error *err)
{
        if (!s)
                return husk_error_set(err, EINVAL, "%s: missing digest", what);
        if (strncmp(s, "sha256:", 7) != 0 && strchr(s, ':'))
                return husk_error_set(err, EINVAL, "%s: unsupported digest algorithm in \"%.80s\" (only sha256)",
                                      what, s);
        if (!husk_digest_is_valid(s))
                return husk_error_set(err, EINVAL, "%s: invalid digest \"%.80s\" (want sha256: and 64 lowercase hex digits)",
                                      what, s);
        return 0;
}

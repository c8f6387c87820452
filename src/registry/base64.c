/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "registry/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *husk_base64_encode(const void *data, size_t len)
{
        const unsigned char *p = data;
        char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t) p[i] << 16;

                if (i + 1 < len)
                        v |= (uint32_t) p[i + 1] << 8;
                if (i + 2 < len)
                        v |= p[i + 2];
                *o++ = alphabet[(v >> 18) & 63];
                *o++ = alphabet[(v >> 12) & 63];
                *o++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
                *o++ = i + 2 < len ? alphabet[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

static int value_of(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

int husk_base64_decode(const char *s, size_t len, char **ret, size_t *ret_len)
{
        size_t pad = 0, n = 0;
        char *out;

        /* Up to two '=' at the end only; then the rest must be whole quantums or a 2/3-char tail. */
        while (len > 0 && s[len - 1] == '=' && pad < 2) {
                len--;
                pad++;
        }
        if (len % 4 == 1 || (pad && (len + pad) % 4 != 0))
                return -EINVAL;
        out = malloc(len / 4 * 3 + 3);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i += 4) {
                uint32_t v = 0;
                size_t k = len - i < 4 ? len - i : 4;

                for (size_t j = 0; j < 4; j++) {
                        int c = j < k ? value_of(s[i + j]) : 0;

                        if (c < 0) {
                                free(out);
                                return -EINVAL;
                        }
                        v = v << 6 | (uint32_t) c;
                }
                out[n++] = (char) (v >> 16);
                if (k > 2)
                        out[n++] = (char) (v >> 8);
                if (k > 3)
                        out[n++] = (char) v;
        }
        out[n] = '\0';
        *ret = out;
        *ret_len = n;
        return 0;
}

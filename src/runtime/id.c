/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "runtime/runtime.h"

#define HUSK_ID_MAX 1024

static bool id_char_ok(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '+' || c == '-' || c == '.';
}

int husk_validate_id(const char *id, struct husk_error *err)
{
        if (!id || id[0] == '\0')
                return husk_error_set(err, EINVAL, "invalid container id \"\": must not be empty");

        /* The id becomes a directory name under the state root: "." and ".." would alias the root
         * or its parent. */
        if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
                return husk_error_set(err, EINVAL, "invalid container id \"%s\": must not be \".\" or \"..\"", id);

        size_t n = strnlen(id, HUSK_ID_MAX + 1);
        if (n > HUSK_ID_MAX)
                return husk_error_set(err, EINVAL, "invalid container id \"%.32s...\": longer than %d bytes", id,
                                      HUSK_ID_MAX);

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) id[i];
                if (id_char_ok(c))
                        continue;
                /* Quote the id only up to the bad character: it may be a control character that
                 * would garble a terminal. */
                if (c >= 0x20 && c < 0x7f)
                        return husk_error_set(err, EINVAL,
                                              "invalid container id \"%s\": character '%c' is not allowed "
                                              "(only A-Z a-z 0-9 _ + - .)",
                                              id, c);
                return husk_error_set(err, EINVAL,
                                      "invalid container id \"%.*s\\x%02x...\": byte 0x%02x is not allowed "
                                      "(only A-Z a-z 0-9 _ + - .)",
                                      (int) i, id, c, c);
        }
        return 0;
}

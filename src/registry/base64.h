/* SPDX-License-Identifier: Apache-2.0 */
/* Standard base64 (RFC 4648 §4, with padding): the "auth" field of auth files and HTTP basic auth. */
#pragma once

#include <stddef.h>

/* A NUL-terminated encoding of data; NULL on ENOMEM. */
char *husk_base64_encode(const void *data, size_t len);

/*
 * Decode s (whitespace not allowed; padding required as RFC 4648 says, but a missing final padding is
 * accepted since some tools drop it). *ret is NUL-terminated (so text decodes to a C string), *ret_len
 * excludes the NUL. -EINVAL on a character outside the alphabet or a bad length, -ENOMEM.
 */
int husk_base64_decode(const char *s, size_t len, char **ret, size_t *ret_len);

/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the oci tests: locating tests/data from the test binary, parsing inline text. */
#pragma once

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "oci/config.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* tests/data/<rel>. __FILE__ is relative to the build directory (ninja runs the compiler there) or
 * absolute; the build directory is three levels above the test binary (build/tests/unit/test_x). */
static inline const char *oci_test_data(const char *rel, char buf[static PATH_MAX])
{
        const char *src = __FILE__; /* .../tests/unit/oci/oci_test.h */
        const char *cut = strstr(src, "tests/unit/oci/");
        int srclen = cut ? (int) (cut - src) : 0;
        if (src[0] == '/') {
                if (snprintf(buf, PATH_MAX, "%.*stests/data/%s", srclen, src, rel) >= PATH_MAX)
                        buf[0] = '\0';
                return buf;
        }
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n < 0)
                n = 0;
        exe[n] = '\0';
        for (int i = 0; i < 3; i++) {
                char *slash = strrchr(exe, '/');
                if (slash)
                        *slash = '\0';
        }
        if (snprintf(buf, PATH_MAX, "%s/%.*stests/data/%s", exe, srclen, src, rel) >= PATH_MAX)
                buf[0] = '\0';
        return buf;
}

/* Parse inline JSON named "config.json". */
static inline int oci_parse_str(const char *json, struct husk_spec **spec, struct husk_error *err)
{
        return husk_config_parse(json, strlen(json), "config.json", spec, err);
}

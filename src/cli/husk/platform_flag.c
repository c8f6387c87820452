/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/husk/platform_flag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int husk_platform_flag_parse(const char *s, struct husk_platform *ret, char **ret_buf, struct husk_error *err)
{
        char *buf = strdup(s);
        char *parts[3] = { 0 };
        size_t n = 0;

        if (!buf)
                return husk_error_errno(err, ENOMEM, "--platform");
        for (char *p = buf, *slash; p; p = slash ? slash + 1 : NULL) {
                slash = strchr(p, '/');
                if (slash)
                        *slash = '\0';
                if (n == 3 || !*p) {
                        free(buf);
                        return husk_error_set(err, EINVAL, "invalid platform \"%s\": expected os[/arch[/variant]]", s);
                }
                parts[n++] = p;
        }
        *ret = (struct husk_platform){ .os = parts[0], .architecture = parts[1], .variant = parts[2] };
        *ret_buf = buf;
        return 0;
}

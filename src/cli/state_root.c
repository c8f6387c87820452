/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/state_root.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *cli_default_state_root(char *buf, size_t size)
{
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (geteuid() != 0 && xdg && *xdg) {
                int n = snprintf(buf, size, "%s/husk", xdg);
                if (n > 0 && (size_t) n < size)
                        return buf;
        }
        return "/run/husk";
}

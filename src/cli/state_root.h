/* SPDX-License-Identifier: Apache-2.0 */
/* The default state root of husk-runtime and husk. */
#pragma once

#include <stddef.h>

/* As runc: root's state in /run/husk; an unprivileged caller's in $XDG_RUNTIME_DIR/husk. Returns buf or a
   static string. */
const char *cli_default_state_root(char *buf, size_t size);

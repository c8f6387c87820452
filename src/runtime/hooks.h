/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks: each gets the container state on stdin; a timeout kills it; failure is reported. */
#pragma once

#include "oci/spec.h"
#include "util/error.h"

/* Run every hook of the list in order, each with state_json on stdin (fork + execve of hook->path with
 * hook->args and hook->env, nothing else inherited but stderr). Stops at the first one that fails
 * (non-zero exit, signal, timeout); the error names the kind ("poststart"), the path and the reason. */
int husk_hooks_run(const struct husk_hook_list *list, const char *kind, const char *state_json,
                   struct husk_error *err);

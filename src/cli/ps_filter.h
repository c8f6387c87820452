/* SPDX-License-Identifier: Apache-2.0 */
/* `ps` in table format: ps's output narrowed to the container's processes. Pure, for tests. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Keep ps's header line and the lines whose PID column (found by name in the header, as runc does)
 * is one of pids (sorted ascending). EINVAL when there is no PID column or a line's PID is not a
 * number. *ret is the result, caller frees. */
int cli_ps_filter(const char *ps_output, const pid_t *pids, size_t n, char **ret, struct husk_error *err);

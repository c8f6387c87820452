/* SPDX-License-Identifier: Apache-2.0 */
/* The `list` table, laid out as runc's Go tabwriter(minwidth 12, padding 3, ' ') lays it out,
 * since scripts cut its columns. Pure, for tests. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct cli_list_row {
        const char *id;
        pid_t pid;
        const char *status, *bundle, *created, *owner;
};

/* The header line and one line per row; the caller frees *ret. -ENOMEM on failure. */
int cli_list_table(const struct cli_list_row *rows, size_t n, char **ret);

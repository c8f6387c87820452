/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running nft commands through libnftables, which is dlopen()ed here, when a network is changed: the
 * `husk` binary does not load it (nor its libnftnl, libgmp, libxtables...) for commands that never
 * touch a network. Only its header is used at build time.
 */
#pragma once

#include <stdbool.h>

#include "util/error.h"

struct husk_nft;

int husk_nft_open(struct husk_nft **ret, struct husk_error *err);
void husk_nft_close(struct husk_nft *n);
static inline void husk_nft_closep(struct husk_nft **n)
{
        if (*n)
                husk_nft_close(*n);
}

/* One transaction (all lines or none). -EEXIST / -ENOENT / -EIO, the message holds nft's words. */
int husk_nft_run(struct husk_nft *n, const char *cmds, struct husk_error *err);
/* As husk_nft_run, and *ret_out is what it printed (for `get element`), NULL when nothing. */
int husk_nft_run_output(struct husk_nft *n, const char *cmds, char **ret_out, struct husk_error *err);
/* Each line on its own, failures ignored (removal of what may be gone already). */
void husk_nft_run_each(struct husk_nft *n, const char *cmds);

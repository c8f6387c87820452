/* SPDX-License-Identifier: Apache-2.0 */
/* `husk run/create --pull missing|always|never`: the image pulled first when the policy says so. */
#pragma once

#include "cli/husk/husk.h"
#include "image/store.h"

#define HUSK_PULL_POLICY_USAGE "Pull image before running (\"always\", \"missing\", \"never\") (default \"missing\")"

/*
 * policy NULL means "missing": pull when the store has no such image. Output as Docker's run: "Unable
 * to find image 'X' locally", then the pull's status lines, all on stderr (stdout is the container's).
 * Returns 0, or the exit code after reporting.
 */
int husk_cli_pull_policy(const struct husk_ctx *ctx, struct husk_store *store, const char *image, const char *policy);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image names as the image commands show and match them. The store keeps normalised names
 * ("docker.io/library/busybox:latest"); Docker shows them "familiar" ("busybox", "localhost:5000/x").
 * Pure.
 */
#pragma once

#include <stdbool.h>

/* "domain/path:tag" into its repository and tag ("<none>" without one). 0 or -ENOMEM. */
int husk_name_split(const char *name, char **ret_repo, char **ret_tag);

/* distribution/reference's FamiliarName: "docker.io/library/busybox" -> "busybox",
   "docker.io/me/x" -> "me/x"; others unchanged. Returns a pointer into repo. */
const char *husk_name_familiar(const char *repo);

/*
 * Docker's `reference=PATTERN` filter (reference.FamiliarMatch): path.Match-style globs ('*' stops at
 * '/') against the familiar "repo:tag" and the familiar repo; husk also tries the normalised forms, so
 * `docker.io/library/busybox` matches as the user typed it.
 */
bool husk_name_match(const char *pattern, const char *repo, const char *tag);

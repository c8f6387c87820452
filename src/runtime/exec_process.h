/* SPDX-License-Identifier: Apache-2.0 */
/* The process `exec` runs (exec_process.c). Internal to libhusk; pure, unit-tested. */
#pragma once

#include "oci/spec.h"
#include "runtime/runtime.h"
#include "util/error.h"

/*
 * Turn p, the container's process (from its config.json copy), into the process to exec: the fields
 * `file` (a parsed process.json, or NULL) sets replace p's (what they replace moves into file, which
 * the caller still frees), otherwise o->args; then the overrides of o (env appended, cwd, user,
 * additional gids, capabilities added, noNewPrivileges, labels). Errors name the flag or field.
 */
int husk_exec_build_process(struct husk_process *p, struct husk_process *file, const struct husk_exec_opts *o,
                            struct husk_error *err);

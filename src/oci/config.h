/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json parsing and validation. Errors name the file and the JSON path
 * ("config.json: process.args: must be a non-empty array of strings"); unknown fields are ignored,
 * as runtime-spec requires. Every field of the Linux spec is parsed and validated, including those
 * the runtime does not act on yet.
 */
#pragma once

#include "oci/spec.h"
#include "util/error.h"

/* Parse a config from memory. `name` is used as the prefix of error messages ("config.json"). */
int husk_config_parse(const char *data, size_t len, const char *name, struct husk_spec **ret, struct husk_error *err);

/* A process object on its own, as `exec --process FILE` reads it (config.json's "process", runc's
 * format). `name` prefixes errors ("process.json: args: must be a non-empty array of strings").
 * On success *ret is filled; release it with husk_process_free_contents(). */
int husk_process_parse(const char *data, size_t len, const char *name, struct husk_process *ret,
                       struct husk_error *err);

/* Read and parse a file. */
int husk_config_load(const char *path, struct husk_spec **ret, struct husk_error *err);

/* The default config.json of `husk-runtime spec` (as runc's: busybox-friendly "sh", terminal true),
 * or the rootless variant (user namespace with the caller's ids mapped, no network namespace...).
 * Returned as pretty-printed JSON text, caller frees. */
int husk_config_default_json(bool rootless, uid_t uid, gid_t gid, char **ret, struct husk_error *err);

/* A linux.resources object on its own, as `update -r FILE` reads it (runc's format). Only the fields
 * present are set (their has_* flags say so). `name` prefixes errors ("resources.json: memory.limit: ...").
 * On success *ret is filled; release it with husk_resources_free_contents(). */
int husk_resources_parse(const char *data, size_t len, const char *name, struct husk_resources *ret,
                         struct husk_error *err);
/* Free what a struct husk_resources points to (not the struct itself). */
void husk_resources_free_contents(struct husk_resources *r);

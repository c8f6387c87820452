/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parsers of the lifecycle options (run_life.c uses them; unit-tested in
 * tests/unit/husk/test_husk_life_parse.c). Values come out in Docker's inspect shapes.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "util/error.h"

/*
 * Docker's key=value files (--env-file, --label-file; opts/file.go): one entry a line, leading
 * whitespace dropped, empty lines and lines starting with '#' skipped, no quote processing, a '\r'
 * before the '\n' dropped. A line without '=' is a pass-through: lookup (NULL: none) gives its value
 * ("KEY=value" is appended), and when it has none the line is skipped. A name with whitespace or an
 * empty name is refused naming file and line. The entries are appended to *env (NULL-terminated,
 * grown with realloc; *n entries).
 */
int husk_kv_file_parse(const char *data, size_t len, const char *file, const char *(*lookup)(const char *name),
                       char ***env, size_t *n, struct husk_error *err);

/* --restart no|always|unless-stopped|on-failure[:N] as HostConfig.RestartPolicy
 * {"Name": ..., "MaximumRetryCount": N}. */
int husk_restart_policy_parse(const char *s, json_t **ret, struct husk_error *err);

/* A --health-* duration (Go's time.ParseDuration) in ns; flag names the option in errors. */
int husk_health_duration_parse(const char *flag, const char *s, int64_t *ret, struct husk_error *err);

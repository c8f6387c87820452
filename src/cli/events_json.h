/* SPDX-License-Identifier: Apache-2.0 */
/* `events`: what runc prints (types/events.go, Go's json.Encoder), and Go's duration syntax. Pure. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "runtime/cgroup/cgroup.h"

/* Go's time.ParseDuration: "5s", "1.5h", "300ms", "2h45m", "-1s", "0"; units ns us µs μs ms s m h.
 * -EINVAL for anything else, -ERANGE past int64 nanoseconds. */
int cli_parse_duration(const char *s, int64_t *ret_ns);

/* One line each: {"type":"stats","id":ID,"data":{...runc's Stats...}} and {"type":"oom","id":ID}.
 * Returns 0, or -errno when f failed. */
int cli_events_write_stats(FILE *f, const char *id, const struct husk_cgroup_stats *s);
int cli_events_write_oom(FILE *f, const char *id);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --log-driver and --log-opt (log_config.c): kept as HostConfig.LogConfig {"Type", "Config"}, read
 * back by the monitor (which file, what format, when to rotate) and by `husk logs`.
 * Drivers: json-file (the default), k8s-file (podman's CRI format), none (no log; logs refuses).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/container.h"
#include "engine/logfile.h"
#include "util/error.h"

struct husk_log_opts {
        bool none;                      /* --log-driver none */
        enum husk_log_format format;
        int64_t max_size;               /* bytes, 0: no rotation */
        int max_files;                  /* >= 1 */
};

/* --log-driver (NULL: json-file) and --log-opt KEY=VALUE... as LogConfig: json-file and k8s-file take
 * max-size (go-units FromHumanSize as Docker's json-file: "10m" is 10,000,000 bytes; > 0) and
 * max-file (>= 1, more than 1 only with max-size, as Docker); none takes nothing. Errors name the
 * option. */
int husk_log_config_parse(const char *driver, char *const *opts, size_t n, json_t **ret, struct husk_error *err);

/* The options of a container's record (no LogConfig: json-file, no rotation). */
int husk_log_opts_get(const struct husk_ctr *c, struct husk_log_opts *ret, struct husk_error *err);

/*
 * The monitor's side, before it becomes husk-monitor: open the log (*ret_fd, -1 for none) in the
 * container's directory and put HUSK_MONITOR_LOG into the environment (husk-monitor.c), with dirfd
 * kept open across the exec for rotation.
 */
int husk_log_open_for_monitor(const struct husk_ctr *c, int dirfd, int *ret_fd, struct husk_error *err);

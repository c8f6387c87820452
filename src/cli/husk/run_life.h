/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lifecycle options of `husk run` / `husk create` (run_life.c): --label/-l, --label-file,
 * --env-file, --cidfile, --restart, --log-driver, --log-opt and the health check flags. They are kept
 * in the record by Docker's names: Config.Labels, Config.Healthcheck, HostConfig.RestartPolicy,
 * HostConfig.LogConfig, HostConfig.ContainerIDFile (engine/container.h); --env-file adds to the
 * record's Env.
 */
#pragma once

#include "cli/args.h"
#include "cli/husk/husk.h"
#include "engine/container.h"

struct run_life_flags {
        struct arg_strings labels, label_files, env_files, log_opts;
        const char *cidfile, *restart, *log_driver, *health_cmd, *health_interval, *health_timeout,
                *health_retries, *health_start_period;
        bool no_healthcheck;
};

/* ARG_OPT lines for struct run_flags S, whose member `life` is a struct run_life_flags. */
#define RUN_LIFE_OPTS(S)                                                                                          \
        ARG_OPT("label", "l", ARG_STRINGS, S, life.labels, "Set meta data on a container"),                       \
        ARG_OPT("label-file", NULL, ARG_STRINGS, S, life.label_files, "Read in a line delimited file of labels"),  \
        ARG_OPT("env-file", NULL, ARG_STRINGS, S, life.env_files, "Read in a file of environment variables"),     \
        ARG_OPT("cidfile", NULL, ARG_STRING, S, life.cidfile, "Write the container ID to the file"),              \
        ARG_OPT("restart", NULL, ARG_STRING, S, life.restart,                                                     \
                "Restart policy to apply when a container exits (no, on-failure[:N], always, unless-stopped)"),  \
        ARG_OPT("log-driver", NULL, ARG_STRING, S, life.log_driver,                                               \
                "Logging driver for the container: json-file (default), k8s-file, none"),                       \
        ARG_OPT("log-opt", NULL, ARG_STRINGS, S, life.log_opts, "Log driver options (max-size=10m, max-file=3)"), \
        ARG_OPT("health-cmd", NULL, ARG_STRING, S, life.health_cmd, "Command to run to check health"),            \
        ARG_OPT("health-interval", NULL, ARG_STRING, S, life.health_interval,                                     \
                "Time between running the check (ms|s|m|h) (default 30s)"),                                       \
        ARG_OPT("health-timeout", NULL, ARG_STRING, S, life.health_timeout,                                       \
                "Maximum time to allow one check to run (ms|s|m|h) (default 30s)"),                               \
        ARG_OPT("health-retries", NULL, ARG_STRING, S, life.health_retries,                                       \
                "Consecutive failures needed to report unhealthy (default 3)"),                                   \
        ARG_OPT("health-start-period", NULL, ARG_STRING, S, life.health_start_period,                             \
                "Start period for the container to initialize before counting retries (ms|s|m|h) (default 0s)"),  \
        ARG_OPT("no-healthcheck", NULL, ARG_BOOL, S, life.no_healthcheck, "Disable any container-specified HEALTHCHECK")

/*
 * Check the options and put them into cfg (host_config and ctr_config made already; cfg->env holds
 * the -e values, which win over --env-file's). Errors are printed; returns 0 or HUSK_EXIT_ERROR.
 */
int husk_run_life_apply(const struct husk_ctx *ctx, const struct run_life_flags *f, struct husk_ctr_config *cfg);

/* After the container c was made: --cidfile written (it must not exist, as Docker). Errors are
 * printed; returns 0 or HUSK_EXIT_ERROR. */
int husk_run_life_created(const struct husk_ctx *ctx, const struct run_life_flags *f, const struct husk_ctr *c);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security and namespace options of `husk run` and `husk create` (engine/security.h): their
 * flags, a sub-struct of cmd_run.c's struct run_flags, and their check into the record's host_config.
 */
#pragma once

#include "cli/husk/husk.h"
#include "engine/container.h"

struct run_sec_flags {
        bool privileged, read_only, init;
        const char *shm_size, *pid, *ipc, *uts, *userns, *cgroupns;
        struct arg_strings cap_add, cap_drop, security_opt, device, device_cgroup_rule, group_add, sysctl;
};

#define RUN_SEC_OPTS(S, F)                                                                                       \
        ARG_OPT("cap-add", NULL, ARG_STRINGS, S, F.cap_add, "Add Linux capabilities (NAME, CAP_NAME or ALL)"),  \
        ARG_OPT("cap-drop", NULL, ARG_STRINGS, S, F.cap_drop, "Drop Linux capabilities (NAME, CAP_NAME or ALL)"), \
        ARG_OPT("privileged", NULL, ARG_BOOL, S, F.privileged, "Give extended privileges to this container"),   \
        ARG_OPT("security-opt", NULL, ARG_STRINGS, S, F.security_opt,                                            \
                "Security options (seccomp=FILE|unconfined, no-new-privileges, apparmor=, label=, "               \
                "systempaths=unconfined, mask=, unmask=)"),                                                      \
        ARG_OPT("device", NULL, ARG_STRINGS, S, F.device,                                                        \
                "Add a host device to the container (HOST[:CONTAINER][:PERMS])"),                                 \
        ARG_OPT("device-cgroup-rule", NULL, ARG_STRINGS, S, F.device_cgroup_rule,                                \
                "Add a rule to the cgroup allowed devices list (\"c 1:3 rwm\")"),                                 \
        ARG_OPT("read-only", NULL, ARG_BOOL, S, F.read_only, "Mount the container's root filesystem as read only"), \
        ARG_OPT("group-add", NULL, ARG_STRINGS, S, F.group_add, "Add additional groups to join"),              \
        ARG_OPT("sysctl", NULL, ARG_STRINGS, S, F.sysctl, "Sysctl options (namespaced ones only)"),             \
        ARG_OPT("shm-size", NULL, ARG_STRING, S, F.shm_size, "Size of /dev/shm (default 64m)"),                  \
        ARG_OPT("pid", NULL, ARG_STRING, S, F.pid, "PID namespace to use (host, container:NAME)"),              \
        ARG_OPT("ipc", NULL, ARG_STRING, S, F.ipc,                                                               \
                "IPC mode to use (private, shareable, none, host, container:NAME)"),                              \
        ARG_OPT("uts", NULL, ARG_STRING, S, F.uts, "UTS namespace to use (host)"),                              \
        ARG_OPT("cgroupns", NULL, ARG_STRING, S, F.cgroupns, "Cgroup namespace to use (host, private)"),        \
        ARG_OPT("userns", NULL, ARG_STRING, S, F.userns,                                                         \
                "User namespace to use (host, auto[:size=N]: a range of host ids of its own)"),                  \
        ARG_OPT("init", NULL, ARG_BOOL, S, F.init,                                                               \
                "Run an init inside the container that forwards signals and reaps processes")

/* Check the flags and record them in cfg->host_config by Docker's names; cfg's network and hostname
 * are set already. Returns 0 or HUSK_EXIT_ERROR (the error printed, naming the flag and value). */
int husk_run_sec_config(const struct husk_ctx *ctx, const struct run_sec_flags *f, struct husk_ctr_config *cfg);

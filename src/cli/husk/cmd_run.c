/* SPDX-License-Identifier: Apache-2.0 */
/* `husk run` and `husk create`: a container from an image (or, with --rootfs, a directory). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/containers.h"
#include "cli/husk/pull_policy.h"
#include "cli/husk/run_res.h"
#include "cli/husk/run_sec.h"
#include "cli/husk/run_life.h"
#include "cli/husk/run_tty.h"
#include "cli/husk/run_vol.h"
#include "cli/signals.h"
#include "engine/ctr_network.h"
#include "engine/ctr_volumes.h"
#include "util/cleanup.h"

/*
 * The options of each area of the engine (resources, security, mounts, terminal, lifecycle...) live
 * in the area's own files: a sub-struct here, its ARG_OPT lines (offsetof reaches into the
 * sub-struct: `res.memory`) added to RUN_OPTS, and one call in flags_to_config that checks them and
 * fills cfg->host_config / cfg->ctr_config by Docker's names (container.h).
 */
struct run_flags {
        bool detach, rm, rootfs, publish_all;
        const char *name, *workdir, *user, *entrypoint, *hostname, *network, *cgroup_parent, *stop_signal,
                *stop_timeout, *ip, *mac_address, *network_bandwidth, *pull;
        struct arg_strings env, publish, dns, add_host;
        struct run_res_flags res;
        struct run_sec_flags sec;
        struct run_life_flags life;
        struct run_tty_flags term;      /* -i, -t, --detach-keys (run_tty.h) */
        struct run_vol_flags vol;
};

#define RUN_OPTS                                                                                                 \
        ARG_OPT("name", NULL, ARG_STRING, struct run_flags, name, "Assign a name to the container"),             \
        ARG_OPT("env", "e", ARG_STRINGS, struct run_flags, env, "Set environment variables"),                    \
        ARG_OPT("workdir", "w", ARG_STRING, struct run_flags, workdir, "Working directory inside the container"), \
        ARG_OPT("user", "u", ARG_STRING, struct run_flags, user, "Username or UID (format: <name|uid>[:<group|gid>])"), \
        ARG_OPT("entrypoint", NULL, ARG_STRING, struct run_flags, entrypoint,                                    \
                "Overwrite the default ENTRYPOINT of the image"),                                                \
        ARG_OPT("hostname", "h", ARG_STRING, struct run_flags, hostname, "Container host name"),                 \
        ARG_OPT("network", NULL, ARG_STRING, struct run_flags, network,                                          \
                "Connect a container to a network: none (default), host, bridge, NAME or container:NAME"),      \
        ARG_OPT("net", NULL, ARG_STRING, struct run_flags, network, "Alias of --network"),                       \
        ARG_OPT("publish", "p", ARG_STRINGS, struct run_flags, publish,                                          \
                "Publish a container's port to the host ([HOST_IP:][HOST_PORT:]PORT[/tcp|/udp])"),              \
        ARG_OPT("publish-all", "P", ARG_BOOL, struct run_flags, publish_all,                                     \
                "Publish all exposed ports to free host ports"),                                                 \
        ARG_OPT("ip", NULL, ARG_STRING, struct run_flags, ip, "IPv4 address (e.g., 172.30.100.104)"),           \
        ARG_OPT("mac-address", NULL, ARG_STRING, struct run_flags, mac_address,                                  \
                "Container MAC address (e.g., 92:d0:c6:0a:29:33)"),                                              \
        ARG_OPT("dns", NULL, ARG_STRINGS, struct run_flags, dns, "Set custom DNS servers"),                      \
        ARG_OPT("add-host", NULL, ARG_STRINGS, struct run_flags, add_host,                                       \
                "Add a custom host-to-IP mapping (host:ip)"),                                                    \
        ARG_OPT("network-bandwidth", NULL, ARG_STRING, struct run_flags, network_bandwidth,                      \
                "Limit the container's network traffic each way (e.g. 10mbit, 500kbps)"),                        \
        ARG_OPT("pull", NULL, ARG_STRING, struct run_flags, pull, HUSK_PULL_POLICY_USAGE),                     \
        ARG_OPT("rm", NULL, ARG_BOOL, struct run_flags, rm, "Automatically remove the container when it exits"), \
        ARG_OPT("rootfs", NULL, ARG_BOOL, struct run_flags, rootfs,                                              \
                "The first argument is a directory used as the container's root as it is, not an image"),        \
        ARG_OPT("cgroup-parent", NULL, ARG_STRING, struct run_flags, cgroup_parent,                              \
                "Optional parent cgroup for the container (default \"/husk\")"),                                  \
        ARG_OPT("stop-signal", NULL, ARG_STRING, struct run_flags, stop_signal,                                  \
                "Signal to stop the container (default: the image's, else SIGTERM)"),                            \
        ARG_OPT("stop-timeout", NULL, ARG_STRING, struct run_flags, stop_timeout,                                \
                "Timeout (in seconds) to stop a container (default 10)"),                                        \
        RUN_RES_OPTS(struct run_flags, res),                                                                     \
        RUN_SEC_OPTS(struct run_flags, sec),                                                                     \
        RUN_LIFE_OPTS(struct run_flags),                                                                         \
        RUN_TTY_OPTS,                                                                                            \
        RUN_VOL_OPTS(struct run_flags, vol)

static const struct arg_opt create_opts[] = { RUN_OPTS };
static const struct arg_opt run_opts[] = {
        RUN_OPTS,
        ARG_OPT("detach", "d", ARG_BOOL, struct run_flags, detach, "Run container in background and print container ID"),
};

static int strv_from(char *const *v, size_t n, char ***ret)
{
        _cleanup_strv_ char **out = calloc(n + 1, sizeof(char *));
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(out[i] = strdup(v[i])))
                        return -ENOMEM;
        *ret = steal_ptr(out);
        return 0;
}

/* The run options as a container config; -e KEY takes KEY's value from our environment now. */
static int flags_to_config(const struct husk_ctx *ctx, const struct run_flags *f, int argc, char **argv,
                           struct husk_ctr_config *cfg)
{
        cfg->stop_timeout = -1;
        if (f->stop_timeout) {
                char *end;
                long t = strtol(f->stop_timeout, &end, 10);
                if (!*f->stop_timeout || *end || t < -1 || t > 86400 * 365)
                        return husk_usage_error(ctx, "invalid argument \"%s\" for \"--stop-timeout\" flag",
                                                f->stop_timeout);
                cfg->stop_timeout = (int) t;
        }
        if (f->stop_signal && cli_signal_parse(f->stop_signal) < 0)
                return husk_usage_error(ctx, "invalid signal: %s", f->stop_signal);
        if (argc > 1 && strv_from(argv + 1, (size_t) argc - 1, &cfg->cmd) < 0)
                return husk_failf(ctx, "out of memory");
        if (f->entrypoint) {
                cfg->has_entrypoint = true;
                char *one[] = { (char *) f->entrypoint };
                if (strv_from(one, *f->entrypoint ? 1 : 0, &cfg->entrypoint) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        cfg->env = calloc(f->env.n + 1, sizeof(char *));
        if (!cfg->env)
                return husk_failf(ctx, "out of memory");
        for (size_t i = 0, n = 0; i < f->env.n; i++) {
                const char *kv = f->env.v[i];
                if (!*kv || kv[0] == '=')
                        return husk_usage_error(ctx, "invalid environment variable: %s", kv);
                char *v;
                const char *val = strchr(kv, '=') ? NULL : getenv(kv);
                if (strchr(kv, '='))
                        v = strdup(kv);
                else if (val && asprintf(&v, "%s=%s", kv, val) < 0)
                        v = NULL;
                else if (!val)
                        continue; /* unset here: not passed, as Docker */
                if (!v)
                        return husk_failf(ctx, "out of memory");
                cfg->env[n++] = v;
        }
        struct {
                const char *src;
                char **dst;
        } strs[] = { { f->workdir, &cfg->workdir }, { f->user, &cfg->user }, { f->hostname, &cfg->hostname },
                     { f->network, &cfg->network }, { f->cgroup_parent, &cfg->cgroup_parent },
                     { f->stop_signal, &cfg->stop_signal } };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(strs); i++)
                if (strs[i].src && !(*strs[i].dst = strdup(strs[i].src)))
                        return husk_failf(ctx, "out of memory");
        if (cfg->workdir && cfg->workdir[0] != '/')
                return husk_usage_error(ctx, "the working directory '%s' is invalid, it needs to be an absolute path",
                                        cfg->workdir);
        if (cfg->cgroup_parent && cfg->cgroup_parent[0] != '/')
                return husk_usage_error(ctx, "--cgroup-parent %s: must be an absolute cgroup path", cfg->cgroup_parent);
        cfg->auto_remove = f->rm;
        cfg->host_config = json_object();
        cfg->ctr_config = json_object();
        if (!cfg->host_config || !cfg->ctr_config)
                return husk_failf(ctx, "out of memory");
        /* Each area's options, one call each (see struct run_flags). */
        int r = husk_run_res_to_config(ctx, &f->res, false, cfg->host_config);
        if (r != 0)
                return r;
        r = husk_run_sec_config(ctx, &f->sec, cfg);
        if (r != 0)
                return r;
        if (husk_run_life_apply(ctx, &f->life, cfg) != 0)
                return HUSK_EXIT_ERROR;
        r = husk_cli_run_tty_config(ctx, &f->term, f->detach, cfg);
        if (r != 0)
                return r;
        if (husk_run_vol_flags(ctx, &f->vol, cfg) != 0)
                return HUSK_EXIT_ERROR;
        return 0;
}

static int create_container(const struct husk_ctx *ctx, struct husk_engine *e, const struct run_flags *f, int argc,
                            char **argv, struct husk_ctr *ret)
{
        _cleanup_(husk_ctr_config_free_contents) struct husk_ctr_config cfg = { .stop_timeout = -1 };
        int r = flags_to_config(ctx, f, argc, argv, &cfg);
        if (r != 0)
                return r;
        struct husk_error err = { 0 };
        struct husk_store *store;
        if (husk_cli_engine_open(ctx, e, true, &err) < 0)
                return husk_fail(ctx, &err);
        /* --pull (registry's pull_policy.c): the image fetched first when the policy says so */
        if (!f->rootfs && (husk_engine_store(e, &store, &err) < 0 ||
                           (r = husk_cli_pull_policy(ctx, store, argv[0], f->pull)) != 0))
                return r != 0 ? r : husk_fail(ctx, &err);
        if (husk_engine_create(e, f->rootfs ? NULL : argv[0], f->rootfs ? argv[0] : NULL, f->name, &cfg, ret, &err) < 0)
                return husk_fail(ctx, &err);
        struct husk_ctr_net_opts net = {
                .publish = f->publish.v, .n_publish = f->publish.n, .publish_all = f->publish_all, .ip = f->ip,
                .mac = f->mac_address, .dns = f->dns.v, .n_dns = f->dns.n, .add_host = f->add_host.v,
                .n_add_host = f->add_host.n, .bandwidth = f->network_bandwidth,
        };
        if (husk_ctr_net_save(e, ret, &net, &err) < 0 || husk_ctr_vol_setup(e, ret, &err) < 0 ||
            (r = husk_run_life_created(ctx, &f->life, ret)) != 0) {
                /* No container is left behind for options that cannot work. */
                struct husk_error ignored = { 0 };
                (void) husk_engine_remove(e, ret->id, true, &ignored);
                return r != 0 ? r : husk_fail(ctx, &err);
        }
        return 0;
}

static int run_create(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = create_container(ctx, &e, flags, argc, argv, &c);
        if (r != 0)
                return r;
        printf("%s\n", c.id);
        return 0;
}

/* The container failed to start: its record says so (and --rm removed it); our exit code is Docker's. */
static int start_failed(const struct husk_ctx *ctx, const struct husk_error *err)
{
        (void) husk_fail(ctx, err);
        return husk_cli_start_exit_code(err);
}

static int run_run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct run_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = create_container(ctx, &e, f, argc, argv, &c);
        if (r != 0)
                return r;
        struct husk_error err = { 0 };
        (void) fflush(stdout);
        if (f->detach) {
                if (husk_engine_start(&e, c.id, NULL, NULL, &err) < 0)
                        return start_failed(ctx, &err);
                printf("%s\n", c.id);
                return 0;
        }
        return husk_cli_run_attached(ctx, &e, c.id, &f->term);
}

const struct husk_cmd husk_cmd_run = {
        .names = { "run", "container run" },
        .summary = "Create and run a new container from an image",
        .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        .description = "Create and run a new container from an image.\n\n"
                       "Its network is \"none\" (a network namespace of its own with only lo, up) unless\n"
                       "--network host, bridge (the default network \"husk\"), a network's name or\n"
                       "container:NAME (another container's network namespace).",
        .opts = run_opts,
        .n_opts = HUSK_ARRAY_SIZE(run_opts),
        .flags_size = sizeof(struct run_flags),
        .min_args = 1,
        .max_args = -1,
        .args_flags = ARGS_STOP_AT_POSITIONAL,
        .seal_exe = true,
        .run = run_run,
};

const struct husk_cmd husk_cmd_create = {
        .names = { "create", "container create" },
        .summary = "Create a new container",
        .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        .opts = create_opts,
        .n_opts = HUSK_ARRAY_SIZE(create_opts),
        .flags_size = sizeof(struct run_flags),
        .min_args = 1,
        .max_args = -1,
        .args_flags = ARGS_STOP_AT_POSITIONAL,
        .run = run_create,
};

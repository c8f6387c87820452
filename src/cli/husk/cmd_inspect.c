/* SPDX-License-Identifier: Apache-2.0 */
/* `husk inspect CONTAINER...`: Docker's container inspect JSON (the fields husk has). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/containers.h"
#include "engine/ctr_network.h"
#include "engine/life.h"
#include "engine/ctr_volumes.h"
#include "engine/logfile.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static json_t *strv_json(char *const *v)
{
        if (!v)
                return json_null();
        json_t *a = json_array();
        for (size_t i = 0; a && v[i]; i++)
                (void) json_array_append_new(a, json_string(v[i]));
        return a;
}

static json_t *time_json(int64_t ns)
{
        char buf[64];
        if (ns == 0)
                return json_string("0001-01-01T00:00:00Z");
        husk_time_rfc3339(ns, buf, sizeof(buf));
        return json_string(buf);
}

static json_t *container_json(const struct husk_engine *e, const struct husk_ctr *c)
{
        char dir[4096], hosts[4200], hostname[4200], resolv[4200], log[4200], name[300];
        (void) snprintf(dir, sizeof(dir), "%s/%s", husk_ctr_store_path(e->ctrs), c->id);
        (void) snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
        (void) snprintf(hostname, sizeof(hostname), "%s/hostname", dir);
        (void) snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
        (void) snprintf(log, sizeof(log), "%s/" HUSK_LOG_FILE, dir);
        (void) snprintf(name, sizeof(name), "/%s", c->name);
        bool running = c->state == HUSK_CTR_RUNNING && !c->monitor_dead;
        const char *status = running && c->paused ? "paused" : running ? "running" : c->monitor_dead ? "exited" : husk_ctr_state_to_string(c->state);
        const char *error = c->monitor_dead ? "the container's monitor died" : c->error ? c->error : "";
        json_t *state = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:o, s:o}", "Status", status, "Running",
                                  running, "Paused", running && c->paused, "Restarting", 0, "OOMKilled", 0, "Dead", c->monitor_dead,
                                  "Pid", running ? (int) c->pid : 0, "ExitCode", c->exit_code, "Error", error,
                                  "StartedAt", time_json(c->started_at), "FinishedAt", time_json(c->finished_at));
        json_t *config = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:o}", "Hostname",
                                   c->cfg.hostname ? c->cfg.hostname : "", "User", c->cfg.user ? c->cfg.user : "",
                                   "Env", strv_json(c->cfg.env), "Cmd", strv_json(c->cfg.cmd), "Entrypoint",
                                   c->cfg.has_entrypoint ? strv_json(c->cfg.entrypoint) : json_null(), "WorkingDir",
                                   c->cfg.workdir ? c->cfg.workdir : "", "Image", c->image, "StopSignal",
                                   c->cfg.stop_signal ? json_string(c->cfg.stop_signal) : json_null());
        json_t *host = json_pack("{s:s, s:b, s:s}", "NetworkMode", c->cfg.network ? c->cfg.network : "none",
                                 "AutoRemove", c->cfg.auto_remove, "CgroupParent",
                                 c->cfg.cgroup_parent ? c->cfg.cgroup_parent : "");
        /* The options each area keeps by Docker's names (container.h) */
        if (config && c->cfg.ctr_config)
                (void) json_object_update(config, c->cfg.ctr_config);
        if (host && c->cfg.host_config)
                (void) json_object_update(host, c->cfg.host_config);
        char created[64];
        husk_time_rfc3339(c->created, created, sizeof(created));
        return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s}}", "Id", c->id,
                         "Created", created, "Path", c->command && c->command[0] ? json_string(c->command[0]) : json_string(""),
                         "Args", strv_json(c->command && c->command[0] ? c->command + 1 : NULL), "State", state,
                         "Image", c->image_id[0] ? c->image_id : "", "ResolvConfPath", resolv, "HostnamePath", hostname,
                         "HostsPath", hosts, "LogPath", log, "Name", name, "Config", config, "HostConfig", host,
                         "GraphDriver", "Name", c->rootfs ? "rootfs" : c->driver ? c->driver : "overlay");
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        _cleanup_json_ json_t *out = json_array();
        int ret = 0;
        for (int i = 0; i < argc; i++) {
                char id[HUSK_CTR_ID_LEN + 1];
                _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
                if (husk_ctr_lookup(e.ctrs, argv[i], id, &err) < 0 || husk_ctr_load(e.ctrs, id, &c, &err) < 0) {
                        (void) husk_fail(ctx, &err);
                        ret = 1;
                        continue;
                }
                json_t *o = container_json(&e, &c);
                if (o)
                        (void) json_object_set_new(o, "NetworkSettings", husk_ctr_net_settings_json(&e, &c));
                if (o)
                        husk_life_inspect(e.ctrs, &c, o);
                if (o)
                        (void) json_object_set_new(o, "Mounts", husk_ctr_vol_mounts_json(&e, &c));
                if (!o || json_array_append_new(out, o) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        char *text = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        if (!text)
                return husk_failf(ctx, "out of memory");
        printf("%s\n", text);
        free(text);
        return ret;
}

const struct husk_cmd husk_cmd_inspect = {
        .names = { "inspect", "container inspect" },
        .summary = "Return low-level information on containers",
        .usage = "CONTAINER [CONTAINER...]",
        .min_args = 1,
        .max_args = -1,
        .run = run,
};

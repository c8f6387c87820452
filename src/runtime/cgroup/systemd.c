/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd cgroup driver: the container's cgroup is a transient unit that systemd creates and
 * owns (a scope with Delegate=yes, or a slice), with the limits systemd knows as unit properties. The
 * dispatcher (cgroup.c) then hands the unit's cgroup to the v2 backend, which writes every limit to
 * the files as well (as runc does: that covers what systemd has no property for) and does the rest
 * (freeze, kill, stats).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/systemd_internal.h"
#include "util/cleanup.h"

struct husk_cgsd {
        struct husk_sd_unit u;
        struct husk_sd_props props; /* for StartTransientUnit, before PIDs */
        struct husk_sd_bus *bus;    /* opened by new; by load only when needed */
        bool started;
};

void husk_cgsd_free(struct husk_cgsd *sd)
{
        if (!sd)
                return;
        husk_sd_unit_done(&sd->u);
        husk_sd_props_done(&sd->props);
        husk_sd_bus_close(sd->bus);
        free(sd);
}

static void cgsd_freep(struct husk_cgsd **sd)
{
        husk_cgsd_free(*sd);
}

static void props_donep(struct husk_sd_props *p)
{
        husk_sd_props_done(p);
}

int husk_cgsd_new(const struct husk_cgroup_config *cfg, bool unified, struct husk_cgsd **ret, struct husk_error *err)
{
        _cleanup_(cgsd_freep) struct husk_cgsd *sd = calloc(1, sizeof(*sd));
        if (!sd)
                return husk_error_errno(err, ENOMEM, "systemd cgroup");
        /* The path first: a malformed one is the caller's mistake wherever it runs. */
        int r = husk_sd_parse_path(cfg->id, cfg->cgroups_path, &sd->u, err);
        if (r < 0)
                return r;
        r = husk_sd_unit_props(&sd->u, cfg->id, &sd->props, err);
        if (r < 0)
                return r;
        r = husk_sd_resource_props(cfg->resources, unified, &sd->props, err);
        if (r < 0)
                return r;
        r = husk_sd_bus_open(&sd->bus, err);
        if (r < 0)
                return r;
        *ret = steal_ptr(sd);
        return 0;
}

const char *husk_cgsd_path(const struct husk_cgsd *sd)
{
        return sd->u.path;
}

const char *husk_cgsd_unit(const struct husk_cgsd *sd)
{
        return sd->u.unit;
}

bool husk_cgsd_is_slice(const struct husk_cgsd *sd)
{
        return sd->u.is_slice;
}

int husk_cgsd_start(struct husk_cgsd *sd, pid_t pid, struct husk_error *err)
{
        if (pid > 0) {
                int r = husk_sd_props_add_pid(&sd->props, "PIDs", pid);
                if (r < 0)
                        return husk_error_errno(err, -r, "systemd cgroup");
        }
        int r = husk_sd_bus_start_unit(sd->bus, sd->u.unit, &sd->props, err);
        if (r < 0)
                return r;
        sd->started = true;
        return 0;
}

int husk_cgsd_load(const char *unit, struct husk_cgsd **ret, struct husk_error *err)
{
        _cleanup_(cgsd_freep) struct husk_cgsd *sd = calloc(1, sizeof(*sd));
        if (!sd || !(sd->u.unit = strdup(unit)))
                return husk_error_errno(err, ENOMEM, "systemd cgroup");
        sd->started = true;
        *ret = steal_ptr(sd);
        return 0;
}

static int ensure_bus(struct husk_cgsd *sd, struct husk_error *err)
{
        return sd->bus ? 0 : husk_sd_bus_open(&sd->bus, err);
}

int husk_cgsd_update(struct husk_cgsd *sd, const struct husk_resources *r, bool unified, struct husk_error *err)
{
        _cleanup_(props_donep) struct husk_sd_props props = { 0 };
        int rc = husk_sd_resource_props(r, unified, &props, err);
        if (rc < 0 || props.n == 0)
                return rc;
        rc = ensure_bus(sd, err);
        if (rc < 0)
                return rc;
        return husk_sd_bus_set_properties(sd->bus, sd->u.unit, &props, err);
}

int husk_cgsd_stop(struct husk_cgsd *sd, struct husk_error *err)
{
        if (!sd->started)
                return 0;
        int r = ensure_bus(sd, err);
        if (r < 0)
                return r;
        r = husk_sd_bus_stop_unit(sd->bus, sd->u.unit, err);
        if (r == 0)
                sd->started = false;
        return r;
}

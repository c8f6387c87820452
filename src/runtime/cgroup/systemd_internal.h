/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/runtime/cgroup/: the systemd cgroup driver (--systemd-cgroup). systemd_path.c and
 * systemd_props.c are pure (cgroupsPath -> unit and cgroup path; linux.resources -> unit properties)
 * and unit-tested; systemd_bus.c talks to systemd over sd-bus, with libsystemd loaded by dlopen only
 * when this driver is used; systemd.c is the driver the dispatcher (cgroup.c) calls.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

/* ---- systemd_path.c (pure) ---- */

struct husk_sd_unit {
        char *slice;  /* the parent slice: "system.slice" */
        char *unit;   /* "husk-<id>.scope", or the name itself when it ends in ".slice" */
        char *path;   /* the unit's cgroup: "/system.slice/husk-<id>.scope" */
        bool is_slice;
};
void husk_sd_unit_done(struct husk_sd_unit *u);

/*
 * A slice name to its cgroup path, as systemd lays slices out: "a-b.slice" -> "/a.slice/a-b.slice",
 * "-.slice" -> "/". -EINVAL for what systemd would refuse ("a--b.slice", "-a.slice", no ".slice",
 * a '/'). Caller frees.
 */
int husk_sd_expand_slice(const char *slice, char **ret);

/*
 * linux.cgroupsPath in the systemd form "slice:prefix:name" (runc's and crun's rules): an empty slice
 * is "system.slice"; the unit is "prefix-name.scope" ("name.scope" without a prefix), or the slice
 * "name" itself when name ends in ".slice". NULL or "" is "system.slice:husk:<id>". Errors name the
 * argument and the field.
 */
int husk_sd_parse_path(const char *id, const char *cgroups_path, struct husk_sd_unit *ret, struct husk_error *err);

/* ---- systemd_props.c (pure) ---- */

/* One unit property, with its D-Bus signature: "t", "b", "s", "ay" (a byte mask), "au" and "as" (one
 * element each here). */
struct husk_sd_prop {
        const char *name;
        const char *sig;
        uint64_t u64;     /* t, au */
        bool b;           /* b */
        char *str;        /* s, as */
        uint8_t *bytes;   /* ay */
        size_t n_bytes;
};

struct husk_sd_props {
        struct husk_sd_prop *v;
        size_t n;
};
void husk_sd_props_done(struct husk_sd_props *p);

/* systemd's "infinity" for limits. */
#define HUSK_SD_INFINITY UINT64_MAX

int husk_sd_props_add_u64(struct husk_sd_props *p, const char *name, uint64_t v);
int husk_sd_props_add_bool(struct husk_sd_props *p, const char *name, bool v);
/* sig "s" or "as" (a one-element array). */
int husk_sd_props_add_str(struct husk_sd_props *p, const char *name, const char *sig, const char *v);
int husk_sd_props_add_pid(struct husk_sd_props *p, const char *name, pid_t pid);

/*
 * The unit's own properties at StartTransientUnit: Description, Slice + Delegate for a scope (Wants
 * of the parent for a slice unit, as runc), DefaultDependencies=no, the accounting switches.
 */
int husk_sd_unit_props(const struct husk_sd_unit *u, const char *id, struct husk_sd_props *p, struct husk_error *err);

/*
 * The limits of r that systemd has properties for, translated as runc does: MemoryMax (MemoryLimit on
 * v1), MemoryLow, MemorySwapMax, CPUWeight (CPUShares on v1), CPUQuotaPerSecUSec (rounded up to 10 ms
 * per second, systemd's granularity) and CPUQuotaPeriodUSec, AllowedCPUs/AllowedMemoryNodes (v2),
 * TasksMax, IOWeight (BlockIOWeight on v1). Everything else is written to the cgroup files by the
 * v1/v2 backends, which also write these. Errors name the field.
 */
int husk_sd_resource_props(const struct husk_resources *r, bool unified, struct husk_sd_props *p,
                           struct husk_error *err);

/* A cpuset list ("0-3,8") as systemd's CPU mask: bit n of byte n/8 for cpu n. Caller frees. */
int husk_sd_cpuset_mask(const char *list, uint8_t **ret, size_t *ret_n);

/* "MemoryMax=1048576", "AllowedCPUs=0x0f" (bytes in hex, lowest first): for messages and tests. */
int husk_sd_prop_format(const struct husk_sd_prop *prop, char *buf, size_t size);

/* ---- systemd_bus.c: sd-bus, loaded on first use ---- */

struct husk_sd_bus; /* the connection and the dlopen()ed libsystemd */

/* Refuses (-ENOTSUP, with the reason) when systemd is not PID 1 (no /run/systemd/system, as sd_booted)
 * or libsystemd.so.0 cannot be loaded. */
int husk_sd_bus_open(struct husk_sd_bus **ret, struct husk_error *err);
void husk_sd_bus_close(struct husk_sd_bus *b);

/* StartTransientUnit(unit, "fail", props) and wait for the job's JobRemoved: an error unless "done". */
int husk_sd_bus_start_unit(struct husk_sd_bus *b, const char *unit, const struct husk_sd_props *props,
                           struct husk_error *err);
/* SetUnitProperties(unit, runtime=true, props). */
int husk_sd_bus_set_properties(struct husk_sd_bus *b, const char *unit, const struct husk_sd_props *props,
                               struct husk_error *err);
/* StopUnit(unit, "replace") and wait for the job; a unit that is not loaded is not an error. */
int husk_sd_bus_stop_unit(struct husk_sd_bus *b, const char *unit, struct husk_error *err);

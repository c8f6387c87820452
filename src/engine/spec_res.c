/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's resource options (HostConfig keys, resources.h) as the OCI config's linux.resources
 * and process.rlimits, the way moby's daemon/oci_linux.go translates them for runc.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine/resources.h"
#include "engine/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

/* Docker's period for --cpus: 100 ms. */
#define NANO_CPUS_PERIOD 100000

static json_int_t hc_int(const json_t *hc, const char *key)
{
        const json_t *v = json_object_get(hc, key);
        return json_is_integer(v) ? json_integer_value(v) : 0;
}

static const char *hc_str(const json_t *hc, const char *key)
{
        const char *s = json_string_value(json_object_get(hc, key));
        return s && *s ? s : NULL;
}

/* Set key of obj to v when cond, else drop v. */
static int set_if(json_t *obj, bool cond, const char *key, json_t *v)
{
        if (!cond) {
                json_decref(v);
                return 0;
        }
        return v ? json_object_set_new(obj, key, v) : -1;
}

static int memory_json(const json_t *hc, json_t **ret)
{
        _cleanup_json_ json_t *m = json_object();
        json_int_t limit = hc_int(hc, "Memory"), swap = hc_int(hc, "MemorySwap");
        json_int_t reservation = hc_int(hc, "MemoryReservation");
        const json_t *swappiness = json_object_get(hc, "MemorySwappiness");
        const json_t *oom = json_object_get(hc, "OomKillDisable");
        /* Without swap accounting the kernel has no memsw/swap.max file to write: Docker warns and
         * limits memory alone; the record may come from a host that had it. */
        bool want_swap = swap != 0 && (limit > 0 || swap == -1);
        if (!m || set_if(m, limit > 0, "limit", json_integer(limit)) < 0 ||
            set_if(m, reservation > 0, "reservation", json_integer(reservation)) < 0 ||
            set_if(m, want_swap && husk_res_swap_accounting(), "swap", json_integer(swap)) < 0 ||
            set_if(m, json_is_integer(swappiness) && json_integer_value(swappiness) >= 0, "swappiness",
                   json_integer(json_integer_value(swappiness))) < 0 ||
            set_if(m, json_is_boolean(oom), "disableOOMKiller", json_boolean(json_is_true(oom))) < 0)
                return -ENOMEM;
        *ret = json_object_size(m) ? steal_ptr(m) : NULL;
        return 0;
}

static int cpu_json(const json_t *hc, json_t **ret)
{
        _cleanup_json_ json_t *c = json_object();
        json_int_t nano = hc_int(hc, "NanoCpus"), period = hc_int(hc, "CpuPeriod"), quota = hc_int(hc, "CpuQuota");
        if (nano > 0) {
                period = NANO_CPUS_PERIOD;
                quota = nano * NANO_CPUS_PERIOD / 1000000000;
        }
        const char *cpus = hc_str(hc, "CpusetCpus"), *mems = hc_str(hc, "CpusetMems");
        json_int_t shares = hc_int(hc, "CpuShares");
        if (!c || set_if(c, shares > 0, "shares", json_integer(shares)) < 0 ||
            set_if(c, quota != 0, "quota", json_integer(quota)) < 0 ||
            set_if(c, period > 0, "period", json_integer(period)) < 0 ||
            set_if(c, cpus != NULL, "cpus", json_string(cpus ? cpus : "")) < 0 ||
            set_if(c, mems != NULL, "mems", json_string(mems ? mems : "")) < 0)
                return -ENOMEM;
        *ret = json_object_size(c) ? steal_ptr(c) : NULL;
        return 0;
}

/* One element of a HostConfig list as its OCI form. */
typedef json_t *(*elem_fn)(const json_t *e, size_t i, const char *key, const void *arg, struct husk_error *err);

/* The list hc[key] mapped element by element into *ret (NULL when absent or empty). */
static int map_list(const json_t *hc, const char *key, elem_fn fn, const void *arg, json_t **ret, struct husk_error *err)
{
        const json_t *a = json_object_get(hc, key);
        *ret = NULL;
        if (!json_is_array(a) || json_array_size(a) == 0)
                return 0;
        _cleanup_json_ json_t *out = json_array();
        if (!out)
                return husk_error_errno(err, ENOMEM, "config.json");
        size_t i;
        const json_t *e;
        json_array_foreach(a, i, e)
        {
                json_t *o = fn(e, i, key, arg, err);
                if (!o)
                        return -(err && err->code ? err->code : ENOMEM);
                if (json_array_append_new(out, o) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json");
        }
        *ret = steal_ptr(out);
        return 0;
}

/* {"Path","Rate"|"Weight"} as {"major","minor",value_key}, the path resolved by stat. */
static json_t *device_elem(const json_t *e, size_t i, const char *key, const void *arg, struct husk_error *err)
{
        const char *value_key = arg;
        const char *path = json_string_value(json_object_get(e, "Path"));
        const json_t *v = json_object_get(e, strcmp(value_key, "weight") == 0 ? "Weight" : "Rate");
        if (!path || !json_is_integer(v)) {
                (void) husk_error_set(err, EINVAL, "HostConfig.%s[%zu]: needs Path and a number", key, i);
                return NULL;
        }
        int64_t major, minor;
        if (husk_res_block_device(path, &major, &minor, err) < 0) {
                (void) husk_error_prefix(err, "HostConfig.%s", key);
                return NULL;
        }
        return json_pack("{s:I, s:I, s:I}", "major", (json_int_t) major, "minor", (json_int_t) minor, value_key,
                         json_integer_value(v));
}

static int blkio_json(const json_t *hc, json_t **ret, struct husk_error *err)
{
        static const struct {
                const char *hc_key, *oci_key, *value_key;
        } devs[] = {
                { "BlkioWeightDevice", "weightDevice", "weight" },
                { "BlkioDeviceReadBps", "throttleReadBpsDevice", "rate" },
                { "BlkioDeviceWriteBps", "throttleWriteBpsDevice", "rate" },
                { "BlkioDeviceReadIOps", "throttleReadIOPSDevice", "rate" },
                { "BlkioDeviceWriteIOps", "throttleWriteIOPSDevice", "rate" },
        };
        _cleanup_json_ json_t *b = json_object();
        json_int_t weight = hc_int(hc, "BlkioWeight");
        if (!b || set_if(b, weight > 0, "weight", json_integer(weight)) < 0)
                return husk_error_errno(err, ENOMEM, "config.json");
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(devs); i++) {
                json_t *a;
                int r = map_list(hc, devs[i].hc_key, device_elem, devs[i].value_key, &a, err);
                if (r < 0)
                        return r;
                if (a && json_object_set_new(b, devs[i].oci_key, a) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json");
        }
        *ret = json_object_size(b) ? steal_ptr(b) : NULL;
        return 0;
}

static const char *const rlimit_names[] = {
        [RLIMIT_CORE] = "RLIMIT_CORE",       [RLIMIT_CPU] = "RLIMIT_CPU",       [RLIMIT_DATA] = "RLIMIT_DATA",
        [RLIMIT_FSIZE] = "RLIMIT_FSIZE",     [RLIMIT_LOCKS] = "RLIMIT_LOCKS",   [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",
        [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",   [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
        [RLIMIT_NPROC] = "RLIMIT_NPROC",     [RLIMIT_RSS] = "RLIMIT_RSS",       [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",
        [RLIMIT_RTTIME] = "RLIMIT_RTTIME",   [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING", [RLIMIT_STACK] = "RLIMIT_STACK",
};

/* -1 is unlimited. jansson's integers are signed, so RLIM_INFINITY (2^64-1) cannot be written:
 * 2^63-1 stands for it, a limit no resource ever reaches. */
static json_int_t rlim_value(json_int_t v)
{
        return v < 0 ? INT64_MAX : v;
}

static json_t *rlimit_elem(const json_t *e, size_t i, const char *key, const void *arg, struct husk_error *err)
{
        (void) arg;
        const char *name = json_string_value(json_object_get(e, "Name"));
        int res = name ? husk_res_ulimit_resource(name) : -1;
        if (res < 0 || (size_t) res >= HUSK_ARRAY_SIZE(rlimit_names) || !rlimit_names[res]) {
                (void) husk_error_set(err, EINVAL, "HostConfig.%s[%zu]: invalid ulimit type: %s", key, i,
                                      name ? name : "(none)");
                return NULL;
        }
        return json_pack("{s:s, s:I, s:I}", "type", rlimit_names[res], "hard", rlim_value(hc_int(e, "Hard")), "soft",
                         rlim_value(hc_int(e, "Soft")));
}

int husk_res_to_oci(const json_t *hc, json_t *res, json_t **ret_rlimits, struct husk_error *err)
{
        json_t *memory = NULL, *cpu = NULL, *blkio = NULL;
        json_int_t pids = hc_int(hc, "PidsLimit");
        if (memory_json(hc, &memory) < 0 || set_if(res, memory != NULL, "memory", memory) < 0 ||
            cpu_json(hc, &cpu) < 0 || set_if(res, cpu != NULL, "cpu", cpu) < 0 ||
            set_if(res, pids > 0, "pids", json_pack("{s:I}", "limit", pids)) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: linux.resources");
        int r = blkio_json(hc, &blkio, err);
        if (r < 0)
                return r;
        if (set_if(res, blkio != NULL, "blockIO", blkio) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: linux.resources");
        return ret_rlimits ? map_list(hc, "Ulimits", rlimit_elem, NULL, ret_rlimits, err) : 0;
}

/* Whether word is one of the space-separated words of list. */
static bool has_word(const char *list, const char *word)
{
        size_t wl = strlen(word);
        for (const char *p = list; (p = strstr(p, word)); p += wl)
                if ((p == list || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n'))
                        return true;
        return false;
}

/*
 * On cgroup v2 libhusk enables only the controllers a container's limits need, and `stats` would then
 * find no memory or pids figures (Docker's runc enables every one). Unlimited values, the kernel's
 * defaults, ask for them where the host offers them to root; v1 always has them. Not for a caller
 * that is not root: a rootless container without limits must be able to run without a cgroup.
 */
static int v2_accounting(json_t *res, struct husk_error *err)
{
        _cleanup_free_ char *controllers = NULL;
        struct husk_error ignored = { 0 };
        if (geteuid() != 0 ||
            husk_read_file_at(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", &controllers, NULL, &ignored) < 0)
                return 0;
        static const char *const keys[] = { "memory", "pids" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(keys); i++)
                if (has_word(controllers, keys[i]) && !json_object_get(res, keys[i]) &&
                    json_object_set_new(res, keys[i], json_pack("{s:i}", "limit", -1)) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json: linux.resources");
        return 0;
}

int husk_spec_apply_res(const struct husk_engine_spec_in *in, json_t *doc, struct husk_error *err)
{
        const json_t *hc = in->ctr->cfg.host_config;
        json_t *linux_ = json_object_get(doc, "linux"), *process = json_object_get(doc, "process");
        json_t *res = json_object_get(linux_, "resources");
        if (!res) {
                res = json_object();
                if (!res || json_object_set_new(linux_, "resources", res) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json: linux.resources");
        }
        json_t *rlimits = NULL;
        int r = hc ? husk_res_to_oci(hc, res, &rlimits, err) : 0;
        if (r < 0)
                return r;
        if (rlimits && json_object_set_new(process, "rlimits", rlimits) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: process.rlimits");
        return v2_accounting(res, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run/create/update resource options into HostConfig keys, checked as Docker checks them: the client's
 * parsers (opts.MemBytes, opts.NanoCPUs, ParseUlimit, the device validators), then the daemon's
 * verifyPlatformContainerResources and adaptContainerSettings (6 MB minimum, swap twice the memory,
 * conflicting CPU options, ranges), with this host's limits (resources.h).
 */
#include "cli/husk/run_res.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "engine/resources.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static const char *const zero_int_keys[] = { "Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares",
                                             "CpuPeriod", "CpuQuota", "BlkioWeight" };
static const char *const null_keys[] = { "MemorySwappiness", "OomKillDisable", "PidsLimit", "Ulimits" };
static const char *const device_keys[] = { "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
                                           "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps" };

/* Docker's inspect shows every resource key, zero when unset: so do we, and templates find them. */
static int set_defaults(json_t *hc)
{
        int r = 0;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(zero_int_keys); i++)
                if (!json_object_get(hc, zero_int_keys[i]))
                        r |= json_object_set_new(hc, zero_int_keys[i], json_integer(0));
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(null_keys); i++)
                if (!json_object_get(hc, null_keys[i]))
                        r |= json_object_set_new(hc, null_keys[i], json_null());
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(device_keys); i++)
                if (!json_object_get(hc, device_keys[i]))
                        r |= json_object_set_new(hc, device_keys[i], json_array());
        if (!json_object_get(hc, "CpusetCpus"))
                r |= json_object_set_new(hc, "CpusetCpus", json_string(""));
        if (!json_object_get(hc, "CpusetMems"))
                r |= json_object_set_new(hc, "CpusetMems", json_string(""));
        return r < 0 ? -ENOMEM : 0;
}

static json_int_t get_int(const json_t *hc, const char *key)
{
        const json_t *v = json_object_get(hc, key);
        return json_is_integer(v) ? json_integer_value(v) : 0;
}

static int set_int(json_t *hc, const char *key, int64_t v)
{
        return json_object_set_new(hc, key, json_integer((json_int_t) v));
}

/* pflag's words for a value its parser refused. */
static int bad_value(const struct husk_ctx *ctx, const char *flag, const char *value, const char *why)
{
        return husk_usage_error(ctx, "invalid argument \"%s\" for \"%s\" flag: %s", value, flag, why);
}

static int parse_size(const struct husk_ctx *ctx, const char *flag, const char *value, bool minus_one, int64_t *ret)
{
        if (minus_one && strcmp(value, "-1") == 0) {
                *ret = -1;
                return 0;
        }
        int r = husk_res_parse_bytes(value, ret);
        if (r == -ERANGE)
                return bad_value(ctx, flag, value, "value out of range");
        if (r < 0) {
                char why[256];
                (void) snprintf(why, sizeof(why), "invalid size: '%s'", value);
                return bad_value(ctx, flag, value, why);
        }
        return 0;
}

static int parse_int(const struct husk_ctx *ctx, const char *flag, const char *value, int64_t *ret)
{
        int r = husk_res_parse_i64(value, ret);
        if (r < 0) {
                char why[256];
                (void) snprintf(why, sizeof(why), "strconv.ParseInt: parsing \"%s\": %s", value,
                                r == -ERANGE ? "value out of range" : "invalid syntax");
                return bad_value(ctx, flag, value, why);
        }
        return 0;
}

/* The single-valued options: each given one parsed into its key. */
static int parse_scalars(const struct husk_ctx *ctx, const struct run_res_flags *f, json_t *hc)
{
        int64_t v;
        int r;
        if (f->kernel_memory)
                return husk_usage_error(ctx, "--kernel-memory %s: kernel memory limits are obsolete (deprecated by "
                                        "Linux 5.4, absent from cgroup v2, ignored by Docker since 25.0) and husk does not "
                                        "set them", f->kernel_memory);
        const struct {
                const char *value, *flag, *key;
                bool minus_one;
        } sizes[] = {
                { f->memory, "-m, --memory", "Memory", false },
                { f->memory_swap, "--memory-swap", "MemorySwap", true },
                { f->memory_reservation, "--memory-reservation", "MemoryReservation", false },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(sizes); i++)
                if (sizes[i].value && ((r = parse_size(ctx, sizes[i].flag, sizes[i].value, sizes[i].minus_one, &v)) != 0 ||
                                       set_int(hc, sizes[i].key, v) < 0))
                        return r ? r : husk_failf(ctx, "out of memory");
        const struct {
                const char *value, *flag, *key;
        } ints[] = {
                { f->cpu_shares, "-c, --cpu-shares", "CpuShares" },
                { f->cpu_period, "--cpu-period", "CpuPeriod" },
                { f->cpu_quota, "--cpu-quota", "CpuQuota" },
                { f->blkio_weight, "--blkio-weight", "BlkioWeight" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(ints); i++)
                if (ints[i].value && ((r = parse_int(ctx, ints[i].flag, ints[i].value, &v)) != 0 ||
                                      set_int(hc, ints[i].key, v) < 0))
                        return r ? r : husk_failf(ctx, "out of memory");
        if (f->memory_swappiness) {
                if ((r = parse_int(ctx, "--memory-swappiness", f->memory_swappiness, &v)) != 0)
                        return r;
                /* -1 is the flag's default: the kernel's own swappiness. */
                json_object_set_new(hc, "MemorySwappiness", v == -1 ? json_null() : json_integer(v));
        }
        if (f->pids_limit) {
                if ((r = parse_int(ctx, "--pids-limit", f->pids_limit, &v)) != 0)
                        return r;
                /* 0 and -1 are "unlimited", which Docker records as null. */
                json_object_set_new(hc, "PidsLimit", v > 0 ? json_integer(v) : json_null());
        }
        if (f->cpus) {
                r = husk_res_parse_nano_cpus(f->cpus, &v);
                if (r < 0) {
                        char why[256];
                        (void) snprintf(why, sizeof(why), r == -ERANGE ? "value is too precise" : "failed to parse %s as a rational number",
                                        f->cpus);
                        return bad_value(ctx, "--cpus", f->cpus, why);
                }
                if (set_int(hc, "NanoCpus", v) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        if (f->oom_kill_disable)
                json_object_set_new(hc, "OomKillDisable", json_true());
        const struct {
                const char *value, *key;
        } strs[] = { { f->cpuset_cpus, "CpusetCpus" }, { f->cpuset_mems, "CpusetMems" } };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(strs); i++)
                if (strs[i].value && json_object_set_new(hc, strs[i].key, json_string(strs[i].value)) < 0)
                        return husk_failf(ctx, "out of memory");
        return 0;
}

/* The repeatable options: each list replaces the key's (ulimits by name, the last one wins). */
static int parse_lists(const struct husk_ctx *ctx, const struct run_res_flags *f, json_t *hc)
{
        const struct {
                const struct arg_strings *v;
                const char *flag, *key;
                enum husk_res_dev_kind kind;
        } devs[] = {
                { &f->blkio_weight_device, "--blkio-weight-device", "BlkioWeightDevice", HUSK_RES_DEV_WEIGHT },
                { &f->device_read_bps, "--device-read-bps", "BlkioDeviceReadBps", HUSK_RES_DEV_BPS },
                { &f->device_write_bps, "--device-write-bps", "BlkioDeviceWriteBps", HUSK_RES_DEV_BPS },
                { &f->device_read_iops, "--device-read-iops", "BlkioDeviceReadIOps", HUSK_RES_DEV_IOPS },
                { &f->device_write_iops, "--device-write-iops", "BlkioDeviceWriteIOps", HUSK_RES_DEV_IOPS },
        };
        struct husk_error err = { 0 };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(devs); i++) {
                if (devs[i].v->n == 0)
                        continue;
                json_t *a = json_array();
                if (!a || json_object_set_new(hc, devs[i].key, a) < 0)
                        return husk_failf(ctx, "out of memory");
                for (size_t j = 0; j < devs[i].v->n; j++) {
                        json_t *e;
                        if (husk_res_parse_device(devs[i].v->v[j], devs[i].kind, &e, &err) < 0)
                                return bad_value(ctx, devs[i].flag, devs[i].v->v[j], err.msg);
                        if (json_array_append_new(a, e) < 0)
                                return husk_failf(ctx, "out of memory");
                }
        }
        if (f->ulimit.n == 0)
                return 0;
        json_t *a = json_array();
        if (!a || json_object_set_new(hc, "Ulimits", a) < 0)
                return husk_failf(ctx, "out of memory");
        for (size_t j = 0; j < f->ulimit.n; j++) {
                json_t *e;
                if (husk_res_parse_ulimit(f->ulimit.v[j], &e, &err) < 0)
                        return bad_value(ctx, "--ulimit", f->ulimit.v[j], err.msg);
                const char *name = json_string_value(json_object_get(e, "Name"));
                size_t k;
                json_t *old;
                json_array_foreach(a, k, old)
                {
                        if (strcmp(json_string_value(json_object_get(old, "Name")), name) == 0) {
                                (void) json_array_remove(a, k);
                                break;
                        }
                }
                if (json_array_append_new(a, e) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        return 0;
}

/* Docker's daemon checks of memory, on the values as they will be (update: the record's merged in). */
static int check_memory(const struct husk_ctx *ctx, const struct run_res_flags *f, bool update, json_t *hc)
{
        json_int_t memory = get_int(hc, "Memory"), swap = get_int(hc, "MemorySwap");
        json_int_t reservation = get_int(hc, "MemoryReservation");
        if (memory > 0 && memory < HUSK_RES_MIN_MEMORY)
                return bad_value(ctx, "-m, --memory", f->memory ? f->memory : "", "Minimum memory limit allowed is 6MB");
        if (update && f->memory && !f->memory_swap && swap > 0 && memory > swap)
                return husk_usage_error(ctx, "--memory %s: Memory limit should be smaller than already set memoryswap "
                                        "limit (%" PRId64 "), update the memoryswap at the same time",
                                        f->memory, (int64_t) swap);
        if (!update && memory > 0 && swap == 0) {
                /* adaptContainerSettings: swap (memory plus swap) is twice the memory by default. */
                swap = memory * 2;
                (void) set_int(hc, "MemorySwap", swap);
        }
        if (memory > 0 && swap > 0 && !husk_res_swap_accounting()) {
                if (f->memory_swap)
                        husk_log(ctx, HUSK_LOG_WARN, "Your kernel does not support swap limit capabilities or the "
                                 "cgroup is not mounted. Memory limited without swap.");
                swap = -1;
                (void) set_int(hc, "MemorySwap", swap);
        }
        if (memory > 0 && swap > 0 && swap < memory)
                return husk_usage_error(ctx, "--memory-swap %s: Minimum memoryswap limit should be larger than memory "
                                        "limit (--memory %s), see usage", f->memory_swap ? f->memory_swap : "",
                                        f->memory ? f->memory : "");
        if (memory == 0 && swap > 0 && !update)
                return husk_usage_error(ctx, "--memory-swap %s: You should always set the Memory limit when using "
                                        "Memoryswap limit, see usage", f->memory_swap);
        json_t *swappiness = json_object_get(hc, "MemorySwappiness");
        if (json_is_integer(swappiness)) {
                json_int_t s = json_integer_value(swappiness);
                if (s < 0 || s > 100) {
                        char why[128];
                        (void) snprintf(why, sizeof(why), "Invalid value: %" PRId64 ", valid memory swappiness range is 0-100",
                                        (int64_t) s);
                        return bad_value(ctx, "--memory-swappiness", f->memory_swappiness ? f->memory_swappiness : "", why);
                }
                if (husk_res_memory_v2()) {
                        husk_log(ctx, HUSK_LOG_WARN, "Your kernel does not support memory swappiness capabilities or "
                                 "the cgroup is not mounted. Memory swappiness discarded.");
                        json_object_set_new(hc, "MemorySwappiness", json_null());
                }
        }
        if (reservation > 0 && reservation < HUSK_RES_MIN_MEMORY)
                return bad_value(ctx, "--memory-reservation", f->memory_reservation ? f->memory_reservation : "",
                                 "Minimum memory reservation allowed is 6MB");
        if (memory > 0 && reservation > 0 && memory < reservation)
                return husk_usage_error(ctx, "--memory %s, --memory-reservation %s: Minimum memory limit can not be less "
                                        "than memory reservation limit, see usage", f->memory ? f->memory : "",
                                        f->memory_reservation ? f->memory_reservation : "");
        if (json_is_true(json_object_get(hc, "OomKillDisable"))) {
                if (husk_res_memory_v2()) {
                        husk_log(ctx, HUSK_LOG_WARN, "Your kernel does not support OomKillDisable. OomKillDisable discarded.");
                        json_object_set_new(hc, "OomKillDisable", json_null());
                } else if (memory == 0) {
                        husk_log(ctx, HUSK_LOG_WARN, "OOM killer is disabled for the container, but no memory limit is "
                                 "set, this can result in the system running out of resources.");
                }
        }
        return 0;
}

static int check_cpuset(const struct husk_ctx *ctx, const char *flag, const char *req, bool mems)
{
        char avail[256];
        bool ok;
        if (!req || !*req)
                return 0;
        if (husk_res_cpuset_within(req, "0-4294967295", &ok) < 0) {
                char why[320];
                (void) snprintf(why, sizeof(why), "Invalid value %s for cpuset %s", req, mems ? "mems" : "cpus");
                return bad_value(ctx, flag, req, why);
        }
        if (husk_res_online(mems, avail, sizeof(avail)) < 0)
                return 0; /* nothing to compare with: the kernel decides */
        if (husk_res_cpuset_within(req, avail, &ok) < 0 || !ok) {
                char why[1024];
                (void) snprintf(why, sizeof(why), "Requested %s are not available - requested %s, available: %s",
                                mems ? "memory nodes" : "CPUs", req, avail);
                return bad_value(ctx, flag, req, why);
        }
        return 0;
}

static int check_cpu(const struct husk_ctx *ctx, const struct run_res_flags *f, json_t *hc)
{
        json_int_t nano = get_int(hc, "NanoCpus"), period = get_int(hc, "CpuPeriod"), quota = get_int(hc, "CpuQuota");
        if (nano > 0 && period > 0)
                return husk_usage_error(ctx, "--cpus %s, --cpu-period %" PRId64 ": Conflicting options: Nano CPUs and CPU "
                                        "Period cannot both be set", f->cpus ? f->cpus : "", (int64_t) period);
        if (nano > 0 && quota > 0)
                return husk_usage_error(ctx, "--cpus %s, --cpu-quota %" PRId64 ": Conflicting options: Nano CPUs and CPU "
                                        "Quota cannot both be set", f->cpus ? f->cpus : "", (int64_t) quota);
        int n = husk_res_num_cpus();
        if (nano < 0 || nano > (json_int_t) n * 1000000000) {
                char why[128];
                (void) snprintf(why, sizeof(why), "Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available",
                                n, n);
                return bad_value(ctx, "--cpus", f->cpus ? f->cpus : "", why);
        }
        if (period != 0 && (period < 1000 || period > 1000000))
                return bad_value(ctx, "--cpu-period", f->cpu_period ? f->cpu_period : "",
                                 "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        if ((quota > 0 && quota < 1000) || quota < -1)
                return bad_value(ctx, "--cpu-quota", f->cpu_quota ? f->cpu_quota : "",
                                 "CPU cfs quota can not be less than 1ms (i.e. 1000)");
        if (get_int(hc, "CpuShares") < 0)
                return bad_value(ctx, "-c, --cpu-shares", f->cpu_shares ? f->cpu_shares : "",
                                 "CPU shares must not be negative");
        int r = check_cpuset(ctx, "--cpuset-cpus", json_string_value(json_object_get(hc, "CpusetCpus")), false);
        return r ? r : check_cpuset(ctx, "--cpuset-mems", json_string_value(json_object_get(hc, "CpusetMems")), true);
}

/* Block devices and ulimits: what the container's start would fail on, said now with the flag. */
static int check_devices_ulimits(const struct husk_ctx *ctx, const struct run_res_flags *f, json_t *hc)
{
        json_int_t weight = get_int(hc, "BlkioWeight");
        if (weight != 0 && (weight < 10 || weight > 1000))
                return bad_value(ctx, "--blkio-weight", f->blkio_weight ? f->blkio_weight : "",
                                 "Range of blkio weight is from 10 to 1000");
        static const char *const flags[] = { "--blkio-weight-device", "--device-read-bps", "--device-write-bps",
                                             "--device-read-iops", "--device-write-iops" };
        struct husk_error err = { 0 };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(device_keys); i++) {
                size_t j;
                json_t *e;
                json_array_foreach(json_object_get(hc, device_keys[i]), j, e)
                {
                        int64_t major, minor;
                        if (husk_res_block_device(json_string_value(json_object_get(e, "Path")), &major, &minor, &err) < 0)
                                return husk_usage_error(ctx, "%s: %s", flags[i], err.msg);
                }
        }
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(hc, "Ulimits"), j, e)
        {
                if (husk_res_ulimit_settable(json_string_value(json_object_get(e, "Name")), get_int(e, "Soft"),
                                             get_int(e, "Hard"), &err) < 0)
                        return husk_usage_error(ctx, "%s", err.msg);
        }
        return 0;
}

bool husk_run_res_any(const struct run_res_flags *f)
{
        const char *const s[] = { f->memory,  f->memory_swap, f->memory_reservation, f->memory_swappiness,
                                  f->kernel_memory, f->cpus, f->cpu_shares, f->cpu_period, f->cpu_quota,
                                  f->cpuset_cpus, f->cpuset_mems, f->pids_limit, f->blkio_weight };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(s); i++)
                if (s[i])
                        return true;
        return f->oom_kill_disable || f->blkio_weight_device.n || f->device_read_bps.n || f->device_write_bps.n ||
               f->device_read_iops.n || f->device_write_iops.n || f->ulimit.n;
}

int husk_run_res_to_config(const struct husk_ctx *ctx, const struct run_res_flags *f, bool update, json_t *hc)
{
        int r;
        if (set_defaults(hc) < 0)
                return husk_failf(ctx, "out of memory");
        if ((r = parse_scalars(ctx, f, hc)) != 0 || (r = parse_lists(ctx, f, hc)) != 0 ||
            (r = check_memory(ctx, f, update, hc)) != 0 || (r = check_cpu(ctx, f, hc)) != 0)
                return r;
        return check_devices_ulimits(ctx, f, hc);
}

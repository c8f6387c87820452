/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "linux.resources" (config-linux.md "Control groups"). Parsed and validated here; the
 * cgroup backends act on it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_json.h"
#include "util/cleanup.h"

static int parse_device_rule(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_device_cgroup_rule *d = elem;
        json_t *allow = husk_jget(e, "allow");
        if (!allow)
                return husk_jfail_key(c, "allow", "is required");
        int r = husk_jbool(c, e, "allow", &d->allow, NULL);
        if (r < 0)
                return r;
        d->type = 'a';
        json_t *t = husk_jget(e, "type");
        if (t) {
                const char *ts = json_string_value(t);
                /* Go clients write "" for "all", as they do for an absent type. */
                if (ts && ts[0] == '\0')
                        ts = "a";
                if (!ts || strlen(ts) != 1 || !strchr("acb", ts[0]))
                        return husk_jfail_key(c, "type", "must be one of \"a\", \"c\", \"b\"");
                d->type = ts[0];
        }
        if ((r = husk_jint64(c, e, "major", false, INT64_MIN, INT64_MAX, &d->major, &d->has_major)) < 0 ||
            (r = husk_jint64(c, e, "minor", false, INT64_MIN, INT64_MAX, &d->minor, &d->has_minor)) < 0 ||
            (r = husk_jstring(c, e, "access", false, &d->access)) < 0)
                return r;
        if (d->access) {
                const char *a = d->access;
                if (a[strspn(a, "rwm")] != '\0')
                        return husk_jfail_key(c, "access", "must be a combination of \"r\", \"w\", \"m\"");
        }
        return 0;
}

static int parse_memory(struct husk_jctx *c, json_t *v, struct husk_memory *m)
{
        int r;
        if ((r = husk_jint64(c, v, "limit", false, INT64_MIN, INT64_MAX, &m->limit, &m->has_limit)) < 0 ||
            (r = husk_jint64(c, v, "reservation", false, INT64_MIN, INT64_MAX, &m->reservation,
                             &m->has_reservation)) < 0 ||
            (r = husk_jint64(c, v, "swap", false, INT64_MIN, INT64_MAX, &m->swap, &m->has_swap)) < 0 ||
            (r = husk_jint64(c, v, "kernel", false, INT64_MIN, INT64_MAX, &m->kernel, &m->has_kernel)) < 0 ||
            (r = husk_jint64(c, v, "kernelTCP", false, INT64_MIN, INT64_MAX, &m->kernel_tcp, &m->has_kernel_tcp)) < 0 ||
            (r = husk_juint64(c, v, "swappiness", false, &m->swappiness, &m->has_swappiness)) < 0 ||
            (r = husk_jbool(c, v, "disableOOMKiller", &m->disable_oom_killer, &m->has_disable_oom_killer)) < 0 ||
            (r = husk_jbool(c, v, "useHierarchy", &m->use_hierarchy, &m->has_use_hierarchy)) < 0 ||
            (r = husk_jbool(c, v, "checkBeforeUpdate", &m->check_before_update, &m->has_check_before_update)) < 0)
                return r;
        /* -1 means unlimited; any other negative value is meaningless to both cgroup versions. */
        static const char *const names[] = { "limit", "reservation", "swap", "kernel", "kernelTCP" };
        const bool has[] = { m->has_limit, m->has_reservation, m->has_swap, m->has_kernel, m->has_kernel_tcp };
        const int64_t val[] = { m->limit, m->reservation, m->swap, m->kernel, m->kernel_tcp };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(names); i++)
                if (has[i] && val[i] < -1)
                        return husk_jfail_key(c, names[i], "must be a non-negative integer or -1");
        if (m->has_swappiness && m->swappiness > 100)
                return husk_jfail_key(c, "swappiness", "must be between 0 and 100");
        return 0;
}

static int parse_cpu(struct husk_jctx *c, json_t *v, struct husk_cpu *cpu)
{
        int r;
        if ((r = husk_juint64(c, v, "shares", false, &cpu->shares, &cpu->has_shares)) < 0 ||
            (r = husk_jint64(c, v, "quota", false, INT64_MIN, INT64_MAX, &cpu->quota, &cpu->has_quota)) < 0 ||
            (r = husk_juint64(c, v, "burst", false, &cpu->burst, &cpu->has_burst)) < 0 ||
            (r = husk_juint64(c, v, "period", false, &cpu->period, &cpu->has_period)) < 0 ||
            (r = husk_jint64(c, v, "realtimeRuntime", false, INT64_MIN, INT64_MAX, &cpu->realtime_runtime,
                             &cpu->has_realtime_runtime)) < 0 ||
            (r = husk_juint64(c, v, "realtimePeriod", false, &cpu->realtime_period, &cpu->has_realtime_period)) < 0 ||
            (r = husk_jint64(c, v, "idle", false, INT64_MIN, INT64_MAX, &cpu->idle, &cpu->has_idle)) < 0 ||
            (r = husk_jstring(c, v, "cpus", false, &cpu->cpus)) < 0 ||
            (r = husk_jstring(c, v, "mems", false, &cpu->mems)) < 0)
                return r;
        if (cpu->cpus && cpu->cpus[strspn(cpu->cpus, "0123456789,- ")] != '\0')
                return husk_jfail_key(c, "cpus", "invalid CPU list \"%s\"", cpu->cpus);
        if (cpu->mems && cpu->mems[strspn(cpu->mems, "0123456789,- ")] != '\0')
                return husk_jfail_key(c, "mems", "invalid node list \"%s\"", cpu->mems);
        return 0;
}

static int parse_weight_device(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_weight_device *d = elem;
        int64_t w;
        int r;
        if ((r = husk_jint64(c, e, "major", true, INT64_MIN, INT64_MAX, &d->major, NULL)) < 0 ||
            (r = husk_jint64(c, e, "minor", true, INT64_MIN, INT64_MAX, &d->minor, NULL)) < 0)
                return r;
        if ((r = husk_jint64(c, e, "weight", false, 0, UINT16_MAX, &w, &d->has_weight)) < 0)
                return r;
        if (d->has_weight)
                d->weight = (uint16_t) w;
        if ((r = husk_jint64(c, e, "leafWeight", false, 0, UINT16_MAX, &w, &d->has_leaf_weight)) < 0)
                return r;
        if (d->has_leaf_weight)
                d->leaf_weight = (uint16_t) w;
        return 0;
}

static int parse_throttle_device(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_throttle_device *d = elem;
        int r;
        if ((r = husk_jint64(c, e, "major", true, INT64_MIN, INT64_MAX, &d->major, NULL)) < 0 ||
            (r = husk_jint64(c, e, "minor", true, INT64_MIN, INT64_MAX, &d->minor, NULL)) < 0 ||
            (r = husk_juint64(c, e, "rate", false, &d->rate, NULL)) < 0)
                return r;
        return 0;
}

static int parse_blkio(struct husk_jctx *c, json_t *v, struct husk_blkio *b)
{
        int64_t w;
        int r;
        if ((r = husk_jint64(c, v, "weight", false, 0, UINT16_MAX, &w, &b->has_weight)) < 0)
                return r;
        if (b->has_weight)
                b->weight = (uint16_t) w;
        if ((r = husk_jint64(c, v, "leafWeight", false, 0, UINT16_MAX, &w, &b->has_leaf_weight)) < 0)
                return r;
        if (b->has_leaf_weight)
                b->leaf_weight = (uint16_t) w;
        size_t tsz = sizeof(struct husk_throttle_device);
        if ((r = husk_jobject_array(c, v, "weightDevice", sizeof(*b->weight_device), &b->weight_device,
                                    &b->n_weight_device, parse_weight_device, NULL)) < 0 ||
            (r = husk_jobject_array(c, v, "throttleReadBpsDevice", tsz, &b->throttle_read_bps,
                                    &b->n_throttle_read_bps, parse_throttle_device, NULL)) < 0 ||
            (r = husk_jobject_array(c, v, "throttleWriteBpsDevice", tsz, &b->throttle_write_bps,
                                    &b->n_throttle_write_bps, parse_throttle_device, NULL)) < 0 ||
            (r = husk_jobject_array(c, v, "throttleReadIOPSDevice", tsz, &b->throttle_read_iops,
                                    &b->n_throttle_read_iops, parse_throttle_device, NULL)) < 0 ||
            (r = husk_jobject_array(c, v, "throttleWriteIOPSDevice", tsz, &b->throttle_write_iops,
                                    &b->n_throttle_write_iops, parse_throttle_device, NULL)) < 0)
                return r;
        return 0;
}

/* "2MB", "1GB", "64KB": ^[1-9][0-9]*[KMG]B$ as the schema has it (the kernel's hugepages-2048kB
 * directory names are derived from it). */
static bool page_size_valid(const char *s)
{
        size_t d = strspn(s, "0123456789");
        return d > 0 && s[0] != '0' && s[d] && strchr("KMG", s[d]) && s[d + 1] == 'B' && s[d + 2] == '\0';
}

static int parse_hugepage(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_hugepage_limit *h = elem;
        int r = husk_jstring(c, e, "pageSize", true, &h->page_size);
        if (r < 0)
                return r;
        if (!page_size_valid(h->page_size))
                return husk_jfail_key(c, "pageSize", "invalid page size \"%s\" (expected e.g. \"2MB\")", h->page_size);
        return husk_juint64(c, e, "limit", true, &h->limit, NULL);
}

static int parse_net_priority(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_net_priority *p = elem;
        int r = husk_jstring(c, e, "name", true, &p->name);
        if (r < 0)
                return r;
        return husk_juint32(c, e, "priority", true, &p->priority, NULL);
}

static int parse_network(struct husk_jctx *c, json_t *v, struct husk_resources *res)
{
        res->has_network = true;
        int r = husk_juint32(c, v, "classID", false, &res->class_id, &res->has_class_id);
        if (r < 0)
                return r;
        return husk_jobject_array(c, v, "priorities", sizeof(*res->net_priorities), &res->net_priorities,
                                  &res->n_net_priorities, parse_net_priority, NULL);
}

static int parse_pids(struct husk_jctx *c, json_t *v, struct husk_resources *res)
{
        res->has_pids = true;
        return husk_jint64(c, v, "limit", true, INT64_MIN, INT64_MAX, &res->pids_limit, NULL);
}

static int parse_rdma(struct husk_jctx *c, json_t *obj, struct husk_resources *res)
{
        json_t *v = NULL;
        int r = husk_jobject(c, obj, "rdma", false, &v);
        if (r < 0 || !v || json_object_size(v) == 0)
                return r;
        size_t n = json_object_size(v);
        res->rdma = calloc(n, sizeof(*res->rdma));
        if (!res->rdma)
                return husk_error_errno(c->err, ENOMEM, "%s: linux.resources.rdma", c->name);
        res->n_rdma = n;
        size_t old = husk_jpush_key(c, "rdma");
        const char *k;
        json_t *e;
        size_t i = 0;
        json_object_foreach (v, k, e) {
                struct husk_rdma_limit *l = &res->rdma[i++];
                size_t o2 = husk_jpush_map_key(c, k);
                if (!json_is_object(e))
                        r = husk_jfail(c, "must be an object");
                else if (!(l->device = strdup(k)))
                        r = husk_error_errno(c->err, ENOMEM, "%s: linux.resources.rdma", c->name);
                else if ((r = husk_juint32(c, e, "hcaHandles", false, &l->hca_handles, &l->has_hca_handles)) == 0)
                        r = husk_juint32(c, e, "hcaObjects", false, &l->hca_objects, &l->has_hca_objects);
                husk_jpop(c, o2);
                if (r < 0)
                        break;
        }
        husk_jpop(c, old);
        return r;
}

static int parse_memory_section(struct husk_jctx *c, json_t *v, struct husk_resources *res)
{
        res->has_memory = true;
        return parse_memory(c, v, &res->memory);
}

static int parse_cpu_section(struct husk_jctx *c, json_t *v, struct husk_resources *res)
{
        res->has_cpu = true;
        return parse_cpu(c, v, &res->cpu);
}

static int parse_blkio_section(struct husk_jctx *c, json_t *v, struct husk_resources *res)
{
        res->has_blkio = true;
        return parse_blkio(c, v, &res->blkio);
}

int husk_parse_resources(struct husk_jctx *c, json_t *v, struct husk_resources *res)
{
        int r;
        if ((r = husk_jobject_array(c, v, "devices", sizeof(*res->devices), &res->devices, &res->n_devices,
                                    parse_device_rule, NULL)) < 0 ||
            (r = HUSK_JSECTION(c, v, "memory", parse_memory_section, res)) < 0 ||
            (r = HUSK_JSECTION(c, v, "cpu", parse_cpu_section, res)) < 0 ||
            (r = HUSK_JSECTION(c, v, "blockIO", parse_blkio_section, res)) < 0 ||
            (r = husk_jobject_array(c, v, "hugepageLimits", sizeof(*res->hugepage_limits), &res->hugepage_limits,
                                    &res->n_hugepage_limits, parse_hugepage, NULL)) < 0 ||
            (r = HUSK_JSECTION(c, v, "network", parse_network, res)) < 0 ||
            (r = HUSK_JSECTION(c, v, "pids", parse_pids, res)) < 0 ||
            (r = parse_rdma(c, v, res)) < 0 ||
            (r = husk_jkv(c, v, "unified", &res->unified, &res->n_unified)) < 0)
                return r;
        return 0;
}

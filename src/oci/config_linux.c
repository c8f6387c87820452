/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "linux" (config-linux.md), except resources and seccomp. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>

#include "oci/config_json.h"
#include "util/cleanup.h"

/* runc accepts the recursive forms too; the schema lists only the plain ones. */
static const char *const propagations[] = {
        "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable", NULL,
};

/* Indexed by MPOL_* number (linux/mempolicy.h). */
static const char *const mpol_modes[] = {
        "MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE",
        "MPOL_LOCAL", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE", NULL,
};

static const char *const mpol_flags[] = {
        "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL,
};

static int parse_namespace(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        struct husk_namespace *ns = elem;
        const struct husk_linux *l = userdata;
        json_t *t = husk_jget(e, "type");
        if (!t)
                return husk_jfail_key(c, "type", "is required");
        if (!json_is_string(t))
                return husk_jfail_key(c, "type", "must be a string");
        int type = husk_ns_type_from_string(json_string_value(t));
        if (type < 0)
                return husk_jfail_key(c, "type", "unknown namespace type \"%s\"", json_string_value(t));
        ns->type = (enum husk_ns_type) type;
        for (size_t j = 0; j < i; j++)
                if (l->namespaces[j].type == ns->type)
                        return husk_jfail_key(c, "type", "duplicate namespace type \"%s\"", json_string_value(t));
        int r = husk_jstring(c, e, "path", false, &ns->path);
        if (r < 0)
                return r;
        if (ns->path && ns->path[0] != '/')
                return husk_jfail_key(c, "path", "must be an absolute path");
        return 0;
}

static int parse_device(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_device *d = elem;
        json_t *t = husk_jget(e, "type");
        if (!t)
                return husk_jfail_key(c, "type", "is required");
        const char *ts = json_string_value(t);
        if (!ts || strlen(ts) != 1 || !strchr("cbup", ts[0]))
                return husk_jfail_key(c, "type", "must be one of \"c\", \"b\", \"u\", \"p\"");
        d->type = ts[0];
        int r = husk_jstring(c, e, "path", true, &d->path);
        if (r < 0)
                return r;
        if (d->path[0] != '/')
                return husk_jfail_key(c, "path", "must be an absolute path");
        bool need_numbers = d->type != 'p';
        if ((r = husk_jint64(c, e, "major", need_numbers, INT64_MIN, INT64_MAX, &d->major, NULL)) < 0 ||
            (r = husk_jint64(c, e, "minor", need_numbers, INT64_MIN, INT64_MAX, &d->minor, NULL)) < 0)
                return r;
        int64_t mode;
        if ((r = husk_jint64(c, e, "fileMode", false, 0, S_IFMT | 0777, &mode, &d->has_file_mode)) < 0)
                return r;
        if (d->has_file_mode) {
                /* podman (and Go's os.FileMode turned into a mode_t) sends the file type bits too:
                 * 8630 is S_IFCHR | 0666. runc accepts them; they must name the device's own type. */
                mode_t fmt = (mode_t) mode & S_IFMT;
                mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
                if (((mode_t) mode & ~(mode_t) (S_IFMT | 0777)) || (fmt && fmt != want))
                        return husk_jfail_key(c, "fileMode",
                                              "must be permission bits (0 to 0777), with at most the file type bits "
                                              "of type \"%c\" (%#o)",
                                              d->type, (unsigned) want);
                d->file_mode = (mode_t) mode & 0777;
        }
        uint32_t id;
        bool has = false;
        if ((r = husk_juint32(c, e, "uid", false, &id, &has)) < 0)
                return r;
        if (has) {
                d->has_uid = true;
                d->uid = id;
        }
        has = false;
        if ((r = husk_juint32(c, e, "gid", false, &id, &has)) < 0)
                return r;
        if (has) {
                d->has_gid = true;
                d->gid = id;
        }
        return 0;
}

static int parse_time_offset(struct husk_jctx *c, json_t *v, struct husk_time_offset *t)
{
        int r;
        if ((r = husk_jint64(c, v, "secs", false, INT64_MIN, INT64_MAX, &t->secs, NULL)) < 0 ||
            (r = husk_juint32(c, v, "nanosecs", false, &t->nanosecs, NULL)) < 0)
                return r;
        /* /proc/PID/timens_offsets rejects nanoseconds outside [0, NSEC_PER_SEC). */
        if (t->nanosecs >= 1000000000u)
                return husk_jfail_key(c, "nanosecs", "must be less than 1000000000");
        t->set = true;
        return 0;
}

static int parse_time_offsets(struct husk_jctx *c, json_t *v, struct husk_linux *l)
{
        int r;
        if ((r = HUSK_JSECTION(c, v, "monotonic", parse_time_offset, &l->time_monotonic)) < 0 ||
            (r = HUSK_JSECTION(c, v, "boottime", parse_time_offset, &l->time_boottime)) < 0)
                return r;
        return 0;
}

static int parse_intel_rdt(struct husk_jctx *c, json_t *v, struct husk_intel_rdt *rdt)
{
        int r;
        if ((r = husk_jstring(c, v, "closID", false, &rdt->clos_id)) < 0 ||
            (r = husk_jstring(c, v, "l3CacheSchema", false, &rdt->l3_cache_schema)) < 0 ||
            (r = husk_jstring(c, v, "memBwSchema", false, &rdt->mem_bw_schema)) < 0 ||
            (r = husk_jstrv(c, v, "schemata", NULL, &rdt->schemata, NULL)) < 0 ||
            (r = husk_jbool(c, v, "enableCMT", &rdt->enable_cmt, NULL)) < 0 ||
            (r = husk_jbool(c, v, "enableMBM", &rdt->enable_mbm, NULL)) < 0 ||
            (r = husk_jbool(c, v, "enableMonitoring", &rdt->enable_monitoring, NULL)) < 0)
                return r;
        /* closID names a directory under /sys/fs/resctrl: it must not climb out of it. */
        if (rdt->clos_id && (strchr(rdt->clos_id, '/') || strcmp(rdt->clos_id, ".") == 0 ||
                             strcmp(rdt->clos_id, "..") == 0))
                return husk_jfail_key(c, "closID", "invalid CLOS name \"%s\"", rdt->clos_id);
        if (rdt->mem_bw_schema && (strncmp(rdt->mem_bw_schema, "MB:", 3) != 0 || strchr(rdt->mem_bw_schema, '\n')))
                return husk_jfail_key(c, "memBwSchema", "must be a single line starting with \"MB:\"");
        return 0;
}

static int parse_personality(struct husk_jctx *c, json_t *v, struct husk_personality *p)
{
        int r = husk_jstring(c, v, "domain", true, &p->domain);
        if (r < 0)
                return r;
        if (strcmp(p->domain, "LINUX") == 0)
                p->domain_num = PER_LINUX;
        else if (strcmp(p->domain, "LINUX32") == 0)
                p->domain_num = PER_LINUX32;
        else
                return husk_jfail_key(c, "domain", "unknown personality domain \"%s\"", p->domain);
        return husk_jstrv(c, v, "flags", NULL, &p->flags, NULL);
}

static int parse_memory_policy(struct husk_jctx *c, json_t *v, struct husk_memory_policy *m)
{
        int r = husk_jstring(c, v, "mode", true, &m->mode);
        if (r < 0)
                return r;
        m->mode_num = husk_name_index(mpol_modes, m->mode);
        if (m->mode_num < 0)
                return husk_jfail_key(c, "mode", "unknown memory policy mode \"%s\"", m->mode);
        if ((r = husk_jstring(c, v, "nodes", false, &m->nodes)) < 0 ||
            (r = husk_jstrv(c, v, "flags", mpol_flags, &m->flags, NULL)) < 0)
                return r;
        if (m->nodes && m->nodes[strspn(m->nodes, "0123456789,-")] != '\0')
                return husk_jfail_key(c, "nodes", "invalid node list \"%s\"", m->nodes);
        return 0;
}

static int parse_net_devices(struct husk_jctx *c, json_t *obj, struct husk_linux *l)
{
        json_t *v = NULL;
        int r = husk_jobject(c, obj, "netDevices", false, &v);
        if (r < 0 || !v || json_object_size(v) == 0)
                return r;
        size_t n = json_object_size(v);
        l->net_devices = calloc(n, sizeof(*l->net_devices));
        if (!l->net_devices)
                return husk_error_errno(c->err, ENOMEM, "%s: linux.netDevices", c->name);
        l->n_net_devices = n;
        size_t old = husk_jpush_key(c, "netDevices");
        const char *k;
        json_t *e;
        size_t i = 0;
        json_object_foreach (v, k, e) {
                size_t o2 = husk_jpush_map_key(c, k);
                struct husk_net_device *d = &l->net_devices[i++];
                /* Interface names are at most IFNAMSIZ-1 bytes and never contain '/'. */
                if (k[0] == '\0' || strlen(k) > 15 || strchr(k, '/'))
                        r = husk_jfail(c, "invalid network interface name");
                else if (!json_is_object(e))
                        r = husk_jfail(c, "must be an object");
                else if (!(d->host_name = strdup(k)))
                        r = husk_error_errno(c->err, ENOMEM, "%s: linux.netDevices", c->name);
                else
                        r = husk_jstring(c, e, "name", false, &d->name);
                if (r == 0 && d->name && (d->name[0] == '\0' || strlen(d->name) > 15 || strchr(d->name, '/')))
                        r = husk_jfail_key(c, "name", "invalid network interface name \"%s\"", d->name);
                husk_jpop(c, o2);
                if (r < 0)
                        break;
        }
        husk_jpop(c, old);
        return r;
}

static int parse_resources_section(struct husk_jctx *c, json_t *v, struct husk_linux *l)
{
        l->has_resources = true;
        return husk_parse_resources(c, v, &l->resources);
}

static int parse_seccomp_section(struct husk_jctx *c, json_t *v, struct husk_linux *l)
{
        l->has_seccomp = true;
        return husk_parse_seccomp(c, v, &l->seccomp);
}

int husk_parse_linux(struct husk_jctx *c, json_t *v, struct husk_linux *l)
{
        int r;
        if ((r = husk_jobject_array(c, v, "namespaces", sizeof(*l->namespaces), &l->namespaces, &l->n_namespaces,
                                    parse_namespace, l)) < 0 ||
            (r = husk_jid_mappings(c, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings)) < 0 ||
            (r = husk_jid_mappings(c, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings)) < 0 ||
            (r = HUSK_JSECTION(c, v, "timeOffsets", parse_time_offsets, l)) < 0 ||
            (r = husk_jobject_array(c, v, "devices", sizeof(*l->devices), &l->devices, &l->n_devices, parse_device,
                                    NULL)) < 0 ||
            (r = husk_jstring(c, v, "cgroupsPath", false, &l->cgroups_path)) < 0 ||
            (r = HUSK_JSECTION(c, v, "resources", parse_resources_section, l)) < 0 ||
            (r = husk_jstring(c, v, "rootfsPropagation", false, &l->rootfs_propagation)) < 0)
                return r;
        if (l->rootfs_propagation && husk_name_index(propagations, l->rootfs_propagation) < 0)
                return husk_jfail_key(c, "rootfsPropagation", "unknown propagation \"%s\"", l->rootfs_propagation);
        if ((r = HUSK_JSECTION(c, v, "seccomp", parse_seccomp_section, l)) < 0 ||
            (r = husk_jkv(c, v, "sysctl", &l->sysctl, &l->n_sysctl)) < 0 ||
            (r = husk_jstrv(c, v, "maskedPaths", NULL, &l->masked_paths, &l->n_masked_paths)) < 0 ||
            (r = husk_jstrv(c, v, "readonlyPaths", NULL, &l->readonly_paths, &l->n_readonly_paths)) < 0 ||
            (r = husk_jstring(c, v, "mountLabel", false, &l->mount_label)) < 0 ||
            (r = HUSK_JSECTION(c, v, "intelRdt", parse_intel_rdt, &l->intel_rdt)) < 0)
                return r;
        l->has_intel_rdt = husk_jget(v, "intelRdt") != NULL;
        if ((r = HUSK_JSECTION(c, v, "personality", parse_personality, &l->personality)) < 0)
                return r;
        l->has_personality = husk_jget(v, "personality") != NULL;
        if ((r = HUSK_JSECTION(c, v, "memoryPolicy", parse_memory_policy, &l->memory_policy)) < 0)
                return r;
        l->has_memory_policy = husk_jget(v, "memoryPolicy") != NULL;
        return parse_net_devices(c, v, l);
}

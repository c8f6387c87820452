/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run/create's security and namespace flags checked and kept in host_config by Docker's names, so a
 * bad value fails before a container is made (exit 125, the flag and the value named) and `inspect`
 * shows them as `docker inspect` does. spec_security.c applies them at each start.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/husk/run_sec.h"
#include "engine/resources.h"
#include "engine/security.h"
#include "oci/capabilities.h"
#include "oci/seccomp_profile.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Docker's default /dev/shm: 64 MiB. */
#define SHM_SIZE_DEFAULT (64 << 20)

/* Profiles are small; a larger file is not one. */
#define SECCOMP_FILE_MAX (4u << 20)

#define _cleanup_json_ _cleanup_(json_decrefp)

static int set(const struct husk_ctx *ctx, json_t *hc, const char *key, json_t *v)
{
        if (!v || json_object_set_new(hc, key, v) < 0)
                return husk_failf(ctx, "out of memory");
        return 0;
}

static int caps(const struct husk_ctx *ctx, const struct arg_strings *s, const char *flag, json_t *hc,
                const char *key)
{
        if (s->n == 0)
                return 0;
        json_t *a = json_array();
        for (size_t i = 0; a && i < s->n; i++) {
                int c = husk_sec_cap_parse(s->v[i]);
                if (c < 0) {
                        json_decref(a);
                        return husk_usage_error(ctx, "invalid argument \"%s\" for \"%s\" flag: unknown capability",
                                                s->v[i], flag);
                }
                /* Docker keeps them normalized: CAP_NAME, and ALL. */
                if (json_array_append_new(a, json_string(c == HUSK_CAP_ALL ? "ALL" : husk_cap_to_name(c))) < 0)
                        break;
        }
        return set(ctx, hc, key, a);
}

/* seccomp=FILE becomes seccomp=<the profile's JSON>, as the docker CLI sends it: the container keeps
 * the profile it was made with even when the file changes or goes. */
static int security_opts(const struct husk_ctx *ctx, const struct arg_strings *s, json_t *hc)
{
        if (s->n == 0)
                return 0;
        _cleanup_json_ json_t *a = json_array();
        struct husk_sec_opts o = { .no_new_privileges = -1 };
        for (size_t i = 0; a && i < s->n; i++) {
                struct husk_error err = { 0 };
                if (husk_sec_opt_parse(s->v[i], &o, &err) < 0)
                        return husk_usage_error(ctx, "%s", err.msg);
                const char *v = s->v[i];
                _cleanup_free_ char *kept = NULL;
                if (o.seccomp_profile && strncmp(v, "seccomp", 7) == 0) {
                        const char *file = o.seccomp_profile;
                        _cleanup_free_ char *text = NULL;
                        size_t len = 0;
                        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = NULL;
                        if (husk_read_file_at(AT_FDCWD, file, &text, &len, &err) < 0 ||
                            husk_seccomp_profile_parse(text, len, file, &p, &err) < 0)
                                return husk_failf(ctx, "--security-opt %s: %s", v, err.msg);
                        _cleanup_json_ json_t *j = json_loadb(text, len, 0, NULL);
                        _cleanup_free_ char *compact = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
                        if (!compact || asprintf(&kept, "seccomp=%s", compact) < 0)
                                return husk_failf(ctx, "out of memory");
                        o.seccomp_profile = NULL; /* pointed into this flag's value */
                        v = kept;
                }
                if (json_array_append_new(a, json_string(v)) < 0)
                        return husk_failf(ctx, "out of memory");
        }
        return set(ctx, hc, "SecurityOpt", steal_ptr(a));
}

static int devices(const struct husk_ctx *ctx, const struct run_sec_flags *f, json_t *hc)
{
        json_t *a = f->device.n ? json_array() : NULL;
        for (size_t i = 0; i < f->device.n; i++) {
                struct husk_sec_device d;
                struct husk_error err = { 0 };
                struct stat st;
                if (husk_sec_device_parse(f->device.v[i], &d, &err) < 0) {
                        json_decref(a);
                        return husk_usage_error(ctx, "%s", err.msg);
                }
                /* Checked now, so no container is made for a device that is not one; again at start. */
                if (stat(d.host, &st) < 0) {
                        int e = errno;
                        json_decref(a);
                        return husk_failf(ctx, "--device %s: %s: %s", f->device.v[i], d.host, strerror(e));
                }
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
                        json_decref(a);
                        return husk_failf(ctx, "--device %s: %s is not a device node", f->device.v[i], d.host);
                }
                json_t *o = json_pack("{s:s, s:s, s:s}", "PathOnHost", d.host, "PathInContainer", d.ctr,
                                      "CgroupPermissions", d.perms);
                if (!a || !o || json_array_append_new(a, o) < 0)
                        break;
        }
        if (a && set(ctx, hc, "Devices", a) != 0)
                return HUSK_EXIT_ERROR;
        if (f->device_cgroup_rule.n == 0)
                return 0;
        a = json_array();
        for (size_t i = 0; a && i < f->device_cgroup_rule.n; i++) {
                struct husk_error err = { 0 };
                json_t *rule = NULL;
                if (husk_sec_cgroup_rule_parse(f->device_cgroup_rule.v[i], &rule, &err) < 0) {
                        json_decref(a);
                        return husk_usage_error(ctx, "%s", err.msg);
                }
                json_decref(rule);
                if (json_array_append_new(a, json_string(f->device_cgroup_rule.v[i])) < 0)
                        break;
        }
        return set(ctx, hc, "DeviceCgroupRules", a);
}

static int namespaces(const struct husk_ctx *ctx, const struct run_sec_flags *f, struct husk_ctr_config *cfg)
{
        const struct {
                const char *flag, *value, *key;
        } modes[] = {
                { "--pid", f->pid, "PidMode" },   { "--ipc", f->ipc, "IpcMode" },
                { "--uts", f->uts, "UTSMode" },   { "--cgroupns", f->cgroupns, "CgroupnsMode" },
                { "--userns", f->userns, "UsernsMode" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(modes); i++) {
                if (!modes[i].value)
                        continue;
                struct husk_error err = { 0 };
                if (husk_sec_mode_check(modes[i].flag, modes[i].value, &err) < 0)
                        return husk_usage_error(ctx, "%s", err.msg);
                if (set(ctx, cfg->host_config, modes[i].key, json_string(modes[i].value)) != 0)
                        return HUSK_EXIT_ERROR;
        }
        if (f->uts && strcmp(f->uts, "host") == 0 && cfg->hostname)
                return husk_usage_error(ctx, "conflicting options: hostname and the UTS mode");
        if (!f->ipc)
                return set(ctx, cfg->host_config, "IpcMode", json_string("private"));
        return 0;
}

static int sysctls(const struct husk_ctx *ctx, const struct run_sec_flags *f, struct husk_ctr_config *cfg)
{
        if (f->sysctl.n == 0)
                return 0;
        json_t *o = json_object();
        for (size_t i = 0; o && i < f->sysctl.n; i++) {
                const char *kv = f->sysctl.v[i];
                struct husk_error err = { 0 };
                if (husk_sec_sysctl_check(kv, f->ipc, cfg->network, &err) < 0) {
                        json_decref(o);
                        return husk_usage_error(ctx, "%s", err.msg);
                }
                const char *eq = strchr(kv, '=');
                _cleanup_free_ char *k = strndup(kv, (size_t) (eq - kv));
                if (!k || json_object_set_new(o, k, json_string(eq + 1)) < 0)
                        break;
        }
        return set(ctx, cfg->host_config, "Sysctls", o);
}

int husk_run_sec_config(const struct husk_ctx *ctx, const struct run_sec_flags *f, struct husk_ctr_config *cfg)
{
        json_t *hc = cfg->host_config;
        int64_t shm = SHM_SIZE_DEFAULT;
        if (f->shm_size && (husk_res_parse_bytes(f->shm_size, &shm) < 0 || shm <= 0))
                return husk_usage_error(ctx, "invalid argument \"%s\" for \"--shm-size\" flag: invalid size",
                                        f->shm_size);
        int r;
        if ((r = set(ctx, hc, "Privileged", json_boolean(f->privileged))) != 0 ||
            (r = set(ctx, hc, "ReadonlyRootfs", json_boolean(f->read_only))) != 0 ||
            (r = set(ctx, hc, "ShmSize", json_integer(shm))) != 0 ||
            (r = caps(ctx, &f->cap_add, "--cap-add", hc, "CapAdd")) != 0 ||
            (r = caps(ctx, &f->cap_drop, "--cap-drop", hc, "CapDrop")) != 0 ||
            (r = security_opts(ctx, &f->security_opt, hc)) != 0 || (r = devices(ctx, f, hc)) != 0 ||
            (r = namespaces(ctx, f, cfg)) != 0 || (r = sysctls(ctx, f, cfg)) != 0)
                return r;
        if (f->init && (r = set(ctx, hc, "Init", json_true())) != 0)
                return r;
        if (f->group_add.n == 0)
                return 0;
        json_t *a = json_array();
        for (size_t i = 0; a && i < f->group_add.n; i++) {
                const char *g = f->group_add.v[i];
                if (!*g || strchr(g, ':')) {
                        json_decref(a);
                        return husk_usage_error(ctx, "invalid argument \"%s\" for \"--group-add\" flag", g);
                }
                if (json_array_append_new(a, json_string(g)) < 0)
                        break;
        }
        return set(ctx, hc, "GroupAdd", a);
}

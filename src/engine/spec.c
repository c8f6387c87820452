/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json of an engine container, with Docker's defaults (moby's oci/defaults.go and
 * daemon/oci_linux.go): its capability set, husk's default seccomp profile resolved for it, Docker's
 * masked and read-only paths, a private /dev with the default devices only, noNewPrivileges off,
 * the container's /etc files bound in, its own network namespace (lo up) unless --network host.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ctr_volumes.h"
#include "engine/resources.h"
#include "engine/security.h"
#include "engine/spec.h"
#include "oci/capabilities.h"
#include "oci/seccomp_profile.h"
#include "oci/spec.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static const char *const docker_caps[] = {
        "CAP_CHOWN",  "CAP_DAC_OVERRIDE",     "CAP_FSETID",     "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID",          "CAP_SETUID",     "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",   "CAP_AUDIT_WRITE",
};

uint64_t husk_engine_default_caps(void)
{
        uint64_t mask = 0;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(docker_caps); i++) {
                int c = husk_cap_from_name(docker_caps[i]);
                if (c >= 0)
                        mask |= UINT64_C(1) << c;
        }
        return mask;
}

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; a && v && v[i]; i++)
                if (json_array_append_new(a, json_string(v[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static json_t *caps_json(void)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < HUSK_ARRAY_SIZE(docker_caps); i++)
                if (json_array_append_new(a, json_string(docker_caps[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static json_t *process_json(const struct husk_engine_spec_in *in, struct husk_error *err)
{
        _cleanup_strv_ char **args = NULL, **env = NULL;
        _cleanup_free_ char *cwd = NULL;
        if (husk_engine_args(&in->ctr->cfg, in->img, &args, err) < 0 ||
            husk_engine_env(&in->ctr->cfg, in->img, in->hostname, in->user->home, &env, err) < 0 ||
            husk_engine_cwd(&in->ctr->cfg, in->img, &cwd, err) < 0)
                return NULL;
        json_t *gids = json_array();
        for (size_t i = 0; gids && i < in->user->n_gids; i++)
                if (json_array_append_new(gids, json_integer(in->user->gids[i])) < 0) {
                        json_decref(gids);
                        gids = NULL;
                }
        json_t *caps = json_pack("{s:o, s:o, s:o}", "bounding", caps_json(), "effective", caps_json(), "permitted",
                                 caps_json());
        json_t *p = json_pack("{s:b, s:{s:I, s:I, s:o}, s:o, s:o, s:s, s:o, s:b}", "terminal", 0, "user", "uid",
                              (json_int_t) in->user->uid, "gid", (json_int_t) in->user->gid, "additionalGids", gids,
                              "args", strv_json(args), "env", strv_json(env), "cwd", cwd, "capabilities", caps,
                              "noNewPrivileges", 0);
        if (!p)
                (void) husk_error_errno(err, ENOMEM, "config.json: process");
        return p;
}

static json_t *bind_json(const char *dir, const char *file, const char *dest)
{
        char src[4096];
        (void) snprintf(src, sizeof(src), "%s/%s", dir, file);
        return json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", dest, "type", "bind", "source", src, "options",
                         "rbind", "rprivate");
}

static json_t *mounts_json(const struct husk_engine_spec_in *in)
{
        return json_pack(
                "[{s:s, s:s, s:s, s:[s,s,s]},"
                " {s:s, s:s, s:s, s:[s,s,s,s]},"
                " {s:s, s:s, s:s, s:[s,s,s,s,s,s]},"
                " {s:s, s:s, s:s, s:[s,s,s,s]},"
                " {s:s, s:s, s:s, s:[s,s,s,s,s]},"
                " {s:s, s:s, s:s, s:[s,s,s]},"
                " {s:s, s:s, s:s, s:[s,s,s,s,s,s]},"
                " o, o, o]",
                "destination", "/proc", "type", "proc", "source", "proc", "options", "nosuid", "noexec", "nodev",
                "destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options", "nosuid", "strictatime",
                "mode=755", "size=65536k",
                "destination", "/dev/pts", "type", "devpts", "source", "devpts", "options", "nosuid", "noexec",
                "newinstance", "ptmxmode=0666", "mode=0620", "gid=5",
                "destination", "/sys", "type", "sysfs", "source", "sysfs", "options", "nosuid", "noexec", "nodev",
                "ro",
                "destination", "/dev/shm", "type", "tmpfs", "source", "shm", "options", "nosuid", "noexec", "nodev",
                "mode=1777", "size=65536k",
                "destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue", "options", "nosuid", "noexec",
                "nodev",
                "destination", "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup", "options", "ro", "nosuid",
                "noexec", "nodev", "relatime", "rprivate",
                bind_json(in->ctr_dir, "resolv.conf", "/etc/resolv.conf"),
                bind_json(in->ctr_dir, "hostname", "/etc/hostname"), bind_json(in->ctr_dir, "hosts", "/etc/hosts"));
}

static json_t *device_rule(bool allow, const char *type, int64_t major, int64_t minor, const char *access)
{
        json_t *o = json_pack("{s:b, s:s, s:s}", "allow", allow, "type", type, "access", access);
        if (o && major >= 0)
                (void) json_object_set_new(o, "major", json_integer(major));
        if (o && minor >= 0)
                (void) json_object_set_new(o, "minor", json_integer(minor));
        return o;
}

/* Docker's device cgroup rules: nothing but mknod and the default devices. */
static json_t *devices_json(void)
{
        return json_pack("[o, o, o, o, o, o, o, o, o, o, o]", json_pack("{s:b, s:s}", "allow", 0, "access", "rwm"),
                         device_rule(true, "c", -1, -1, "m"), device_rule(true, "b", -1, -1, "m"),
                         device_rule(true, "c", 1, 3, "rwm"), device_rule(true, "c", 1, 8, "rwm"),
                         device_rule(true, "c", 1, 7, "rwm"), device_rule(true, "c", 5, 0, "rwm"),
                         device_rule(true, "c", 1, 5, "rwm"), device_rule(true, "c", 1, 9, "rwm"),
                         device_rule(true, "c", 136, -1, "rwm"), device_rule(true, "c", 5, 2, "rwm"));
}

static json_t *namespaces_json(const struct husk_engine_spec_in *in)
{
        json_t *a = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "ipc", "type", "uts", "type",
                              "mount");
        const char *net = in->ctr->cfg.network;
        if (a && in->netns_path)
                (void) json_array_append_new(a, json_pack("{s:s, s:s}", "type", "network", "path", in->netns_path));
        else if (a && !(net && strcmp(net, "host") == 0))
                (void) json_array_append_new(a, json_pack("{s:s}", "type", "network"));
        if (a && in->cgroupns)
                (void) json_array_append_new(a, json_pack("{s:s}", "type", "cgroup"));
        return a;
}

int husk_engine_seccomp_json(const struct husk_seccomp_profile *profile, uint64_t caps, json_t **ret,
                             struct husk_error *err)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *def = NULL;
        int r;
        if (!profile) {
                r = husk_seccomp_profile_default(&def, err);
                if (r < 0)
                        return r;
                profile = def;
        }
        _cleanup_(husk_spec_freep) struct husk_spec *spec = calloc(1, sizeof(*spec));
        if (!spec)
                return husk_error_errno(err, ENOMEM, "seccomp");
        spec->has_process = true;
        spec->process.has_capabilities = true;
        spec->process.capabilities.has_bounding = true;
        spec->process.capabilities.bounding = caps;
        r = husk_spec_set_seccomp_profile(spec, profile, err);
        if (r < 0)
                return r;
        return husk_seccomp_to_json(&spec->linux_.seccomp, ret, err);
}

static json_t *linux_json(const struct husk_engine_spec_in *in, struct husk_error *err)
{
        json_t *seccomp = NULL;
        /* linux.seccomp: husk's default profile resolved for Docker's capability set on this host. */
        if (husk_engine_seccomp_json(NULL, husk_engine_default_caps(), &seccomp, err) < 0)
                return NULL;
        const char *parent = in->ctr->cfg.cgroup_parent ? in->ctr->cfg.cgroup_parent : "/husk";
        char cgpath[4096];
        (void) snprintf(cgpath, sizeof(cgpath), "%s/%s", parent, in->ctr->id);
        const char *net = in->ctr->cfg.network;
        bool own_net = !(net && strcmp(net, "host") == 0);
        json_t *l = json_pack(
                "{s:{s:o}, s:s, s:o, s:o,"
                " s:[s,s,s,s,s,s,s,s,s,s,s,s], s:[s,s,s,s,s]}",
                "resources", "devices", devices_json(), "cgroupsPath", cgpath, "namespaces", namespaces_json(in),
                "seccomp", seccomp,
                "maskedPaths", "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                "/sys/firmware", "/sys/devices/virtual/powercap",
                "readonlyPaths", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
        /* Docker lets a container bind low ports without CAP_NET_BIND_SERVICE in a network of its own. */
        if (l && own_net)
                (void) json_object_set_new(l, "sysctl", json_pack("{s:s}", "net.ipv4.ip_unprivileged_port_start", "0"));
        if (!l)
                (void) husk_error_errno(err, ENOMEM, "config.json: linux");
        return l;
}

int husk_engine_spec_json(const struct husk_engine_spec_in *in, char **ret, struct husk_error *err)
{
        json_t *process = process_json(in, err);
        if (!process)
                return -(err && err->code ? err->code : ENOMEM);
        json_t *linux_ = linux_json(in, err);
        if (!linux_) {
                json_decref(process);
                return -(err && err->code ? err->code : ENOMEM);
        }
        _cleanup_json_ json_t *doc = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o, s:{s:s, s:s}}",
                                               "ociVersion", "1.2.0", "process", process, "root", "path", in->rootfs,
                                               "readonly", 0, "hostname", in->hostname, "mounts", mounts_json(in),
                                               "linux", linux_, "annotations", "org.opencontainers.image.ref.name",
                                               in->ctr->image, "husk.container.name", in->ctr->name);
        if (!doc)
                return husk_error_errno(err, ENOMEM, "config.json");
        /* Each area applies the options it keeps (container.h: host_config, ctr_config) to the
         * document, one call each, from its own spec_<area>.c. */
        if (husk_spec_apply_res(in, doc, err) < 0)
                return -(err && err->code ? err->code : EINVAL);
        int r = husk_spec_apply_security(in, doc, err);
        if (r < 0)
                return r;
        r = husk_spec_apply_tty(in, doc, err);
        if (r < 0)
                return r;
        r = husk_spec_apply_vol(in, doc, err);
        if (r < 0)
                return r;
        char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT);
        if (!text)
                return husk_error_errno(err, ENOMEM, "config.json");
        *ret = text;
        return 0;
}

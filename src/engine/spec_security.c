/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security and namespace options of a container (security.h) applied to its OCI config, as
 * moby's daemon/oci_linux.go does: capabilities (and the seccomp profile resolved again for them),
 * --privileged, --security-opt, devices, a read-only root, extra groups, sysctls, the /dev/shm size,
 * the pid/ipc/uts/cgroup namespaces, and --init.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/security.h"
#include "engine/spec.h"
#include "oci/capabilities.h"
#include "oci/seccomp_profile.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static json_t *jget(const json_t *o, const char *k)
{
        return json_object_get(o, k);
}

static const char *jstr(const json_t *o, const char *k)
{
        return json_string_value(json_object_get(o, k));
}

/* o[k], made an empty object or array when missing. */
static json_t *jmake(json_t *o, const char *k, bool array)
{
        json_t *v = json_object_get(o, k);
        if (v)
                return v;
        v = array ? json_array() : json_object();
        if (!v || json_object_set_new(o, k, v) < 0)
                return NULL;
        return v;
}

static json_t *mount_at(json_t *doc, const char *dest)
{
        size_t i;
        json_t *m;
        json_array_foreach(jget(doc, "mounts"), i, m) {
                const char *d = jstr(m, "destination");
                if (d && strcmp(d, dest) == 0)
                        return m;
        }
        return NULL;
}

/* Drop the mount option `opt` of the mount at dest (or any option starting with it when prefix). */
static void mount_drop_option(json_t *doc, const char *dest, const char *opt, bool prefix)
{
        json_t *opts = jget(mount_at(doc, dest), "options");
        for (size_t i = json_array_size(opts); i-- > 0;) {
                const char *o = json_string_value(json_array_get(opts, i));
                if (o && (prefix ? strncmp(o, opt, strlen(opt)) == 0 : strcmp(o, opt) == 0))
                        (void) json_array_remove(opts, i);
        }
}

static void mount_remove(json_t *doc, const char *dest)
{
        json_t *mounts = jget(doc, "mounts");
        for (size_t i = json_array_size(mounts); i-- > 0;) {
                const char *d = jstr(json_array_get(mounts, i), "destination");
                if (d && strcmp(d, dest) == 0)
                        (void) json_array_remove(mounts, i);
        }
}

/* linux.namespaces: drop the entry of type (path NULL, remove) or make it a new one / join path. */
static int ns_set(json_t *linux_, const char *type, bool present, const char *path)
{
        json_t *nss = jget(linux_, "namespaces");
        for (size_t i = json_array_size(nss); i-- > 0;) {
                const char *t = jstr(json_array_get(nss, i), "type");
                if (t && strcmp(t, type) == 0)
                        (void) json_array_remove(nss, i);
        }
        if (!present)
                return 0;
        json_t *n = path ? json_pack("{s:s, s:s}", "type", type, "path", path) : json_pack("{s:s}", "type", type);
        return n && json_array_append_new(nss, n) == 0 ? 0 : -ENOMEM;
}

/* /proc/PID/ns/<ns> of the running container a "container:X" mode names. */
static int container_ns(const struct husk_engine_spec_in *in, const char *flag, const char *mode, const char *ns,
                        char ret[static 64], struct husk_error *err)
{
        struct husk_engine *e = in->engine;
        if (!e)
                return husk_error_set(err, EINVAL, "%s %s: no container store", flag, mode);
        char id[HUSK_CTR_ID_LEN + 1];
        int r = husk_ctr_lookup(e->ctrs, mode + 10, id, err);
        if (r < 0)
                return husk_error_prefix(err, "%s %s: ", flag, mode);
        if (strcmp(id, in->ctr->id) == 0)
                return husk_error_set(err, EINVAL, "%s %s: a container cannot join its own namespace", flag, mode);
        _cleanup_(husk_ctr_done) struct husk_ctr other = { 0 };
        r = husk_ctr_load(e->ctrs, id, &other, err);
        if (r < 0)
                return r;
        if (other.state != HUSK_CTR_RUNNING || other.monitor_dead || other.pid <= 0)
                return husk_error_set(err, EINVAL, "%s %s: container %s is not running", flag, mode, other.name);
        (void) snprintf(ret, 64, "/proc/%d/ns/%s", (int) other.pid, ns);
        return 0;
}

bool husk_sec_uts_host(const struct husk_ctr *c)
{
        const char *m = jstr(c->cfg.host_config, "UTSMode");
        return m && strcmp(m, "host") == 0;
}

/* --pid, --ipc, --uts, --cgroupns. */
static int apply_namespaces(const struct husk_engine_spec_in *in, const json_t *hc, json_t *doc, struct husk_error *err)
{
        json_t *linux_ = jget(doc, "linux");
        static const struct {
                const char *key, *flag, *ns, *oci;
        } modes[] = {
                { "PidMode", "--pid", "pid", "pid" },
                { "IpcMode", "--ipc", "ipc", "ipc" },
                { "UTSMode", "--uts", "uts", "uts" },
                { "CgroupnsMode", "--cgroupns", "cgroup", "cgroup" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(modes); i++) {
                const char *m = jstr(hc, modes[i].key);
                if (!m || !*m)
                        continue;
                int r = husk_sec_mode_check(modes[i].flag, m, err);
                if (r < 0)
                        return r;
                char path[64];
                if (strncmp(m, "container:", 10) == 0) {
                        r = container_ns(in, modes[i].flag, m, modes[i].ns, path, err);
                        if (r >= 0)
                                r = ns_set(linux_, modes[i].oci, true, path);
                } else if (strcmp(m, "host") == 0) {
                        r = ns_set(linux_, modes[i].oci, false, NULL);
                } else if (strcmp(modes[i].oci, "cgroup") == 0 && strcmp(m, "private") == 0) {
                        r = ns_set(linux_, "cgroup", true, NULL);
                } else {
                        r = 0; /* private, shareable, none: a namespace of its own, as by default */
                }
                if (r < 0)
                        return r == -ENOMEM ? husk_error_errno(err, ENOMEM, "config.json") : r;
        }
        const char *uts = jstr(hc, "UTSMode");
        if (uts && strcmp(uts, "host") == 0)
                (void) json_object_del(doc, "hostname"); /* the host's: the runtime must not set one */
        const char *ipc = jstr(hc, "IpcMode");
        if (ipc && strcmp(ipc, "none") == 0)
                mount_remove(doc, "/dev/shm"); /* Docker's "none": no /dev/shm at all */
        return 0;
}

static json_t *caps_array(uint64_t mask)
{
        json_t *a = json_array();
        for (int c = 0; a && c < 64; c++)
                if ((mask >> c) & 1) {
                        const char *n = husk_cap_to_name(c);
                        if (n && json_array_append_new(a, json_string(n)) < 0) {
                                json_decref(a);
                                return NULL;
                        }
                }
        return a;
}

static int set_caps(json_t *doc, uint64_t mask, struct husk_error *err)
{
        json_t *caps = json_pack("{s:o, s:o, s:o}", "bounding", caps_array(mask), "effective", caps_array(mask),
                                 "permitted", caps_array(mask));
        if (!caps || json_object_set_new(jget(doc, "process"), "capabilities", caps) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: process.capabilities");
        return 0;
}

/* Every device node under the host's /dev, as runc's HostDevices() lists them for --privileged
 * (pts, shm, mqueue and the like skipped; console and ptmx are the container's own). */
static int host_devices(int dfd, const char *path, json_t *devices, unsigned depth, struct husk_error *err)
{
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                (void) close(dfd);
                return husk_error_errno(err, errno, "open %s", path);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *n = de->d_name;
                if (n[0] == '.' || strcmp(n, "pts") == 0 || strcmp(n, "shm") == 0 || strcmp(n, "fd") == 0 ||
                    strcmp(n, "mqueue") == 0 || strcmp(n, "console") == 0 || strcmp(n, "ptmx") == 0)
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* gone meanwhile */
                char sub[4096];
                if (snprintf(sub, sizeof(sub), "%s/%s", path, n) >= (int) sizeof(sub))
                        continue;
                if (S_ISDIR(st.st_mode) && depth < 8) {
                        int fd = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (fd < 0)
                                continue;
                        int r = host_devices(fd, sub, devices, depth + 1, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        continue;
                json_t *dev = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", sub, "type",
                                        S_ISCHR(st.st_mode) ? "c" : "b", "major", (json_int_t) major(st.st_rdev),
                                        "minor", (json_int_t) minor(st.st_rdev), "fileMode",
                                        (json_int_t) (st.st_mode & 0777), "uid", (json_int_t) st.st_uid, "gid",
                                        (json_int_t) st.st_gid);
                if (!dev || json_array_append_new(devices, dev) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json: linux.devices");
        }
        return 0;
}

static int apply_privileged(json_t *doc, struct husk_error *err)
{
        json_t *linux_ = jget(doc, "linux");
        int r = set_caps(doc, husk_sec_caps_all(), err);
        if (r < 0)
                return r;
        (void) json_object_del(linux_, "seccomp");
        (void) json_object_del(linux_, "maskedPaths");
        (void) json_object_del(linux_, "readonlyPaths");
        mount_drop_option(doc, "/sys", "ro", false);
        mount_drop_option(doc, "/sys/fs/cgroup", "ro", false);
        json_t *res = jmake(linux_, "resources", false);
        json_t *allow = json_pack("[{s:b, s:s}]", "allow", 1, "access", "rwm");
        json_t *devices = jmake(linux_, "devices", true);
        if (!res || !allow || !devices || json_object_set_new(res, "devices", allow) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: linux.resources.devices");
        int fd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open /dev");
        return host_devices(fd, "/dev", devices, 0, err);
}

/* --device HOST:CONTAINER:PERMS: the node and its cgroup rule. In a user namespace no node can be
 * made: the runtime binds the host's node of the same path instead, so a renamed one is given as a
 * bind mount of HOST here. */
static int apply_device(json_t *doc, const char *spec, bool userns, struct husk_error *err)
{
        json_t *linux_ = jget(doc, "linux");
        struct husk_sec_device d;
        int r = husk_sec_device_parse(spec, &d, err);
        if (r < 0)
                return r;
        struct stat st;
        if (stat(d.host, &st) < 0)
                return husk_error_errno(err, errno, "--device %s: error gathering device information: stat %s", spec,
                                        d.host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return husk_error_set(err, EINVAL, "--device %s: %s is not a device node", spec, d.host);
        const char *type = S_ISCHR(st.st_mode) ? "c" : "b";
        json_int_t maj = (json_int_t) major(st.st_rdev), min = (json_int_t) minor(st.st_rdev);
        json_t *node = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", d.ctr, "type", type, "major", maj,
                                 "minor", min, "fileMode", (json_int_t) (st.st_mode & 0777), "uid",
                                 (json_int_t) st.st_uid, "gid", (json_int_t) st.st_gid);
        json_t *rule = json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type", type, "major", maj, "minor", min,
                                 "access", d.perms);
        json_t *res = jmake(linux_, "resources", false);
        json_t *devs = userns ? jget(doc, "mounts") : jmake(linux_, "devices", true);
        json_t *rules = res ? jmake(res, "devices", true) : NULL;
        if (node && userns) {
                json_decref(node);
                node = json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", d.ctr, "type", "bind", "source", d.host,
                                 "options", "bind", "nosuid");
        }
        if (!node || !rule || !devs || !rules || json_array_append_new(devs, node) < 0 ||
            json_array_append_new(rules, rule) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: linux.devices");
        return 0;
}

static int apply_devices(const json_t *hc, json_t *doc, bool privileged, struct husk_error *err)
{
        json_t *linux_ = jget(doc, "linux");
        bool userns = json_object_get(hc, "IDMappings") != NULL;
        size_t i;
        json_t *v;
        json_array_foreach(jget(hc, "Devices"), i, v) {
                char spec[8300];
                (void) snprintf(spec, sizeof(spec), "%s:%s:%s", jstr(v, "PathOnHost") ?: "",
                                jstr(v, "PathInContainer") ?: "", jstr(v, "CgroupPermissions") ?: "");
                int r = apply_device(doc, spec, userns, err);
                if (r < 0)
                        return r;
        }
        if (privileged)
                return 0; /* every device is allowed already */
        json_array_foreach(jget(hc, "DeviceCgroupRules"), i, v) {
                json_t *rule = NULL;
                int r = husk_sec_cgroup_rule_parse(json_string_value(v) ?: "", &rule, err);
                if (r < 0)
                        return r;
                json_t *rules = jmake(jmake(linux_, "resources", false), "devices", true);
                if (!rules || json_array_append_new(rules, rule) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json: linux.resources.devices");
        }
        return 0;
}

/* maskedPaths / readonlyPaths: "mask=/a:/b" adds, "unmask=ALL|/a:/b" removes (podman's options). */
static int apply_masks(json_t *linux_, const struct husk_sec_opts *o, struct husk_error *err)
{
        if (o->unmask) {
                const char *keys[] = { "maskedPaths", "readonlyPaths" };
                for (size_t k = 0; k < 2; k++) {
                        json_t *a = jget(linux_, keys[k]);
                        for (size_t i = json_array_size(a); i-- > 0;) {
                                const char *p = json_string_value(json_array_get(a, i));
                                size_t n = p ? strlen(p) : 0;
                                bool hit = strcmp(o->unmask, "ALL") == 0;
                                for (const char *s = o->unmask; !hit && n && (s = strstr(s, p)); s += n)
                                        hit = (s == o->unmask || s[-1] == ':') && (s[n] == ':' || !s[n]);
                                if (hit)
                                        (void) json_array_remove(a, i);
                        }
                }
        }
        if (o->mask) {
                json_t *a = jmake(linux_, "maskedPaths", true);
                for (const char *s = o->mask; a && *s;) {
                        size_t n = strcspn(s, ":");
                        if (n && json_array_append_new(a, json_stringn(s, n)) < 0)
                                return husk_error_errno(err, ENOMEM, "config.json: linux.maskedPaths");
                        s += n + (s[n] == ':');
                }
        }
        return 0;
}

static int apply_security_opts(const json_t *hc, json_t *doc, uint64_t caps, bool privileged, bool caps_changed,
                               struct husk_error *err)
{
        struct husk_sec_opts o = { .no_new_privileges = -1 };
        size_t i;
        json_t *v;
        json_array_foreach(jget(hc, "SecurityOpt"), i, v) {
                int r = husk_sec_opt_parse(json_string_value(v) ?: "", &o, err);
                if (r < 0)
                        return r;
        }
        json_t *process = jget(doc, "process"), *linux_ = jget(doc, "linux");
        if (o.no_new_privileges >= 0)
                (void) json_object_set_new(process, "noNewPrivileges", json_boolean(o.no_new_privileges));
        /* Given to the runtime as they are: on a host without the LSM it refuses them (lsm.h). */
        if (o.apparmor && strcmp(o.apparmor, "unconfined") != 0 && !privileged)
                (void) json_object_set_new(process, "apparmorProfile", json_string(o.apparmor));
        if (o.selinux_label[0] && !o.label_disable && !privileged)
                (void) json_object_set_new(process, "selinuxLabel", json_string(o.selinux_label));
        if (o.systempaths_unconfined) {
                (void) json_object_del(linux_, "maskedPaths");
                (void) json_object_del(linux_, "readonlyPaths");
        }
        if (o.writable_cgroups)
                mount_drop_option(doc, "/sys/fs/cgroup", "ro", false);
        int r = apply_masks(linux_, &o, err);
        if (r < 0 || privileged)
                return r;
        if (o.seccomp_unconfined) {
                (void) json_object_del(linux_, "seccomp");
                return 0;
        }
        if (!o.seccomp_profile && !caps_changed)
                return 0; /* spec.c's default profile for the default capabilities stands */
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *profile = NULL;
        r = o.seccomp_profile ? husk_seccomp_profile_parse(o.seccomp_profile, strlen(o.seccomp_profile),
                                                           "--security-opt seccomp", &profile, err)
                              : husk_seccomp_profile_default(&profile, err);
        json_t *seccomp = NULL;
        if (r >= 0)
                r = husk_engine_seccomp_json(profile, caps, &seccomp, err);
        if (r < 0)
                return r;
        (void) json_object_set_new(linux_, "seccomp", seccomp);
        return 0;
}

/* --group-add NAME|GID: names from the image's /etc/group, read through the root as --user is. */
static int apply_group_add(const struct husk_engine_spec_in *in, const json_t *groups, json_t *doc,
                           struct husk_error *err)
{
        if (json_array_size(groups) == 0)
                return 0;
        json_t *gids = jmake(jmake(jget(doc, "process"), "user", false), "additionalGids", true);
        if (!gids)
                return husk_error_errno(err, ENOMEM, "config.json: process.user.additionalGids");
        _cleanup_close_ int root_fd = -1;
        size_t i;
        json_t *v;
        json_array_foreach(groups, i, v) {
                const char *g = json_string_value(v) ?: "";
                char spec[300];
                (void) snprintf(spec, sizeof(spec), "0:%s", g);
                _cleanup_(husk_exec_user_free_contents) struct husk_exec_user u = { 0 };
                int r = husk_exec_user_resolve_text(spec, "", NULL, &u, err);
                if (r < 0) {
                        /* Not a number: a name of the image's /etc/group. */
                        if (root_fd < 0) {
                                char path[8200];
                                (void) snprintf(path, sizeof(path), "%s/%s", in->ctr_dir, in->rootfs);
                                root_fd = open(in->rootfs[0] == '/' ? in->rootfs : path,
                                               O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (root_fd < 0)
                                        return husk_error_errno(err, errno, "--group-add: open the container's root");
                        }
                        husk_error_clear(err);
                        r = husk_exec_user_resolve(root_fd, spec, &u, err);
                        if (r < 0)
                                return husk_error_prefix(err, "--group-add %s: ", g);
                }
                if (json_array_append_new(gids, json_integer(u.gid)) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json: process.user.additionalGids");
        }
        return 0;
}

static int apply_sysctls(const json_t *hc, const char *network, json_t *doc, struct husk_error *err)
{
        json_t *sysctls = jget(hc, "Sysctls");
        if (json_object_size(sysctls) == 0)
                return 0;
        json_t *out = jmake(jget(doc, "linux"), "sysctl", false);
        const char *k;
        json_t *v;
        json_object_foreach(sysctls, k, v) {
                char kv[1024];
                (void) snprintf(kv, sizeof(kv), "%s=%s", k, json_string_value(v) ?: "");
                int r = husk_sec_sysctl_check(kv, jstr(hc, "IpcMode"), network, err);
                if (r < 0)
                        return r;
                if (!out || json_object_set(out, k, v) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json: linux.sysctl");
        }
        return 0;
}

const char *husk_engine_init_path(void)
{
        const char *env = getenv("HUSK_INIT");
        if (env && *env)
                return env;
        if (access(HUSK_INIT_PATH, X_OK) == 0)
                return HUSK_INIT_PATH;
        return HUSK_INIT_BUILD_PATH;
}

/* --init: the built-in init bound read-only at /dev/init (in the container's own /dev tmpfs, so the
 * image needs no mount point) runs the command as its child. */
static int apply_init(json_t *doc, struct husk_error *err)
{
        const char *path = husk_engine_init_path();
        if (access(path, X_OK) < 0)
                return husk_error_errno(err, errno, "--init: %s", path);
        json_t *args = jget(jget(doc, "process"), "args");
        json_t *mount = json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", HUSK_INIT_DEST, "type", "bind",
                                  "source", path, "options", "bind", "ro", "nosuid", "nodev");
        if (!mount || json_array_insert_new(args, 0, json_string("--")) < 0 ||
            json_array_insert_new(args, 0, json_string(HUSK_INIT_DEST)) < 0 ||
            json_array_append_new(jget(doc, "mounts"), mount) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: --init");
        return 0;
}

int husk_spec_apply_security(const struct husk_engine_spec_in *in, json_t *doc, struct husk_error *err)
{
        const json_t *hc = in->ctr->cfg.host_config;
        if (!hc)
                return 0;
        bool privileged = json_is_true(jget(hc, "Privileged"));
        uint64_t defaults = husk_engine_default_caps(), caps = defaults;
        int r = husk_sec_caps_tweak(defaults, jget(hc, "CapAdd"), jget(hc, "CapDrop"), &caps, err);
        if (r < 0)
                return r;
        if (privileged)
                r = apply_privileged(doc, err);
        else if (caps != defaults)
                r = set_caps(doc, caps, err);
        if (r >= 0)
                r = apply_security_opts(hc, doc, caps, privileged, caps != defaults, err);
        if (r >= 0)
                r = apply_devices(hc, doc, privileged, err);
        if (r >= 0)
                r = apply_namespaces(in, hc, doc, err);
        if (r >= 0)
                r = husk_sec_apply_userns(hc, doc, err);
        if (r >= 0)
                r = apply_group_add(in, jget(hc, "GroupAdd"), doc, err);
        if (r >= 0)
                r = apply_sysctls(hc, in->ctr->cfg.network, doc, err);
        if (r >= 0 && json_is_true(jget(hc, "Init")))
                r = apply_init(doc, err);
        if (r < 0)
                return r;
        if (json_is_true(jget(hc, "ReadonlyRootfs")))
                (void) json_object_set_new(jget(doc, "root"), "readonly", json_true());
        json_int_t shm = json_integer_value(jget(hc, "ShmSize"));
        if (shm > 0) {
                char opt[64];
                (void) snprintf(opt, sizeof(opt), "size=%lld", (long long) shm);
                mount_drop_option(doc, "/dev/shm", "size=", true);
                json_t *opts = jget(mount_at(doc, "/dev/shm"), "options");
                if (opts && json_array_append_new(opts, json_string(opt)) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json: /dev/shm");
        }
        return 0;
}

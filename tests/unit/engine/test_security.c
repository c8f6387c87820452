/* SPDX-License-Identifier: Apache-2.0 */
/* The security options' parsers (engine/security.h) and their effect on an engine container's OCI
 * config (husk_spec_apply_security over a minimal document): capabilities as Docker tweaks them,
 * --security-opt, --device, --device-cgroup-rule, --sysctl, namespace modes. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "engine/security.h"
#include "engine/spec.h"
#include "oci/capabilities.h"
#include "test.h"
#include "util/cleanup.h"

static uint64_t bit(const char *name)
{
        return UINT64_C(1) << husk_cap_from_name(name);
}

TEST(cap_names)
{
        CHECK(husk_sec_cap_parse("NET_ADMIN") == husk_cap_from_name("CAP_NET_ADMIN"));
        CHECK(husk_sec_cap_parse("cap_net_admin") == husk_cap_from_name("CAP_NET_ADMIN"));
        CHECK(husk_sec_cap_parse("Cap_Chown") == 0);
        CHECK(husk_sec_cap_parse("all") == HUSK_CAP_ALL);
        CHECK(husk_sec_cap_parse("NOPE") == -EINVAL);
        CHECK(husk_sec_cap_parse("") == -EINVAL);
        CHECK(husk_sec_cap_parse("CAP_") == -EINVAL);
        char long_name[200];
        memset(long_name, 'A', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        CHECK(husk_sec_cap_parse(long_name) == -EINVAL);
}

TEST(caps_tweak)
{
        uint64_t def = husk_engine_default_caps(), r = 0;
        struct husk_error err = { 0 };
        _cleanup_(json_decrefp) json_t *add = json_pack("[s]", "CAP_NET_ADMIN");
        _cleanup_(json_decrefp) json_t *drop = json_pack("[s]", "CAP_CHOWN");
        CHECK(husk_sec_caps_tweak(def, add, drop, &r, &err) == 0);
        CHECK(r == ((def & ~bit("CAP_CHOWN")) | bit("CAP_NET_ADMIN")));
        CHECK(husk_sec_caps_tweak(def, NULL, NULL, &r, &err) == 0 && r == def);
        /* drop ALL: only the adds */
        _cleanup_(json_decrefp) json_t *all = json_pack("[s]", "ALL");
        CHECK(husk_sec_caps_tweak(def, add, all, &r, &err) == 0 && r == bit("CAP_NET_ADMIN"));
        /* add ALL: everything we may hand on, less the drops */
        CHECK(husk_sec_caps_tweak(def, all, drop, &r, &err) == 0);
        CHECK(r == (husk_sec_caps_all() & ~bit("CAP_CHOWN")));
        _cleanup_(json_decrefp) json_t *bad = json_pack("[s]", "CAP_NOPE");
        CHECK(husk_sec_caps_tweak(def, bad, NULL, &r, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "--cap-add: unknown capability: \"CAP_NOPE\"");
}

TEST(security_opts)
{
        struct husk_sec_opts o = { .no_new_privileges = -1 };
        struct husk_error err = { 0 };
        CHECK(husk_sec_opt_parse("no-new-privileges", &o, &err) == 0 && o.no_new_privileges == 1);
        CHECK(husk_sec_opt_parse("no-new-privileges:false", &o, &err) == 0 && o.no_new_privileges == 0);
        CHECK(husk_sec_opt_parse("no-new-privileges=true", &o, &err) == 0 && o.no_new_privileges == 1);
        CHECK(husk_sec_opt_parse("seccomp=unconfined", &o, &err) == 0 && o.seccomp_unconfined);
        CHECK(husk_sec_opt_parse("seccomp:/x.json", &o, &err) == 0 && !o.seccomp_unconfined);
        CHECK_STR_EQ(o.seccomp_profile, "/x.json");
        CHECK(husk_sec_opt_parse("apparmor=prof", &o, &err) == 0);
        CHECK_STR_EQ(o.apparmor, "prof");
        CHECK(husk_sec_opt_parse("label=type:spc_t", &o, &err) == 0);
        CHECK_STR_EQ(o.selinux_label, "system_u:system_r:spc_t:s0");
        CHECK(husk_sec_opt_parse("label=level:s0:c1,c2", &o, &err) == 0);
        CHECK_STR_EQ(o.selinux_label, "system_u:system_r:spc_t:s0:c1,c2");
        CHECK(husk_sec_opt_parse("label=disable", &o, &err) == 0 && o.label_disable);
        CHECK(husk_sec_opt_parse("systempaths=unconfined", &o, &err) == 0 && o.systempaths_unconfined);
        CHECK(husk_sec_opt_parse("unmask=ALL", &o, &err) == 0);
        CHECK(husk_sec_opt_parse("mask=/a:/b", &o, &err) == 0);
        CHECK_STR_EQ(o.mask, "/a:/b");
        const char *bad[] = { "seccomp", "seccomp=", "nope=1", "no-new-privileges:maybe", "systempaths=x",
                              "label=bogus:x", "label=type:", "mask=relative", "apparmor=" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                husk_error_clear(&err);
                CHECK(husk_sec_opt_parse(bad[i], &o, &err) == -EINVAL);
                CHECK_CONTAINS(err.msg, bad[i]);
        }
}

TEST(devices)
{
        struct husk_sec_device d;
        struct husk_error err = { 0 };
        CHECK(husk_sec_device_parse("/dev/null", &d, &err) == 0);
        CHECK_STR_EQ(d.host, "/dev/null");
        CHECK_STR_EQ(d.ctr, "/dev/null");
        CHECK_STR_EQ(d.perms, "rwm");
        CHECK(husk_sec_device_parse("/dev/null:/dev/mynull", &d, &err) == 0);
        CHECK_STR_EQ(d.ctr, "/dev/mynull");
        CHECK(husk_sec_device_parse("/dev/null:r", &d, &err) == 0);
        CHECK_STR_EQ(d.ctr, "/dev/null");
        CHECK_STR_EQ(d.perms, "r");
        CHECK(husk_sec_device_parse("/dev/null:/dev/x:wm", &d, &err) == 0);
        CHECK_STR_EQ(d.perms, "wm");
        CHECK(husk_sec_device_parse("/dev/null:/dev/x:rr", &d, &err) == -EINVAL);
        CHECK(husk_sec_device_parse("/dev/null:/dev/x:q", &d, &err) == -EINVAL);
        CHECK(husk_sec_device_parse("dev/null", &d, &err) == -EINVAL);
        CHECK(husk_sec_device_parse("/dev/null:relative", &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "relative is not an absolute path");
        CHECK(husk_sec_device_parse("/a:/b:r:x", &d, &err) == -EINVAL);
}

TEST(cgroup_rules)
{
        struct husk_error err = { 0 };
        json_t *r = NULL;
        CHECK(husk_sec_cgroup_rule_parse("c 1:3 rwm", &r, &err) == 0);
        _cleanup_(json_decrefp) json_t *a = r;
        CHECK_STR_EQ(json_string_value(json_object_get(a, "type")), "c");
        CHECK(json_integer_value(json_object_get(a, "major")) == 1);
        CHECK(json_integer_value(json_object_get(a, "minor")) == 3);
        CHECK_STR_EQ(json_string_value(json_object_get(a, "access")), "rwm");
        CHECK(husk_sec_cgroup_rule_parse("a *:* r", &r, &err) == 0);
        _cleanup_(json_decrefp) json_t *b = r;
        CHECK(!json_object_get(b, "major") && !json_object_get(b, "minor"));
        const char *bad[] = { "", "c", "x 1:3 rwm", "c 1:3", "c 1:3 rwx", "c 1 rwm", "c a:3 rwm", "c 1:3  rwm",
                              "c 1:3 rwmr" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++)
                CHECK(husk_sec_cgroup_rule_parse(bad[i], &r, &err) == -EINVAL);
}

TEST(sysctls)
{
        struct husk_error err = { 0 };
        CHECK(husk_sec_sysctl_check("net.ipv4.ip_forward=1", NULL, NULL, &err) == 0);
        CHECK(husk_sec_sysctl_check("kernel.shmmax=1", "private", "host", &err) == 0);
        CHECK(husk_sec_sysctl_check("fs.mqueue.msg_max=20", NULL, NULL, &err) == 0);
        CHECK(husk_sec_sysctl_check("kernel.shmmax=1", "host", NULL, &err) == -EINVAL);
        CHECK(husk_sec_sysctl_check("kernel.sem=1 2 3 4", "container:x", NULL, &err) == -EINVAL);
        CHECK(husk_sec_sysctl_check("net.core.somaxconn=1", NULL, "host", &err) == -EINVAL);
        CHECK(husk_sec_sysctl_check("net.core.somaxconn=1", NULL, "container:db", &err) == -EINVAL);
        CHECK(husk_sec_sysctl_check("kernel.panic=1", NULL, NULL, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "sysctl 'kernel.panic' is not allowed");
        CHECK(husk_sec_sysctl_check("kernel.shmmaxx=1", NULL, NULL, &err) == -EINVAL);
        CHECK(husk_sec_sysctl_check("net.=1", NULL, NULL, &err) == -EINVAL);
        CHECK(husk_sec_sysctl_check("novalue", NULL, NULL, &err) == -EINVAL);
        CHECK(husk_sec_sysctl_check("=1", NULL, NULL, &err) == -EINVAL);
}

TEST(modes)
{
        struct husk_error err = { 0 };
        CHECK(husk_sec_mode_check("--pid", "host", &err) == 0);
        CHECK(husk_sec_mode_check("--pid", "container:x", &err) == 0);
        CHECK(husk_sec_mode_check("--pid", "container:", &err) == -EINVAL);
        CHECK(husk_sec_mode_check("--ipc", "shareable", &err) == 0);
        CHECK(husk_sec_mode_check("--uts", "container:x", &err) == -EINVAL);
        CHECK(husk_sec_mode_check("--cgroupns", "private", &err) == 0);
        CHECK(husk_sec_mode_check("--ipc", "nope", &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid argument \"nope\" for \"--ipc\" flag");
}

/* The options applied to a small config.json like spec.c's. */
static json_t *base_doc(void)
{
        return json_pack("{s:{s:[s], s:{s:i, s:i}}, s:{s:b}, s:s,"
                         " s:[{s:s, s:[s,s]}, {s:s, s:[s,s]}, {s:s, s:[s]}],"
                         " s:{s:[{s:s}, {s:s}, {s:s}], s:[s], s:[s, s], s:{}}}",
                         "process", "args", "sh", "user", "uid", 0, "gid", 0, "root", "readonly", 0, "hostname", "h",
                         "mounts", "destination", "/sys", "options", "nosuid", "ro", "destination", "/dev/shm",
                         "options", "nosuid", "size=65536k", "destination", "/sys/fs/cgroup", "options", "ro",
                         "linux", "namespaces", "type", "pid", "type", "ipc", "type", "uts", "maskedPaths",
                         "/proc/kcore", "readonlyPaths", "/proc/sys", "/proc/bus", "resources");
}

static int apply(json_t *hc, json_t *doc, struct husk_error *err)
{
        struct husk_ctr c = { .cfg = { .host_config = hc } };
        struct husk_engine_spec_in in = { .ctr = &c, .ctr_dir = "/nonexistent", .rootfs = "merged" };
        return husk_spec_apply_security(&in, doc, err);
}

TEST(apply_options)
{
        struct husk_error err = { 0 };
        _cleanup_(json_decrefp) json_t *doc = base_doc();
        _cleanup_(json_decrefp) json_t *hc = json_pack(
                "{s:b, s:I, s:[s], s:s, s:s, s:[s, s], s:{s:s}, s:[s], s:[s]}", "ReadonlyRootfs", 1, "ShmSize",
                (json_int_t) 1048576, "CapDrop", "ALL", "UTSMode", "host", "PidMode", "host", "SecurityOpt",
                "no-new-privileges", "unmask=/proc/sys", "Sysctls", "kernel.shmmax", "5", "GroupAdd", "44",
                "DeviceCgroupRules", "c 10:200 rwm");
        CHECK(apply(hc, doc, &err) == 0);
        CHECK(json_is_true(json_object_get(json_object_get(doc, "root"), "readonly")));
        CHECK(!json_object_get(doc, "hostname"));
        json_t *process = json_object_get(doc, "process"), *linux_ = json_object_get(doc, "linux");
        CHECK(json_is_true(json_object_get(process, "noNewPrivileges")));
        CHECK(json_array_size(json_object_get(json_object_get(process, "capabilities"), "bounding")) == 0);
        CHECK(json_integer_value(json_array_get(json_object_get(json_object_get(process, "user"), "additionalGids"),
                                                0)) == 44);
        json_t *nss = json_object_get(linux_, "namespaces");
        CHECK(json_array_size(nss) == 1);
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(nss, 0), "type")), "ipc");
        CHECK(json_array_size(json_object_get(linux_, "readonlyPaths")) == 1);
        CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(linux_, "sysctl"), "kernel.shmmax")), "5");
        CHECK(json_array_size(json_object_get(json_object_get(linux_, "resources"), "devices")) == 1);
        json_t *shm = json_object_get(json_array_get(json_object_get(doc, "mounts"), 1), "options");
        CHECK_STR_EQ(json_string_value(json_array_get(shm, 1)), "size=1048576");
        CHECK(json_array_size(shm) == 2);
}

TEST(apply_privileged_and_init)
{
        struct husk_error err = { 0 };
        _cleanup_(json_decrefp) json_t *doc = base_doc();
        _cleanup_(json_decrefp) json_t *hc = json_pack("{s:b, s:b, s:[s]}", "Privileged", 1, "Init", 1, "SecurityOpt",
                                                        "apparmor=x");
        setenv("HUSK_INIT", "/bin/sh", 1);
        CHECK(apply(hc, doc, &err) == 0);
        unsetenv("HUSK_INIT");
        json_t *linux_ = json_object_get(doc, "linux"), *process = json_object_get(doc, "process");
        CHECK(!json_object_get(linux_, "maskedPaths") && !json_object_get(linux_, "readonlyPaths"));
        CHECK(!json_object_get(process, "apparmorProfile"));
        json_t *sys = json_object_get(json_array_get(json_object_get(doc, "mounts"), 0), "options");
        CHECK(json_array_size(sys) == 1);
        json_t *rules = json_object_get(json_object_get(linux_, "resources"), "devices");
        CHECK(json_array_size(rules) == 1 && json_is_true(json_object_get(json_array_get(rules, 0), "allow")));
        CHECK(json_array_size(json_object_get(linux_, "devices")) > 0);
        json_t *args = json_object_get(process, "args");
        CHECK(json_array_size(args) == 3);
        CHECK_STR_EQ(json_string_value(json_array_get(args, 0)), HUSK_INIT_DEST);
        CHECK_STR_EQ(json_string_value(json_array_get(args, 1)), "--");
        json_t *mounts = json_object_get(doc, "mounts");
        json_t *last = json_array_get(mounts, json_array_size(mounts) - 1);
        CHECK_STR_EQ(json_string_value(json_object_get(last, "source")), "/bin/sh");
        CHECK_STR_EQ(json_string_value(json_object_get(last, "destination")), HUSK_INIT_DEST);
}

TEST(apply_refuses)
{
        struct husk_error err = { 0 };
        _cleanup_(json_decrefp) json_t *doc = base_doc();
        _cleanup_(json_decrefp) json_t *hc = json_pack("{s:s}", "PidMode", "container:other");
        CHECK(apply(hc, doc, &err) == -EINVAL); /* no engine to find it in */
        _cleanup_(json_decrefp) json_t *hc2 = json_pack("{s:[{s:s, s:s, s:s}]}", "Devices", "PathOnHost", "/etc/passwd",
                                                        "PathInContainer", "/dev/x", "CgroupPermissions", "rwm");
        husk_error_clear(&err);
        CHECK(apply(hc2, doc, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "/etc/passwd is not a device node");
        _cleanup_(json_decrefp) json_t *hc3 = json_pack("{s:{s:s}}", "Sysctls", "kernel.panic", "1");
        CHECK(apply(hc3, doc, &err) == -EINVAL);
}

TEST(userns_maps)
{
        struct husk_sec_idmap m;
        CHECK(husk_sec_idmap_parse("0:1073741824:65536", &m) == 0);
        CHECK(m.container == 0 && m.host == 1073741824u && m.size == 65536);
        CHECK(husk_sec_idmap_parse("0:1:0", &m) == -EINVAL);
        CHECK(husk_sec_idmap_parse("0:4294967295:2", &m) == -EINVAL);
        CHECK(husk_sec_idmap_parse("0:1:2x", &m) == -EINVAL);
        CHECK(husk_sec_idmap_parse("0:1", &m) == -EINVAL);
        CHECK(husk_sec_idmap_parse(NULL, &m) == -EINVAL);
        struct husk_error err = { 0 };
        _cleanup_(json_decrefp) json_t *doc = base_doc();
        _cleanup_(json_decrefp) json_t *hc = json_pack("{s:s, s:{s:[s], s:[s]}}", "UsernsMode", "auto", "IDMappings",
                                                       "UidMap", "0:1073741824:65536", "GidMap", "0:1073807360:100");
        CHECK(husk_sec_apply_userns(hc, doc, &err) == 0);
        json_t *linux_ = json_object_get(doc, "linux");
        json_t *um = json_array_get(json_object_get(linux_, "uidMappings"), 0);
        json_t *gm = json_array_get(json_object_get(linux_, "gidMappings"), 0);
        CHECK(json_integer_value(json_object_get(um, "hostID")) == 1073741824);
        CHECK(json_integer_value(json_object_get(gm, "size")) == 100);
        json_t *nss = json_object_get(linux_, "namespaces");
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(nss, json_array_size(nss) - 1), "type")), "user");
        /* auto without a recorded range: a --rootfs container, refused by name */
        _cleanup_(json_decrefp) json_t *hc2 = json_pack("{s:s}", "UsernsMode", "auto");
        CHECK(husk_sec_apply_userns(hc2, doc, &err) == -EOPNOTSUPP);
        CHECK_CONTAINS(err.msg, "--userns auto: not with --rootfs");
        _cleanup_(json_decrefp) json_t *hc3 = json_pack("{s:{s:[s], s:[]}}", "IDMappings", "UidMap", "0:5:5", "GidMap");
        CHECK(husk_sec_apply_userns(hc3, doc, &err) == -EINVAL);
        _cleanup_(json_decrefp) json_t *hc4 = json_pack("{s:s}", "UsernsMode", "host");
        CHECK(husk_sec_apply_userns(hc4, doc, &err) == 0);
}

RUN_TESTS()

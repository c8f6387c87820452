/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security options' words as Docker reads them (moby's oci/caps, opts/opts.go ValidateSysctl,
 * cli's parseDevice and parseSecurityOpts). Pure but for husk_sec_caps_all: run/create check the flags
 * with these before a container is made, spec_security.c reads the record with them again.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

#include "engine/security.h"
#include "oci/capabilities.h"
#include "util/cleanup.h"

int husk_sec_cap_parse(const char *name)
{
        if (strcasecmp(name, "ALL") == 0)
                return HUSK_CAP_ALL;
        char buf[64];
        const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        if (strlen(n) + 5 > sizeof(buf))
                return -EINVAL;
        (void) snprintf(buf, sizeof(buf), "CAP_%s", n);
        for (char *p = buf; *p; p++)
                *p = (char) toupper((unsigned char) *p);
        int c = husk_cap_from_name(buf);
        return c < 0 ? -EINVAL : c;
}

uint64_t husk_sec_caps_all(void)
{
        int last = husk_cap_last_kernel();
        if (last > husk_cap_last_known())
                last = husk_cap_last_known();
        /* "All" is what we can hand on: our own bounding set (podman's rule). A capability the host
         * took from us (husk itself in a container) would make the init's capset fail. */
        uint64_t mask = 0;
        for (int c = 0; c <= last && c < 64; c++)
                if (prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) == 1)
                        mask |= UINT64_C(1) << c;
        return mask;
}

/* The mask of a CapAdd/CapDrop array; *ret_all when it holds ALL. */
static int caps_mask(const json_t *list, const char *flag, uint64_t *ret, bool *ret_all, struct husk_error *err)
{
        *ret = 0;
        *ret_all = false;
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
                int c = json_is_string(v) ? husk_sec_cap_parse(json_string_value(v)) : -EINVAL;
                if (c < 0)
                        return husk_error_set(err, EINVAL, "%s: unknown capability: \"%s\"", flag,
                                              json_is_string(v) ? json_string_value(v) : "?");
                if (c == HUSK_CAP_ALL)
                        *ret_all = true;
                else
                        *ret |= UINT64_C(1) << c;
        }
        return 0;
}

int husk_sec_caps_tweak(uint64_t defaults, const json_t *adds, const json_t *drops, uint64_t *ret,
                        struct husk_error *err)
{
        uint64_t add = 0, drop = 0;
        bool add_all = false, drop_all = false;
        int r = caps_mask(adds, "--cap-add", &add, &add_all, err);
        if (r >= 0)
                r = caps_mask(drops, "--cap-drop", &drop, &drop_all, err);
        if (r < 0)
                return r;
        if (add_all)
                *ret = husk_sec_caps_all() & ~drop;
        else if (drop_all)
                *ret = add;
        else
                *ret = (defaults & ~drop) | add;
        return 0;
}

/* "true"/"false" of no-new-privileges:VALUE and the like. */
static int parse_bool(const char *s, bool *ret)
{
        if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
                *ret = true;
        else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

/* label=user:U, role:R, type:T, level:L into the four parts of an SELinux label. */
static int label_part(const char *v, struct husk_sec_opts *o)
{
        static const char *const keys[] = { "user:", "role:", "type:", "level:" };
        static const char *const defaults[] = { "system_u", "system_r", "container_t", "s0" };
        char parts[4][64] = { { 0 } };
        if (o->selinux_label[0]) {
                /* Earlier label= options: split what they built. */
                char copy[256];
                (void) snprintf(copy, sizeof(copy), "%s", o->selinux_label);
                char *s = copy;
                for (size_t i = 0; i < 4 && s; i++) {
                        char *next = i < 3 ? strchr(s, ':') : NULL;
                        if (next)
                                *next++ = '\0';
                        (void) snprintf(parts[i], sizeof(parts[i]), "%.63s", s);
                        s = next;
                }
        } else {
                for (size_t i = 0; i < 4; i++)
                        (void) snprintf(parts[i], sizeof(parts[i]), "%s", defaults[i]);
        }
        bool found = false;
        for (size_t i = 0; i < 4; i++)
                if (strncmp(v, keys[i], strlen(keys[i])) == 0) {
                        const char *val = v + strlen(keys[i]);
                        if (!*val || strlen(val) >= sizeof(parts[i]))
                                return -EINVAL;
                        (void) snprintf(parts[i], sizeof(parts[i]), "%s", val);
                        found = true;
                }
        if (!found)
                return -EINVAL;
        (void) snprintf(o->selinux_label, sizeof(o->selinux_label), "%s:%s:%s:%s", parts[0], parts[1], parts[2],
                        parts[3]);
        return 0;
}

int husk_sec_opt_parse(const char *opt, struct husk_sec_opts *o, struct husk_error *err)
{
        if (strcmp(opt, "no-new-privileges") == 0) {
                o->no_new_privileges = 1;
                return 0;
        }
        /* Docker takes key=value, and key:value as the old spelling. */
        size_t klen = strcspn(opt, "=:");
        if (!opt[klen])
                return husk_error_set(err, EINVAL, "invalid --security-opt: \"%s\"", opt);
        const char *v = opt + klen + 1;
        bool b;
#define KEY(k) (klen == strlen(k) && strncmp(opt, k, klen) == 0)
        if (KEY("seccomp")) {
                if (strcmp(v, "unconfined") == 0)
                        o->seccomp_unconfined = true, o->seccomp_profile = NULL;
                else if (*v)
                        o->seccomp_profile = v, o->seccomp_unconfined = false;
                else
                        goto bad;
        } else if (KEY("no-new-privileges")) {
                if (parse_bool(v, &b) < 0)
                        goto bad;
                o->no_new_privileges = b;
        } else if (KEY("apparmor")) {
                if (!*v)
                        goto bad;
                o->apparmor = v;
        } else if (KEY("label")) {
                if (strcmp(v, "disable") == 0)
                        o->label_disable = true;
                else if (strcmp(v, "nested") != 0 && label_part(v, o) < 0)
                        goto bad;
        } else if (KEY("systempaths")) {
                if (strcmp(v, "unconfined") != 0)
                        goto bad;
                o->systempaths_unconfined = true;
        } else if (KEY("writable-cgroups")) {
                if (parse_bool(v, &b) < 0)
                        goto bad;
                o->writable_cgroups = b;
        } else if (KEY("mask") || KEY("unmask")) {
                if (!*v || (v[0] != '/' && !(KEY("unmask") && strcmp(v, "ALL") == 0)))
                        goto bad;
                *(KEY("mask") ? &o->mask : &o->unmask) = v;
        } else {
                goto bad;
        }
#undef KEY
        return 0;
bad:
        return husk_error_set(err, EINVAL, "invalid --security-opt: \"%.200s\"", opt);
}

static bool valid_perms(const char *p)
{
        if (!*p || strlen(p) > 3)
                return false;
        for (const char *c = p; *c; c++)
                if (!strchr("rwm", *c) || strchr(c + 1, *c))
                        return false;
        return true;
}

int husk_sec_device_parse(const char *spec, struct husk_sec_device *ret, struct husk_error *err)
{
        struct husk_sec_device d = { .perms = "rwm" };
        char buf[8192];
        if (strlen(spec) >= sizeof(buf))
                return husk_error_set(err, EINVAL, "--device: path too long");
        (void) snprintf(buf, sizeof(buf), "%s", spec);
        char *parts[4] = { buf, NULL, NULL, NULL };
        size_t n = 1;
        for (char *s = buf; n < 4 && (s = strchr(s, ':')); n++) {
                *s++ = '\0';
                parts[n] = s;
        }
        if (n > 3)
                return husk_error_set(err, EINVAL, "invalid device specification: %s", spec);
        const char *ctr = parts[0];
        if (n == 3) {
                ctr = parts[1];
                if (!valid_perms(parts[2]))
                        return husk_error_set(err, EINVAL, "invalid device mode: %s", parts[2]);
                (void) snprintf(d.perms, sizeof(d.perms), "%s", parts[2]);
        } else if (n == 2) {
                /* HOST:PERMS when the second part reads as permissions (Docker's rule). */
                if (valid_perms(parts[1]))
                        (void) snprintf(d.perms, sizeof(d.perms), "%s", parts[1]);
                else
                        ctr = parts[1];
        }
        if (parts[0][0] != '/')
                return husk_error_set(err, EINVAL, "invalid device specification: %s: the host path must be absolute",
                                      spec);
        if (ctr[0] != '/')
                return husk_error_set(err, EINVAL, "invalid device specification: %s: %s is not an absolute path",
                                      spec, ctr);
        if (strlen(parts[0]) >= sizeof(d.host) || strlen(ctr) >= sizeof(d.ctr))
                return husk_error_set(err, EINVAL, "--device: path too long");
        memcpy(d.host, parts[0], strlen(parts[0]) + 1);
        memcpy(d.ctr, ctr, strlen(ctr) + 1);
        *ret = d;
        return 0;
}

/* A major or minor number of a cgroup rule: digits or '*' (-1). */
static int rule_number(const char *s, size_t len, int64_t *ret)
{
        if (len == 1 && s[0] == '*') {
                *ret = -1;
                return 0;
        }
        if (len == 0 || len > 9)
                return -EINVAL;
        int64_t v = 0;
        for (size_t i = 0; i < len; i++) {
                if (!isdigit((unsigned char) s[i]))
                        return -EINVAL;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return 0;
}

int husk_sec_cgroup_rule_parse(const char *rule, json_t **ret, struct husk_error *err)
{
        /* Docker's regexp: ^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$ */
        const char *s = rule;
        int64_t major, minor;
        if (!strchr("acb", s[0]) || !s[0] || s[1] != ' ')
                goto bad;
        const char *maj = s + 2, *colon = strchr(maj, ':');
        if (!colon || rule_number(maj, (size_t) (colon - maj), &major) < 0)
                goto bad;
        const char *min = colon + 1, *sp = strchr(min, ' ');
        if (!sp || rule_number(min, (size_t) (sp - min), &minor) < 0 || !valid_perms(sp + 1))
                goto bad;
        char type[2] = { s[0], '\0' };
        json_t *o = json_pack("{s:b, s:s, s:s}", "allow", 1, "type", type, "access", sp + 1);
        if (o && major >= 0)
                (void) json_object_set_new(o, "major", json_integer(major));
        if (o && minor >= 0)
                (void) json_object_set_new(o, "minor", json_integer(minor));
        if (!o)
                return husk_error_errno(err, ENOMEM, "--device-cgroup-rule");
        *ret = o;
        return 0;
bad:
        return husk_error_set(err, EINVAL, "invalid device cgroup format '%s'", rule);
}

int husk_sec_sysctl_check(const char *kv, const char *ipc_mode, const char *network, struct husk_error *err)
{
        static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                                "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                                "kernel.shmmni", "kernel.shm_rmid_forced" };
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
                return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--sysctl\" flag: must be KEY=VALUE", kv);
        size_t klen = (size_t) (eq - kv);
        bool ipc = strncmp(kv, "fs.mqueue.", 10) == 0 && klen > 10;
        for (size_t i = 0; !ipc && i < HUSK_ARRAY_SIZE(ipc_keys); i++)
                ipc = klen == strlen(ipc_keys[i]) && strncmp(kv, ipc_keys[i], klen) == 0;
        if (ipc) {
                if (ipc_mode && (strcmp(ipc_mode, "host") == 0 || strncmp(ipc_mode, "container:", 10) == 0))
                        return husk_error_set(err, EINVAL, "sysctl '%.*s' is not allowed with --ipc %s: it would change "
                                              "another IPC namespace", (int) klen, kv, ipc_mode);
                return 0;
        }
        if (strncmp(kv, "net.", 4) == 0 && klen > 4) {
                if (network && (strcmp(network, "host") == 0 || strncmp(network, "container:", 10) == 0))
                        return husk_error_set(err, EINVAL, "sysctl '%.*s' is not allowed with --network %s: it would "
                                              "change another network namespace", (int) klen, kv, network);
                return 0;
        }
        return husk_error_set(err, EINVAL, "sysctl '%.*s' is not allowed (only the namespaced kernel.msg*, kernel.sem, "
                              "kernel.shm*, fs.mqueue.* and net.* are)", (int) klen, kv);
}

int husk_sec_mode_check(const char *flag, const char *value, struct husk_error *err)
{
        static const struct {
                const char *flag;
                const char *modes[5];
        } allowed[] = {
                { "--pid", { "host", "private", NULL } },
                { "--ipc", { "host", "private", "shareable", "none", NULL } },
                { "--uts", { "host", "private", NULL } },
                { "--cgroupns", { "host", "private", NULL } },
                { "--userns", { "host", "auto", NULL } },
        };
        bool container_ok = strcmp(flag, "--pid") == 0 || strcmp(flag, "--ipc") == 0;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(allowed); i++) {
                if (strcmp(allowed[i].flag, flag) != 0)
                        continue;
                for (size_t j = 0; allowed[i].modes[j]; j++)
                        if (strcmp(value, allowed[i].modes[j]) == 0)
                                return 0;
                if (container_ok && strncmp(value, "container:", 10) == 0 && value[10])
                        return 0;
                if (strcmp(flag, "--userns") == 0 && strncmp(value, "auto:size=", 10) == 0) {
                        char *end;
                        long n = strtol(value + 10, &end, 10);
                        if (!*end && n > 0 && n <= 65536)
                                return 0;
                }
        }
        return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag: invalid %s mode", value, flag,
                              flag + 2);
}

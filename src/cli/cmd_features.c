/* SPDX-License-Identifier: Apache-2.0 */
/*
 * features.md: what this build implements, fixed at compile time. It must stay truthful: callers
 * (containerd, podman) use it to decide what they may put in config.json, so a feature is listed
 * only once the code acts on it.
 */
#include "cli/cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/capabilities.h"
#include "runtime/seccomp.h"
#include "util/cleanup.h"

static const char *const hooks[] = {
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* Exactly the options runtime/mounts.c (husk_mount_options_parse) turns into flags, propagation,
 * mount_setattr attributes or tmpcopyup; anything else goes to the filesystem as data, so is not
 * "recognized" (acl, iversion, symfollow... are not: keep this in step with mounts.c). */
static const char *const mount_options[] = {
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "lazytime", "loud",
        "mand", "noatime", "nodev", "nodiratime", "noexec", "nolazytime", "nomand", "norelatime",
        "nostrictatime", "nosuid", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount",
        "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid",
        "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid",
        "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "sync", "tmpcopyup",
        "unbindable",
};

static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts" };

static json_t *string_array(const char *const *v, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                (void) json_array_append_new(a, json_string(v[i]));
        return a;
}

static json_t *enabled(bool on)
{
        json_t *o = json_object();
        if (o)
                (void) json_object_set_new(o, "enabled", json_boolean(on));
        return o;
}

static json_t *strv_array(const char *const *v)
{
        size_t n = 0;
        while (v[n])
                n++;
        return string_array(v, n);
}

/* As runc: the names recognized, and among the actions and flags those this kernel supports. */
static json_t *seccomp_features(void)
{
        json_t *o = enabled(true);
        json_t *actions = json_array();
        json_t *flags = json_array();
        if (!o || !actions || !flags) {
                json_decref(actions);
                json_decref(flags);
                return o;
        }
        for (const char *const *a = husk_seccomp_action_names; *a; a++) {
                uint32_t v;
                if (husk_seccomp_action(*a, false, 0, *a, &v, NULL) == 0 && husk_seccomp_kernel_has_action(v))
                        (void) json_array_append_new(actions, json_string(*a));
        }
        for (const char *const *f = husk_seccomp_flag_names; *f; f++)
                if (husk_seccomp_kernel_has_flag(husk_seccomp_flag(*f)))
                        (void) json_array_append_new(flags, json_string(*f));
        (void) json_object_set_new(o, "actions", actions);
        (void) json_object_set_new(o, "operators", strv_array(husk_seccomp_operator_names));
        (void) json_object_set_new(o, "archs", strv_array(husk_seccomp_arch_names));
        (void) json_object_set_new(o, "knownFlags", strv_array(husk_seccomp_flag_names));
        (void) json_object_set_new(o, "supportedFlags", flags);
        return o;
}

static json_t *linux_features(void)
{
        json_t *lx = json_object();
        if (!lx)
                return NULL;
        (void) json_object_set_new(lx, "namespaces", string_array(namespaces, HUSK_ARRAY_SIZE(namespaces)));

        json_t *caps = json_array();
        for (int c = 0; caps && c <= husk_cap_last_known(); c++) {
                const char *name = husk_cap_to_name(c);
                if (name)
                        (void) json_array_append_new(caps, json_string(name));
        }
        (void) json_object_set_new(lx, "capabilities", caps);

        /* cgroup v1 and v2 managers exist (src/runtime/cgroup), and the systemd driver (system
         * instance, cgroup v2 hosts); not systemd --user, and rdma limits are written but untested, so
         * not advertised. No RDT support yet: those config fields are parsed, not applied. */
        json_t *cg = json_object();
        if (cg) {
                (void) json_object_set_new(cg, "v1", json_true());
                (void) json_object_set_new(cg, "v2", json_true());
                (void) json_object_set_new(cg, "systemd", json_true());
                (void) json_object_set_new(cg, "systemdUser", json_false());
                (void) json_object_set_new(cg, "rdma", json_false());
        }
        (void) json_object_set_new(lx, "cgroup", cg);
        (void) json_object_set_new(lx, "seccomp", seccomp_features());
        /* Whether husk supports them, not whether this host has them (features-linux.md). */
        (void) json_object_set_new(lx, "apparmor", enabled(true));
        (void) json_object_set_new(lx, "selinux", enabled(true));
        (void) json_object_set_new(lx, "intelRdt", enabled(false));

        json_t *ext = json_object();
        if (ext)
                (void) json_object_set_new(ext, "idmap", enabled(false));
        (void) json_object_set_new(lx, "mountExtensions", ext);
        return lx;
}

static int run_features(struct cli_ctx *ctx, int argc, char **argv)
{
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_features, argc, argv, NULL, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        free(res.pos);

        json_t *root = json_object();
        json_t *ann = json_object();
        if (root && ann) {
                (void) json_object_set_new(root, "ociVersionMin", json_string(CLI_OCI_VERSION_MIN));
                (void) json_object_set_new(root, "ociVersionMax", json_string(CLI_OCI_VERSION_MAX));
                (void) json_object_set_new(root, "hooks", string_array(hooks, HUSK_ARRAY_SIZE(hooks)));
                (void) json_object_set_new(root, "mountOptions",
                                           string_array(mount_options, HUSK_ARRAY_SIZE(mount_options)));
                (void) json_object_set_new(root, "linux", linux_features());
                (void) json_object_set_new(ann, "io.github.husk.version", json_string(HUSK_VERSION));
                /* As runc; loads libseccomp, which only this command and a seccomp cache miss do. */
                char v[32];
                if (husk_seccomp_lib_version(v, sizeof(v), NULL) == 0)
                        (void) json_object_set_new(ann, "io.github.seccomp.libseccomp.version", json_string(v));
                (void) json_object_set_new(root, "annotations", json_incref(ann));
        }
        json_decref(ann);
        _cleanup_free_ char *text = root ? json_dumps(root, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(root);
        if (!text) {
                cli_error(ctx, "features: format JSON: %s", strerror(ENOMEM));
                return 1;
        }
        printf("%s\n", text);
        return 0;
}

const struct cli_command cli_cmd_features = {
        .name = "features",
        .summary = "show the enabled features",
        .args_usage = "",
        .description = "Show the enabled features.\n   The result is parsable as a JSON.\n"
                       "   See the runtime-spec's features.md for the type definition.",
        .min_args = 0,
        .max_args = 0,
        .run = run_features,
};

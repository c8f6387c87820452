/* SPDX-License-Identifier: Apache-2.0 */
/* The config.json of `husk-runtime spec`: the same as `runc spec` (and `runc spec --rootless`), so
 * that tutorials written for runc work unchanged, except the hostname. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "oci/config.h"
#include "util/cleanup.h"

#define DEFAULT_OCI_VERSION "1.2.0"

/* jansson's own cleanup helper (json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

static json_t *default_process(void)
{
        return json_pack("{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s, s:{s:[s,s,s], s:[s,s,s], s:[s,s,s], s:[s,s,s]},"
                         " s:[{s:s, s:i, s:i}], s:b}",
                         "terminal", 1,
                         "user", "uid", 0, "gid", 0,
                         "args", "sh",
                         "env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
                         "cwd", "/",
                         "capabilities",
                         "bounding", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                         "effective", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                         "permitted", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                         "ambient", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                         "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
                         "noNewPrivileges", 1);
}

static json_t *default_mounts(bool rootless)
{
        json_t *pts_opts = rootless ? json_pack("[s,s,s,s,s]", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                                "mode=0620")
                                    : json_pack("[s,s,s,s,s,s]", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                                "mode=0620", "gid=5");
        /* Without privilege over the host's network namespace a fresh sysfs cannot be mounted:
         * rootless containers get the host's /sys bound read-only, as runc does. */
        json_t *sys = rootless ? json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s]}", "destination", "/sys", "type", "none",
                                           "source", "/sys", "options", "rbind", "nosuid", "noexec", "nodev", "ro")
                               : json_pack("{s:s, s:s, s:s, s:[s,s,s,s]}", "destination", "/sys", "type", "sysfs",
                                           "source", "sysfs", "options", "nosuid", "noexec", "nodev", "ro");
        return json_pack("[{s:s, s:s, s:s},"
                         " {s:s, s:s, s:s, s:[s,s,s,s]},"
                         " {s:s, s:s, s:s, s:o},"
                         " {s:s, s:s, s:s, s:[s,s,s,s,s]},"
                         " {s:s, s:s, s:s, s:[s,s,s]},"
                         " o,"
                         " {s:s, s:s, s:s, s:[s,s,s,s,s]}]",
                         "destination", "/proc", "type", "proc", "source", "proc",
                         "destination", "/dev", "type", "tmpfs", "source", "tmpfs",
                         "options", "nosuid", "strictatime", "mode=755", "size=65536k",
                         "destination", "/dev/pts", "type", "devpts", "source", "devpts", "options", pts_opts,
                         "destination", "/dev/shm", "type", "tmpfs", "source", "shm",
                         "options", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
                         "destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue",
                         "options", "nosuid", "noexec", "nodev",
                         sys,
                         "destination", "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup",
                         "options", "nosuid", "noexec", "nodev", "relatime", "ro");
}

static json_t *default_linux(bool rootless, uid_t uid, gid_t gid)
{
        json_t *masked = json_pack("[s,s,s,s,s,s,s,s,s,s]", "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                   "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                                   "/sys/firmware", "/proc/scsi");
        json_t *ro = json_pack("[s,s,s,s,s]", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
        if (rootless)
                return json_pack("{s:[{s:I, s:I, s:i}], s:[{s:I, s:I, s:i}],"
                                 " s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}], s:o, s:o}",
                                 "uidMappings", "containerID", (json_int_t) 0, "hostID", (json_int_t) uid, "size", 1,
                                 "gidMappings", "containerID", (json_int_t) 0, "hostID", (json_int_t) gid, "size", 1,
                                 "namespaces", "type", "pid", "type", "ipc", "type", "uts", "type", "mount", "type",
                                 "user", "maskedPaths", masked, "readonlyPaths", ro);
        return json_pack("{s:{s:[{s:b, s:s}]}, s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}], s:o, s:o}",
                         "resources", "devices", "allow", 0, "access", "rwm",
                         "namespaces", "type", "pid", "type", "network", "type", "ipc", "type", "uts", "type", "mount",
                         "maskedPaths", masked, "readonlyPaths", ro);
}

int husk_config_default_json(bool rootless, uid_t uid, gid_t gid, char **ret, struct husk_error *err)
{
        /* json_pack steals the "o" arguments even when it fails, so nothing leaks on ENOMEM. */
        _cleanup_json_ json_t *doc = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
                                               "ociVersion", DEFAULT_OCI_VERSION,
                                               "process", default_process(),
                                               "root", "path", "rootfs", "readonly", 1,
                                               "hostname", "husk",
                                               "mounts", default_mounts(rootless),
                                               "linux", default_linux(rootless, uid, gid));
        if (!doc)
                return husk_error_errno(err, ENOMEM, "build default config");
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text)
                return husk_error_errno(err, ENOMEM, "serialise default config");
        *ret = text;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/path.h"
#include "util/procfs.h"

#define SELINUX_MAGIC 0xf97cff8c

static bool nonempty(const char *s)
{
        return s && s[0];
}

/* The first byte of a small sysfs/selinuxfs file, or 0 when it cannot be read. */
static char first_byte(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char c = 0;
        if (fd < 0 || read(fd, &c, 1) != 1)
                return 0;
        return c;
}

void husk_lsm_detect(struct husk_lsm_host *ret)
{
        struct stat st;
        struct statfs sfs;

        /* As runc and crun: the module parameter alone says "compiled in and not disabled on the
         * command line"; without securityfs no policy can have been loaded either. */
        ret->apparmor = stat("/sys/kernel/security/apparmor", &st) == 0 && S_ISDIR(st.st_mode) &&
                        first_byte("/sys/module/apparmor/parameters/enabled") == 'Y';
        /* selinuxfs is mounted once a policy is loaded; "enforce" reads 1 (enforcing) or 0 (permissive). */
        char e = 0;
        if (statfs("/sys/fs/selinux", &sfs) == 0 && sfs.f_type == (typeof(sfs.f_type)) SELINUX_MAGIC)
                e = first_byte("/sys/fs/selinux/enforce");
        ret->selinux = e == '0' || e == '1';
}

/* An empty label asks for nothing. `absent` says why the host cannot apply a requested one. */
static int check_label(const char *field, const char *label, bool enabled, const char *absent, bool no_quote,
                       struct husk_error *err)
{
        if (!nonempty(label))
                return 0;
        if (!enabled)
                return husk_error_set(err, EOPNOTSUPP, "%s: \"%s\" requested but %s on this host", field, label, absent);
        for (const unsigned char *c = (const unsigned char *) label; *c; c++)
                if (*c < 0x20 || *c == 0x7f || (no_quote && *c == '"'))
                        return husk_error_set(err, EINVAL, "%s: \"%s\": control characters%s are not allowed in a label",
                                              field, label, no_quote ? " and '\"'" : "");
        return 0;
}

int husk_lsm_check_host(const struct husk_spec *spec, const struct husk_lsm_host *host, struct husk_error *err)
{
        static const char no_apparmor[] = "AppArmor is not enabled";
        static const char no_selinux[] = "SELinux is disabled or not supported";
        const struct husk_process *p = &spec->process;
        int r;

        if (spec->has_process) {
                r = check_label("process.apparmorProfile", p->apparmor_profile, host->apparmor, no_apparmor, false, err);
                if (r < 0)
                        return r;
                r = check_label("process.selinuxLabel", p->selinux_label, host->selinux, no_selinux, false, err);
                if (r < 0)
                        return r;
        }
        if (spec->has_linux)
                return check_label("linux.mountLabel", spec->linux_.mount_label, host->selinux, no_selinux, true, err);
        return 0;
}

int husk_lsm_check(const struct husk_spec *spec, struct husk_error *err)
{
        bool wanted = (spec->has_process && husk_lsm_wanted(&spec->process)) ||
                      (spec->has_linux && nonempty(spec->linux_.mount_label));
        if (!wanted)
                return 0;
        struct husk_lsm_host host;
        husk_lsm_detect(&host);
        return husk_lsm_check_host(spec, &host, err);
}

bool husk_lsm_wanted(const struct husk_process *p)
{
        return nonempty(p->apparmor_profile) || nonempty(p->selinux_label);
}

int husk_lsm_set_keyring_label(int proc_fd, const struct husk_process *p, struct husk_error *err)
{
        if (!nonempty(p->selinux_label))
                return 0;
        int r = husk_procfs_write_thread_self(proc_fd, "attr/keycreate", p->selinux_label, err);
        if (r < 0)
                return husk_error_prefix(err, "process.selinuxLabel \"%s\": keyring label: ", p->selinux_label);
        return 0;
}

static int set_apparmor_exec(int proc_fd, const char *profile, struct husk_error *err)
{
        /* attr/apparmor/ exists since Linux 5.8 and is AppArmor's own whatever other LSM is stacked;
         * attr/exec before it belonged to the one major LSM, which the check at create made AppArmor. */
        const char *attr = "attr/apparmor/exec";
        _cleanup_close_ int dir = husk_procfs_open_thread_self(proc_fd, "attr/apparmor", O_PATH | O_DIRECTORY, err);
        if (dir == -ENOENT) {
                husk_error_clear(err);
                attr = "attr/exec";
        } else if (dir < 0) {
                return dir;
        }
        _cleanup_free_ char *value = NULL;
        if (asprintf(&value, "exec %s", profile) < 0)
                return husk_error_errno(err, ENOMEM, "apparmor profile");
        return husk_procfs_write_thread_self(proc_fd, attr, value, err);
}

int husk_lsm_set_exec_labels(int proc_fd, const struct husk_process *p, struct husk_error *err)
{
        int r;
        if (nonempty(p->selinux_label)) {
                r = husk_procfs_write_thread_self(proc_fd, "attr/exec", p->selinux_label, err);
                if (r < 0)
                        return husk_error_prefix(err, "process.selinuxLabel \"%s\": ", p->selinux_label);
        }
        if (nonempty(p->apparmor_profile)) {
                r = set_apparmor_exec(proc_fd, p->apparmor_profile, err);
                if (r < 0)
                        return husk_error_prefix(err, "process.apparmorProfile \"%s\": ", p->apparmor_profile);
        }
        return 0;
}

enum husk_lsm_mount_label husk_lsm_mount_label_kind(const char *type, const char *label)
{
        if (!nonempty(label) || !type)
                return HUSK_LSM_MOUNT_LABEL_NONE;
        /* proc, sysfs and cgroup files are labelled by the policy (genfscon) and refuse context=; a
         * bind mount keeps its source's labels. */
        static const char *const unlabelled[] = { "proc", "sysfs", "cgroup", "cgroup2", "bind" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(unlabelled); i++)
                if (strcmp(type, unlabelled[i]) == 0)
                        return HUSK_LSM_MOUNT_LABEL_NONE;
        /* An ipc namespace's mqueue superblock exists from the namespace's creation on: a mount asking
         * for other security settings than it has fails ("same superblock, different security
         * settings"), so runc labels its root instead. */
        if (strcmp(type, "mqueue") == 0)
                return HUSK_LSM_MOUNT_LABEL_XATTR;
        return HUSK_LSM_MOUNT_LABEL_OPTION;
}

int husk_lsm_mount_data(const char *data, const char *label, char **ret, struct husk_error *err)
{
        /* Quoted: an MLS label has commas ("s0:c1,c2"), which would split the option list. */
        int n = nonempty(data) ? asprintf(ret, "%s,context=\"%s\"", data, label)
                               : asprintf(ret, "context=\"%s\"", label);
        if (n < 0) {
                *ret = NULL;
                return husk_error_errno(err, ENOMEM, "mount label");
        }
        return 0;
}

int husk_lsm_label_mount_root(int root_fd, const char *dest, const char *label, struct husk_error *err)
{
        _cleanup_close_ int fd = husk_open_in_root(root_fd, dest, O_RDONLY | O_DIRECTORY, 0, err);
        if (fd < 0)
                return fd;
        if (fsetxattr(fd, "security.selinux", label, strlen(label), 0) < 0)
                return husk_error_errno(err, errno, "linux.mountLabel: label \"%s\"", dest);
        return 0;
}

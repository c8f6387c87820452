/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linux security module labels: process.apparmorProfile, process.selinuxLabel, linux.mountLabel.
 *
 * create checks them before anything is set up (husk_lsm_check): an empty or absent label is fine
 * anywhere, a requested one on a host without that LSM is an error naming the field. The init then
 * writes them through a procfs handle it opened before the container's mounts (util/procfs.h): the
 * keyring label before it joins its session keyring, the exec labels as the last step of create
 * before privileges are dropped (as runc). Both take effect at the next execve, so startContainer
 * hooks, which the init forks and execs, run under the container's labels too, as in runc.
 */
#pragma once

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

/* Which LSMs the host has enabled. */
struct husk_lsm_host {
        bool apparmor; /* /sys/module/apparmor/parameters/enabled is "Y" and securityfs has apparmor/ */
        bool selinux;  /* selinuxfs mounted on /sys/fs/selinux, enforcing or permissive */
};

void husk_lsm_detect(struct husk_lsm_host *ret);

/* Validate the spec's labels against `host` (pure): a requested label needs its LSM, and no label
 * may hold control characters (mountLabel no '"' either: it is quoted in the mount options). */
int husk_lsm_check_host(const struct husk_spec *spec, const struct husk_lsm_host *host, struct husk_error *err);

/* husk_lsm_check_host against this host; looks at the host only when a label is requested. */
int husk_lsm_check(const struct husk_spec *spec, struct husk_error *err);

/* Whether the process has a label to write (and so whether the init needs a procfs handle). */
bool husk_lsm_wanted(const struct husk_process *p);

/* The SELinux label for keyrings this thread creates (attr/keycreate), as runc and crun set it before
 * joining the session keyring. Nothing to do without process.selinuxLabel. */
int husk_lsm_set_keyring_label(int proc_fd, const struct husk_process *p, struct husk_error *err);

/* The labels of the next execve: SELinux through attr/exec, AppArmor "exec PROFILE" through
 * attr/apparmor/exec (attr/exec on kernels before 5.8, which lack the per-LSM directory). */
int husk_lsm_set_exec_labels(int proc_fd, const struct husk_process *p, struct husk_error *err);

/* How a filesystem of `type` gets linux.mountLabel. */
enum husk_lsm_mount_label {
        HUSK_LSM_MOUNT_LABEL_NONE,   /* no label, or a filesystem the policy labels (proc, sysfs, cgroup) */
        HUSK_LSM_MOUNT_LABEL_OPTION, /* context="LABEL" in the mount data (tmpfs, devpts, ...) */
        HUSK_LSM_MOUNT_LABEL_XATTR,  /* security.selinux on the mounted root (mqueue) */
};

enum husk_lsm_mount_label husk_lsm_mount_label_kind(const char *type, const char *label);

/* `data` (may be NULL) with context="LABEL" appended, as runc's label.FormatMountLabel. Caller frees. */
int husk_lsm_mount_data(const char *data, const char *label, char **ret, struct husk_error *err);

/* Set the SELinux label on the root of the filesystem just mounted at `dest` inside root_fd. */
int husk_lsm_label_mount_root(int root_fd, const char *dest, const char *label, struct husk_error *err);

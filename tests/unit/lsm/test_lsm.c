/* SPDX-License-Identifier: Apache-2.0 */
/* The LSM labels: the create-time check (pure, both host states), the mount data, and the writes,
 * which go to the kernel through the verified procfs handle. This host has neither AppArmor nor
 * SELinux, so the kernel refuses each label: the tests assert that the refusal is the kernel's answer
 * to the write (or mount) of the right file, not a failure of ours before it. Writes run in a forked
 * child, so a host that does have the LSM cannot change this process's labels. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "../process/child.h"
#include "runtime/lsm.h"
#include "runtime/mounts.h"
#include "util/cleanup.h"
#include "util/procfs.h"

#define AA_PROFILE "husk-test-profile"
#define SE_LABEL "system_u:system_r:container_t:s0:c1,c2"
#define SE_FILE_LABEL "system_u:object_r:container_file_t:s0:c1,c2"

static const struct husk_lsm_host no_lsm = { .apparmor = false, .selinux = false };
static const struct husk_lsm_host both = { .apparmor = true, .selinux = true };

TEST(empty_labels_need_no_lsm)
{
        struct husk_spec spec = { .has_process = true, .has_linux = true };
        struct husk_error err = { 0 };
        CHECK(husk_lsm_check_host(&spec, &no_lsm, &err) == 0);
        spec.process.apparmor_profile = (char *) "";
        spec.process.selinux_label = (char *) "";
        spec.linux_.mount_label = (char *) "";
        CHECK(husk_lsm_check_host(&spec, &no_lsm, &err) == 0);
        CHECK(!husk_lsm_wanted(&spec.process));
        /* husk_lsm_check does not even look at the host then. */
        CHECK(husk_lsm_check(&spec, &err) == 0);
}

TEST(requested_label_without_its_lsm_names_the_field)
{
        struct husk_spec spec = { .has_process = true, .has_linux = true };
        struct husk_error err = { 0 };

        spec.process.apparmor_profile = (char *) AA_PROFILE;
        CHECK(husk_lsm_wanted(&spec.process));
        CHECK(husk_lsm_check_host(&spec, &no_lsm, &err) == -EOPNOTSUPP);
        CHECK_STR_EQ(err.msg, "process.apparmorProfile: \"" AA_PROFILE
                              "\" requested but AppArmor is not enabled on this host");
        CHECK(husk_lsm_check_host(&spec, &both, &err) == 0);
        spec.process.apparmor_profile = NULL;

        spec.process.selinux_label = (char *) SE_LABEL;
        CHECK(husk_lsm_check_host(&spec, &no_lsm, &err) == -EOPNOTSUPP);
        CHECK_CONTAINS(err.msg, "process.selinuxLabel: \"" SE_LABEL "\" requested but SELinux is disabled");
        CHECK(husk_lsm_check_host(&spec, &both, &err) == 0);
        spec.process.selinux_label = NULL;

        spec.linux_.mount_label = (char *) SE_FILE_LABEL;
        CHECK(husk_lsm_check_host(&spec, &no_lsm, &err) == -EOPNOTSUPP);
        CHECK_CONTAINS(err.msg, "linux.mountLabel: \"" SE_FILE_LABEL "\" requested but SELinux");
        /* AppArmor alone does not do for a mount label. */
        struct husk_lsm_host aa_only = { .apparmor = true };
        CHECK(husk_lsm_check_host(&spec, &aa_only, &err) == -EOPNOTSUPP);
        CHECK(husk_lsm_check_host(&spec, &both, &err) == 0);
}

TEST(bad_characters_are_refused)
{
        struct husk_spec spec = { .has_process = true, .has_linux = true };
        struct husk_error err = { 0 };
        spec.process.apparmor_profile = (char *) "prof\nchangeprofile x";
        CHECK(husk_lsm_check_host(&spec, &both, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "process.apparmorProfile:");
        spec.process.apparmor_profile = NULL;
        spec.linux_.mount_label = (char *) "a\",rootcontext=\"b";
        CHECK(husk_lsm_check_host(&spec, &both, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "linux.mountLabel:");
        /* A quote is fine in a process label: it is written whole to attr/exec. */
        spec.linux_.mount_label = NULL;
        spec.process.selinux_label = (char *) "a\"b";
        CHECK(husk_lsm_check_host(&spec, &both, &err) == 0);
}

TEST(this_host_refuses_requested_labels_at_check)
{
        struct husk_lsm_host host;
        husk_lsm_detect(&host);
        struct husk_spec spec = { .has_process = true };
        struct husk_error err = { 0 };
        spec.process.apparmor_profile = (char *) AA_PROFILE;
        if (host.apparmor) {
                printf("# AppArmor is enabled here: the refusal is checked on the other field only\n");
        } else {
                CHECK(husk_lsm_check(&spec, &err) == -EOPNOTSUPP);
                CHECK_CONTAINS(err.msg, "process.apparmorProfile");
        }
        spec.process.apparmor_profile = NULL;
        spec.process.selinux_label = (char *) SE_LABEL;
        if (!host.selinux) {
                CHECK(husk_lsm_check(&spec, &err) == -EOPNOTSUPP);
                CHECK_CONTAINS(err.msg, "process.selinuxLabel");
        }
}

TEST(mount_data_and_kind)
{
        struct husk_error err = { 0 };
        _cleanup_free_ char *a = NULL, *b = NULL;
        CHECK(husk_lsm_mount_data(NULL, SE_FILE_LABEL, &a, &err) == 0);
        CHECK_STR_EQ(a, "context=\"" SE_FILE_LABEL "\"");
        CHECK(husk_lsm_mount_data("mode=755,size=65536k", SE_FILE_LABEL, &b, &err) == 0);
        CHECK_STR_EQ(b, "mode=755,size=65536k,context=\"" SE_FILE_LABEL "\"");

        CHECK(husk_lsm_mount_label_kind("tmpfs", SE_FILE_LABEL) == HUSK_LSM_MOUNT_LABEL_OPTION);
        CHECK(husk_lsm_mount_label_kind("devpts", SE_FILE_LABEL) == HUSK_LSM_MOUNT_LABEL_OPTION);
        CHECK(husk_lsm_mount_label_kind("mqueue", SE_FILE_LABEL) == HUSK_LSM_MOUNT_LABEL_XATTR);
        CHECK(husk_lsm_mount_label_kind("proc", SE_FILE_LABEL) == HUSK_LSM_MOUNT_LABEL_NONE);
        CHECK(husk_lsm_mount_label_kind("sysfs", SE_FILE_LABEL) == HUSK_LSM_MOUNT_LABEL_NONE);
        CHECK(husk_lsm_mount_label_kind("cgroup", SE_FILE_LABEL) == HUSK_LSM_MOUNT_LABEL_NONE);
        CHECK(husk_lsm_mount_label_kind("tmpfs", "") == HUSK_LSM_MOUNT_LABEL_NONE);
        CHECK(husk_lsm_mount_label_kind("tmpfs", NULL) == HUSK_LSM_MOUNT_LABEL_NONE);
}

struct write_case {
        const char *apparmor, *selinux;
        bool keyring;
};

/* The write must fail with the kernel's answer for an absent LSM, naming the field and the file. */
static void write_labels(void *arg, char *msg, size_t len)
{
        const struct write_case *c = arg;
        struct husk_process p = { .apparmor_profile = (char *) c->apparmor, .selinux_label = (char *) c->selinux };
        struct husk_error err = { 0 };
        _cleanup_close_ int proc_fd = husk_procfs_open(&err);
        if (proc_fd < 0)
                CHILD_FAIL(msg, len, "procfs: %s", err.msg);
        int r = c->keyring ? husk_lsm_set_keyring_label(proc_fd, &p, &err)
                           : husk_lsm_set_exec_labels(proc_fd, &p, &err);
        if (r < 0)
                snprintf(msg, len, "%d %s", r, err.msg);
}

static bool run_write(struct write_case c, char *msg, size_t len)
{
        return !run_in_child(write_labels, &c, msg, len) && msg[0];
}

TEST(selinux_exec_label_reaches_the_kernel)
{
        if (access("/sys/fs/selinux/enforce", F_OK) == 0) {
                printf("# SELinux is enabled here: the write would succeed; not exercised\n");
                return;
        }
        char msg[1024];
        CHECK(run_write((struct write_case){ .selinux = SE_LABEL }, msg, sizeof(msg)));
        /* EINVAL: security_setprocattr() with no LSM taking the attribute. */
        CHECK_STR_EQ(msg, "-22 process.selinuxLabel \"" SE_LABEL
                          "\": write /proc/thread-self/attr/exec: Invalid argument");
}

TEST(selinux_keyring_label_reaches_the_kernel)
{
        if (access("/sys/fs/selinux/enforce", F_OK) == 0) {
                printf("# SELinux is enabled here: the write would succeed; not exercised\n");
                return;
        }
        char msg[1024];
        CHECK(run_write((struct write_case){ .selinux = SE_LABEL, .keyring = true }, msg, sizeof(msg)));
        CHECK_STR_EQ(msg, "-22 process.selinuxLabel \"" SE_LABEL
                          "\": keyring label: write /proc/thread-self/attr/keycreate: Invalid argument");
        /* Nothing to write without a SELinux label, even with an AppArmor profile. */
        char none[1024];
        CHECK(!run_write((struct write_case){ .apparmor = AA_PROFILE, .keyring = true }, none, sizeof(none)));
}

TEST(apparmor_exec_label_reaches_the_kernel)
{
        if (access("/sys/module/apparmor/parameters/enabled", F_OK) == 0) {
                printf("# AppArmor is built in here: see tests/vm/apparmor.bats; not exercised\n");
                return;
        }
        /* Without AppArmor there is no attr/apparmor/: the write falls back to attr/exec, as runc's. */
        CHECK(access("/proc/thread-self/attr/apparmor", F_OK) < 0 && errno == ENOENT);
        char msg[1024];
        CHECK(run_write((struct write_case){ .apparmor = AA_PROFILE }, msg, sizeof(msg)));
        CHECK_STR_EQ(msg, "-22 process.apparmorProfile \"" AA_PROFILE
                          "\": write /proc/thread-self/attr/exec: Invalid argument");
}

/* A tmpfs with the mount label: the context= option reaches mount(2), which a kernel without SELinux
 * refuses as an unknown tmpfs parameter. An mqueue gets the label as an xattr of its root instead,
 * and the tmpfs masking directories through fsconfig. */
struct mount_case {
        const char *type;
        const char *dir; /* made by the parent, covered by a tmpfs in the child's mount namespace */
};

static void mount_with_label(void *arg, char *msg, size_t len)
{
        const struct mount_case *c = arg;
        if (unshare(CLONE_NEWNS | CLONE_NEWIPC) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                CHILD_FAIL(msg, len, "private mount namespace: %s", strerror(errno));
        if (mount("tmpfs", c->dir, "tmpfs", 0, "size=64k") < 0)
                CHILD_FAIL(msg, len, "mount tmpfs on %s: %s", c->dir, strerror(errno));
        _cleanup_close_ int root_fd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                CHILD_FAIL(msg, len, "open %s: %s", c->dir, strerror(errno));

        char *opts[] = { (char *) "nosuid", (char *) "size=64k", NULL };
        struct husk_mount m = {
                .destination = (char *) "/m",
                .source = (char *) c->type,
                .type = (char *) c->type,
                .options = strcmp(c->type, "tmpfs") == 0 ? opts : NULL,
        };
        char *masked[] = { (char *) "/masked", NULL };
        struct husk_spec spec = { .has_linux = true, .mounts = &m, .n_mounts = 1 };
        spec.linux_.mount_label = (char *) SE_FILE_LABEL;
        struct husk_rootfs_ctx ctx = { .spec = &spec, .rootfs = c->dir };
        struct husk_error err = { 0 };
        int r;
        if (strcmp(c->type, "masked") == 0) {
                /* The tmpfs that masks directories: the label goes through fsconfig. */
                spec.linux_.masked_paths = masked;
                spec.linux_.n_masked_paths = 1;
                if (mkdirat(root_fd, "masked", 0755) < 0)
                        CHILD_FAIL(msg, len, "mkdir masked: %s", strerror(errno));
                r = husk_rootfs_masked_paths(&spec, root_fd, &err);
        } else {
                r = husk_mount_one(&ctx, root_fd, 0, &err);
        }
        if (r < 0)
                snprintf(msg, len, "%d %s", r, err.msg);
}

static void run_mount_case(const char *type, char *msg, size_t len)
{
        char dir[] = "/tmp/husk-lsm-XXXXXX";
        msg[0] = '\0';
        if (!mkdtemp(dir)) {
                snprintf(msg, len, "mkdtemp: %s", strerror(errno));
                return;
        }
        struct mount_case c = { .type = type, .dir = dir };
        (void) run_in_child(mount_with_label, &c, msg, len);
        (void) rmdir(dir);
}

TEST(mount_label_reaches_the_mount)
{
        if (access("/sys/fs/selinux/enforce", F_OK) == 0) {
                printf("# SELinux is enabled here: the mounts would succeed; not exercised\n");
                return;
        }
        char msg[1024];
        run_mount_case("tmpfs", msg, sizeof(msg));
        CHECK_STR_EQ(msg, "-22 mounts[0]: mount \"tmpfs\" on \"/m\": Invalid argument");
        run_mount_case("mqueue", msg, sizeof(msg));
        CHECK_STR_EQ(msg, "-95 mounts[0]: linux.mountLabel: label \"/m\": Operation not supported");
        run_mount_case("masked", msg, sizeof(msg));
        CHECK_STR_EQ(msg, "-22 linux.maskedPaths[0]: masking tmpfs: linux.mountLabel \"" SE_FILE_LABEL
                          "\": Invalid argument");
}

RUN_TESTS()

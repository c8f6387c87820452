/* SPDX-License-Identifier: Apache-2.0 */
/* Pure helpers of the rootfs area: mount option parsing, path cleaning, sysctl validation. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "test.h"
#include "runtime/mounts.h"
#include "util/cleanup.h"
#include "util/path.h"

TEST(options_flags_and_data)
{
        char *opts[] = { "nosuid", "strictatime", "mode=755", "size=65536k", "ro", "noexec", NULL };
        _cleanup_(husk_mount_options_done) struct husk_mount_options o = { 0 };
        CHECK(husk_mount_options_parse(opts, &o, NULL) == 0);
        CHECK(o.flags == (MS_NOSUID | MS_STRICTATIME | MS_RDONLY | MS_NOEXEC));
        CHECK_STR_EQ(o.data, "mode=755,size=65536k");
        CHECK(o.propagation == 0);
        CHECK(!o.tmpcopyup);
}

TEST(options_later_wins)
{
        char *opts[] = { "ro", "rw", "nodev", "dev", "noexec", NULL };
        _cleanup_(husk_mount_options_done) struct husk_mount_options o = { 0 };
        CHECK(husk_mount_options_parse(opts, &o, NULL) == 0);
        CHECK(o.flags == MS_NOEXEC);
        CHECK(o.cleared == (MS_RDONLY | MS_NODEV));
        CHECK(o.data == NULL);
}

TEST(options_bind_propagation_rattr)
{
        char *opts[] = { "rbind", "rprivate", "rro", "rnosuid", "rnoatime", "tmpcopyup", "defaults", NULL };
        _cleanup_(husk_mount_options_done) struct husk_mount_options o = { 0 };
        CHECK(husk_mount_options_parse(opts, &o, NULL) == 0);
        CHECK(o.flags == (MS_BIND | MS_REC));
        CHECK(o.propagation == (MS_PRIVATE | MS_REC));
        CHECK(o.rattr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME));
        /* an atime value needs the whole atime mask cleared */
        CHECK(o.rattr_clr == MOUNT_ATTR__ATIME);
        CHECK(o.tmpcopyup);
        CHECK(o.data == NULL);
}

TEST(options_rattr_clear)
{
        char *opts[] = { "rro", "rrw", "rexec", "ratime", NULL };
        _cleanup_(husk_mount_options_done) struct husk_mount_options o = { 0 };
        CHECK(husk_mount_options_parse(opts, &o, NULL) == 0);
        CHECK(o.rattr_set == 0);
        CHECK(o.rattr_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME));
}

TEST(options_devpts_data)
{
        char *opts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
        _cleanup_(husk_mount_options_done) struct husk_mount_options o = { 0 };
        CHECK(husk_mount_options_parse(opts, &o, NULL) == 0);
        CHECK_STR_EQ(o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
}

TEST(options_empty)
{
        _cleanup_(husk_mount_options_done) struct husk_mount_options o = { 0 };
        CHECK(husk_mount_options_parse(NULL, &o, NULL) == 0);
        CHECK(o.flags == 0 && o.data == NULL && o.propagation == 0);
}

TEST(options_to_attr)
{
        char *opts[] = { "bind", "ro", "nosuid", "exec", "noatime", NULL };
        _cleanup_(husk_mount_options_done) struct husk_mount_options o = { 0 };
        uint64_t set, clr;
        CHECK(husk_mount_options_parse(opts, &o, NULL) == 0);
        husk_mount_options_to_attr(&o, &set, &clr);
        CHECK(set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME));
        CHECK(clr == (MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME));

        /* nothing named: nothing touched, so locked flags of the source survive */
        char *plain[] = { "rbind", NULL };
        _cleanup_(husk_mount_options_done) struct husk_mount_options p = { 0 };
        CHECK(husk_mount_options_parse(plain, &p, NULL) == 0);
        husk_mount_options_to_attr(&p, &set, &clr);
        CHECK(set == 0 && clr == 0);
}

TEST(propagation_names)
{
        CHECK(husk_propagation_from_string("rslave") == (MS_SLAVE | MS_REC));
        CHECK(husk_propagation_from_string("private") == MS_PRIVATE);
        CHECK(husk_propagation_from_string("runbindable") == (MS_UNBINDABLE | MS_REC));
        CHECK(husk_propagation_from_string("rshared") == (MS_SHARED | MS_REC));
        CHECK(husk_propagation_from_string("bogus") == 0);
        CHECK(husk_propagation_from_string(NULL) == 0);
}

static void check_clean(int *failed_, const char *in, const char *want)
{
        _cleanup_free_ char *c = husk_path_clean(in);
        CHECK_STR_EQ(c, want);
}

TEST(path_clean)
{
        check_clean(failed_, "/", "/");
        if (*failed_) return;
        check_clean(failed_, "//a//b/", "/a/b");
        if (*failed_) return;
        check_clean(failed_, "/a/./b/.", "/a/b");
        if (*failed_) return;
        check_clean(failed_, "/a/../b", "/a/../b");
        if (*failed_) return;
        check_clean(failed_, "a/b", "a/b");
        if (*failed_) return;
        check_clean(failed_, "./a", "a");
        if (*failed_) return;
        check_clean(failed_, "", ".");
        if (*failed_) return;
        check_clean(failed_, "./", ".");
        if (*failed_) return;
        check_clean(failed_, "///", "/");
}

TEST(fd_path)
{
        char buf[32];
        CHECK_STR_EQ(husk_fd_path(7, buf), "/proc/self/fd/7");
}

static struct husk_spec spec_with(struct husk_namespace *ns, size_t n)
{
        struct husk_spec s = { 0 };
        s.has_linux = true;
        s.linux_.namespaces = ns;
        s.linux_.n_namespaces = n;
        return s;
}

TEST(sysctl_ipc)
{
        struct husk_namespace ns[] = { { HUSK_NS_IPC, NULL } };
        struct husk_spec with = spec_with(ns, 1), without = spec_with(NULL, 0);
        struct husk_error err = { 0 };
        CHECK(husk_sysctl_validate(&with, "kernel.shmmax", &err) == 0);
        CHECK(husk_sysctl_validate(&with, "kernel.shm_rmid_forced", &err) == 0);
        CHECK(husk_sysctl_validate(&with, "fs.mqueue.msg_max", &err) == 0);
        CHECK(husk_sysctl_validate(&without, "kernel.msgmax", &err) == -EPERM);
        CHECK_CONTAINS(err.msg, "ipc namespace");
        CHECK(husk_sysctl_validate(&without, "fs.mqueue.queues_max", &err) == -EPERM);
        /* an ipc namespace does not make a network sysctl safe */
        CHECK(husk_sysctl_validate(&with, "net.ipv4.ip_forward", &err) == -EPERM);
}

TEST(sysctl_net_and_uts)
{
        struct husk_namespace ns[] = { { HUSK_NS_NETWORK, NULL }, { HUSK_NS_UTS, NULL } };
        struct husk_spec s = spec_with(ns, 2), none = spec_with(NULL, 0);
        struct husk_error err = { 0 };
        CHECK(husk_sysctl_validate(&s, "net.ipv4.ip_forward", &err) == 0);
        CHECK(husk_sysctl_validate(&s, "kernel.hostname", &err) == 0);
        CHECK(husk_sysctl_validate(&s, "kernel.domainname", &err) == 0);
        CHECK(husk_sysctl_validate(&none, "net.core.somaxconn", &err) == -EPERM);
        CHECK_CONTAINS(err.msg, "network namespace");
        CHECK(husk_sysctl_validate(&none, "kernel.hostname", &err) == -EPERM);
        /* not namespaced at all */
        CHECK(husk_sysctl_validate(&s, "vm.swappiness", &err) == -EPERM);
        CHECK_CONTAINS(err.msg, "not in a separate kernel namespace");
        CHECK(husk_sysctl_validate(&s, "kernel.shmmax", &err) == -EPERM);
}

TEST(sysctl_bad_keys)
{
        struct husk_namespace ns[] = { { HUSK_NS_NETWORK, NULL }, { HUSK_NS_IPC, NULL } };
        struct husk_spec s = spec_with(ns, 2);
        struct husk_error err = { 0 };
        CHECK(husk_sysctl_validate(&s, "net/ipv4/ip_forward", &err) == -EINVAL);
        CHECK(husk_sysctl_validate(&s, "net...kernel.core_pattern", &err) == -EINVAL);
        CHECK(husk_sysctl_validate(&s, "net.ipv4..", &err) == -EINVAL);
        CHECK(husk_sysctl_validate(&s, "net.ipv4.conf.all/../../../kernel/core_pattern", &err) == -EINVAL);
        CHECK(husk_sysctl_validate(&s, ".net.x", &err) == -EINVAL);
        CHECK(husk_sysctl_validate(&s, "net.", &err) == -EINVAL);
        CHECK(husk_sysctl_validate(&s, "", &err) == -EINVAL);
        CHECK(husk_sysctl_validate(&s, NULL, &err) == -EINVAL);
}

TEST(dev_is_tmpfs)
{
        struct husk_mount m[] = { { .destination = "/proc", .type = "proc" }, { .destination = "//dev/", .type = "tmpfs" } };
        struct husk_spec s = { .mounts = m, .n_mounts = 2 };
        CHECK(husk_rootfs_dev_is_tmpfs(&s));
        s.n_mounts = 1;
        CHECK(!husk_rootfs_dev_is_tmpfs(&s));
        m[1].type = "bind";
        s.n_mounts = 2;
        CHECK(!husk_rootfs_dev_is_tmpfs(&s));
}

RUN_TESTS()

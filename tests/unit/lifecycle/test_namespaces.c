/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "runtime/namespaces.h"
#include "test.h"

static struct husk_spec spec_with(struct husk_namespace *ns, size_t n)
{
        struct husk_spec s = { 0 };
        s.has_linux = true;
        s.linux_.namespaces = ns;
        s.linux_.n_namespaces = n;
        return s;
}

TEST(new_namespaces_become_unshare_flags)
{
        struct husk_namespace ns[] = {
                { HUSK_NS_PID, NULL }, { HUSK_NS_NETWORK, NULL }, { HUSK_NS_IPC, NULL },
                { HUSK_NS_UTS, NULL }, { HUSK_NS_MOUNT, NULL }, { HUSK_NS_CGROUP, NULL },
        };
        struct husk_spec s = spec_with(ns, 6);
        s.hostname = "box";
        struct husk_ns_plan p;
        struct husk_error err = { 0 };
        CHECK(husk_ns_plan_build(&s, &p, &err) == 0);
        CHECK(p.unshare_flags == (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP));
        CHECK(p.n_joins == 0);
        CHECK(!p.new_user && !p.join_user);
        CHECK(p.has_uts);
        CHECK(!p.time_offsets);
}

TEST(joins_user_first_mount_never_and_others_in_order)
{
        struct husk_namespace ns[] = {
                { HUSK_NS_NETWORK, "/run/netns/a" }, { HUSK_NS_MOUNT, NULL },
                { HUSK_NS_IPC, "/proc/1/ns/ipc" }, { HUSK_NS_USER, "/proc/1/ns/user" },
                { HUSK_NS_PID, "/proc/1/ns/pid" },
        };
        struct husk_spec s = spec_with(ns, 5);
        struct husk_ns_plan p;
        struct husk_error err = { 0 };
        CHECK(husk_ns_plan_build(&s, &p, &err) == 0);
        CHECK(p.n_joins == 4);
        CHECK(p.joins[0].type == HUSK_NS_USER);
        CHECK(p.joins[1].type == HUSK_NS_PID);
        CHECK(p.joins[2].type == HUSK_NS_NETWORK);
        CHECK(p.joins[3].type == HUSK_NS_IPC);
        CHECK_STR_EQ(p.joins[2].path, "/run/netns/a");
        CHECK(p.join_user && !p.new_user);
        CHECK(p.unshare_flags == CLONE_NEWNS);
}

TEST(mount_namespace_required)
{
        struct husk_namespace ns[] = { { HUSK_NS_PID, NULL } };
        struct husk_spec s = spec_with(ns, 1);
        struct husk_ns_plan p;
        struct husk_error err = { 0 };
        CHECK(husk_ns_plan_build(&s, &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "new mount namespace is required");
        struct husk_namespace joined[] = { { HUSK_NS_MOUNT, "/proc/1/ns/mnt" } };
        s = spec_with(joined, 1);
        CHECK(husk_ns_plan_build(&s, &p, &err) == -EINVAL);
}

TEST(hostname_needs_uts_and_duplicates_refused)
{
        struct husk_namespace ns[] = { { HUSK_NS_MOUNT, NULL } };
        struct husk_spec s = spec_with(ns, 1);
        s.hostname = "box";
        struct husk_ns_plan p;
        struct husk_error err = { 0 };
        CHECK(husk_ns_plan_build(&s, &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "hostname requires a uts namespace");
        struct husk_namespace dup[] = { { HUSK_NS_MOUNT, NULL }, { HUSK_NS_MOUNT, NULL } };
        s = spec_with(dup, 2);
        CHECK(husk_ns_plan_build(&s, &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "listed twice");
        struct husk_namespace rel[] = { { HUSK_NS_MOUNT, NULL }, { HUSK_NS_NETWORK, "netns/a" } };
        s = spec_with(rel, 2);
        CHECK(husk_ns_plan_build(&s, &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "not absolute");
}

TEST(user_namespace_and_mappings_go_together)
{
        struct husk_id_mapping m = { 0, 100000, 65536 };
        struct husk_namespace ns[] = { { HUSK_NS_MOUNT, NULL }, { HUSK_NS_USER, NULL } };
        struct husk_spec s = spec_with(ns, 2);
        struct husk_ns_plan p;
        struct husk_error err = { 0 };
        CHECK(husk_ns_plan_build(&s, &p, &err) == -EINVAL); /* no mappings */
        s.linux_.uid_mappings = s.linux_.gid_mappings = &m;
        s.linux_.n_uid_mappings = s.linux_.n_gid_mappings = 1;
        CHECK(husk_ns_plan_build(&s, &p, &err) == 0);
        CHECK(p.new_user);
        CHECK(!(p.unshare_flags & CLONE_NEWUSER)); /* the user namespace is created on its own, first */
        s.linux_.n_namespaces = 1;                  /* mappings without a user namespace */
        CHECK(husk_ns_plan_build(&s, &p, &err) == -EINVAL);
}

TEST(time_offsets_need_new_time_namespace)
{
        struct husk_namespace ns[] = { { HUSK_NS_MOUNT, NULL }, { HUSK_NS_TIME, NULL } };
        struct husk_spec s = spec_with(ns, 1);
        s.linux_.time_boottime = (struct husk_time_offset){ true, 10, 5 };
        struct husk_ns_plan p;
        struct husk_error err = { 0 };
        CHECK(husk_ns_plan_build(&s, &p, &err) == -EINVAL);
        s.linux_.n_namespaces = 2;
        CHECK(husk_ns_plan_build(&s, &p, &err) == 0);
        CHECK(p.time_offsets);
        CHECK(p.unshare_flags & CLONE_NEWTIME);
}

TEST(idmap_text)
{
        struct husk_id_mapping m[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
        char buf[128];
        int n = husk_idmap_format(m, 2, buf, sizeof(buf));
        CHECK(n == (int) strlen("0 1000 1\n1 100000 65536\n"));
        CHECK_STR_EQ(buf, "0 1000 1\n1 100000 65536\n");
        CHECK(husk_idmap_format(m, 2, buf, 10) == -ENOSPC);
        CHECK(husk_idmap_format(m, 0, buf, sizeof(buf)) == -EINVAL);
        struct husk_id_mapping big = { 4294967294u, 4294967294u, 1 };
        CHECK(husk_idmap_format(&big, 1, buf, sizeof(buf)) > 0);
        CHECK_STR_EQ(buf, "4294967294 4294967294 1\n");
}

TEST(idmap_to_host)
{
        struct husk_id_mapping m[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
        uint32_t h = 0;
        CHECK(husk_idmap_to_host(m, 2, 0, &h) == 0 && h == 1000);
        CHECK(husk_idmap_to_host(m, 2, 1, &h) == 0 && h == 100000);
        CHECK(husk_idmap_to_host(m, 2, 65536, &h) == 0 && h == 165535);
        CHECK(husk_idmap_to_host(m, 2, 65537, &h) == -ENOENT);
        CHECK(husk_idmap_needs_setgroups_deny(1000));
        CHECK(!husk_idmap_needs_setgroups_deny(0));
}

TEST(timens_offsets_text)
{
        struct husk_linux lx = { 0 };
        char buf[128];
        CHECK(husk_timens_offsets_format(&lx, buf, sizeof(buf)) == 0);
        lx.time_monotonic = (struct husk_time_offset){ true, -5, 0 };
        lx.time_boottime = (struct husk_time_offset){ true, 86400, 500 };
        CHECK(husk_timens_offsets_format(&lx, buf, sizeof(buf)) > 0);
        CHECK_STR_EQ(buf, "1 -5 0\n7 86400 500\n");
        CHECK(husk_timens_offsets_format(&lx, buf, 8) == -ENOSPC);
}

TEST(initial_user_namespace_map)
{
        CHECK(husk_idmap_is_initial("         0          0 4294967295\n"));
        CHECK(!husk_idmap_is_initial("         0       1000          1\n"));
        CHECK(!husk_idmap_is_initial("         0          0 4294967295\n         1          1 1\n"));
        CHECK(!husk_idmap_is_initial("         0          0 65536\n"));
        CHECK(!husk_idmap_is_initial(""));
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup layout from mountinfo text, the runtime's own cgroup, and the container's cgroup path. */
#include <errno.h>
#include <stdlib.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "test.h"
#include "util/cleanup.h"

static const char hybrid[] =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
        "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "36 31 0:33 / /sys/fs/cgroup/my\\040devices rw,relatime - cgroup cgroup rw,devices\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
        "50 22 0:32 /docker/abc /mnt/memview rw,relatime - cgroup cgroup rw,memory\n"
        "51 22 0:39 / /sys/fs/cgroup/other rw - cgroup cgroup rw,name=other\n";

TEST(mountinfo_hybrid)
{
        struct husk_cg_layout l;
        husk_cg_parse_mountinfo(hybrid, &l);
        CHECK(l.mode == HUSK_CGROUP_HYBRID);
        CHECK_STR_EQ(l.v2_mount, "/sys/fs/cgroup/unified");
        CHECK(l.n_v1 == 5); /* the sub-cgroup bind and the unknown named hierarchy are not hierarchies */
        CHECK_STR_EQ(l.v1[0].mount, "/sys/fs/cgroup/cpu,cpuacct");
        CHECK(l.v1[0].ctrls == (HUSK_CG1_BIT(HUSK_CG1_CPU) | HUSK_CG1_BIT(HUSK_CG1_CPUACCT)));
        CHECK_STR_EQ(l.v1[3].mount, "/sys/fs/cgroup/my devices");
        CHECK(l.v1[3].ctrls == HUSK_CG1_BIT(HUSK_CG1_DEVICES));
        CHECK(l.v1[4].ctrls == HUSK_CG1_BIT(HUSK_CG1_NAME_SYSTEMD));
}

TEST(mountinfo_v1_only)
{
        struct husk_cg_layout l;
        husk_cg_parse_mountinfo("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", &l);
        CHECK(l.mode == HUSK_CGROUP_V1);
        CHECK(l.v2_mount[0] == '\0');
        CHECK(l.n_v1 == 1);
}

TEST(mountinfo_unified)
{
        struct husk_cg_layout l;
        husk_cg_parse_mountinfo("22 1 8:1 / / rw - ext4 /dev/vda1 rw\n"
                                "30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
                                "35 31 0:32 / /mnt/v1mem rw - cgroup cgroup rw,memory",
                                &l);
        CHECK(l.mode == HUSK_CGROUP_V2);
        CHECK_STR_EQ(l.v2_mount, "/sys/fs/cgroup");
        CHECK(l.n_v1 == 0);
}

TEST(mountinfo_none)
{
        struct husk_cg_layout l;
        husk_cg_parse_mountinfo("22 1 8:1 / / rw - ext4 /dev/vda1 rw\n", &l);
        CHECK(l.mode == HUSK_CGROUP_NONE);
        husk_cg_parse_mountinfo("", &l);
        CHECK(l.mode == HUSK_CGROUP_NONE);
}

static const char proc_cgroup[] = "9:name=systemd:/user.slice\n"
                                  "8:pids:/pids-own\n"
                                  "4:memory:/process_api/68e9\n"
                                  "2:cpu,cpuacct:/\n"
                                  "0::/unified-own\n";

TEST(own_path)
{
        char buf[256];
        struct husk_error err = { 0 };
        CHECK(husk_cg_own_path(proc_cgroup, false, buf, sizeof(buf), &err) == 0);
        CHECK_STR_EQ(buf, "/process_api/68e9");
        CHECK(husk_cg_own_path(proc_cgroup, true, buf, sizeof(buf), &err) == 0);
        CHECK_STR_EQ(buf, "/unified-own");
        CHECK(husk_cg_own_path("8:pids:/p\n1:cpu:/c\n", false, buf, sizeof(buf), &err) == 0);
        CHECK_STR_EQ(buf, "/p");
        CHECK(husk_cg_own_path("1:cpu:/c\n", false, buf, sizeof(buf), &err) == -ENOENT);
        CHECK(husk_cg_own_path("1:cpu:/c\n", true, buf, sizeof(buf), &err) == -ENOENT);
        /* "memory" must be a whole controller name in the list. */
        CHECK(husk_cg_own_path("3:memoryx:/no\n8:pids:/yes\n", false, buf, sizeof(buf), &err) == 0);
        CHECK_STR_EQ(buf, "/yes");
}

TEST(resolve_default_absolute_relative)
{
        struct husk_error err = { 0 };
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        CHECK(husk_cg_resolve_path("c1", NULL, false, NULL, &a, &err) == 0);
        CHECK_STR_EQ(a, "/husk/c1");
        CHECK(husk_cg_resolve_path("c1", "", false, NULL, &d, &err) == 0);
        CHECK_STR_EQ(d, "/husk/c1");
        CHECK(husk_cg_resolve_path("c1", "//abs//x/", false, "/own", &b, &err) == 0);
        CHECK_STR_EQ(b, "/abs/x");
        CHECK(husk_cg_resolve_path("c1", "rel/x", false, "/process_api/68e9", &c, &err) == 0);
        CHECK_STR_EQ(c, "/process_api/68e9/rel/x");
}

TEST(path_parent_for_rootless_v2)
{
        char a[] = "/user.slice/user-1000.slice/user@1000.service/app.slice/shell.scope", b[] = "/a", c[] = "/";
        husk_cg_path_parent(a);
        CHECK_STR_EQ(a, "/user.slice/user-1000.slice/user@1000.service/app.slice");
        husk_cg_path_parent(b);
        CHECK_STR_EQ(b, "/");
        husk_cg_path_parent(c);
        CHECK_STR_EQ(c, "/");
}

TEST(resolve_rejects)
{
        struct husk_error err = { 0 };
        char *p = NULL;
        CHECK(husk_cg_resolve_path("c1", "/a/../../b", false, "/", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "\"..\"");
        CHECK(husk_cg_resolve_path("c1", "..", false, "/own", &p, &err) == -EINVAL);
        CHECK(husk_cg_resolve_path("c1", "system.slice:husk:c1", false, "/", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "--systemd-cgroup");
        CHECK(husk_cg_resolve_path("c1", "system.slice:husk", true, "/", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "slice:prefix:name");
        CHECK(husk_cg_resolve_path("c1", "/", false, "/", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "root cgroup");
        CHECK(husk_cg_resolve_path("c1", "./", false, "/", &p, &err) == -EINVAL);
        CHECK(p == NULL);
        /* "..x" is a name, not a parent. */
        CHECK(husk_cg_resolve_path("c1", "/a/..x", false, "/", &p, &err) == 0);
        CHECK_STR_EQ(p, "/a/..x");
        free(p);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* One test per class of bad input, each checking the exact message: file, JSON path, reason. */
#include <errno.h>

#include "oci_test.h"
#include "test.h"

#define MIN "\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"}"

/* Parses `json` (length `len`), expects failure with exactly `msg`. */
static int expect_fail_n(const char *json, size_t len, const char *msg, char *got, size_t gotsz)
{
        struct husk_error err = { 0 };
        struct husk_spec *s = NULL;
        int r = husk_config_parse(json, len, "config.json", &s, &err);
        (void) snprintf(got, gotsz, "%s", r < 0 ? err.msg : "(parsed)");
        if (r >= 0) {
                husk_spec_free(s);
                return -1;
        }
        if (s != NULL || r != -EINVAL || err.code != EINVAL)
                return -1;
        return msg && strcmp(err.msg, msg) != 0 ? -1 : 0;
}

#define EXPECT_FAIL(json, msg)                                                               \
        do {                                                                                 \
                char got_[HUSK_ERROR_MSG_MAX];                                               \
                const char *want_ = (msg);                                                   \
                if (expect_fail_n((json), strlen(json), want_, got_, sizeof(got_)) < 0) {    \
                        printf("#   %s:%d: got \"%s\"\n#   want \"%s\"\n", __FILE__, __LINE__, got_, \
                               want_ ? want_ : "(any error)");                               \
                        *failed_ = 1;                                                        \
                        return;                                                              \
                }                                                                            \
        } while (0)

#define LINUX(body) "{" MIN ",\"linux\":" body "}"
#define PROC(body) "{" MIN ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"," body "}}"

TEST(syntax_error)
{
        EXPECT_FAIL("{]", "config.json: line 1 column 2: string or '}' expected near ']'");
        EXPECT_FAIL("{\"ociVersion\":\"1.0.0\",\n\"root\": {\"path\":\n", "config.json: line 3 column 0: unexpected token near end of file");
        EXPECT_FAIL("", "config.json: line 1 column 0: '[' or '{' expected near end of file");
}

TEST(not_an_object)
{
        EXPECT_FAIL("[1,2]", "config.json: must be a JSON object");
        EXPECT_FAIL("{" MIN ",\"root\":\"x\"}", "config.json: root: must be an object");
}

TEST(required_fields)
{
        EXPECT_FAIL("{\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: is required");
        EXPECT_FAIL("{\"ociVersion\":\"1.0.0\"}", "config.json: root: is required");
        EXPECT_FAIL("{\"ociVersion\":\"1.0.0\",\"root\":{}}", "config.json: root.path: is required");
        EXPECT_FAIL("{\"ociVersion\":7,\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: must be a string");
}

TEST(process_args)
{
        EXPECT_FAIL("{" MIN ",\"process\":{\"cwd\":\"/\"}}", "config.json: process.args: must be a non-empty array of strings");
        EXPECT_FAIL("{" MIN ",\"process\":{\"args\":[],\"cwd\":\"/\"}}",
                    "config.json: process.args: must be a non-empty array of strings");
        EXPECT_FAIL("{" MIN ",\"process\":{\"args\":[\"a\",3],\"cwd\":\"/\"}}", "config.json: process.args[1]: must be a string");
}

TEST(process_cwd)
{
        EXPECT_FAIL("{" MIN ",\"process\":{\"args\":[\"a\"]}}", "config.json: process.cwd: is required");
        EXPECT_FAIL("{" MIN ",\"process\":{\"args\":[\"a\"],\"cwd\":\"tmp\"}}", "config.json: process.cwd: must be an absolute path");
}

TEST(wrong_types)
{
        EXPECT_FAIL(PROC("\"terminal\":\"yes\""), "config.json: process.terminal: must be a boolean");
        EXPECT_FAIL(PROC("\"env\":\"PATH=/\""), "config.json: process.env: must be an array of strings");
        EXPECT_FAIL(PROC("\"user\":{\"uid\":\"0\"}"), "config.json: process.user.uid: must be an integer between 0 and 4294967295");
        EXPECT_FAIL("{" MIN ",\"mounts\":[{\"destination\":\"/a\"},{\"destination\":5}]}",
                    "config.json: mounts[1].destination: must be a string");
        EXPECT_FAIL("{" MIN ",\"mounts\":[{\"destination\":\"/a\"},7]}", "config.json: mounts[1]: must be an object");
        EXPECT_FAIL("{" MIN ",\"mounts\":{}}", "config.json: mounts: must be an array");
        EXPECT_FAIL("{" MIN ",\"annotations\":{\"a\":1}}", "config.json: annotations[\"a\"]: must be a string");
        EXPECT_FAIL(LINUX("{\"sysctl\":[]}"), "config.json: linux.sysctl: must be an object of strings");
}

TEST(integer_ranges)
{
        EXPECT_FAIL(PROC("\"user\":{\"uid\":4294967296}"),
                    "config.json: process.user.uid: must be an integer between 0 and 4294967295");
        EXPECT_FAIL(PROC("\"user\":{\"gid\":-1}"), "config.json: process.user.gid: must be an integer between 0 and 4294967295");
        EXPECT_FAIL(PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":-1,\"hard\":1}]"),
                    "config.json: process.rlimits[0].soft: must be a non-negative integer");
        EXPECT_FAIL(PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1.5,\"hard\":1}]"),
                    "config.json: process.rlimits[0].soft: must be a non-negative integer");
        /* Beyond uint64: jansson refuses it as an integer; the double fallback must still reject it. */
        EXPECT_FAIL(PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":99999999999999999999999}]"),
                    "config.json: process.rlimits[0].hard: must be a non-negative integer");
        EXPECT_FAIL(PROC("\"oomScoreAdj\":1001"), "config.json: process.oomScoreAdj: must be an integer between -1000 and 1000");
        EXPECT_FAIL(PROC("\"user\":{\"uid\":1e3}"), "config.json: process.user.uid: must be an integer between 0 and 4294967295");
        EXPECT_FAIL(LINUX("{\"resources\":{\"blockIO\":{\"weight\":65536}}}"),
                    "config.json: linux.resources.blockIO.weight: must be an integer between 0 and 65535");
        EXPECT_FAIL(LINUX("{\"resources\":{\"memory\":{\"limit\":-2}}}"),
                    "config.json: linux.resources.memory.limit: must be a non-negative integer or -1");
        EXPECT_FAIL("{" MIN ",\"x\":1e999}", NULL); /* jansson: real number overflow */
}

TEST(embedded_nul)
{
        EXPECT_FAIL("{" MIN ",\"hostname\":\"a\\u0000b\"}",
                    "config.json: line 1 column 68: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"'");
        static const char raw[] = "{\"ociVersion\":\"1.0\0\",\"root\":{\"path\":\"r\"}}";
        char got[HUSK_ERROR_MSG_MAX];
        CHECK(expect_fail_n(raw, sizeof(raw) - 1, NULL, got, sizeof(got)) == 0);
        CHECK_CONTAINS(got, "config.json: line 1");
}

TEST(namespaces)
{
        EXPECT_FAIL(LINUX("{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"foo\"}]}"),
                    "config.json: linux.namespaces[2].type: unknown namespace type \"foo\"");
        EXPECT_FAIL(LINUX("{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}"),
                    "config.json: linux.namespaces[1].type: duplicate namespace type \"pid\"");
        EXPECT_FAIL(LINUX("{\"namespaces\":[{\"path\":\"/proc/1/ns/pid\"}]}"), "config.json: linux.namespaces[0].type: is required");
        EXPECT_FAIL(LINUX("{\"namespaces\":[{\"type\":\"net\"}]}"), "config.json: linux.namespaces[0].type: unknown namespace type \"net\"");
        EXPECT_FAIL(LINUX("{\"namespaces\":[{\"type\":\"net\"}]}"), "config.json: linux.namespaces[0].type: unknown namespace type \"net\"");
        EXPECT_FAIL(LINUX("{\"namespaces\":[{\"type\":\"network\",\"path\":\"x\"}]}"),
                    "config.json: linux.namespaces[0].path: must be an absolute path");
}

TEST(id_mappings)
{
        EXPECT_FAIL(LINUX("{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000}]}"),
                    "config.json: linux.uidMappings[0].size: is required");
        EXPECT_FAIL(LINUX("{\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}"),
                    "config.json: linux.gidMappings[0].size: must be greater than 0");
        EXPECT_FAIL(LINUX("{\"uidMappings\":[{\"containerID\":0,\"hostID\":-5,\"size\":1}]}"),
                    "config.json: linux.uidMappings[0].hostID: must be an integer between 0 and 4294967295");
        EXPECT_FAIL(LINUX("{\"uidMappings\":[{\"containerID\":4294967295,\"hostID\":0,\"size\":2}]}"),
                    "config.json: linux.uidMappings[0]: containerID + size overflows 32 bits");
        EXPECT_FAIL("{" MIN ",\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}]}",
                    "config.json: mounts[0]: uidMappings and gidMappings must be given together");
}

TEST(rlimits)
{
        EXPECT_FAIL(PROC("\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]"),
                    "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
        EXPECT_FAIL(PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2048,\"hard\":1024}]"),
                    "config.json: process.rlimits[0].soft: must not exceed hard (2048 > 1024)");
        EXPECT_FAIL(PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},"
                         "{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1}]"),
                    "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"");
        EXPECT_FAIL(PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1}]"),
                    "config.json: process.rlimits[0].soft: is required");
}

TEST(capabilities)
{
        EXPECT_FAIL(PROC("\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_FOO\"]}"),
                    "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FOO\"");
        EXPECT_FAIL(PROC("\"capabilities\":{\"effective\":\"CAP_KILL\"}"),
                    "config.json: process.capabilities.effective: must be an array of strings");
        EXPECT_FAIL(PROC("\"capabilities\":{\"ambient\":[\"kill\"]}"),
                    "config.json: process.capabilities.ambient[0]: unknown capability \"kill\"");
}

TEST(hooks)
{
        EXPECT_FAIL("{" MIN ",\"hooks\":{\"poststart\":[{\"path\":\"bin/hook\"}]}}",
                    "config.json: hooks.poststart[0].path: must be an absolute path");
        EXPECT_FAIL("{" MIN ",\"hooks\":{\"createRuntime\":[{\"path\":\"/h\",\"timeout\":0}]}}",
                    "config.json: hooks.createRuntime[0].timeout: must be greater than 0");
        EXPECT_FAIL("{" MIN ",\"hooks\":{\"prestart\":[{\"args\":[]}]}}", "config.json: hooks.prestart[0].path: is required");
}

TEST(devices)
{
        EXPECT_FAIL(LINUX("{\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]}"),
                    "config.json: linux.devices[0].type: must be one of \"c\", \"b\", \"u\", \"p\"");
        EXPECT_FAIL(LINUX("{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1}]}"),
                    "config.json: linux.devices[0].minor: is required");
        EXPECT_FAIL(LINUX("{\"devices\":[{\"type\":\"c\",\"path\":\"dev/x\",\"major\":1,\"minor\":1}]}"),
                    "config.json: linux.devices[0].path: must be an absolute path");
        EXPECT_FAIL(LINUX("{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1,\"fileMode\":4095}]}"),
                    "config.json: linux.devices[0].fileMode: must be permission bits (0 to 0777), with at most the "
                    "file type bits of type \"c\" (020000)");
        /* S_IFBLK | 0666 on a character device: the type bits must be the device's own. */
        EXPECT_FAIL(LINUX("{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1,\"fileMode\":25014}]}"),
                    "config.json: linux.devices[0].fileMode: must be permission bits (0 to 0777), with at most the "
                    "file type bits of type \"c\" (020000)");
        EXPECT_FAIL(LINUX("{\"devices\":[{\"type\":\"b\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1,\"fileMode\":65535}]}"),
                    "config.json: linux.devices[0].fileMode: must be an integer between 0 and 61951");
        EXPECT_FAIL(LINUX("{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}"),
                    "config.json: linux.resources.devices[0].access: must be a combination of \"r\", \"w\", \"m\"");
        EXPECT_FAIL(LINUX("{\"resources\":{\"devices\":[{\"access\":\"r\"}]}}"),
                    "config.json: linux.resources.devices[0].allow: is required");
        /* A fifo needs no numbers. */
        struct husk_error err = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        CHECK(oci_parse_str(LINUX("{\"devices\":[{\"type\":\"p\",\"path\":\"/dev/f\"}]}"), &s, &err) == 0);
}

TEST(propagation)
{
        EXPECT_FAIL(LINUX("{\"rootfsPropagation\":\"recursive\"}"),
                    "config.json: linux.rootfsPropagation: unknown propagation \"recursive\"");
}

TEST(seccomp)
{
        EXPECT_FAIL(LINUX("{\"seccomp\":{}}"), "config.json: linux.seccomp.defaultAction: is required");
        EXPECT_FAIL(LINUX("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_MAYBE\"}}"),
                    "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_MAYBE\"");
        EXPECT_FAIL(LINUX("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}}"),
                    "config.json: linux.seccomp.architectures[0]: unknown value \"SCMP_ARCH_VAX\"");
        EXPECT_FAIL(LINUX("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}}"),
                    "config.json: linux.seccomp.flags[0]: unknown value \"SECCOMP_FILTER_FLAG_X\"");
        EXPECT_FAIL(LINUX("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                          "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}}"),
                    "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\"");
        EXPECT_FAIL(LINUX("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
                          "\"action\":\"SCMP_ACT_ERRNO\"}]}}"),
                    "config.json: linux.seccomp.syscalls[0].names: must be a non-empty array of strings");
        EXPECT_FAIL(LINUX("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                          "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}}"),
                    "config.json: linux.seccomp.syscalls[0].args[0].index: must be an integer between 0 and 5");
}

TEST(personality_mempolicy_sched_ioprio)
{
        EXPECT_FAIL(LINUX("{\"personality\":{\"domain\":\"LINUX64\"}}"),
                    "config.json: linux.personality.domain: unknown personality domain \"LINUX64\"");
        EXPECT_FAIL(LINUX("{\"memoryPolicy\":{\"mode\":\"MPOL_RANDOM\"}}"),
                    "config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_RANDOM\"");
        EXPECT_FAIL(LINUX("{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"flags\":[\"MPOL_F_X\"]}}"),
                    "config.json: linux.memoryPolicy.flags[0]: unknown value \"MPOL_F_X\"");
        EXPECT_FAIL(PROC("\"scheduler\":{\"policy\":\"SCHED_FAST\"}"),
                    "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"");
        EXPECT_FAIL(PROC("\"scheduler\":{\"nice\":1}"), "config.json: process.scheduler.policy: is required");
        EXPECT_FAIL(PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\"}"),
                    "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"");
        EXPECT_FAIL(PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_RT\",\"priority\":8}"),
                    "config.json: process.ioPriority.priority: must be an integer between 0 and 7");
        EXPECT_FAIL(PROC("\"execCPUAffinity\":{\"initial\":\"0-3;7\"}"),
                    "config.json: process.execCPUAffinity.initial: invalid CPU list \"0-3;7\"");
}

TEST(resources_and_misc)
{
        EXPECT_FAIL(LINUX("{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"64kB\",\"limit\":1}]}}"),
                    "config.json: linux.resources.hugepageLimits[0].pageSize: invalid page size \"64kB\" (expected e.g. \"2MB\")");
        EXPECT_FAIL(LINUX("{\"resources\":{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":\"many\"}}}}"),
                    "config.json: linux.resources.rdma[\"mlx5_1\"].hcaHandles: must be an integer between 0 and 4294967295");
        EXPECT_FAIL(LINUX("{\"resources\":{\"pids\":{}}}"), "config.json: linux.resources.pids.limit: is required");
        EXPECT_FAIL(LINUX("{\"netDevices\":{\"eth0\":{\"name\":23}}}"), "config.json: linux.netDevices[\"eth0\"].name: must be a string");
        EXPECT_FAIL(LINUX("{\"timeOffsets\":{\"boottime\":{\"nanosecs\":1000000000}}}"),
                    "config.json: linux.timeOffsets.boottime.nanosecs: must be less than 1000000000");
        EXPECT_FAIL(LINUX("{\"intelRdt\":{\"closID\":\"../x\"}}"), "config.json: linux.intelRdt.closID: invalid CLOS name \"../x\"");
        EXPECT_FAIL(LINUX("{\"intelRdt\":{\"memBwSchema\":\"L3:0=1\"}}"),
                    "config.json: linux.intelRdt.memBwSchema: must be a single line starting with \"MB:\"");
}

TEST(schema_bad_files)
{
        static const char *const names[] = { "schema-invalid-json.json", "schema-linux-hugepage.json",
                                             "schema-linux-netdevice.json", "schema-linux-rdma.json" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(names); i++) {
                char path[PATH_MAX], rel[256];
                (void) snprintf(rel, sizeof(rel), "configs/bad/%s", names[i]);
                struct husk_error err = { 0 };
                struct husk_spec *s = NULL;
                CHECK(husk_config_load(oci_test_data(rel, path), &s, &err) == -EINVAL);
                CHECK(s == NULL);
                CHECK_CONTAINS(err.msg, names[i]);
        }
}

TEST(load_missing_file)
{
        struct husk_error err = { 0 };
        struct husk_spec *s = NULL;
        CHECK(husk_config_load("/nonexistent/config.json", &s, &err) == -ENOENT);
        CHECK_STR_EQ(err.msg, "open /nonexistent/config.json: No such file or directory");
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* Configs written by real clients and the runtime-spec's own valid examples parse, with the values
 * they contain. */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>

#include "oci/capabilities.h"
#include "oci_test.h"
#include "test.h"

static int load(const char *name, struct husk_spec **spec, struct husk_error *err)
{
        char path[PATH_MAX], rel[256];
        (void) snprintf(rel, sizeof(rel), "configs/good/%s", name);
        return husk_config_load(oci_test_data(rel, path), spec, err);
}

#define CAP(n) (UINT64_C(1) << husk_cap_from_name(n))

TEST(all_good_configs_parse)
{
        static const char *const names[] = {
                "runc-default.json",       "runc-rootless.json",    "podman.json",
                "containerd.json",         "schema-freebsd-example.json", "schema-freebsd-minimal.json",
                "schema-linux-netdevice.json", "schema-linux-rdma.json", "schema-minimal-for-start.json",
                "schema-minimal.json",     "schema-spec-example.json", "schema-zos-example.json",
                "schema-zos-minimal.json",
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(names); i++) {
                struct husk_error err = { 0 };
                _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
                int r = load(names[i], &spec, &err);
                if (r < 0)
                        printf("#   %s: %s\n", names[i], err.msg);
                CHECK(r == 0);
                CHECK(spec && spec->oci_version && spec->root.path);
        }
}

TEST(runc_default_values)
{
        struct husk_error err = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        CHECK(load("runc-default.json", &s, &err) == 0);
        CHECK(s->has_process && s->process.terminal);
        CHECK(s->process.n_args == 1);
        CHECK_STR_EQ(s->process.args[0], "sh");
        CHECK(s->process.args[1] == NULL);
        CHECK(s->process.n_env == 2);
        CHECK_STR_EQ(s->process.cwd, "/");
        CHECK(s->process.has_capabilities && s->process.capabilities.has_bounding);
        CHECK(!s->process.capabilities.has_inheritable);
        CHECK(s->process.capabilities.bounding == (CAP("CAP_AUDIT_WRITE") | CAP("CAP_KILL") | CAP("CAP_NET_BIND_SERVICE")));
        CHECK(s->process.n_rlimits == 1 && s->process.rlimits[0].resource == RLIMIT_NOFILE);
        CHECK(s->process.rlimits[0].soft == 1024 && s->process.rlimits[0].hard == 1024);
        CHECK(s->process.no_new_privileges);
        CHECK_STR_EQ(s->root.path, "rootfs");
        CHECK(s->root.readonly);
        CHECK_STR_EQ(s->hostname, "runc");
        CHECK(s->n_mounts == 7);
        CHECK_STR_EQ(s->mounts[2].destination, "/dev/pts");
        CHECK_STR_EQ(s->mounts[2].type, "devpts");
        CHECK(s->mounts[2].n_options == 6);
        CHECK_STR_EQ(s->mounts[2].options[5], "gid=5");
        CHECK(s->mounts[0].options == NULL);
        CHECK(s->has_linux && s->linux_.n_namespaces == 5);
        CHECK(husk_spec_namespace(s, HUSK_NS_NETWORK) != NULL);
        CHECK(husk_spec_namespace(s, HUSK_NS_USER) == NULL);
        CHECK(s->linux_.has_resources && s->linux_.resources.n_devices == 1);
        CHECK(!s->linux_.resources.devices[0].allow && s->linux_.resources.devices[0].type == 'a');
        CHECK_STR_EQ(s->linux_.resources.devices[0].access, "rwm");
        CHECK(s->linux_.n_masked_paths == 10 && s->linux_.n_readonly_paths == 5);
        CHECK(!s->linux_.has_seccomp);
}

TEST(podman_values)
{
        struct husk_error err = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        CHECK(load("podman.json", &s, &err) == 0);
        CHECK(s->linux_.resources.has_memory && s->linux_.resources.memory.has_limit);
        CHECK(s->linux_.resources.memory.limit == 67108864);
        CHECK(s->linux_.resources.memory.swap == 134217728);
        CHECK(!s->linux_.resources.memory.has_reservation);
        CHECK(s->linux_.resources.has_pids && s->linux_.resources.pids_limit == 10);
        CHECK(s->linux_.has_seccomp);
        CHECK_STR_EQ(s->linux_.seccomp.default_action, "SCMP_ACT_ERRNO");
        CHECK(s->linux_.seccomp.n_syscalls == 19);
        CHECK(s->process.n_rlimits == 2 && s->process.rlimits[1].resource == RLIMIT_NPROC);
        CHECK(s->n_annotations > 0);
}

TEST(spec_example_values)
{
        struct husk_error err = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        CHECK(load("schema-spec-example.json", &s, &err) == 0);
        CHECK(s->hooks.prestart.n == 2);
        CHECK_STR_EQ(s->hooks.prestart.hooks[0].path, "/usr/bin/fix-mounts");
        CHECK_STR_EQ(s->hooks.prestart.hooks[0].args[2], "arg2");
        CHECK(s->hooks.prestart.hooks[1].args == NULL);
        CHECK(s->linux_.n_devices == 2 && s->linux_.devices[1].type == 'b');
        CHECK(s->linux_.devices[0].major == 10 && s->linux_.devices[0].minor == 229);
        CHECK(s->linux_.devices[0].has_file_mode && s->linux_.devices[0].file_mode == 0666);
        CHECK(s->linux_.n_uid_mappings == 1 && s->linux_.uid_mappings[0].host_id == 1000);
        CHECK(s->linux_.uid_mappings[0].size == 32000);
        const struct husk_resources *r = &s->linux_.resources;
        CHECK(r->has_network && r->class_id == 1048577 && r->n_net_priorities == 2);
        CHECK(r->net_priorities[1].priority == 1000);
        CHECK(r->n_hugepage_limits == 2 && r->hugepage_limits[0].limit == 9223372036854772000ULL);
        CHECK(r->memory.kernel == -1 && r->memory.has_swappiness && r->memory.swappiness == 0);
        CHECK(r->has_cpu && r->cpu.quota == 1000000 && r->cpu.realtime_period == 1000000);
        CHECK_STR_EQ(r->cpu.cpus, "2-3");
        CHECK(r->has_blkio && r->blkio.weight == 10 && r->blkio.n_weight_device == 2);
        CHECK(r->blkio.weight_device[1].has_weight && !r->blkio.weight_device[1].has_leaf_weight);
        CHECK(r->blkio.n_throttle_read_bps == 1 && r->blkio.throttle_read_bps[0].rate == 600);
        CHECK(r->blkio.n_throttle_write_iops == 1 && r->blkio.n_throttle_write_bps == 0);
        CHECK(r->n_devices == 3 && r->devices[2].type == 'b' && r->devices[2].has_major);
        CHECK_STR_EQ(s->linux_.rootfs_propagation, "slave");
        CHECK(s->linux_.n_namespaces == 8 && husk_spec_namespace(s, HUSK_NS_TIME));
        CHECK(s->linux_.n_sysctl == 2);
        CHECK_STR_EQ(s->linux_.sysctl[0].key, "net.ipv4.ip_forward");
        CHECK_STR_EQ(s->linux_.sysctl[0].value, "1");
        CHECK(s->linux_.seccomp.n_syscalls == 1 && s->linux_.seccomp.syscalls[0].n_names == 2);
        CHECK_STR_EQ(s->linux_.seccomp.architectures[1], "SCMP_ARCH_X32");
}

/* podman's linux.devices carry the file type bits in fileMode (S_IFCHR | 0666 = 8630, as Go's
 * os.FileMode turned into a mode_t): accepted, and only the permission bits kept. */
TEST(device_file_mode_with_type_bits)
{
        static const char json[] =
                "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"devices\":["
                "{\"type\":\"c\",\"path\":\"/dev/null\",\"major\":1,\"minor\":3,\"fileMode\":8630},"
                "{\"type\":\"b\",\"path\":\"/dev/loop9\",\"major\":7,\"minor\":9,\"fileMode\":25008},"
                "{\"type\":\"p\",\"path\":\"/dev/fifo\",\"fileMode\":4516},"
                "{\"type\":\"u\",\"path\":\"/dev/zero\",\"major\":1,\"minor\":5,\"fileMode\":420}]}}";
        struct husk_error err = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        int r = husk_config_parse(json, sizeof(json) - 1, "config.json", &s, &err);
        if (r < 0)
                printf("#   %s\n", err.msg);
        CHECK(r == 0);
        CHECK(s->linux_.n_devices == 4);
        CHECK(s->linux_.devices[0].has_file_mode && s->linux_.devices[0].file_mode == 0666);
        CHECK(s->linux_.devices[1].file_mode == 0660);
        CHECK(s->linux_.devices[2].file_mode == 0644);
        CHECK(s->linux_.devices[3].file_mode == 0644);
}

TEST(schema_extras_values)
{
        struct husk_error err = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        CHECK(load("schema-linux-rdma.json", &s, &err) == 0);
        CHECK(s->linux_.resources.n_rdma == 3);
        CHECK_STR_EQ(s->linux_.resources.rdma[0].device, "mlx5_1");
        CHECK(s->linux_.resources.rdma[0].has_hca_handles && s->linux_.resources.rdma[0].hca_handles == 3);
        CHECK(!s->linux_.resources.rdma[1].has_hca_handles && s->linux_.resources.rdma[1].hca_objects == 1000);
        _cleanup_(husk_spec_freep) struct husk_spec *n = NULL;
        CHECK(load("schema-linux-netdevice.json", &n, &err) == 0);
        CHECK(n->linux_.n_net_devices == 3);
        CHECK_STR_EQ(n->linux_.net_devices[0].host_name, "eth0");
        CHECK_STR_EQ(n->linux_.net_devices[0].name, "container_eth0");
        CHECK(n->linux_.net_devices[1].name == NULL);
}

TEST(every_linux_field)
{
        const char *json =
                "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"/r\"},\"domainname\":\"d\","
                "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"consoleSize\":{\"height\":24,\"width\":80},"
                " \"user\":{\"uid\":1,\"gid\":2,\"umask\":18,\"additionalGids\":[5,6],\"username\":\"u\"},"
                " \"apparmorProfile\":\"ap\",\"selinuxLabel\":\"sl\",\"oomScoreAdj\":-500,"
                " \"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"nice\":-3,\"flags\":[\"SCHED_FLAG_RECLAIM\"],"
                "   \"runtime\":1,\"deadline\":2,\"period\":3},"
                " \"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":4},"
                " \"execCPUAffinity\":{\"initial\":\"7\",\"final\":\"0-3,7\"},"
                " \"capabilities\":{\"ambient\":[\"CAP_CHECKPOINT_RESTORE\",\"CAP_CHOWN\"]},"
                " \"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":18446744073709551615}]},"
                "\"mounts\":[{\"destination\":\"data\",\"source\":\"/src\",\"options\":[\"rbind\"],"
                " \"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
                " \"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}],"
                "\"hooks\":{\"createRuntime\":[{\"path\":\"/h\",\"timeout\":5}],\"poststop\":[{\"path\":\"/p\"}]},"
                "\"annotations\":{\"a\":\"b\"},"
                "\"linux\":{\"timeOffsets\":{\"monotonic\":{\"secs\":-10,\"nanosecs\":5}},"
                " \"cgroupsPath\":\"/x/y\",\"mountLabel\":\"ml\","
                " \"resources\":{\"unified\":{\"memory.high\":\"1G\"},\"cpu\":{\"idle\":1,\"burst\":3}},"
                " \"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
                "   \"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"listenerPath\":\"/l.sock\",\"listenerMetadata\":\"m\","
                "   \"syscalls\":[{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1,"
                "     \"args\":[{\"index\":0,\"value\":8,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]}]},"
                " \"intelRdt\":{\"closID\":\"c\",\"l3CacheSchema\":\"L3:0=f\",\"memBwSchema\":\"MB:0=20\","
                "   \"schemata\":[\"L2:0=1\"],\"enableMonitoring\":true},"
                " \"personality\":{\"domain\":\"LINUX32\"},"
                " \"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"nodes\":\"0-1\",\"flags\":[\"MPOL_F_STATIC_NODES\"]},"
                " \"namespaces\":[{\"type\":\"network\",\"path\":\"/var/run/netns/x\"}],"
                " \"unknownFutureField\":{\"x\":[1,2,3]}},"
                "\"someOtherPlatform\":{}}";
        struct husk_error err = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        int r = oci_parse_str(json, &s, &err);
        if (r < 0)
                printf("#   %s\n", err.msg);
        CHECK(r == 0);
        const struct husk_process *p = &s->process;
        CHECK(p->has_console_size && p->console_height == 24 && p->console_width == 80);
        CHECK(p->user.uid == 1 && p->user.gid == 2 && p->user.has_umask && p->user.umask == 022);
        CHECK(p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 6);
        CHECK_STR_EQ(p->user.username, "u");
        CHECK(p->has_oom_score_adj && p->oom_score_adj == -500);
        CHECK(p->has_scheduler && p->scheduler.policy_num == 6 && p->scheduler.nice == -3);
        CHECK(p->scheduler.has_period && p->scheduler.period == 3 && !p->scheduler.has_priority);
        CHECK(p->has_io_priority && p->io_priority.class_num == 2 && p->io_priority.priority == 4);
        CHECK_STR_EQ(p->exec_cpu_affinity_final, "0-3,7");
        CHECK(p->capabilities.has_ambient && !p->capabilities.has_bounding);
        CHECK(p->capabilities.ambient == ((UINT64_C(1) << 40) | 1));
        CHECK(p->rlimits[0].hard == UINT64_MAX && p->rlimits[0].soft == 0);
        CHECK_STR_EQ(s->mounts[0].destination, "/data");
        CHECK(s->mounts[0].type == NULL && s->mounts[0].n_uid_mappings == 1);
        CHECK(s->hooks.create_runtime.n == 1 && s->hooks.create_runtime.hooks[0].timeout == 5);
        CHECK(!s->hooks.poststop.hooks[0].has_timeout);
        CHECK_STR_EQ(s->domainname, "d");
        const struct husk_linux *l = &s->linux_;
        CHECK(l->time_monotonic.set && l->time_monotonic.secs == -10 && !l->time_boottime.set);
        CHECK_STR_EQ(l->resources.unified[0].key, "memory.high");
        CHECK(l->resources.cpu.has_idle && l->resources.cpu.burst == 3);
        CHECK(l->seccomp.has_default_errno_ret && l->seccomp.default_errno_ret == 38);
        CHECK(l->seccomp.syscalls[0].args[0].value == 8 && l->seccomp.syscalls[0].has_errno_ret);
        CHECK_STR_EQ(l->seccomp.listener_metadata, "m");
        CHECK(l->has_intel_rdt && l->intel_rdt.enable_monitoring);
        CHECK(l->has_personality && l->personality.domain_num == 8);
        CHECK(l->has_memory_policy && l->memory_policy.mode_num == 2);
        CHECK_STR_EQ(husk_spec_namespace(s, HUSK_NS_NETWORK)->path, "/var/run/netns/x");
        CHECK_STR_EQ(l->mount_label, "ml");
}

TEST(nulls_are_absent)
{
        struct husk_error err = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        CHECK(oci_parse_str("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":null,\"linux\":"
                            "{\"resources\":null,\"namespaces\":null},\"hostname\":null}",
                            &s, &err) == 0);
        CHECK(!s->has_process && s->has_linux && !s->linux_.has_resources && s->hostname == NULL);
}

TEST(default_spec_parses)
{
        for (int rootless = 0; rootless <= 1; rootless++) {
                struct husk_error err = { 0 };
                _cleanup_free_ char *text = NULL;
                CHECK(husk_config_default_json(rootless, 1000, 1001, &text, &err) == 0);
                _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
                int r = oci_parse_str(text, &s, &err);
                if (r < 0)
                        printf("#   %s\n", err.msg);
                CHECK(r == 0);
                CHECK_STR_EQ(s->hostname, "husk");
                CHECK_STR_EQ(s->process.args[0], "sh");
                CHECK(s->process.terminal);
                CHECK(s->n_mounts == 7);
                CHECK((husk_spec_namespace(s, HUSK_NS_USER) != NULL) == rootless);
                CHECK((husk_spec_namespace(s, HUSK_NS_NETWORK) == NULL) == rootless);
                if (rootless) {
                        CHECK(s->linux_.n_uid_mappings == 1 && s->linux_.uid_mappings[0].host_id == 1000);
                        CHECK(s->linux_.gid_mappings[0].host_id == 1001);
                        CHECK_STR_EQ(s->mounts[5].type, "none");
                        CHECK(!s->linux_.has_resources);
                } else {
                        CHECK_STR_EQ(s->mounts[5].type, "sysfs");
                        CHECK(s->linux_.resources.n_devices == 1);
                }
        }
}

/* Measured, not asserted tightly: a debug build on a loaded machine must not fail the suite. */
TEST(parse_speed)
{
        char path[PATH_MAX];
        struct husk_error err = { 0 };
        _cleanup_free_ char *podman = NULL, *def = NULL;
        size_t plen = 0;
        CHECK(husk_read_file_at(AT_FDCWD, oci_test_data("configs/good/podman.json", path), &podman, &plen, &err) == 0);
        CHECK(husk_config_default_json(false, 0, 0, &def, &err) == 0);
        const char *docs[] = { def, podman };
        const char *names[] = { "default", "podman" };
        for (int d = 0; d < 2; d++) {
                struct timespec a, b;
                (void) clock_gettime(CLOCK_MONOTONIC, &a);
                for (int i = 0; i < 1000; i++) {
                        struct husk_spec *s = NULL;
                        CHECK(husk_config_parse(docs[d], strlen(docs[d]), "config.json", &s, &err) == 0);
                        husk_spec_free(s);
                }
                (void) clock_gettime(CLOCK_MONOTONIC, &b);
                double us = ((double) (b.tv_sec - a.tv_sec) * 1e9 + (double) (b.tv_nsec - a.tv_nsec)) / 1000.0 / 1000.0;
                /* A measurement, not an assertion: timings depend on the machine's load. */
                printf("# parse %s config: %.1f us per parse (1000 parses)\n", names[d], us);
        }
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "oci/capabilities.h"
#include "oci/state.h"
#include "test.h"
#include "util/cleanup.h"

static struct husk_state *sample(void)
{
        struct husk_state *s = calloc(1, sizeof(*s));
        s->oci_version = strdup("1.2.0");
        s->id = strdup("c1");
        s->status = HUSK_STATUS_RUNNING;
        s->pid = 4242;
        s->bundle = strdup("/b/c1");
        s->n_annotations = 2;
        s->annotations = calloc(2, sizeof(*s->annotations));
        s->annotations[0] = (struct husk_kv){ strdup("k1"), strdup("v1") };
        s->annotations[1] = (struct husk_kv){ strdup("k2"), strdup("v\"2") };
        s->pid_start_time = 123456789012ULL;
        s->rootfs = strdup("/b/c1/rootfs");
        s->created = strdup("2024-01-02T03:04:05.123456789Z");
        s->owner = 1000;
        s->own_pid_ns = true;
        s->cgroup_path = strdup("/sys/fs/cgroup/husk/c1");
        return s;
}

TEST(round_trip_private)
{
        struct husk_error err = { 0 };
        _cleanup_(husk_state_freep) struct husk_state *s = sample();
        _cleanup_free_ char *text = NULL;
        CHECK(husk_state_to_json(s, true, &text, &err) == 0);
        _cleanup_(husk_state_freep) struct husk_state *b = NULL;
        CHECK(husk_state_from_json(text, strlen(text), "state.json", &b, &err) == 0);
        CHECK_STR_EQ(b->oci_version, "1.2.0");
        CHECK_STR_EQ(b->id, "c1");
        CHECK(b->status == HUSK_STATUS_RUNNING && b->pid == 4242);
        CHECK_STR_EQ(b->bundle, "/b/c1");
        CHECK(b->n_annotations == 2);
        CHECK_STR_EQ(b->annotations[1].value, "v\"2");
        CHECK(b->pid_start_time == 123456789012ULL);
        CHECK_STR_EQ(b->rootfs, "/b/c1/rootfs");
        CHECK_STR_EQ(b->created, "2024-01-02T03:04:05.123456789Z");
        CHECK(b->owner == 1000 && b->own_pid_ns);
        CHECK_STR_EQ(b->cgroup_path, "/sys/fs/cgroup/husk/c1");
}

TEST(public_state_is_exactly_oci)
{
        struct husk_error err = { 0 };
        _cleanup_(husk_state_freep) struct husk_state *s = sample();
        _cleanup_free_ char *text = NULL;
        CHECK(husk_state_to_json(s, false, &text, &err) == 0);
        CHECK_STR_EQ(text, "{\n"
                           "  \"ociVersion\": \"1.2.0\",\n"
                           "  \"id\": \"c1\",\n"
                           "  \"status\": \"running\",\n"
                           "  \"pid\": 4242,\n"
                           "  \"bundle\": \"/b/c1\",\n"
                           "  \"annotations\": {\n"
                           "    \"k1\": \"v1\",\n"
                           "    \"k2\": \"v\\\"2\"\n"
                           "  }\n"
                           "}");
}

TEST(stopped_omits_pid_and_annotations)
{
        struct husk_error err = { 0 };
        struct husk_state s = { .oci_version = (char *) "1.0.2", .id = (char *) "x", .status = HUSK_STATUS_STOPPED,
                                .bundle = (char *) "/b" };
        _cleanup_free_ char *text = NULL;
        CHECK(husk_state_to_json(&s, false, &text, &err) == 0);
        CHECK_STR_EQ(text, "{\n  \"ociVersion\": \"1.0.2\",\n  \"id\": \"x\",\n  \"status\": \"stopped\",\n  \"bundle\": \"/b\"\n}");
        _cleanup_(husk_state_freep) struct husk_state *b = NULL;
        CHECK(husk_state_from_json(text, strlen(text), "state.json", &b, &err) == 0);
        CHECK(b->pid == 0 && b->n_annotations == 0 && b->rootfs == NULL && !b->own_pid_ns);
}

TEST(status_names)
{
        CHECK_STR_EQ(husk_status_to_string(HUSK_STATUS_CREATING), "creating");
        CHECK_STR_EQ(husk_status_to_string(HUSK_STATUS_CREATED), "created");
        CHECK_STR_EQ(husk_status_to_string(HUSK_STATUS_PAUSED), "paused");
        CHECK_STR_EQ(husk_status_to_string(HUSK_STATUS_STOPPED), "stopped");
}

TEST(bad_state)
{
        struct husk_error err = { 0 };
        struct husk_state *b = NULL;
        const char *t1 = "{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"zombie\",\"bundle\":\"/b\"}";
        CHECK(husk_state_from_json(t1, strlen(t1), "state.json", &b, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "state.json: status: unknown status \"zombie\"");
        const char *t2 = "{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"created\",\"bundle\":\"/b\",\"pid\":-4}";
        CHECK(husk_state_from_json(t2, strlen(t2), "state.json", &b, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "state.json: pid: must be an integer between 0 and 2147483647");
        const char *t3 = "{\"ociVersion\":\"1\",\"status\":\"created\",\"bundle\":\"/b\"}";
        CHECK(husk_state_from_json(t3, strlen(t3), "state.json", &b, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "state.json: id: is required");
        const char *t4 = "{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"created\",\"bundle\":\"/b\",\"husk\":{\"owner\":\"me\"}}";
        CHECK(husk_state_from_json(t4, strlen(t4), "state.json", &b, &err) == -EINVAL);
        CHECK_STR_EQ(err.msg, "state.json: husk.owner: must be an integer between 0 and 4294967295");
        CHECK(husk_state_from_json("{", 1, "state.json", &b, &err) == -EINVAL);
        CHECK(b == NULL);
}

TEST(schema_state_example)
{
        /* runtime-spec schema/test/state/good/spec-example.json */
        const char *t = "{\"ociVersion\": \"0.2.0\", \"id\": \"oci-container1\", \"status\": \"running\", \"pid\": 4422,"
                        " \"bundle\": \"/containers/redis\", \"annotations\": {\"myKey\": \"myValue\"}}";
        struct husk_error err = { 0 };
        _cleanup_(husk_state_freep) struct husk_state *b = NULL;
        CHECK(husk_state_from_json(t, strlen(t), "state.json", &b, &err) == 0);
        CHECK(b->pid == 4422 && b->n_annotations == 1);
}

TEST(capability_table)
{
        CHECK(husk_cap_from_name("CAP_CHOWN") == 0);
        CHECK(husk_cap_from_name("CAP_SYS_ADMIN") == 21);
        CHECK(husk_cap_from_name("CAP_CHECKPOINT_RESTORE") == 40);
        CHECK(husk_cap_from_name("CAP_NOPE") == -1);
        CHECK(husk_cap_from_name(NULL) == -1);
        CHECK_STR_EQ(husk_cap_to_name(39), "CAP_BPF");
        CHECK(husk_cap_to_name(41) == NULL && husk_cap_to_name(-1) == NULL);
        CHECK(husk_cap_last_known() == 40);
        for (int i = 0; i <= husk_cap_last_known(); i++)
                CHECK(husk_cap_from_name(husk_cap_to_name(i)) == i);
        /* This kernel (6.x) has all 41. */
        CHECK(husk_cap_last_kernel() >= 40);
}

TEST(namespace_names)
{
        CHECK(husk_ns_type_from_string("network") == HUSK_NS_NETWORK);
        CHECK(husk_ns_type_from_string("net") == -1);
        CHECK_STR_EQ(husk_ns_type_to_string(HUSK_NS_TIME), "time");
        CHECK(husk_ns_type_clone_flag(HUSK_NS_USER) == 0x10000000);
        CHECK(husk_ns_type_clone_flag(HUSK_NS_TIME) == 0x80);
        CHECK(husk_ns_type_to_string(HUSK_NS_COUNT) == NULL);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* Resource option values as the docker client parses them (engine/res_parse.c), and their OCI form
 * (spec_res.c) for the parts that need no host device. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "engine/resources.h"
#include "test.h"

TEST(bytes_docker_units)
{
        int64_t v;
        CHECK(husk_res_parse_bytes("512", &v) == 0 && v == 512);
        CHECK(husk_res_parse_bytes("64m", &v) == 0 && v == 64LL << 20);
        CHECK(husk_res_parse_bytes("64M", &v) == 0 && v == 64LL << 20);
        CHECK(husk_res_parse_bytes("1g", &v) == 0 && v == 1LL << 30);
        CHECK(husk_res_parse_bytes("1.5g", &v) == 0 && v == 3LL << 29);
        CHECK(husk_res_parse_bytes("2GiB", &v) == 0 && v == 2LL << 30);
        CHECK(husk_res_parse_bytes("10 kb", &v) == 0 && v == 10240);
        CHECK(husk_res_parse_bytes("100b", &v) == 0 && v == 100);
        CHECK(husk_res_parse_bytes("1t", &v) == 0 && v == 1LL << 40);
        CHECK(husk_res_parse_bytes("", &v) == -EINVAL);
        CHECK(husk_res_parse_bytes("-1", &v) == -EINVAL);
        CHECK(husk_res_parse_bytes("12x", &v) == -EINVAL);
        CHECK(husk_res_parse_bytes("m", &v) == -EINVAL);
        CHECK(husk_res_parse_bytes("1.2.3m", &v) == -EINVAL);
        CHECK(husk_res_parse_bytes("1mm", &v) == -EINVAL);
        CHECK(husk_res_parse_bytes("99999999999p", &v) == -ERANGE);
}

TEST(ints_and_cpus)
{
        int64_t v;
        CHECK(husk_res_parse_i64("-1", &v) == 0 && v == -1);
        CHECK(husk_res_parse_i64("+7", &v) == 0 && v == 7);
        CHECK(husk_res_parse_i64("", &v) == -EINVAL);
        CHECK(husk_res_parse_i64(" 1", &v) == -EINVAL);
        CHECK(husk_res_parse_i64("1k", &v) == -EINVAL);
        CHECK(husk_res_parse_i64("99999999999999999999", &v) == -ERANGE);
        CHECK(husk_res_parse_nano_cpus("1.5", &v) == 0 && v == 1500000000);
        CHECK(husk_res_parse_nano_cpus("0.3", &v) == 0 && v == 300000000);
        CHECK(husk_res_parse_nano_cpus(".25", &v) == 0 && v == 250000000);
        CHECK(husk_res_parse_nano_cpus("2", &v) == 0 && v == 2000000000);
        CHECK(husk_res_parse_nano_cpus("0.000000001", &v) == 0 && v == 1);
        CHECK(husk_res_parse_nano_cpus("0.1000000000", &v) == 0 && v == 100000000);
        CHECK(husk_res_parse_nano_cpus("-1", &v) == 0 && v == -1000000000);
        CHECK(husk_res_parse_nano_cpus("0.0000000001", &v) == -ERANGE);
        CHECK(husk_res_parse_nano_cpus("abc", &v) == -EINVAL);
        CHECK(husk_res_parse_nano_cpus(".", &v) == -EINVAL);
        CHECK(husk_res_parse_nano_cpus("1.5x", &v) == -EINVAL);
        CHECK(husk_res_parse_nano_cpus("99999999999", &v) == -ERANGE);
}

TEST(ulimits)
{
        struct husk_error err = { 0 };
        json_t *u = NULL;
        CHECK(husk_res_parse_ulimit("nofile=1024:2048", &u, &err) == 0);
        CHECK_STR_EQ(json_string_value(json_object_get(u, "Name")), "nofile");
        CHECK(json_integer_value(json_object_get(u, "Soft")) == 1024);
        CHECK(json_integer_value(json_object_get(u, "Hard")) == 2048);
        json_decref(u);
        CHECK(husk_res_parse_ulimit("core=-1", &u, &err) == 0);
        CHECK(json_integer_value(json_object_get(u, "Soft")) == -1 && json_integer_value(json_object_get(u, "Hard")) == -1);
        json_decref(u);
        CHECK(husk_res_parse_ulimit("nproc=10", &u, &err) == 0);
        CHECK(json_integer_value(json_object_get(u, "Hard")) == 10);
        json_decref(u);
        CHECK(husk_res_parse_ulimit("nofile", &u, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid ulimit argument: nofile");
        CHECK(husk_res_parse_ulimit("files=1", &u, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid ulimit type: files");
        CHECK(husk_res_parse_ulimit("nofile=1:2:3", &u, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "too many limit value arguments - 1:2:3");
        CHECK(husk_res_parse_ulimit("nofile=20:10", &u, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "20 > 10");
        CHECK(husk_res_parse_ulimit("nofile=-1:10", &u, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "soft: -1 (unlimited), hard: 10");
        CHECK(husk_res_parse_ulimit("nofile=x", &u, &err) == -EINVAL);
        CHECK(husk_res_ulimit_resource("stack") >= 0 && husk_res_ulimit_resource("as") < 0);
}

TEST(devices)
{
        struct husk_error err = { 0 };
        json_t *d = NULL;
        CHECK(husk_res_parse_device("/dev/sda:1mb", HUSK_RES_DEV_BPS, &d, &err) == 0);
        CHECK_STR_EQ(json_string_value(json_object_get(d, "Path")), "/dev/sda");
        CHECK(json_integer_value(json_object_get(d, "Rate")) == 1048576);
        json_decref(d);
        CHECK(husk_res_parse_device("/dev/sda:300", HUSK_RES_DEV_WEIGHT, &d, &err) == 0);
        CHECK(json_integer_value(json_object_get(d, "Weight")) == 300);
        json_decref(d);
        CHECK(husk_res_parse_device("/dev/sda:1000", HUSK_RES_DEV_IOPS, &d, &err) == 0);
        CHECK(json_integer_value(json_object_get(d, "Rate")) == 1000);
        json_decref(d);
        CHECK(husk_res_parse_device("/dev/sda", HUSK_RES_DEV_BPS, &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "bad format: /dev/sda");
        CHECK(husk_res_parse_device("sda:1", HUSK_RES_DEV_BPS, &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "bad format for device path: sda:1");
        CHECK(husk_res_parse_device("/dev/sda:1x", HUSK_RES_DEV_BPS, &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid rate for device: /dev/sda:1x");
        CHECK(husk_res_parse_device("/dev/sda:1k", HUSK_RES_DEV_IOPS, &d, &err) == -EINVAL);
        CHECK(husk_res_parse_device("/dev/sda:-1", HUSK_RES_DEV_IOPS, &d, &err) == -EINVAL);
        CHECK(husk_res_parse_device("/dev/sda:5", HUSK_RES_DEV_WEIGHT, &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid weight for device");
}

TEST(cpusets)
{
        bool ok;
        CHECK(husk_res_cpuset_within("0-1", "0-1\n", &ok) == 0 && ok);
        CHECK(husk_res_cpuset_within("1", "0-1", &ok) == 0 && ok);
        CHECK(husk_res_cpuset_within("0,2", "0-1", &ok) == 0 && !ok);
        CHECK(husk_res_cpuset_within("0-3,8", "0-3,6-9", &ok) == 0 && ok);
        CHECK(husk_res_cpuset_within("", "0", &ok) == 0 && ok);
        CHECK(husk_res_cpuset_within("1-0", "0-1", &ok) == -EINVAL);
        CHECK(husk_res_cpuset_within("a", "0-1", &ok) == -EINVAL);
        CHECK(husk_res_cpuset_within("1,", "0-1", &ok) == -EINVAL);
        CHECK(husk_res_cpuset_within("0-", "0-1", &ok) == -EINVAL);
}

TEST(oci_resources)
{
        struct husk_error err = { 0 };
        json_t *hc = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:[{s:s, s:I, s:I}], s:b}", "Memory",
                               (json_int_t) 64 << 20, "MemorySwap", (json_int_t) -1, "MemoryReservation",
                               (json_int_t) 32 << 20, "NanoCpus", (json_int_t) 1500000000, "CpuShares", (json_int_t) 512,
                               "CpusetCpus", "0", "PidsLimit", (json_int_t) 20, "BlkioWeight", (json_int_t) 300, "Ulimits",
                               "Name", "nofile", "Hard", (json_int_t) 2048, "Soft", (json_int_t) -1, "OomKillDisable", 1);
        json_t *res = json_object(), *rl = NULL;
        CHECK(husk_res_to_oci(hc, res, &rl, &err) == 0);
        json_t *m = json_object_get(res, "memory"), *c = json_object_get(res, "cpu");
        CHECK(json_integer_value(json_object_get(m, "limit")) == 64 << 20);
        CHECK(json_integer_value(json_object_get(m, "reservation")) == 32 << 20);
        CHECK(json_is_true(json_object_get(m, "disableOOMKiller")));
        CHECK(json_integer_value(json_object_get(c, "quota")) == 150000);
        CHECK(json_integer_value(json_object_get(c, "period")) == 100000);
        CHECK(json_integer_value(json_object_get(c, "shares")) == 512);
        CHECK_STR_EQ(json_string_value(json_object_get(c, "cpus")), "0");
        CHECK(json_object_get(c, "mems") == NULL);
        CHECK(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")) == 20);
        CHECK(json_integer_value(json_object_get(json_object_get(res, "blockIO"), "weight")) == 300);
        CHECK(json_array_size(rl) == 1);
        CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(rl, 0), "type")), "RLIMIT_NOFILE");
        CHECK(json_integer_value(json_object_get(json_array_get(rl, 0), "soft")) == INT64_MAX);
        json_decref(rl);
        json_decref(res);
        json_decref(hc);
        /* Nothing set: nothing written; a device that is no block device: named. */
        hc = json_pack("{s:I, s:[{s:s, s:I}]}", "Memory", (json_int_t) 0, "BlkioDeviceReadBps", "Path", "/dev/null",
                       "Rate", (json_int_t) 1);
        res = json_object();
        rl = NULL;
        CHECK(husk_res_to_oci(hc, res, &rl, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "/dev/null is not a block device");
        CHECK(json_object_get(res, "memory") == NULL && json_object_get(res, "cpu") == NULL && rl == NULL);
        json_decref(res);
        json_decref(hc);
}

RUN_TESTS()

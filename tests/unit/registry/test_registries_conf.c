/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "registry/registries_conf.h"
#include "test.h"
#include "util/cleanup.h"

static int parse(const char *json, struct husk_registries_conf *c, struct husk_error *err)
{
        return husk_registries_conf_parse(json, strlen(json), "registries.json", c, err);
}

TEST(mirrors_then_registry)
{
        struct husk_registries_conf c = { 0 };
        struct husk_endpoint *e = NULL;
        struct husk_error err = { 0 };
        size_t n;

        CHECK(parse("{\"registries\":[{\"prefix\":\"docker.io\",\"mirrors\":[{\"location\":\"127.0.0.1:5000/hub\"},"
                    "{\"location\":\"mirror.corp\",\"insecure\":true}]},"
                    "{\"prefix\":\"docker.io/library/busybox\",\"location\":\"quay.io/bb\"}],"
                    "\"insecure-registries\":[\"10.0.0.5:5000\"]}", &c, &err) == 0);
        CHECK(husk_registries_endpoints(&c, "docker.io", "library/alpine", true, &e, &n, &err) == 0);
        CHECK(n == 3);
        CHECK_STR_EQ(e[0].host, "127.0.0.1:5000");
        CHECK_STR_EQ(e[0].path, "hub/library/alpine");
        CHECK(e[0].mirror && e[0].insecure);    /* loopback */
        CHECK_STR_EQ(e[1].host, "mirror.corp");
        CHECK_STR_EQ(e[1].path, "library/alpine");
        CHECK(e[1].insecure);
        CHECK_STR_EQ(e[2].domain, "docker.io");
        CHECK_STR_EQ(e[2].host, "registry-1.docker.io");
        CHECK(!e[2].mirror && !e[2].insecure);
        husk_endpoints_free(e, n);
        /* push: no mirrors */
        CHECK(husk_registries_endpoints(&c, "docker.io", "library/alpine", false, &e, &n, &err) == 0);
        CHECK(n == 1 && !e[0].mirror);
        husk_endpoints_free(e, n);
        /* the longest prefix wins, and rewrites */
        CHECK(husk_registries_endpoints(&c, "docker.io", "library/busybox", true, &e, &n, &err) == 0);
        CHECK(n == 1);
        CHECK_STR_EQ(e[0].host, "quay.io");
        CHECK_STR_EQ(e[0].path, "bb");
        husk_endpoints_free(e, n);
        /* no entry: the registry itself; insecure-registries */
        CHECK(husk_registries_endpoints(&c, "10.0.0.5:5000", "a/b", true, &e, &n, &err) == 0);
        CHECK(n == 1 && e[0].insecure);
        CHECK_STR_EQ(e[0].path, "a/b");
        husk_endpoints_free(e, n);
        /* "docker.iox" is not under "docker.io" */
        CHECK(husk_registries_endpoints(&c, "docker.iox", "a", true, &e, &n, &err) == 0);
        CHECK(n == 1);
        CHECK_STR_EQ(e[0].host, "docker.iox");
        husk_endpoints_free(e, n);
        husk_registries_conf_free(&c);
}

TEST(loopback)
{
        CHECK(husk_host_is_loopback("localhost"));
        CHECK(husk_host_is_loopback("localhost:5000"));
        CHECK(husk_host_is_loopback("127.0.0.1:5000"));
        CHECK(husk_host_is_loopback("127.1.2.3"));
        CHECK(husk_host_is_loopback("[::1]:5000"));
        CHECK(!husk_host_is_loopback("127.evil.com"));
        CHECK(!husk_host_is_loopback("localhost.evil.com"));
        CHECK(!husk_host_is_loopback("10.0.0.1"));
}

TEST(malformed)
{
        static const char *const bad[] = {
                "[", "[]", "{\"registries\":{}}", "{\"registries\":[1]}", "{\"registries\":[{}]}",
                "{\"registries\":[{\"prefix\":\"https://x\"}]}", "{\"registries\":[{\"prefix\":\"x/\"}]}",
                "{\"registries\":[{\"prefix\":\"x\",\"insecure\":\"yes\"}]}",
                "{\"registries\":[{\"prefix\":\"x\",\"mirrors\":[{\"location\":\"a b\"}]}]}",
                "{\"registries\":[{\"prefix\":\"x\",\"mirrors\":[{}]}]}", "{\"insecure-registries\":[1]}",
        };

        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                struct husk_registries_conf c = { 0 };
                struct husk_error err = { 0 };

                CHECK(parse(bad[i], &c, &err) == -EINVAL);
                CHECK_CONTAINS(err.msg, "registries.json");
        }
}

TEST(missing_file_is_empty)
{
        struct husk_registries_conf c = { 0 };
        struct husk_error err = { 0 };

        CHECK(husk_registries_conf_load("/nonexistent/registries.json", &c, &err) == 0);
        CHECK(c.n_entries == 0 && c.insecure && !c.insecure[0]);
        husk_registries_conf_free(&c);
}

RUN_TESTS()

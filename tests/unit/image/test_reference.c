/* SPDX-License-Identifier: Apache-2.0 */
/* Reference normalisation, checked against distribution/reference's normalize_test.go and
   reference_test.go cases (the ones that apply to sha256-only digests). */
#include <errno.h>

#include "image/reference.h"
#include "test.h"
#include "util/cleanup.h"

#define D64 "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

static char *norm(const char *s)
{
        struct husk_reference r = { 0 };
        struct husk_error err = { 0 };

        if (husk_reference_parse(s, &r, &err) < 0)
                return NULL;
        char *out = husk_reference_string(&r);
        husk_reference_free(&r);
        return out;
}

TEST(valid_names)
{
        static const char *const valid[] = {
                "docker/docker", "library/debian", "debian", "localhost/library/debian", "localhost/debian",
                "LOCALDOMAIN/library/debian", "LOCALDOMAIN/debian", "docker.io/docker/docker",
                "docker.io/library/debian", "docker.io/debian", "index.docker.io/docker/docker",
                "index.docker.io/library/debian", "index.docker.io/debian", "127.0.0.1:5000/docker/docker",
                "127.0.0.1:5000/library/debian", "127.0.0.1:5000/debian", "192.168.0.1", "192.168.0.1:80",
                "192.168.0.1:8/debian", "192.168.0.2:25000/debian",
                "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "[fc00::1]:5000/docker",
                "[fc00::1]:5000/docker/docker", "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
                "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "Docker/docker",
                "DOCKER/docker", "docker-rules/docker", "docker---rules/docker", "doc/docker", "d/docker",
                "jess/t", "dock__er/docker", "xn--n3h.com:18080/foo", "test_com/foo",
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(valid); i++) {
                struct husk_reference r = { 0 };
                struct husk_error err = { 0 };
                int rc = husk_reference_parse(valid[i], &r, &err);
                if (rc < 0)
                        printf("# %s: %s\n", valid[i], err.msg);
                CHECK(rc == 0);
                husk_reference_free(&r);
        }
}

TEST(invalid_names)
{
        static const char *const invalid[] = {
                "https://github.com/docker/docker", "docker/Docker", "-docker", "-docker/docker",
                "-docker.io/docker/docker", "docker///docker", "docker.io/docker/Docker",
                "docker.io/docker///docker", "[fc00::1]", "[fc00::1]:5000", "fc00::1:5000/debian",
                "[fe80::1%eth0]:5000/debian", "[2001:db8:3:4::192.0.2.33]:5000/debian",
                "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker-/docker",
                "-docker-/docker", "____/____", "_docker/_docker", "dock..er/docker", "dock_.er/docker",
                "dock-.er/docker", "docker/", "", ":justtag", "@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c",
                "repo@sha256:ffffffffffffffffffff",
                "validname@invaliddigest:ffffffffffffffffffff", "Uppercase:tag", "a/a:-tag", "a:" ,
                "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker",
                "$$$", "::", " ", "docker://quay.io/library/foo:bar",
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(invalid); i++) {
                struct husk_reference r = { 0 };
                struct husk_error err = { 0 };
                int rc = husk_reference_parse(invalid[i], &r, &err);
                if (rc == 0)
                        printf("# accepted: %s\n", invalid[i]);
                CHECK(rc == -EINVAL);
                CHECK(err.msg[0]);
        }
}

TEST(normalised_forms)
{
        static const char *const cases[][2] = {
                { "busybox", "docker.io/library/busybox:latest" },
                { "busybox:1.36", "docker.io/library/busybox:1.36" },
                { "fooo/bar", "docker.io/fooo/bar:latest" },
                { "index.docker.io/fooo/bar", "docker.io/fooo/bar:latest" },
                { "library/ubuntu", "docker.io/library/ubuntu:latest" },
                { "docker.io/foo", "docker.io/library/foo:latest" },
                { "docker.io/library/foo/bar", "docker.io/library/foo/bar:latest" },
                { "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase:latest" },
                { "example.com:8000/private/moonbase", "example.com:8000/private/moonbase:latest" },
                { "localhost/x", "localhost/x:latest" },
                { "localhost:5000/x:t", "localhost:5000/x:t" },
                { "Foo/bar", "Foo/bar:latest" },
                { "test-com:8080/foo", "test-com:8080/foo:latest" },
                { "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base:latest" },
                { "redis@sha256:" D64, "docker.io/library/redis@sha256:" D64 },
                { "busybox:latest@sha256:" D64, "docker.io/library/busybox:latest@sha256:" D64 },
                { "dbcc1", "docker.io/library/dbcc1:latest" },
                { "192.168.0.1:80", "docker.io/library/192.168.0.1:80" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *got = norm(cases[i][0]);
                CHECK_STR_EQ(got, cases[i][1]);
        }
}

TEST(parts_and_repository)
{
        struct husk_reference r = { 0 };
        struct husk_error err = { 0 };

        CHECK(husk_reference_parse("test.com:8080/foo@sha256:" D64, &r, &err) == 0);
        CHECK_STR_EQ(r.domain, "test.com:8080");
        CHECK_STR_EQ(r.path, "foo");
        CHECK(r.tag == NULL);
        CHECK_STR_EQ(r.digest, "sha256:" D64);
        _cleanup_free_ char *repo = husk_reference_repository(&r);
        CHECK_STR_EQ(repo, "test.com:8080/foo");
        husk_reference_free(&r);
}

TEST(errors_name_the_reference)
{
        struct husk_reference r = { 0 };
        struct husk_error err = { 0 };

        CHECK(husk_reference_parse("docker.io/Library/x", &r, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "\"docker.io/Library/x\"");
        CHECK_CONTAINS(err.msg, "lowercase");
        CHECK(husk_reference_parse("x@sha512:abcd", &r, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "only sha256");
        char tag[140];
        memset(tag, 'a', sizeof(tag));
        memcpy(tag, "x:", 2);
        tag[sizeof(tag) - 1] = '\0';
        CHECK(husk_reference_parse(tag, &r, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid tag");
}

RUN_TESTS()

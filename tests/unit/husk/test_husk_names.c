/* SPDX-License-Identifier: Apache-2.0 */
/* Image names split, shown familiar and matched as Docker's reference= filter. */
#include <stdlib.h>

#include "cli/husk/image_names.h"
#include "test.h"
#include "util/cleanup.h"

TEST(split)
{
        static const struct {
                const char *in, *repo, *tag;
        } cases[] = {
                { "docker.io/library/busybox:latest", "docker.io/library/busybox", "latest" },
                { "localhost:5000/x/y:v1.2", "localhost:5000/x/y", "v1.2" },
                { "localhost:5000/x", "localhost:5000/x", "<none>" },
                { "docker.io/library/busybox@sha256:aa", "docker.io/library/busybox", "<none>" },
                { "docker.io/library/busybox:1@sha256:aa", "docker.io/library/busybox", "1" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *repo = NULL, *tag = NULL;
                CHECK(husk_name_split(cases[i].in, &repo, &tag) == 0);
                CHECK_STR_EQ(repo, cases[i].repo);
                CHECK_STR_EQ(tag, cases[i].tag);
        }
}

TEST(familiar)
{
        CHECK_STR_EQ(husk_name_familiar("docker.io/library/busybox"), "busybox");
        CHECK_STR_EQ(husk_name_familiar("docker.io/me/app"), "me/app");
        CHECK_STR_EQ(husk_name_familiar("docker.io/library/a/b"), "library/a/b");
        CHECK_STR_EQ(husk_name_familiar("localhost:5000/library/x"), "localhost:5000/library/x");
        CHECK_STR_EQ(husk_name_familiar("quay.io/x"), "quay.io/x");
}

TEST(match)
{
        const char *bb = "docker.io/library/busybox";
        CHECK(husk_name_match("busybox", bb, "latest"));
        CHECK(husk_name_match("busybox:latest", bb, "latest"));
        CHECK(!husk_name_match("busybox:1", bb, "latest"));
        CHECK(husk_name_match("busy*", bb, "latest"));
        CHECK(husk_name_match("*:lat*", bb, "latest"));
        CHECK(husk_name_match("docker.io/library/busybox", bb, "latest"));
        CHECK(!husk_name_match("*", "docker.io/me/app", "v1"));    /* '*' stops at '/' */
        CHECK(husk_name_match("*/*", "docker.io/me/app", "v1"));
        CHECK(!husk_name_match("box", bb, "latest"));
}

RUN_TESTS()

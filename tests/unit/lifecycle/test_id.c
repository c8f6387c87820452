/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "runtime/runtime.h"
#include "test.h"

TEST(accepts_valid_ids)
{
        static const char *const ok[] = { "a", "abc", "A-Z_a.z+0-9", "..a", ".hidden", "a..b", "-", "0" };
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                struct husk_error err = { 0 };
                CHECK(husk_validate_id(ok[i], &err) == 0);
                CHECK(err.code == 0);
        }
}

TEST(rejects_empty_and_dots)
{
        struct husk_error err = { 0 };
        CHECK(husk_validate_id("", &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid container id \"\"");
        CHECK(husk_validate_id(NULL, &err) == -EINVAL);
        CHECK(husk_validate_id(".", &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid container id \".\"");
        CHECK(husk_validate_id("..", &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid container id \"..\"");
}

TEST(rejects_bad_characters)
{
        struct husk_error err = { 0 };
        CHECK(husk_validate_id("a/b", &err) == -EINVAL);
        CHECK(err.code == EINVAL);
        CHECK_CONTAINS(err.msg, "invalid container id \"a/b\": ");
        CHECK_CONTAINS(err.msg, "'/'");
        static const char *const bad[] = { "a b", "a:b", "a\\b", "a*", "é", "a\nb", "~x", "a@b" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK(husk_validate_id(bad[i], NULL) == -EINVAL);
}

TEST(control_characters_are_not_echoed)
{
        struct husk_error err = { 0 };
        CHECK(husk_validate_id("ab\x1b[2Jcd", &err) == -EINVAL);
        CHECK(strchr(err.msg, '\x1b') == NULL);
        CHECK_CONTAINS(err.msg, "\"ab\\x1b...\"");
}

TEST(length_limit)
{
        char id[1026];
        memset(id, 'a', sizeof(id));
        id[1024] = '\0';
        CHECK(husk_validate_id(id, NULL) == 0);
        id[1024] = 'a';
        id[1025] = '\0';
        struct husk_error err = { 0 };
        CHECK(husk_validate_id(id, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "longer than 1024 bytes");
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "test.h"
#include "util/error.h"

TEST(errno_message_has_strerror)
{
        struct husk_error err = { 0 };
        int r = husk_error_errno(&err, ENOENT, "open %s", "/x");
        CHECK(r == -ENOENT);
        CHECK(err.code == ENOENT);
        CHECK_STR_EQ(err.msg, "open /x: No such file or directory");
}

TEST(set_and_prefix)
{
        struct husk_error err = { 0 };
        CHECK(husk_error_set(&err, -EINVAL, "process.args: must be a non-empty array of strings") == -EINVAL);
        CHECK(husk_error_prefix(&err, "%s: ", "config.json") == -EINVAL);
        CHECK_STR_EQ(err.msg, "config.json: process.args: must be a non-empty array of strings");
}

TEST(zero_code_still_fails)
{
        struct husk_error err = { 0 };
        CHECK(husk_error_set(&err, 0, "x") == -EIO);
        CHECK(husk_error_set(NULL, EPERM, "x") == -EPERM);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* husk cp's destination rules (Docker's table, ctr_cp_plan.c): pure, both directions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ctr_cp.h"
#include "test.h"

/* The plan's top ("!" + errno text on failure) and whether it is a content copy. */
static char *plan(const char *src, bool src_dir, const char *dest, bool exists, bool dest_dir, bool *contents)
{
        struct husk_cp_plan_in in = { .src = src, .src_is_dir = src_dir, .dest = dest, .dest_exists = exists,
                                      .dest_is_dir = dest_dir };
        struct husk_cp_plan p = { 0 };
        struct husk_error err = { 0 };
        if (husk_cp_plan(&in, &p, &err) < 0) {
                char *s = NULL;
                return asprintf(&s, "!%s", err.msg) < 0 ? NULL : s;
        }
        if (contents)
                *contents = p.contents;
        return p.top;
}

#define PLAN_IS(src, sd, dest, ex, dd, want)                              \
        do {                                                              \
                char *got_ = plan((src), (sd), (dest), (ex), (dd), NULL); \
                int bad_ = !got_ || strcmp(got_, (want)) != 0;            \
                if (bad_)                                                 \
                        printf("#   got \"%s\"\n", got_ ? got_ : "");     \
                free(got_);                                               \
                CHECK(!bad_);                                             \
        } while (0)

TEST(file_to_missing_existing_file_and_directory)
{
        PLAN_IS("/etc/passwd", false, "/tmp/x", false, false, "/tmp/x");
        PLAN_IS("/etc/passwd", false, "/tmp/x", true, false, "/tmp/x");
        PLAN_IS("/etc/passwd", false, "/tmp", true, true, "/tmp/passwd");
        PLAN_IS("/etc/passwd", false, "/tmp/", true, true, "/tmp/passwd");
        PLAN_IS("passwd", false, "out", true, true, "out/passwd");
}

TEST(file_errors_as_docker)
{
        PLAN_IS("/etc/passwd", false, "/tmp/nodir/", false, false, "!/tmp/nodir/: no such directory");
        PLAN_IS("/etc/passwd", false, "/tmp/file/", true, false, "!/tmp/file/: not a directory");
        PLAN_IS("/etc/passwd/", false, "/tmp", true, true, "!/etc/passwd/: not a directory");
        PLAN_IS("/etc/passwd/.", false, "/tmp", true, true, "!/etc/passwd/.: not a directory");
}

TEST(directory_rules)
{
        bool contents = true;
        char *p = plan("/etc", true, "/tmp/new", false, false, &contents);
        CHECK_STR_EQ(p, "/tmp/new");
        CHECK(!contents);
        free(p);
        PLAN_IS("/etc", true, "/tmp", true, true, "/tmp/etc");
        PLAN_IS("/etc/", true, "/tmp", true, true, "/tmp/etc");
        PLAN_IS("/etc", true, "/tmp/file", true, false, "!/tmp/file: cannot copy a directory to a file");
        p = plan("/etc/.", true, "/tmp", true, true, &contents);
        CHECK_STR_EQ(p, "/tmp");
        CHECK(contents);
        free(p);
        /* "/." of a directory whose destination does not exist yet: it becomes that directory. */
        p = plan("/etc/.", true, "/tmp/new", false, false, &contents);
        CHECK_STR_EQ(p, "/tmp/new");
        CHECK(!contents);
        free(p);
        /* The root's content. */
        p = plan("/", true, "/out", true, true, &contents);
        CHECK_STR_EQ(p, "/out");
        CHECK(contents);
        free(p);
}

TEST(base_names)
{
        char b[64];
        husk_cp_base_name("/a/b/", b, sizeof(b));
        CHECK_STR_EQ(b, "b");
        husk_cp_base_name("/a/b/.", b, sizeof(b));
        CHECK_STR_EQ(b, "b");
        husk_cp_base_name("/", b, sizeof(b));
        CHECK_STR_EQ(b, "");
        husk_cp_base_name("x", b, sizeof(b));
        CHECK_STR_EQ(b, "x");
        husk_cp_base_name("/a/.hidden", b, sizeof(b));
        CHECK_STR_EQ(b, ".hidden");
        CHECK(husk_cp_wants_contents("/a/."));
        CHECK(!husk_cp_wants_contents("/a/.b"));
        CHECK(husk_cp_wants_dir("/a/"));
}

RUN_TESTS()

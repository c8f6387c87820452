/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's image filters: parsed, errors naming the filter, rows and images matched. */
#include <errno.h>

#include "cli/husk/image_filter.h"
#include "test.h"

#define BB "docker.io/library/busybox"

TEST(parse_and_rows)
{
        char *in[] = { "reference=busy*", "dangling=false", "label=a", "label=b=2", "before=x:1", "since=y" };
        struct husk_image_filter f;
        struct husk_error err = { 0 };
        CHECK(husk_image_filter_parse(in, 6, "me/app", &f, &err) == 0);
        CHECK(f.n_references == 2 && f.n_labels == 2 && f.dangling == 0);
        CHECK_STR_EQ(f.before, "x:1");
        CHECK_STR_EQ(f.since, "y");
        CHECK(husk_image_filter_row(&f, BB, "latest"));
        CHECK(husk_image_filter_row(&f, "docker.io/me/app", "v1"));
        CHECK(!husk_image_filter_row(&f, "docker.io/me/other", "v1"));
        CHECK(!husk_image_filter_row(&f, NULL, NULL));
        husk_image_filter_done(&f);

        char *dangling[] = { "dangling=1" };
        CHECK(husk_image_filter_parse(dangling, 1, NULL, &f, &err) == 0);
        CHECK(husk_image_filter_row(&f, NULL, NULL));
        CHECK(!husk_image_filter_row(&f, BB, "latest"));
        husk_image_filter_done(&f);

        CHECK(husk_image_filter_parse(NULL, 0, NULL, &f, &err) == 0);
        CHECK(husk_image_filter_row(&f, NULL, NULL) && husk_image_filter_row(&f, BB, "x"));
        husk_image_filter_done(&f);
}

TEST(images)
{
        char *in[] = { "label=maintainer", "label=tier=web", "before=a", "since=b" };
        struct husk_image_filter f;
        struct husk_error err = { 0 };
        CHECK(husk_image_filter_parse(in, 4, NULL, &f, &err) == 0);
        f.before_time = 200;
        f.since_time = 100;
        json_t *yes = json_pack("{s:s, s:s}", "maintainer", "me", "tier", "web");
        json_t *wrong = json_pack("{s:s, s:s}", "maintainer", "me", "tier", "db");
        json_t *missing = json_pack("{s:s}", "tier", "web");
        CHECK(husk_image_filter_image(&f, 150, yes));
        CHECK(!husk_image_filter_image(&f, 150, wrong));
        CHECK(!husk_image_filter_image(&f, 150, missing));
        CHECK(!husk_image_filter_image(&f, 150, NULL));
        CHECK(!husk_image_filter_image(&f, 200, yes));    /* before is strict */
        CHECK(!husk_image_filter_image(&f, 100, yes));    /* since is strict */
        json_decref(yes);
        json_decref(wrong);
        json_decref(missing);
        husk_image_filter_done(&f);
}

TEST(errors)
{
        struct husk_image_filter f;
        struct husk_error err = { 0 };
        char *bogus[] = { "bogus=1" };
        CHECK(husk_image_filter_parse(bogus, 1, NULL, &f, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid filter 'bogus=1' (husk images takes reference=PATTERN");
        char *dangling[] = { "dangling=maybe" };
        CHECK(husk_image_filter_parse(dangling, 1, NULL, &f, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid filter 'dangling=maybe'");
        char *empty[] = { "label=" };
        CHECK(husk_image_filter_parse(empty, 1, NULL, &f, &err) == -EINVAL);
        char *noeq[] = { "reference" };
        CHECK(husk_image_filter_parse(noeq, 1, NULL, &f, &err) == -EINVAL);
}

TEST(prune)
{
        char *in[] = { "until=1h", "label=keep=no", "label!=pinned" };
        struct husk_prune_filter f;
        struct husk_error err = { 0 };
        CHECK(husk_prune_filter_parse(in, 3, 10000, &f, &err) == 0);
        CHECK(f.has_until && f.until == 10000 - 3600);
        json_t *plain = json_pack("{s:s}", "keep", "no");
        json_t *pinned = json_pack("{s:s, s:s}", "keep", "no", "pinned", "");
        CHECK(husk_prune_filter_match(&f, 100, plain));
        CHECK(!husk_prune_filter_match(&f, 6400, plain));     /* not older than until */
        CHECK(!husk_prune_filter_match(&f, 100, pinned));
        CHECK(!husk_prune_filter_match(&f, 100, NULL));
        json_decref(plain);
        json_decref(pinned);
        husk_prune_filter_done(&f);

        CHECK(husk_prune_filter_parse(NULL, 0, 0, &f, &err) == 0);
        CHECK(husk_prune_filter_match(&f, 12345, NULL));
        husk_prune_filter_done(&f);

        char *bad[] = { "until=soon" };
        CHECK(husk_prune_filter_parse(bad, 1, 0, &f, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid filter 'until=soon'");
        char *dangling[] = { "dangling=true" };
        CHECK(husk_prune_filter_parse(dangling, 1, 0, &f, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "image prune takes until=, label= and label!=");
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry/url.h"
#include "test.h"

TEST(escape_and_query)
{
        char *e = husk_url_escape("repository:a/b:pull,push x~_.-");
        char *q1, *q2;

        CHECK_STR_EQ(e, "repository%3Aa%2Fb%3Apull%2Cpush%20x~_.-");
        free(e);
        q1 = husk_url_add_query("https://auth/token", "service", "reg io");
        CHECK_STR_EQ(q1, "https://auth/token?service=reg%20io");
        q2 = husk_url_add_query(q1, "scope", "a:b");
        CHECK_STR_EQ(q2, "https://auth/token?service=reg%20io&scope=a%3Ab");
        free(q1);
        free(q2);
}

TEST(resolve_location)
{
        bool bad;
        char *u = husk_url_resolve("http://127.0.0.1:5000", "/v2/x/blobs/uploads/u?_state=1", &bad);

        CHECK(!bad);
        CHECK_STR_EQ(u, "http://127.0.0.1:5000/v2/x/blobs/uploads/u?_state=1");
        free(u);
        u = husk_url_resolve("http://a", "https://cdn/x", &bad);
        CHECK(!bad);
        CHECK_STR_EQ(u, "https://cdn/x");
        free(u);
        CHECK(!husk_url_resolve("http://a", "file:///etc/passwd", &bad) && bad);
        CHECK(!husk_url_resolve("http://a", "//evil/x", &bad) && bad);
        CHECK(!husk_url_resolve("http://a", "relative", &bad) && bad);
}

TEST(same_origin)
{
        CHECK(husk_url_same_origin("http://127.0.0.1:5000/v2/", "http://127.0.0.1:5000"));
        CHECK(husk_url_same_origin("https://Reg.io/a", "https://reg.io/b?x"));
        CHECK(!husk_url_same_origin("https://reg.io/a", "http://reg.io/a"));
        CHECK(!husk_url_same_origin("https://reg.io/a", "https://reg.io:444/a"));
        CHECK(!husk_url_same_origin("https://reg.io/a", "https://reg.io.evil/a"));
        CHECK(!husk_url_same_origin("ftp://reg.io/a", "ftp://reg.io/a"));
}

TEST(ranges)
{
        uint64_t a, b;

        CHECK(husk_parse_range("bytes 100-199/1000", &a, &b) == 0 && a == 100 && b == 199);
        CHECK(husk_parse_range("bytes 0-0/*", &a, &b) == 0 && a == 0 && b == 0);
        CHECK(husk_parse_range("0-1023", &a, &b) == 0 && a == 0 && b == 1023);
        CHECK(husk_parse_range("bytes 5-4/10", &a, &b) == -EINVAL);
        CHECK(husk_parse_range("bytes 5-10/10", &a, &b) == -EINVAL);
        CHECK(husk_parse_range("bytes -5", &a, &b) == -EINVAL);
        CHECK(husk_parse_range("bytes 1-2/3x", &a, &b) == -EINVAL);
        CHECK(husk_parse_range("99999999999999999999-1", &a, &b) == -EINVAL);
}

RUN_TESTS()

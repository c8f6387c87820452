/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "registry/base64.h"
#include "registry/challenge.h"
#include "test.h"
#include "util/cleanup.h"

static int parse(const char *s, struct husk_auth_challenge *c, struct husk_error *err)
{
        *c = (struct husk_auth_challenge) { 0 };
        return husk_auth_challenge_parse(s, strlen(s), c, err);
}

TEST(docker_hub_bearer)
{
        struct husk_auth_challenge c;
        struct husk_error err = { 0 };

        CHECK(parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    "scope=\"repository:library/busybox:pull\"", &c, &err) == 0);
        CHECK(c.scheme == HUSK_AUTH_BEARER);
        CHECK_STR_EQ(c.realm, "https://auth.docker.io/token");
        CHECK_STR_EQ(c.service, "registry.docker.io");
        CHECK_STR_EQ(c.scope, "repository:library/busybox:pull");
        husk_auth_challenge_free(&c);
}

TEST(basic_and_case_and_spaces)
{
        struct husk_auth_challenge c;
        struct husk_error err = { 0 };

        CHECK(parse("basic   REALM = \"Registry Realm\"", &c, &err) == 0);
        CHECK(c.scheme == HUSK_AUTH_BASIC);
        CHECK_STR_EQ(c.realm, "Registry Realm");
        CHECK(!c.service && !c.scope);
        husk_auth_challenge_free(&c);
        /* a bare token value, an unknown parameter ignored */
        CHECK(parse("Bearer realm=\"http://127.0.0.1:1/t\",service=reg.io,error=invalid_token", &c, &err) == 0);
        CHECK_STR_EQ(c.realm, "http://127.0.0.1:1/t");
        CHECK_STR_EQ(c.service, "reg.io");
        husk_auth_challenge_free(&c);
}

TEST(quoted_pair_and_commas_inside_quotes)
{
        struct husk_auth_challenge c;
        struct husk_error err = { 0 };

        CHECK(parse("Bearer realm=\"https://a/t\",scope=\"repository:a:pull,push repository:b\\\"c:pull\"", &c,
                    &err) == 0);
        CHECK_STR_EQ(c.scope, "repository:a:pull,push repository:b\"c:pull");
        husk_auth_challenge_free(&c);
}

TEST(several_challenges_bearer_preferred)
{
        struct husk_auth_challenge c;
        struct husk_error err = { 0 };

        CHECK(parse("Basic realm=\"x\", Negotiate abc==, Bearer realm=\"https://a/t\", service=\"s\"", &c, &err) == 0);
        CHECK(c.scheme == HUSK_AUTH_BEARER);
        CHECK_STR_EQ(c.realm, "https://a/t");
        CHECK_STR_EQ(c.service, "s");
        husk_auth_challenge_free(&c);
        CHECK(parse("Negotiate, Basic realm=\"r\"", &c, &err) == 0);
        CHECK(c.scheme == HUSK_AUTH_BASIC);
        husk_auth_challenge_free(&c);
        CHECK(parse("Basic", &c, &err) == 0);
        CHECK(c.scheme == HUSK_AUTH_BASIC && !c.realm);
        husk_auth_challenge_free(&c);
}

TEST(refused)
{
        static const char *const bad[] = {
                "",                                             /* nothing */
                "Negotiate abc",                                /* no usable scheme */
                "Bearer",                                       /* no realm */
                "Bearer service=\"x\"",                         /* no realm */
                "Bearer realm=\"file:///etc/passwd\"",          /* not http(s) */
                "Bearer realm=\"https://a\",realm=\"https://b\"", /* duplicated */
                "Bearer realm=\"https://a",                     /* unterminated */
                "Bearer realm=\"https://a\\",                   /* unterminated after a backslash */
                "Bearer realm=\"https://a\x01\"",               /* control character */
                "Bearer realm=\"https://a\" service=\"x\"",     /* missing comma */
                "Bearer realm=",                                /* no value */
                "=Bearer",
                "Bearer, realm=\"https://a\"x",
        };
        struct husk_auth_challenge c;

        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                struct husk_error err = { 0 };
                int r = parse(bad[i], &c, &err);

                if (r == 0) {
                        printf("# accepted: %s\n", bad[i]);
                        husk_auth_challenge_free(&c);
                }
                CHECK(r == -EINVAL || r == -ENOTSUP);
                CHECK_CONTAINS(err.msg, "WWW-Authenticate");
        }
}

TEST(nul_and_length)
{
        struct husk_auth_challenge c = { 0 };
        struct husk_error err = { 0 };
        static char big[HUSK_CHALLENGE_MAX + 2];

        CHECK(husk_auth_challenge_parse("Basic\0 realm=x", 14, &c, &err) == -EINVAL);
        memset(big, 'a', sizeof(big) - 1);
        CHECK(husk_auth_challenge_parse(big, sizeof(big) - 1, &c, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "more than");
}

TEST(base64_round_trip)
{
        static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar", "user:p\xc3\xa4ss" };
        static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy",
                                           "dXNlcjpww6Rzcw==" };

        for (size_t i = 0; i < HUSK_ARRAY_SIZE(plain); i++) {
                char *e = husk_base64_encode(plain[i], strlen(plain[i])), *d = NULL;
                size_t n;

                CHECK_STR_EQ(e, enc[i]);
                CHECK(husk_base64_decode(e, strlen(e), &d, &n) == 0);
                CHECK(n == strlen(plain[i]));
                CHECK_STR_EQ(d, plain[i]);
                free(e);
                free(d);
        }
}

TEST(base64_refused)
{
        static const char *const bad[] = { "Z", "Zm9v!", "Zm=v", "Zg===", "Zm9vY=", " Zm9v" };
        char *d = NULL;
        size_t n;

        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++)
                CHECK(husk_base64_decode(bad[i], strlen(bad[i]), &d, &n) == -EINVAL);
        /* padding dropped by some writers */
        CHECK(husk_base64_decode("Zg", 2, &d, &n) == 0 && n == 1 && d[0] == 'f');
        free(d);
}

RUN_TESTS()

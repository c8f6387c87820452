/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "image/digest.h"
#include "test.h"

TEST(empty_and_abc)
{
        char d[HUSK_DIGEST_LEN];

        husk_digest_buf("", 0, d);
        CHECK_STR_EQ(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        husk_digest_buf("abc", 3, d);
        CHECK_STR_EQ(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(streaming_equals_one_call)
{
        struct husk_digester *g = husk_digester_new();
        char a[HUSK_DIGEST_LEN], b[HUSK_DIGEST_LEN];
        char buf[1000];

        CHECK(g);
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (char) (i * 7);
        for (size_t i = 0; i < sizeof(buf); i += 77)
                husk_digester_update(g, buf + i, sizeof(buf) - i < 77 ? sizeof(buf) - i : 77);
        CHECK(husk_digester_bytes(g) == sizeof(buf));
        husk_digester_final(g, a);
        husk_digest_buf(buf, sizeof(buf), b);
        CHECK_STR_EQ(a, b);
        husk_digester_reset(g);
        CHECK(husk_digester_bytes(g) == 0);
        husk_digester_final(g, a);
        CHECK_STR_EQ(a, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        husk_digester_free(g);
}

TEST(validate)
{
        struct husk_error err = { 0 };

        CHECK(husk_digest_is_valid("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        CHECK(!husk_digest_is_valid("sha256:E3B0C44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        CHECK(!husk_digest_is_valid("sha256:e3b0"));
        CHECK(!husk_digest_is_valid("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        CHECK(husk_digest_validate("sha512:abcd", "manifest.json: layers[0].digest", &err) == -EINVAL);
        CHECK(strstr(err.msg, "layers[0].digest") && strstr(err.msg, "only sha256"));
        CHECK(husk_digest_validate("sha256:../../etc", "x", &err) == -EINVAL);
        CHECK(husk_digest_validate(NULL, "config.digest", &err) == -EINVAL);
        CHECK(strstr(err.msg, "config.digest: missing"));
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* util/sha256.c against the FIPS 180-2 examples and sha256sum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/sha256.h"

static void hex_of(const void *data, size_t len, char out[65])
{
        struct husk_sha256 h;
        uint8_t d[HUSK_SHA256_SIZE];
        husk_sha256_init(&h);
        husk_sha256_update(&h, data, len);
        husk_sha256_final(&h, d);
        husk_sha256_hex(d, out);
}

TEST(fips_vectors)
{
        char out[65];
        hex_of("", 0, out);
        CHECK_STR_EQ(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        hex_of("abc", 3, out);
        CHECK_STR_EQ(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        hex_of(two, strlen(two), out);
        CHECK_STR_EQ(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        char *million = malloc(1000000);
        CHECK(million);
        memset(million, 'a', 1000000);
        hex_of(million, 1000000, out);
        free(million);
        CHECK_STR_EQ(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every split of the input gives the digest of the whole, around the 55/56/64-byte padding edges. */
TEST(incremental_updates)
{
        uint8_t data[200];
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 7 + 3);
        for (size_t len = 0; len <= sizeof(data); len++) {
                char whole[65];
                hex_of(data, len, whole);
                for (size_t cut = 0; cut <= len; cut += 13) {
                        struct husk_sha256 h;
                        uint8_t d[HUSK_SHA256_SIZE];
                        char part[65];
                        husk_sha256_init(&h);
                        husk_sha256_update(&h, data, cut);
                        husk_sha256_update(&h, data + cut, len - cut);
                        husk_sha256_final(&h, d);
                        husk_sha256_hex(d, part);
                        CHECK_STR_EQ(part, whole);
                }
        }
}

/* The same lengths through sha256sum, when it is installed. */
TEST(matches_sha256sum)
{
        FILE *probe = popen("command -v sha256sum", "r");
        char path[256] = "";
        if (!probe || !fgets(path, sizeof(path), probe)) {
                if (probe)
                        pclose(probe);
                printf("# sha256sum not installed: skipped\n");
                return;
        }
        pclose(probe);
        for (int len = 50; len <= 130; len += 7) {
                char cmd[128], want[128] = "", got[65];
                snprintf(cmd, sizeof(cmd), "head -c %d /dev/zero | tr '\\0' 'x' | sha256sum", len);
                FILE *p = popen(cmd, "r");
                CHECK(p);
                CHECK(fgets(want, sizeof(want), p));
                pclose(p);
                want[64] = '\0';
                char buf[130];
                memset(buf, 'x', (size_t) len);
                hex_of(buf, (size_t) len, got);
                CHECK_STR_EQ(got, want);
        }
}

RUN_TESTS()

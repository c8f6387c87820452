/* SPDX-License-Identifier: Apache-2.0 */
/* Layers in the store: ensure (unpack, check, rename), the l/ links, several at once, the one-pass
   ingest, and an image made of them added and removed. */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "layer_test_util.h"
#include "store_test_util.h"
#include "test.h"
#include "util/cleanup.h"

#include "image/unpack.h"

static void test_layer_freep(struct test_layer *l)
{
        test_layer_free(l);
}
#define _cleanup_layer_ __attribute__((cleanup(test_layer_freep)))

static bool link_points_to(const char *root, const struct husk_layer_info *info)
{
        char p[512], have[256], want[256];
        (void) snprintf(p, sizeof(p), "%s/l/%s", root, info->link);
        ssize_t n = readlink(p, have, sizeof(have) - 1);
        if (n < 0)
                return false;
        have[n] = '\0';
        (void) snprintf(want, sizeof(want), "../layers/%s/diff", husk_digest_hex(info->diffid));
        return strcmp(have, want) == 0;
}

TEST(ensure_unpacks_once)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        _cleanup_layer_ struct test_layer l = { 0 };
        struct husk_error err = { 0 };
        struct husk_layer_info info = { 0 }, again = { 0 };
        char d[HUSK_DIGEST_LEN], rel[256];
        struct stat st1, st2;

        CHECK(tmp_root_make(&t) == 0);
        CHECK(test_layer_make("dir", 5, 1000, &l) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        CHECK(husk_blob_put(s, l.gz, l.gz_len, l.digest, "layer", d, &err) == 0);
        int rc = husk_store_layer_ensure(s, l.digest, l.diffid, "layer 1", &info, &err);
        if (rc < 0)
                printf("# %s\n", err.msg);
        CHECK(rc == 0);
        CHECK_STR_EQ(info.diffid, l.diffid);
        CHECK(info.size >= 5 * 1000);
        CHECK(strlen(info.link) == 26);
        CHECK(link_points_to(t.path, &info));
        (void) snprintf(rel, sizeof(rel), "%s/l/%s/dir/f4", t.path, info.link);
        CHECK(stat(rel, &st1) == 0 && st1.st_size == 1000);
        (void) snprintf(rel, sizeof(rel), "%s/layers/%s/diff", t.path, husk_digest_hex(l.diffid));
        CHECK(stat(rel, &st1) == 0);
        CHECK(count_entries(t.path, "tmp") == 0);

        /* again, by diffid and by blob: nothing unpacked anew */
        CHECK(husk_store_layer_ensure(s, l.digest, l.diffid, "layer 1", &again, &err) == 0);
        CHECK(husk_store_layer_ensure(s, l.digest, NULL, "layer 1", &again, &err) == 0);
        CHECK(stat(rel, &st2) == 0 && st1.st_ino == st2.st_ino);
        CHECK_STR_EQ(again.diffid, l.diffid);
        CHECK(husk_store_layer_by_blob(s, l.digest, &again, &err) == 0);
        CHECK_STR_EQ(again.diffid, l.diffid);
        CHECK(husk_store_layer_get(s, l.diffid, &again, &err) == 0 && again.size == info.size);
        int fd = husk_store_layer_open(s, l.diffid, &err);
        CHECK(fd >= 0);
        CHECK(faccessat(fd, "dir/f0", F_OK, 0) == 0);
        close(fd);

        /* a lost link (killed between rename and link) comes back */
        (void) snprintf(rel, sizeof(rel), "%s/l/%s", t.path, info.link);
        CHECK(unlink(rel) == 0);
        CHECK(husk_store_layer_ensure(s, l.digest, l.diffid, "layer 1", &again, &err) == 0);
        CHECK(link_points_to(t.path, &info));
        husk_store_close(s);
}

TEST(ensure_refuses_a_wrong_diffid)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        _cleanup_layer_ struct test_layer l = { 0 };
        struct husk_error err = { 0 };
        struct husk_layer_info info;
        char d[HUSK_DIGEST_LEN], wrong[HUSK_DIGEST_LEN];

        CHECK(tmp_root_make(&t) == 0);
        CHECK(test_layer_make("x", 2, 10, &l) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        CHECK(husk_blob_put(s, l.gz, l.gz_len, l.digest, "layer", d, &err) == 0);
        husk_digest_buf("other", 5, wrong);
        CHECK(husk_store_layer_ensure(s, l.digest, wrong, "layer 2 of img", &info, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "layer 2 of img: diffid mismatch");
        CHECK_CONTAINS(err.msg, wrong);
        CHECK_CONTAINS(err.msg, l.diffid);
        CHECK(count_entries(t.path, "layers") == 0);
        CHECK(count_entries(t.path, "l") == 0);
        CHECK(count_entries(t.path, "tmp") == 0);
        /* a blob not in the store */
        CHECK(husk_store_layer_ensure(s, wrong, NULL, "layer 3", &info, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "layer 3: blob");
        /* a blob that is not a layer */
        CHECK(husk_blob_put(s, "not a tar at all", 16, NULL, "junk", d, &err) == 0);
        CHECK(husk_store_layer_ensure(s, d, NULL, "junk layer", &info, &err) < 0);
        CHECK_CONTAINS(err.msg, "junk layer");
        CHECK(count_entries(t.path, "layers") == 0);
        CHECK(count_entries(t.path, "tmp") == 0);
        husk_store_close(s);
}

TEST(two_compressions_of_one_layer)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        _cleanup_layer_ struct test_layer l = { 0 };
        struct husk_error err = { 0 };
        struct husk_layer_info a, b;
        char d[HUSK_DIGEST_LEN], tar_digest[HUSK_DIGEST_LEN], p[512];

        CHECK(tmp_root_make(&t) == 0);
        CHECK(test_layer_make("y", 3, 100, &l) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        CHECK(husk_blob_put(s, l.gz, l.gz_len, NULL, "gz", d, &err) == 0);
        CHECK(husk_blob_put(s, l.tar, l.tar_len, NULL, "tar", tar_digest, &err) == 0);
        CHECK(husk_store_layer_ensure(s, l.digest, NULL, NULL, &a, &err) == 0);
        CHECK(husk_store_layer_ensure(s, tar_digest, NULL, NULL, &b, &err) == 0);
        CHECK_STR_EQ(a.diffid, b.diffid);
        CHECK(count_entries(t.path, "layers") == 1);
        /* both blobs lead to it */
        CHECK(husk_store_layer_by_blob(s, tar_digest, &b, &err) == 0 && strcmp(b.diffid, l.diffid) == 0);
        CHECK(husk_store_layer_by_blob(s, l.digest, &b, &err) == 0 && strcmp(b.diffid, l.diffid) == 0);
        (void) snprintf(p, sizeof(p), "layers/%s/layer.json", husk_digest_hex(l.diffid));
        char *json = NULL;
        size_t len;
        CHECK(husk_read_file_at(husk_store_root_fd(s), p, &json, &len, &err) == 0);
        CHECK(strstr(json, l.digest) && strstr(json, tar_digest));
        free(json);
        husk_store_close(s);
}

TEST(layers_ensure_in_parallel_and_an_image_of_them)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct test_layer l[4] = { 0 };
        struct husk_error err = { 0 };
        struct husk_layer_info info[5];
        char d[HUSK_DIGEST_LEN], man[HUSK_DIGEST_LEN], cfg[HUSK_DIGEST_LEN];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        const char *blobs[6], *diffids[6];
        for (int i = 0; i < 4; i++) {
                char prefix[16];
                (void) snprintf(prefix, sizeof(prefix), "layer%d", i);
                CHECK(test_layer_make(prefix, 20 + i, 4096, &l[i]) == 0);
                CHECK(husk_blob_put(s, l[i].gz, l[i].gz_len, l[i].digest, "layer", d, &err) == 0);
                blobs[i] = l[i].digest;
                diffids[i] = l[i].diffid;
        }
        /* the same layer twice in one image */
        blobs[4] = l[1].digest;
        diffids[4] = l[1].diffid;
        blobs[5] = diffids[5] = NULL;
        int rc = husk_store_layers_ensure(s, 5, blobs, diffids, "img", info, &err);
        if (rc < 0)
                printf("# %s\n", err.msg);
        CHECK(rc == 0);
        for (int i = 0; i < 5; i++)
                CHECK_STR_EQ(info[i].diffid, diffids[i]);
        CHECK(count_entries(t.path, "layers") == 4);
        CHECK(count_entries(t.path, "l") == 4);
        CHECK(count_entries(t.path, "tmp") == 0);

        CHECK(put_image(s, "multi", diffids, blobs, man, cfg) == 0);
        struct husk_image img = { 0 };
        CHECK(husk_store_image_add(s, man, diffids, "multi:1", &img, &err) == 0);
        uint64_t sum = 0;
        for (int i = 0; i < 5; i++)
                sum += info[i].size;
        CHECK(img.size == sum);
        husk_image_free(&img);

        /* a failing layer among good ones: the error names it, in image order */
        char bad[HUSK_DIGEST_LEN];
        husk_digest_buf("nope", 4, bad);
        const char *b2[] = { l[0].digest, bad, l[2].digest };
        CHECK(husk_store_layers_ensure(s, 3, b2, NULL, "img2", info, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "img2: layer 2");

        CHECK(husk_store_image_remove(s, "multi:1", false, NULL, NULL, &err) == 0);
        CHECK(count_entries(t.path, "layers") == 0);
        CHECK(count_entries(t.path, "l") == 0);
        CHECK(count_entries(t.path, "blobs/sha256") == 0);
        CHECK(count_entries(t.path, "tmp") == 0);
        for (int i = 0; i < 4; i++)
                test_layer_free(&l[i]);
        husk_store_close(s);
}

TEST(ingest_one_pass)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        _cleanup_layer_ struct test_layer l = { 0 };
        struct husk_error err = { 0 };
        struct husk_layer_info info;

        CHECK(tmp_root_make(&t) == 0);
        CHECK(test_layer_make("z", 10, 3000, &l) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);

        /* a stream that breaks half-way: nothing becomes visible */
        struct mem_source m;
        mem_source_init(&m, l.gz, l.gz_len, 777);
        m.fail_at = l.gz_len / 2;
        CHECK(husk_store_layer_ingest(s, &m.src, l.digest, (int64_t) l.gz_len, l.diffid, "pull z", &info, &err) < 0);
        CHECK_CONTAINS(err.msg, "pull z");
        CHECK(count_entries(t.path, "layers") == 0 && count_entries(t.path, "blobs/sha256") == 0);
        CHECK(count_entries(t.path, "tmp") == 0);

        /* the wrong announced size, the wrong blob digest */
        mem_source_init(&m, l.gz, l.gz_len, 777);
        CHECK(husk_store_layer_ingest(s, &m.src, l.digest, (int64_t) l.gz_len - 1, l.diffid, "pull z", &info, &err) < 0);
        CHECK_CONTAINS(err.msg, "more data than its size");
        char wrong[HUSK_DIGEST_LEN];
        husk_digest_buf("x", 1, wrong);
        mem_source_init(&m, l.gz, l.gz_len, 777);
        CHECK(husk_store_layer_ingest(s, &m.src, wrong, -1, NULL, "pull z", &info, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "digest mismatch");
        CHECK(count_entries(t.path, "layers") == 0 && count_entries(t.path, "blobs/sha256") == 0);
        CHECK(count_entries(t.path, "tmp") == 0);

        /* whole: blob and layer both there */
        mem_source_init(&m, l.gz, l.gz_len, 777);
        int rc = husk_store_layer_ingest(s, &m.src, l.digest, (int64_t) l.gz_len, l.diffid, "pull z", &info, &err);
        if (rc < 0)
                printf("# %s\n", err.msg);
        CHECK(rc == 0);
        CHECK_STR_EQ(info.diffid, l.diffid);
        CHECK(husk_blob_exists(s, l.digest));
        CHECK(link_points_to(t.path, &info));
        /* present: the source is not read */
        mem_source_init(&m, l.gz, l.gz_len, 777);
        CHECK(husk_store_layer_ingest(s, &m.src, l.digest, (int64_t) l.gz_len, l.diffid, "pull z", &info, &err) == 0);
        CHECK(m.pos == 0);
        CHECK(count_entries(t.path, "tmp") == 0);
        husk_store_close(s);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* Image records: add, lookup, tag, remove, garbage collection and usage, on a temporary store. */
#include <errno.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "store_test_util.h"
#include "test.h"
#include "util/cleanup.h"

#define NAME_BB "docker.io/library/busybox:latest"

static void imagep_free(struct husk_image *img)
{
        husk_image_free(img);
}

TEST(add_lookup_list)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        _cleanup_(imagep_free) struct husk_image img = { 0 };
        struct husk_error err = { 0 };
        char man[HUSK_DIGEST_LEN], cfg[HUSK_DIGEST_LEN], ref[200];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        CHECK(put_image(s, "2024-01-01T00:00:00Z", NULL, NULL, man, cfg) == 0);
        const char *none[] = { NULL };
        CHECK(husk_store_image_add(s, man, none, "busybox", &img, &err) == 0);
        CHECK_STR_EQ(img.id, cfg);
        CHECK_STR_EQ(img.manifest, man);
        CHECK_STR_EQ(img.names[0], NAME_BB);
        CHECK(img.names[1] == NULL && img.layers[0] == NULL);
        CHECK_STR_EQ(img.created, "2024-01-01T00:00:00Z");
        CHECK(img.added > 0);
        husk_image_free(&img);

        (void) snprintf(ref, sizeof(ref), "busybox@%s", man);
        char prefix[16];
        (void) snprintf(prefix, sizeof(prefix), "%.5s", husk_digest_hex(cfg));
        const char *ways[] = { "busybox", "busybox:latest", NAME_BB, cfg, husk_digest_hex(cfg), prefix, ref };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(ways); i++) {
                CHECK(husk_store_image_lookup(s, ways[i], &img, &err) == 0);
                CHECK_STR_EQ(img.id, cfg);
                husk_image_free(&img);
        }
        CHECK(husk_store_image_lookup(s, "busybox:other", &img, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "no such image: busybox:other");
        CHECK(husk_store_image_lookup(s, "ab", &img, &err) == -ENOENT);

        /* the records survive a reopen, read-only too */
        husk_store_close(s);
        struct husk_store_opts ro = { .root = t.path, .read_only = true };
        CHECK(husk_store_open(&ro, &s, &err) == 0);
        struct husk_image *imgs = NULL;
        size_t n = 0;
        CHECK(husk_store_image_list(s, &imgs, &n, &err) == 0);
        CHECK(n == 1);
        CHECK_STR_EQ(imgs[0].names[0], NAME_BB);
        husk_image_list_free(imgs, n);
        husk_store_close(s);
}

TEST(add_checks_diff_ids_and_layers)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct husk_error err = { 0 };
        char man[HUSK_DIGEST_LEN], cfg[HUSK_DIGEST_LEN], diffid[HUSK_DIGEST_LEN], blob[HUSK_DIGEST_LEN];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        husk_digest_buf("tar", 3, diffid);
        husk_digest_buf("tar.gz", 6, blob);
        const char *diffids[] = { diffid, NULL }, *blobs[] = { blob, NULL }, *none[] = { NULL };
        CHECK(put_image(s, "x", diffids, blobs, man, cfg) == 0);
        CHECK(husk_store_image_add(s, man, none, NULL, NULL, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "0 layers unpacked, its config lists 1");
        const char *wrong[] = { blob, NULL };
        CHECK(husk_store_image_add(s, man, wrong, NULL, NULL, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "rootfs.diff_ids[0] is");
        /* right diffids, but the layer is not unpacked */
        CHECK(husk_store_image_add(s, man, diffids, NULL, NULL, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "is not in the image store");
        /* a manifest that is not in the store; a name with a digest */
        CHECK(husk_store_image_add(s, blob, none, NULL, NULL, &err) == -ENOENT);
        char m2[HUSK_DIGEST_LEN], c2[HUSK_DIGEST_LEN], bad[200];
        CHECK(put_image(s, "y", NULL, NULL, m2, c2) == 0);
        (void) snprintf(bad, sizeof(bad), "busybox@%s", m2);
        CHECK(husk_store_image_add(s, m2, none, bad, NULL, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "cannot hold a digest");
        CHECK(husk_store_image_add(s, m2, none, "Bad/Name:x", NULL, &err) == -EINVAL);
        struct husk_image *imgs = NULL;
        size_t n = 0;
        CHECK(husk_store_image_list(s, &imgs, &n, &err) == 0 && n == 0);
        husk_store_close(s);
}

TEST(tag_moves_names)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        _cleanup_(imagep_free) struct husk_image img = { 0 };
        struct husk_error err = { 0 };
        char m1[HUSK_DIGEST_LEN], c1[HUSK_DIGEST_LEN], m2[HUSK_DIGEST_LEN], c2[HUSK_DIGEST_LEN];
        const char *none[] = { NULL };

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        CHECK(put_image(s, "one", NULL, NULL, m1, c1) == 0 && put_image(s, "two", NULL, NULL, m2, c2) == 0);
        CHECK(husk_store_image_add(s, m1, none, "busybox", NULL, &err) == 0);
        CHECK(husk_store_image_add(s, m2, none, "other:1", NULL, &err) == 0);
        CHECK(husk_store_image_tag(s, "busybox", "localhost:5000/bb:v1", &err) == 0);
        CHECK(husk_store_image_lookup(s, "localhost:5000/bb:v1", &img, &err) == 0);
        CHECK_STR_EQ(img.id, c1);
        husk_image_free(&img);
        /* moving busybox:latest to the second image leaves the first with one name */
        CHECK(husk_store_image_tag(s, "other:1", "busybox", &err) == 0);
        CHECK(husk_store_image_lookup(s, "busybox", &img, &err) == 0);
        CHECK_STR_EQ(img.id, c2);
        husk_image_free(&img);
        CHECK(husk_store_image_lookup(s, c1, &img, &err) == 0);
        CHECK_STR_EQ(img.names[0], "localhost:5000/bb:v1");
        CHECK(img.names[1] == NULL);
        husk_image_free(&img);
        /* adding an image again under a name takes the name too */
        CHECK(husk_store_image_add(s, m1, none, "busybox", NULL, &err) == 0);
        CHECK(husk_store_image_lookup(s, c1, &img, &err) == 0);
        CHECK(img.names[0] && img.names[1] && !img.names[2]);
        husk_image_free(&img);
        CHECK(husk_store_image_tag(s, "nosuch", "x", &err) == -ENOENT);
        CHECK(husk_store_image_tag(s, "busybox", "UPPER", &err) == -EINVAL);
        husk_store_close(s);
}

TEST(remove_untags_then_removes_and_frees)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        _cleanup_strv_ char **removed = NULL;
        struct husk_error err = { 0 };
        char m1[HUSK_DIGEST_LEN], c1[HUSK_DIGEST_LEN];
        const char *none[] = { NULL };

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        CHECK(put_image(s, "one", NULL, NULL, m1, c1) == 0);
        CHECK(husk_store_image_add(s, m1, none, "a", NULL, &err) == 0);
        CHECK(husk_store_image_tag(s, "a", "b", &err) == 0);
        CHECK(count_entries(t.path, "blobs/sha256") == 2);
        /* by id with two names: must be forced */
        CHECK(husk_store_image_remove(s, c1, false, NULL, &removed, &err) == -EBUSY);
        CHECK_CONTAINS(err.msg, "must be forced");
        /* by one of two names: untag only */
        CHECK(husk_store_image_remove(s, "a", false, NULL, &removed, &err) == 0);
        CHECK(removed && removed[0] == NULL);
        husk_strv_free(steal_ptr(removed));
        CHECK(count_entries(t.path, "blobs/sha256") == 2);
        /* in use by a container: refused, forced only the name goes */
        const char *in_use[] = { c1, NULL };
        CHECK(husk_store_image_remove(s, "b", false, in_use, &removed, &err) == -EBUSY);
        CHECK_CONTAINS(err.msg, "used by a container");
        CHECK(husk_store_image_remove(s, "b", true, in_use, &removed, &err) == 0);
        CHECK(removed[0] == NULL);
        husk_strv_free(steal_ptr(removed));
        struct husk_image img = { 0 };
        CHECK(husk_store_image_lookup(s, c1, &img, &err) == 0);
        CHECK(img.names[0] == NULL);
        husk_image_free(&img);
        /* no longer used: removed by id, its blobs freed at once */
        CHECK(husk_store_image_remove(s, c1, false, NULL, &removed, &err) == 0);
        CHECK(removed[0] && !removed[1]);
        CHECK_STR_EQ(removed[0], c1);
        CHECK(count_entries(t.path, "blobs/sha256") == 0);
        CHECK(husk_store_image_remove(s, c1, false, NULL, NULL, &err) == -ENOENT);
        CHECK(count_entries(t.path, "tmp") == 0);
        husk_store_close(s);
}

/* A layer as layer_ensure leaves it, made by hand: layers/<hex>/{diff/,layer.json} and l/<link>. */
static int fake_layer(const char *root, const char *diffid, const char *link)
{
        char p[512];
        FILE *f;
        const char *hex = husk_digest_hex(diffid);

        (void) snprintf(p, sizeof(p), "%s/layers/%s", root, hex);
        if (mkdir(p, 0700) < 0)
                return -1;
        (void) snprintf(p, sizeof(p), "%s/layers/%s/diff", root, hex);
        if (mkdir(p, 0755) < 0)
                return -1;
        (void) snprintf(p, sizeof(p), "%s/layers/%s/diff/file", root, hex);
        if (!(f = fopen(p, "we")))
                return -1;
        fputs("content", f);
        fclose(f);
        (void) snprintf(p, sizeof(p), "%s/layers/%s/layer.json", root, hex);
        if (!(f = fopen(p, "we")))
                return -1;
        fprintf(f, "{\"diffid\":\"%s\",\"size\":8192,\"blobs\":[],\"link\":\"%s\"}", diffid, link);
        fclose(f);
        char target[200];
        (void) snprintf(target, sizeof(target), "../layers/%s/diff", hex);
        (void) snprintf(p, sizeof(p), "%s/l/%s", root, link);
        return symlink(target, p);
}

TEST(gc_prune_and_usage)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct husk_error err = { 0 };
        char m1[HUSK_DIGEST_LEN], c1[HUSK_DIGEST_LEN], m2[HUSK_DIGEST_LEN], c2[HUSK_DIGEST_LEN];
        char keep[HUSK_DIGEST_LEN], drop[HUSK_DIGEST_LEN], extra[HUSK_DIGEST_LEN], lb[HUSK_DIGEST_LEN];
        struct husk_gc_result res;
        struct husk_store_usage u;

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        husk_digest_buf("keep", 4, keep);
        husk_digest_buf("drop", 4, drop);
        CHECK(fake_layer(t.path, keep, "KEEPLINK") == 0 && fake_layer(t.path, drop, "DROPLINK") == 0);
        CHECK(husk_blob_put(s, "layer-blob", 10, NULL, "blob", lb, &err) == 0);
        const char *diffids[] = { keep, NULL }, *blobs[] = { lb, NULL }, *none[] = { NULL };
        CHECK(put_image(s, "one", diffids, blobs, m1, c1) == 0);
        CHECK(husk_store_image_add(s, m1, diffids, "kept", NULL, &err) == 0);
        CHECK(put_image(s, "two", NULL, NULL, m2, c2) == 0);
        CHECK(husk_store_image_add(s, m2, none, NULL, NULL, &err) == 0);   /* dangling */
        CHECK(husk_blob_put(s, "unreferenced", 12, NULL, "blob", extra, &err) == 0);

        CHECK(husk_store_usage(s, &u, &err) == 0);
        CHECK(u.images == 2 && u.layers == 2 && u.blobs == 6);
        CHECK(u.layers_bytes == 16384 && u.images_bytes == 8192);
        CHECK(u.reclaimable_bytes >= 8192 + 1);

        /* another process ingesting (gc.lock shared) holds the sweep off */
        char p[512];
        (void) snprintf(p, sizeof(p), "%s/gc.lock", t.path);
        int fd = open(p, O_RDWR | O_CLOEXEC);
        CHECK(fd >= 0 && flock(fd, LOCK_SH) == 0);
        CHECK(husk_store_gc(s, false, NULL, &res, &err) == 0);
        CHECK(res.busy && res.blobs_removed == 0 && res.layers_removed == 0);
        close(fd);

        CHECK(husk_store_gc(s, false, NULL, &res, &err) == 0);
        CHECK(!res.busy);
        CHECK(res.layers_removed == 1 && res.blobs_removed == 1);
        CHECK(res.bytes_freed >= 8192);
        char rel[128];
        (void) snprintf(rel, sizeof(rel), "layers/%s", husk_digest_hex(drop));
        CHECK(!path_exists(t.path, rel) && !path_exists(t.path, "l/DROPLINK"));
        (void) snprintf(rel, sizeof(rel), "layers/%s/diff/file", husk_digest_hex(keep));
        CHECK(path_exists(t.path, rel) && path_exists(t.path, "l/KEEPLINK"));
        CHECK(count_entries(t.path, "blobs/sha256") == 5);

        /* prune: the dangling image goes unless a container uses it */
        const char *in_use[] = { c2, NULL };
        CHECK(husk_store_gc(s, true, in_use, &res, &err) == 0);
        CHECK(res.blobs_removed == 0);
        CHECK(husk_store_gc(s, true, NULL, &res, &err) == 0);
        CHECK(res.blobs_removed == 2);
        struct husk_image *imgs = NULL;
        size_t n = 0;
        CHECK(husk_store_image_list(s, &imgs, &n, &err) == 0 && n == 1);
        husk_image_list_free(imgs, n);

        /* the last image goes: everything is freed */
        CHECK(husk_store_image_remove(s, "kept", false, NULL, NULL, &err) == 0);
        CHECK(count_entries(t.path, "blobs/sha256") == 0);
        CHECK(count_entries(t.path, "layers") == 0);
        CHECK(count_entries(t.path, "l") == 0);
        CHECK(count_entries(t.path, "tmp") == 0);
        CHECK(husk_store_usage(s, &u, &err) == 0);
        CHECK(u.images == 0 && u.layers == 0 && u.blobs == 0 && u.reclaimable_bytes == 0);
        husk_store_close(s);
}

TEST(a_writing_handle_pins_content_until_unpinned)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct husk_error err = { 0 };
        struct husk_gc_result res;
        char d[HUSK_DIGEST_LEN];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path), *other = open_store(t.path);
        CHECK(s && other);
        /* a blob written but not yet recorded: another handle's GC must leave it */
        CHECK(husk_blob_put(s, "in flight", 9, NULL, "blob", d, &err) == 0);
        CHECK(husk_store_gc(other, false, NULL, &res, &err) == 0);
        CHECK(res.busy && res.blobs_removed == 0);
        CHECK(husk_blob_exists(s, d));
        /* released: swept */
        husk_store_unpin(s);
        CHECK(husk_store_gc(other, false, NULL, &res, &err) == 0);
        CHECK(!res.busy && res.blobs_removed == 1);
        CHECK(!husk_blob_exists(s, d));
        /* the next write pins again */
        CHECK(husk_blob_put(s, "again", 5, NULL, "blob", d, &err) == 0);
        CHECK(husk_store_gc(other, false, NULL, &res, &err) == 0);
        CHECK(res.busy);
        husk_store_close(s);
        CHECK(husk_store_gc(other, false, NULL, &res, &err) == 0);
        CHECK(!res.busy && res.blobs_removed == 1);
        husk_store_close(other);
}

TEST(ambiguous_prefix)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct husk_error err = { 0 };
        char m[64][HUSK_DIGEST_LEN], c[64][HUSK_DIGEST_LEN];
        const char *none[] = { NULL };

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        /* 3-hex-digit prefixes: among 64 ids two share one with probability ~40%; look for a pair
           over more candidates by varying "created" until one shows up */
        int a = -1, b = -1;
        for (int i = 0; i < 64 && a < 0; i++) {
                char created[32];
                (void) snprintf(created, sizeof(created), "t%d", i);
                CHECK(put_image(s, created, NULL, NULL, m[i], c[i]) == 0);
                for (int j = 0; j < i; j++)
                        if (strncmp(c[i], c[j], 7 + 2) == 0) {
                                a = j;
                                b = i;
                        }
        }
        if (a < 0) {
                printf("# no pair sharing 2 hex digits among 64 ids (odds ~1e-9)\n");
                CHECK(0);
        }
        CHECK(husk_store_image_add(s, m[a], none, "x:a", NULL, &err) == 0);
        CHECK(husk_store_image_add(s, m[b], none, "x:b", NULL, &err) == 0);
        char prefix[8];
        (void) snprintf(prefix, sizeof(prefix), "%.2s", husk_digest_hex(c[a]));
        struct husk_image img = { 0 };
        /* two digits: too short to be a prefix; three that both share are ambiguous */
        CHECK(husk_store_image_lookup(s, prefix, &img, &err) == -ENOENT);
        if (strncmp(c[a], c[b], 10) == 0) {
                (void) snprintf(prefix, sizeof(prefix), "%.3s", husk_digest_hex(c[a]));
                CHECK(husk_store_image_lookup(s, prefix, &img, &err) == -EINVAL);
                CHECK_CONTAINS(err.msg, "ambiguous");
        }
        husk_store_close(s);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk_image_load on archives and layouts made here (tar_builder.c), in a temporary store: what loads,
 * and the failure paths: bad member names, link loops, wrong sizes, counts, nesting, fifos, names. A
 * failed load leaves no image record.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/transfer.h"
#include "util/cleanup.h"
#include "store_test_util.h"
#include "tar_builder.h"
#include "test.h"

/* One layer (etc/hello), its gzip blob, the config naming its diff_id. */
struct image_parts {
        unsigned char *layer;
        size_t layer_len;
        char layer_digest[HUSK_DIGEST_LEN], diff_id[HUSK_DIGEST_LEN];
        char config[512];
        char config_digest[HUSK_DIGEST_LEN];
};

static void parts_make(struct image_parts *p)
{
        struct tar_builder tb;

        tb_init(&tb);
        tb_dir(&tb, "etc", 0755);
        tb_file(&tb, "etc/hello", "hello\n", 0644);
        tb_finish(&tb);
        husk_digest_buf(tb.buf, tb.used, p->diff_id);
        p->layer = gzip_buf(tb.buf, tb.used, &p->layer_len);
        tb_release(&tb);
        husk_digest_buf(p->layer, p->layer_len, p->layer_digest);
        snprintf(p->config, sizeof(p->config),
                 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                 p->diff_id);
        husk_digest_buf(p->config, strlen(p->config), p->config_digest);
}

static void add_bytes(struct tar_builder *tb, const char *name, const void *data, size_t len)
{
        tb_write(tb, tb_entry(tb, name, AE_IFREG, 0644), data, len);
}

static void add_blob(struct tar_builder *tb, const void *data, size_t len, char *ret)
{
        char name[96], d[HUSK_DIGEST_LEN];

        husk_digest_buf(data, len, d);
        snprintf(name, sizeof(name), "blobs/sha256/%s", husk_digest_hex(d));
        add_bytes(tb, name, data, len);
        if (ret)
                memcpy(ret, d, HUSK_DIGEST_LEN);
}

/* An OCI manifest of p; layer_size_delta falsifies the layer's size. */
static void manifest_of(const struct image_parts *p, long layer_size_delta, char *buf, size_t size)
{
        snprintf(buf, size,
                 "{\"schemaVersion\":2,\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\",\"config\":{\"mediaType\":\""
                 HUSK_MT_OCI_CONFIG "\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\""
                 HUSK_MT_OCI_LAYER_GZIP "\",\"digest\":\"%s\",\"size\":%ld}]}",
                 p->config_digest, strlen(p->config), p->layer_digest, (long) p->layer_len + layer_size_delta);
}

static void index_entry(char *buf, size_t size, const char *media_type, const char *digest, size_t len,
                        const char *ref)
{
        snprintf(buf, size,
                 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu%s%s%s}]}",
                 media_type, digest, len, ref ? ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" : "",
                 ref ? ref : "", ref ? "\"}" : "");
}

/* The finished archive written to <root>/a.tar (inside the temporary root: removed with it whatever
   happens). */
static int write_archive(struct tar_builder *tb, const char *root, char path[static 96])
{
        tb_finish(tb);
        snprintf(path, 96, "%s/a.tar", root);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, tb->buf, tb->used);
        bool whole = n == (ssize_t) tb->used;
        close(fd);
        tb_release(tb);
        return whole ? 0 : -1;
}

static size_t n_images(struct husk_store *s)
{
        struct husk_image *imgs = NULL;
        size_t n = 0;
        struct husk_error err = { 0 };

        if (husk_store_image_list(s, &imgs, &n, &err) < 0)
                return 999;
        husk_image_list_free(imgs, n);
        return n;
}

/* Load path into a fresh store at <root>/store; err gets the error. */
static int load(const char *root, const char *path, const struct husk_load_opts *opts, char ***ret_ids,
                size_t *ret_images, struct husk_error *err)
{
        char store[96];
        snprintf(store, sizeof(store), "%s/store", root);
        struct husk_store *s = open_store(store);
        if (!s)
                return -EIO;
        int r = husk_image_load(s, path, opts, ret_ids, err);
        *ret_images = n_images(s);
        husk_store_close(s);
        return r;
}

TEST(oci_archive_loads_with_its_name)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct image_parts p;
        struct tar_builder tb;
        char manifest[1024], index[1024], md[HUSK_DIGEST_LEN], path[96];
        struct husk_error err = { 0 };
        char **ids = NULL;
        size_t n;

        CHECK(tmp_root_make(&t) == 0);
        parts_make(&p);
        tb_init(&tb);
        add_blob(&tb, p.layer, p.layer_len, NULL);
        add_blob(&tb, p.config, strlen(p.config), NULL);
        manifest_of(&p, 0, manifest, sizeof(manifest));
        add_blob(&tb, manifest, strlen(manifest), md);
        index_entry(index, sizeof(index), HUSK_MT_OCI_MANIFEST, md, strlen(manifest), "busybox:t");
        tb_file(&tb, "index.json", index, 0644);
        tb_file(&tb, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 0644);
        CHECK(write_archive(&tb, t.path, path) == 0);

        int r = load(t.path, path, NULL, &ids, &n, &err);
        if (r < 0)
                printf("# %s\n", err.msg);
        CHECK(r == 0);
        CHECK(ids && ids[0] && !ids[1]);
        CHECK_STR_EQ(ids[0], p.config_digest);
        CHECK(n == 1);
        husk_strv_free(ids);

        char store[96];
        snprintf(store, sizeof(store), "%s/store", t.path);
        struct husk_store *s = open_store(store);
        struct husk_image img = { 0 };
        CHECK(s);
        r = husk_store_image_lookup(s, "busybox:t", &img, &err);
        husk_store_close(s);
        CHECK(r == 0);
        CHECK_STR_EQ(img.manifest, md);
        CHECK_STR_EQ(img.layers[0], p.diff_id);
        husk_image_free(&img);
        free(p.layer);
}

/* Each archive below must fail with msg in the error and leave no image. */
static void expect_refused(int *failed_, struct tar_builder *tb, const struct husk_load_opts *opts, int code,
                           const char *msg)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        char path[96];
        struct husk_error err = { 0 };
        char **ids = NULL;
        size_t n;

        CHECK(tmp_root_make(&t) == 0);
        CHECK(write_archive(tb, t.path, path) == 0);
        int r = load(t.path, path, opts, &ids, &n, &err);
        if (r != code || !strstr(err.msg, msg))
                printf("# %d: %s\n", r, err.msg);
        CHECK(r == code);
        CHECK_CONTAINS(err.msg, msg);
        CHECK(ids == NULL);
        CHECK(n == 0);
}

TEST(member_outside_the_archive_refused)
{
        struct tar_builder tb;

        tb_init(&tb);
        tb_file(&tb, "../evil", "x", 0644);
        expect_refused(failed_, &tb, NULL, -EINVAL, "member \"../evil\": not a path inside the archive");
        tb_init(&tb);
        expect_refused(failed_, &tb, NULL, -EINVAL, "an empty archive");
}

TEST(docker_archive_link_loop_and_missing_layer)
{
        struct image_parts p;
        struct tar_builder tb;
        char mj[512];

        parts_make(&p);
        tb_init(&tb);
        add_bytes(&tb, "c.json", p.config, strlen(p.config));
        tb_symlink(&tb, "a", "b");
        tb_symlink(&tb, "b", "a");
        tb_file(&tb, "manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"a\"]}]", 0644);
        expect_refused(failed_, &tb, NULL, -ELOOP, "manifest.json: [0].Layers[0]: a: too many levels of links");

        tb_init(&tb);
        add_bytes(&tb, "c.json", p.config, strlen(p.config));
        add_bytes(&tb, "l.tar", p.layer, p.layer_len);
        snprintf(mj, sizeof(mj), "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l.tar\",\"l.tar\"]}]");
        tb_file(&tb, "manifest.json", mj, 0644);
        expect_refused(failed_, &tb, NULL, -EINVAL, "rootfs.diff_ids lists 1 layers, the image has 2");

        tb_init(&tb);
        add_bytes(&tb, "c.json", p.config, strlen(p.config));
        tb_file(&tb, "manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"Bad:Name\"],\"Layers\":[]}]", 0644);
        expect_refused(failed_, &tb, NULL, -EINVAL, "manifest.json: [0].RepoTags[0]: ");
        free(p.layer);
}

TEST(oci_size_nesting_and_name_errors)
{
        struct image_parts p;
        struct tar_builder tb;
        char manifest[1024], index[1024], md[HUSK_DIGEST_LEN], id[HUSK_DIGEST_LEN];

        parts_make(&p);
        /* The layer's descriptor says one byte more than the blob has. */
        tb_init(&tb);
        add_blob(&tb, p.layer, p.layer_len, NULL);
        add_blob(&tb, p.config, strlen(p.config), NULL);
        manifest_of(&p, 1, manifest, sizeof(manifest));
        add_blob(&tb, manifest, strlen(manifest), md);
        index_entry(index, sizeof(index), HUSK_MT_OCI_MANIFEST, md, strlen(manifest), NULL);
        tb_file(&tb, "index.json", index, 0644);
        expect_refused(failed_, &tb, NULL, -EINVAL, "layers[0]: blobs/sha256/");

        /* Indexes nested nine deep. */
        tb_init(&tb);
        add_blob(&tb, p.layer, p.layer_len, NULL);
        add_blob(&tb, p.config, strlen(p.config), NULL);
        manifest_of(&p, 0, manifest, sizeof(manifest));
        add_blob(&tb, manifest, strlen(manifest), md);
        const char *mt = HUSK_MT_OCI_MANIFEST;
        for (int i = 0; i < 9; i++) {
                /* strlen(index): the previous index's size, measured before it is overwritten. */
                index_entry(index, sizeof(index), mt, md, i == 0 ? strlen(manifest) : strlen(index), NULL);
                add_blob(&tb, index, strlen(index), id);
                memcpy(md, id, HUSK_DIGEST_LEN);
                mt = HUSK_MT_OCI_INDEX;
        }
        index_entry(index, sizeof(index), HUSK_MT_OCI_INDEX, md, strlen(index), NULL);
        tb_file(&tb, "index.json", index, 0644);
        expect_refused(failed_, &tb, NULL, -ELOOP, "indexes nested deeper than 8");

        /* Two images and a name to give: which one is meant? */
        tb_init(&tb);
        add_blob(&tb, p.layer, p.layer_len, NULL);
        add_blob(&tb, p.config, strlen(p.config), NULL);
        manifest_of(&p, 0, manifest, sizeof(manifest));
        add_blob(&tb, manifest, strlen(manifest), md);
        snprintf(index, sizeof(index),
                 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu},"
                 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}]}",
                 HUSK_MT_OCI_MANIFEST, md, strlen(manifest), HUSK_MT_OCI_MANIFEST, md, strlen(manifest));
        tb_file(&tb, "index.json", index, 0644);
        struct husk_load_opts o = { .name = "x:1" };
        expect_refused(failed_, &tb, &o, -EINVAL, "holds 2 images; a name given to load names only one");
        free(p.layer);
}

TEST(size_mismatch_message)
{
        /* The exact words, with the sizes: "N bytes, the descriptor says N+1". */
        struct image_parts p;
        struct tar_builder tb;
        char manifest[1024], index[1024], md[HUSK_DIGEST_LEN], msg[128];

        parts_make(&p);
        tb_init(&tb);
        add_blob(&tb, p.layer, p.layer_len, NULL);
        add_blob(&tb, p.config, strlen(p.config), NULL);
        manifest_of(&p, 1, manifest, sizeof(manifest));
        add_blob(&tb, manifest, strlen(manifest), md);
        index_entry(index, sizeof(index), HUSK_MT_OCI_MANIFEST, md, strlen(manifest), NULL);
        tb_file(&tb, "index.json", index, 0644);
        snprintf(msg, sizeof(msg), "%zu bytes, the descriptor says %zu", p.layer_len, p.layer_len + 1);
        expect_refused(failed_, &tb, NULL, -EINVAL, msg);
        free(p.layer);
}

TEST(layout_directory_with_a_fifo_blob)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        _cleanup_tmp_root_ struct tmp_root dir = { 0 };
        struct image_parts p;
        char manifest[1024], index[1024], md[HUSK_DIGEST_LEN], path[256];
        struct husk_error err = { 0 };
        char **ids = NULL;
        size_t n;

        CHECK(tmp_root_make(&t) == 0 && tmp_root_make(&dir) == 0);
        parts_make(&p);
        snprintf(path, sizeof(path), "%s/blobs/sha256", dir.path);
        CHECK(husk_mkdir_p(path, 0755, &err) == 0);
        manifest_of(&p, 0, manifest, sizeof(manifest));
        husk_digest_buf(manifest, strlen(manifest), md);
        /* The manifest is a fifo: refused without blocking on it. */
        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir.path, husk_digest_hex(md));
        CHECK(mkfifo(path, 0644) == 0);
        index_entry(index, sizeof(index), HUSK_MT_OCI_MANIFEST, md, strlen(manifest), NULL);
        snprintf(path, sizeof(path), "%s/index.json", dir.path);
        CHECK(husk_write_file_atomic_at(AT_FDCWD, path, index, strlen(index), 0644, false, &err) == 0);

        int r = load(t.path, dir.path, NULL, &ids, &n, &err);
        CHECK(r == -EINVAL);
        CHECK_CONTAINS(err.msg, "not a regular file");
        CHECK(n == 0);
        free(p.layer);
}

RUN_TESTS()

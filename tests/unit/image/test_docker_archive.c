/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "image/digest.h"
#include "image/transfer_internal.h"
#include "test.h"

static int clean(const char *in, char **out)
{
        *out = NULL;
        return husk_archive_path_clean(in, out);
}

TEST(archive_paths)
{
        char *p;

        CHECK(clean("./blobs//sha256/./ab", &p) == 0);
        CHECK_STR_EQ(p, "blobs/sha256/ab");
        free(p);
        CHECK(clean("/manifest.json", &p) == 0);
        CHECK_STR_EQ(p, "manifest.json");
        free(p);
        CHECK(clean("abc/", &p) == 0);
        CHECK_STR_EQ(p, "abc");
        free(p);
        CHECK(clean("a/../../etc/passwd", &p) == -EINVAL);
        CHECK(clean("..", &p) == -EINVAL);
        CHECK(clean("./", &p) == -EINVAL);
        CHECK(clean("", &p) == -EINVAL);
        /* ".." only as a whole component */
        CHECK(clean("a/..b/c..", &p) == 0);
        CHECK_STR_EQ(p, "a/..b/c..");
        free(p);
}

static const char docker_save[] =
        "[{\"Config\":\"0123.json\",\"RepoTags\":[\"busybox:latest\",\"x/y:1\"],"
        "\"Layers\":[\"aa/layer.tar\",\"./bb/layer.tar\"]},"
        " {\"Config\":\"4567.json\",\"RepoTags\":null,\"Layers\":[]}]";

TEST(manifest_json_parsed)
{
        struct husk_docker_archive a = { 0 };
        struct husk_error err = { 0 };

        CHECK(husk_docker_archive_parse(docker_save, sizeof(docker_save) - 1, "t.tar: manifest.json", &a, &err) == 0);
        CHECK(a.n_images == 2);
        CHECK_STR_EQ(a.images[0].config, "0123.json");
        CHECK_STR_EQ(a.images[0].repo_tags[0], "busybox:latest");
        CHECK_STR_EQ(a.images[0].repo_tags[1], "x/y:1");
        CHECK(a.images[0].repo_tags[2] == NULL);
        CHECK(a.images[0].n_layers == 2);
        CHECK_STR_EQ(a.images[0].layers[1], "bb/layer.tar");
        CHECK(a.images[0].layers[2] == NULL);
        CHECK(a.images[1].repo_tags[0] == NULL);
        CHECK(a.images[1].n_layers == 0);
        husk_docker_archive_free(&a);
}

static void expect_error(int *failed_, const char *json, const char *msg)
{
        struct husk_docker_archive a = { 0 };
        struct husk_error err = { 0 };

        CHECK(husk_docker_archive_parse(json, strlen(json), "t.tar: manifest.json", &a, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, msg);
        CHECK(a.images == NULL);
}

TEST(manifest_json_errors_name_the_field)
{
        expect_error(failed_, "{}", "t.tar: manifest.json: not a JSON array");
        expect_error(failed_, "[", "t.tar: manifest.json: line");
        expect_error(failed_, "[]", "no image in it");
        expect_error(failed_, "[1]", "manifest.json: [0]: not an object");
        expect_error(failed_, "[{\"Layers\":[]}]", "manifest.json: [0].Config: missing");
        expect_error(failed_, "[{\"Config\":\"c\"}]", "[0].Layers: missing");
        expect_error(failed_, "[{\"Config\":\"c\",\"Layers\":[\"a\",5]}]", "[0].Layers[1]: not a string");
        expect_error(failed_, "[{\"Config\":\"c\",\"Layers\":[\"../x\"]}]",
                     "[0].Layers[0]: \"../x\" is not a path inside the archive");
        expect_error(failed_, "[{\"Config\":\"c\",\"Layers\":[],\"RepoTags\":\"a\"}]", "[0].RepoTags: not an array");
        expect_error(failed_, "[{\"Config\":\"c\",\"Layers\":[],\"RepoTags\":[\"\"]}]", "[0].RepoTags[0]: not a name");
        expect_error(failed_, "[{\"Config\":\"c\",\"Config\":\"d\",\"Layers\":[]}]", "duplicate");
}

TEST(synthesised_manifest_as_containers_image)
{
        struct husk_error err = { 0 };
        const char *layers[] = { "sha256:1111111111111111111111111111111111111111111111111111111111111111",
                                 "sha256:2222222222222222222222222222222222222222222222222222222222222222" };
        int64_t sizes[] = { 1024, 2048 };
        char *m = NULL;
        size_t len = 0;

        CHECK(husk_docker_manifest_synthesise("sha256:0000000000000000000000000000000000000000000000000000000000000000",
                                              500, 2, layers, sizes, &m, &len, &err) == 0);
        CHECK(len == strlen(m));
        CHECK_STR_EQ(m, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                        "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":500,"
                        "\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"},"
                        "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":1024,"
                        "\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},"
                        "{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":2048,"
                        "\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"}]}");
        free(m);
}

RUN_TESTS()

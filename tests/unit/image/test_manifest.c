/* SPDX-License-Identifier: Apache-2.0 */
/* Manifests, indexes, image configs: the fields read, and errors that name the document and field. */
#include <errno.h>

#include "image/manifest.h"
#include "test.h"
#include "util/cleanup.h"

#define HA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static const char oci_manifest[] =
        "{\"schemaVersion\":2,\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\","
        "\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":123},"
        "\"layers\":[{\"mediaType\":\"" HUSK_MT_OCI_LAYER_GZIP "\",\"digest\":\"" HB "\",\"size\":1000},"
        "{\"mediaType\":\"" HUSK_MT_OCI_LAYER_ZSTD "\",\"digest\":\"" HC "\",\"size\":7,"
        "\"annotations\":{\"x\":\"y\"}}]}";

static int parse_m(const char *json, struct husk_manifest *m, struct husk_error *err)
{
        return husk_manifest_parse(json, strlen(json), "manifest M", m, err);
}

TEST(oci_manifest)
{
        struct husk_manifest m = { 0 };
        struct husk_error err = { 0 };
        enum husk_doc_kind k;

        CHECK(husk_doc_kind(oci_manifest, sizeof(oci_manifest) - 1, "m", &k, &err) == 0);
        CHECK(k == HUSK_DOC_MANIFEST);
        CHECK(parse_m(oci_manifest, &m, &err) == 0);
        CHECK_STR_EQ(m.media_type, HUSK_MT_OCI_MANIFEST);
        CHECK_STR_EQ(m.config.digest, HA);
        CHECK(m.config.size == 123);
        CHECK(m.n_layers == 2);
        CHECK_STR_EQ(m.layers[0].digest, HB);
        CHECK_STR_EQ(m.layers[1].media_type, HUSK_MT_OCI_LAYER_ZSTD);
        CHECK(m.layers[1].size == 7);
        husk_manifest_free(&m);
}

TEST(docker_manifest_and_no_media_type)
{
        static const char docker[] =
                "{\"schemaVersion\":2,\"mediaType\":\"" HUSK_MT_DOCKER_MANIFEST "\","
                "\"config\":{\"mediaType\":\"" HUSK_MT_DOCKER_CONFIG "\",\"digest\":\"" HA "\",\"size\":1},"
                "\"layers\":[{\"mediaType\":\"" HUSK_MT_DOCKER_LAYER_GZIP "\",\"digest\":\"" HB "\",\"size\":2}]}";
        static const char bare[] =
                "{\"schemaVersion\":2,"
                "\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":1},"
                "\"layers\":[]}";
        struct husk_manifest m = { 0 };
        struct husk_error err = { 0 };
        enum husk_doc_kind k;

        CHECK(parse_m(docker, &m, &err) == 0);
        CHECK_STR_EQ(m.media_type, HUSK_MT_DOCKER_MANIFEST);
        CHECK_STR_EQ(m.layers[0].media_type, HUSK_MT_DOCKER_LAYER_GZIP);
        husk_manifest_free(&m);
        CHECK(husk_doc_kind(bare, sizeof(bare) - 1, "m", &k, &err) == 0 && k == HUSK_DOC_MANIFEST);
        CHECK(parse_m(bare, &m, &err) == 0);
        CHECK_STR_EQ(m.media_type, HUSK_MT_OCI_MANIFEST);
        CHECK(m.n_layers == 0);
        husk_manifest_free(&m);
}

TEST(manifest_errors_name_the_field)
{
        static const struct {
                const char *json, *want;
        } cases[] = {
                { "[]", "manifest M: must be a JSON object" },
                { "{\"schemaVersion\":1}", "manifest M: schemaVersion: Docker schema 1" },
                { "{\"schemaVersion\":3}", "manifest M: schemaVersion: must be 2" },
                { "{\"schemaVersion\":2}", "manifest M: config: is required" },
                { "{\"schemaVersion\":2,\"mediaType\":\"" HUSK_MT_OCI_INDEX "\"}", "manifest M: mediaType: unexpected" },
                { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":-1},\"layers\":[]}",
                  "manifest M: config.size" },
                { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"text/plain\",\"digest\":\"" HA "\",\"size\":1},\"layers\":[]}",
                  "manifest M: config.mediaType: unsupported media type \"text/plain\"" },
                { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":1}}",
                  "manifest M: layers: is required" },
                { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":1},"
                  "\"layers\":[{\"mediaType\":\"" HUSK_MT_OCI_LAYER "\",\"digest\":\"sha256:XYZ\",\"size\":1}]}",
                  "manifest M: layers[0].digest: invalid digest" },
                { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":1},"
                  "\"layers\":[{\"mediaType\":\"" HUSK_MT_OCI_LAYER "\",\"digest\":\"" HB "\",\"size\":1},"
                  "{\"mediaType\":\"" HUSK_MT_OCI_LAYER "\",\"digest\":\"sha512:00\",\"size\":1}]}",
                  "manifest M: layers[1].digest: unsupported digest algorithm" },
                { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":1},"
                  "\"layers\":[{\"mediaType\":\"application/x-foo\",\"digest\":\"" HB "\",\"size\":1}]}",
                  "manifest M: layers[0].mediaType: unsupported media type" },
                { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"" HA "\",\"size\":1},"
                  "\"layers\":[7]}", "manifest M: layers[0]: must be an object" },
                { "{\"schemaVersion\":2,", "manifest M: line 1" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cases); i++) {
                struct husk_manifest m = { 0 };
                struct husk_error err = { 0 };
                CHECK(parse_m(cases[i].json, &m, &err) == -EINVAL);
                CHECK_CONTAINS(err.msg, cases[i].want);
                CHECK(m.layers == NULL && m.media_type == NULL);
        }
}

static const char index_json[] =
        "{\"schemaVersion\":2,\"mediaType\":\"" HUSK_MT_OCI_INDEX "\",\"manifests\":["
        "{\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\",\"digest\":\"" HA "\",\"size\":1,"
        " \"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
        "{\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\",\"digest\":\"" HB "\",\"size\":2,"
        " \"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"},"
        " \"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}},"
        "{\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\",\"digest\":\"" HC "\",\"size\":3,"
        " \"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
        "{\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\",\"digest\":\"" HC "\",\"size\":3,"
        " \"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";

TEST(index_and_selection)
{
        struct husk_index idx = { 0 };
        struct husk_error err = { 0 };
        const struct husk_descriptor *d = NULL;
        enum husk_doc_kind k;

        CHECK(husk_doc_kind(index_json, sizeof(index_json) - 1, "i", &k, &err) == 0 && k == HUSK_DOC_INDEX);
        CHECK(husk_index_parse(index_json, sizeof(index_json) - 1, "index I", &idx, &err) == 0);
        CHECK(idx.n_manifests == 4);
        CHECK_STR_EQ(idx.manifests[1].ref_name, "v1");
        CHECK_STR_EQ(idx.manifests[0].variant, "v6");

        CHECK(husk_index_select(&idx, "linux", "amd64", NULL, "I", &d, &err) == 0);
        CHECK_STR_EQ(d->digest, HC);
        /* arm64/v8 matches an entry that leaves the variant out */
        CHECK(husk_index_select(&idx, "linux", "arm64", "v8", "I", &d, &err) == 0);
        CHECK_STR_EQ(d->digest, HB);
        CHECK(husk_index_select(&idx, "linux", "arm", "v6", "I", &d, &err) == 0);
        CHECK_STR_EQ(d->digest, HA);
        CHECK(husk_index_select(&idx, "linux", "arm", "v7", "I", &d, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "I: no manifest for platform linux/arm/v7");
        CHECK_CONTAINS(err.msg, "linux/arm/v6, linux/arm64, linux/amd64");
        CHECK(husk_index_select(&idx, "windows", "amd64", NULL, "I", &d, &err) == -ENOENT);
        /* the host's own platform: this build's */
        const char *os, *arch, *variant;
        husk_platform_host(&os, &arch, &variant);
        CHECK_STR_EQ(os, "linux");
#if defined(__x86_64__)
        CHECK_STR_EQ(arch, "amd64");
        CHECK(husk_index_select(&idx, NULL, NULL, NULL, "I", &d, &err) == 0);
        CHECK_STR_EQ(d->digest, HC);
#endif
        husk_index_free(&idx);
}

TEST(index_errors)
{
        static const struct {
                const char *json, *want;
        } cases[] = {
                { "{\"schemaVersion\":2,\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\",\"manifests\":[]}",
                  "index I: mediaType: unexpected media type" },
                { "{\"schemaVersion\":2}", "index I: manifests: is required" },
                { "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\",\"digest\":\"" HA "\",\"size\":1,"
                  "\"platform\":{\"os\":\"linux\"}}]}", "index I: manifests[0].platform.architecture: is required" },
                { "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\",\"size\":1}]}",
                  "index I: manifests[0].digest: is required" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cases); i++) {
                struct husk_index idx = { 0 };
                struct husk_error err = { 0 };
                CHECK(husk_index_parse(cases[i].json, strlen(cases[i].json), "index I", &idx, &err) == -EINVAL);
                CHECK_CONTAINS(err.msg, cases[i].want);
        }
}

TEST(image_config)
{
        static const char json[] =
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
                "\"config\":{\"User\":\"1000:1000\",\"Env\":[\"PATH=/bin\",\"A=b\"],\"Entrypoint\":null,"
                "\"Cmd\":[\"sh\"],\"WorkingDir\":\"/w\",\"StopSignal\":\"SIGINT\","
                "\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{}}},"
                "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" HA "\",\"" HB "\"]}}";
        struct husk_image_config c = { 0 };
        struct husk_error err = { 0 };

        CHECK(husk_image_config_parse(json, sizeof(json) - 1, "config C", &c, &err) == 0);
        CHECK_STR_EQ(c.os, "linux");
        CHECK_STR_EQ(c.architecture, "amd64");
        CHECK(c.variant == NULL);
        CHECK(c.n_diff_ids == 2);
        CHECK_STR_EQ(c.diff_ids[1], HB);
        CHECK(c.diff_ids[2] == NULL);
        CHECK_STR_EQ(c.user, "1000:1000");
        CHECK_STR_EQ(c.env[1], "A=b");
        CHECK(c.has_entrypoint && c.entrypoint == NULL);
        CHECK(c.has_cmd);
        CHECK_STR_EQ(c.cmd[0], "sh");
        CHECK_STR_EQ(c.exposed_ports[0], "80/tcp");
        CHECK(c.exposed_ports[1] == NULL);
        CHECK_STR_EQ(c.volumes[0], "/data");
        CHECK_STR_EQ(c.working_dir, "/w");
        CHECK_STR_EQ(c.stop_signal, "SIGINT");
        husk_image_config_free(&c);

        static const char minimal[] = "{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        CHECK(husk_image_config_parse(minimal, sizeof(minimal) - 1, "config C", &c, &err) == 0);
        CHECK(c.n_diff_ids == 0 && !c.has_cmd && !c.has_entrypoint);
        husk_image_config_free(&c);
}

TEST(image_config_errors)
{
        static const struct {
                const char *json, *want;
        } cases[] = {
                { "{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config C: architecture: is required" },
                { "{\"os\":\"linux\",\"architecture\":\"amd64\"}", "config C: rootfs: is required" },
                { "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"x\",\"diff_ids\":[]}}",
                  "config C: rootfs.type: must be \"layers\"" },
                { "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\"}}",
                  "config C: rootfs.diff_ids: is required" },
                { "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" HA "\",\"sha256:1\"]}}",
                  "config C: rootfs.diff_ids[1]: invalid digest" },
                { "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                  "\"config\":{\"Env\":[1]}}", "config C: config.Env[0]: must be a string" },
                { "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                  "\"config\":{\"ExposedPorts\":[\"80\"]}}", "config C: config.ExposedPorts" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(cases); i++) {
                struct husk_image_config c = { 0 };
                struct husk_error err = { 0 };
                CHECK(husk_image_config_parse(cases[i].json, strlen(cases[i].json), "config C", &c, &err) == -EINVAL);
                CHECK_CONTAINS(err.msg, cases[i].want);
        }
}

RUN_TESTS()

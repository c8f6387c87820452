/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifests, indexes and image configs (image-spec manifest.md, image-index.md, config.md; Docker's
 * schema 2 and manifest lists). The documents come from archives and registries: nothing in them is
 * trusted, every field is type-checked, and errors name the document and the JSON path.
 */
#include "image/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "oci/config_json.h"
#include "util/cleanup.h"

/* Far beyond any real image (overlayfs stacks at most 500 layers), small enough that a hostile
   document cannot make us allocate much. */
#define MAX_LAYERS 4096
#define MAX_MANIFESTS 4096

#define _cleanup_json_ _cleanup_(json_decrefp)

static const char *const manifest_types[] = { HUSK_MT_OCI_MANIFEST, HUSK_MT_DOCKER_MANIFEST, NULL };
static const char *const index_types[] = { HUSK_MT_OCI_INDEX, HUSK_MT_DOCKER_LIST, NULL };
static const char *const config_types[] = { HUSK_MT_OCI_CONFIG, HUSK_MT_DOCKER_CONFIG, NULL };
static const char *const layer_types[] = {
        HUSK_MT_OCI_LAYER, HUSK_MT_OCI_LAYER_GZIP, HUSK_MT_OCI_LAYER_ZSTD, HUSK_MT_DOCKER_LAYER_GZIP,
        /* Docker's uncompressed form, and the "foreign"/"non-distributable" kinds whose blob may
           still be present locally (Windows base layers; deprecated in OCI 1.1). */
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        NULL,
};

void husk_descriptor_free(struct husk_descriptor *d)
{
        if (!d)
                return;
        free(d->media_type);
        free(d->os);
        free(d->architecture);
        free(d->variant);
        free(d->ref_name);
        *d = (struct husk_descriptor) { 0 };
}

static int load_object(struct husk_jctx *c, const char *json, size_t len, json_t **ret)
{
        json_t *doc = NULL;
        int r = husk_jload(c, json, len, &doc);
        if (r < 0)
                return r;
        if (!json_is_object(doc)) {
                json_decref(doc);
                return husk_jfail(c, "must be a JSON object");
        }
        *ret = doc;
        return 0;
}

/* schemaVersion 2; version 1 (Docker's signed manifests) is named as such. */
static int check_schema_version(struct husk_jctx *c, json_t *doc)
{
        int64_t v = 0;
        int r = husk_jint64(c, doc, "schemaVersion", true, INT64_MIN, INT64_MAX, &v, NULL);
        if (r < 0)
                return r;
        if (v == 1)
                return husk_jfail_key(c, "schemaVersion", "Docker schema 1 manifests are not supported");
        if (v != 2)
                return husk_jfail_key(c, "schemaVersion", "must be 2, not %lld", (long long) v);
        return 0;
}

/* An optional top-level mediaType must be one of `allowed`; *ret_mt gets it or `fallback`. */
static int doc_media_type(struct husk_jctx *c, json_t *doc, const char *const *allowed, const char *fallback,
                          char **ret_mt)
{
        _cleanup_free_ char *mt = NULL;
        int r = husk_jstring(c, doc, "mediaType", false, &mt);
        if (r < 0)
                return r;
        if (mt && husk_name_index(allowed, mt) < 0)
                return husk_jfail_key(c, "mediaType", "unexpected media type \"%.200s\" (want %s or %s)", mt,
                                      allowed[0], allowed[1]);
        if (!mt && !(mt = strdup(fallback)))
                return husk_error_errno(c->err, ENOMEM, "%s", c->name);
        *ret_mt = steal_ptr(mt);
        return 0;
}

/* A descriptor (descriptor.md): mediaType, digest (sha256 only) and size are required. */
static int parse_descriptor(struct husk_jctx *c, json_t *v, struct husk_descriptor *d,
                            const char *const *allowed_types)
{
        _cleanup_free_ char *digest = NULL;
        int r;

        if ((r = husk_jstring(c, v, "mediaType", true, &d->media_type)) < 0 ||
            (r = husk_jstring(c, v, "digest", true, &digest)) < 0 ||
            (r = husk_jint64(c, v, "size", true, 0, INT64_MAX, &d->size, NULL)) < 0)
                return r;
        if (allowed_types && husk_name_index(allowed_types, d->media_type) < 0)
                return husk_jfail_key(c, "mediaType", "unsupported media type \"%.200s\"", d->media_type);
        if (!husk_digest_is_valid(digest)) {
                size_t old = husk_jpush_key(c, "digest");
                char what[HUSK_JPATH_MAX + 256];
                (void) snprintf(what, sizeof(what), "%s: %s", c->name, c->path);
                husk_jpop(c, old);
                return husk_digest_validate(digest, what, c->err);
        }
        memcpy(d->digest, digest, HUSK_DIGEST_LEN);

        json_t *ann = NULL;
        if ((r = husk_jobject(c, v, "annotations", false, &ann)) < 0)
                return r;
        if (ann) {
                size_t old = husk_jpush_key(c, "annotations");
                r = husk_jstring(c, ann, "org.opencontainers.image.ref.name", false, &d->ref_name);
                husk_jpop(c, old);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_layer(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        return parse_descriptor(c, e, elem, layer_types);
}

static int parse_index_entry(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        struct husk_descriptor *d = elem;
        json_t *p = NULL;
        int r;

        (void) i;
        (void) userdata;
        /* Entries may be manifests, nested indexes or artifacts: the type is checked on selection. */
        if ((r = parse_descriptor(c, e, d, NULL)) < 0 || (r = husk_jobject(c, e, "platform", false, &p)) < 0)
                return r;
        if (!p)
                return 0;
        size_t old = husk_jpush_key(c, "platform");
        if ((r = husk_jstring(c, p, "os", true, &d->os)) == 0 &&
            (r = husk_jstring(c, p, "architecture", true, &d->architecture)) == 0)
                r = husk_jstring(c, p, "variant", false, &d->variant);
        husk_jpop(c, old);
        return r;
}

static int check_count(struct husk_jctx *c, json_t *doc, const char *key, size_t max, bool nonempty)
{
        json_t *a = NULL;
        int r = husk_jarray(c, doc, key, true, &a);
        if (r < 0)
                return r;
        if (json_array_size(a) > max)
                return husk_jfail_key(c, key, "too many entries (%zu, at most %zu)", json_array_size(a), max);
        if (nonempty && json_array_size(a) == 0)
                return husk_jfail_key(c, key, "must not be empty");
        return 0;
}

int husk_doc_kind(const char *json, size_t len, const char *what, enum husk_doc_kind *ret, struct husk_error *err)
{
        struct husk_jctx c = { .name = what ? what : "manifest", .err = err };
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_free_ char *mt = NULL;
        int r;

        if ((r = load_object(&c, json, len, &doc)) < 0 || (r = husk_jstring(&c, doc, "mediaType", false, &mt)) < 0)
                return r;
        if (mt) {
                if (husk_name_index(manifest_types, mt) >= 0) {
                        *ret = HUSK_DOC_MANIFEST;
                        return 0;
                }
                if (husk_name_index(index_types, mt) >= 0) {
                        *ret = HUSK_DOC_INDEX;
                        return 0;
                }
                return husk_jfail_key(&c, "mediaType", "not an image manifest or index: \"%.200s\"", mt);
        }
        /* OCI documents may leave mediaType out (image-spec 1.0): tell them apart by their members. */
        if (husk_jget(doc, "manifests")) {
                *ret = HUSK_DOC_INDEX;
                return 0;
        }
        if (husk_jget(doc, "config") || husk_jget(doc, "layers")) {
                *ret = HUSK_DOC_MANIFEST;
                return 0;
        }
        if ((r = check_schema_version(&c, doc)) < 0)
                return r;
        return husk_jfail(&c, "neither a manifest (config, layers) nor an index (manifests)");
}

void husk_manifest_free(struct husk_manifest *m)
{
        if (!m)
                return;
        free(m->media_type);
        husk_descriptor_free(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                husk_descriptor_free(&m->layers[i]);
        free(m->layers);
        *m = (struct husk_manifest) { 0 };
}

static void manifest_freep(struct husk_manifest *m)
{
        husk_manifest_free(m);
}

int husk_manifest_parse(const char *json, size_t len, const char *what, struct husk_manifest *ret,
                        struct husk_error *err)
{
        struct husk_jctx c = { .name = what ? what : "manifest", .err = err };
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_(manifest_freep) struct husk_manifest m = { 0 };
        json_t *cfg = NULL;
        int r;

        if ((r = load_object(&c, json, len, &doc)) < 0 || (r = check_schema_version(&c, doc)) < 0 ||
            (r = doc_media_type(&c, doc, manifest_types, HUSK_MT_OCI_MANIFEST, &m.media_type)) < 0 ||
            (r = husk_jobject(&c, doc, "config", true, &cfg)) < 0)
                return r;
        size_t old = husk_jpush_key(&c, "config");
        r = parse_descriptor(&c, cfg, &m.config, config_types);
        husk_jpop(&c, old);
        if (r < 0)
                return r;
        /* An image without layers is legal (image-spec 1.1 only recommends one); `layers` itself is not
           optional. */
        if ((r = check_count(&c, doc, "layers", MAX_LAYERS, false)) < 0 ||
            (r = husk_jobject_array(&c, doc, "layers", sizeof(struct husk_descriptor), &m.layers, &m.n_layers,
                                    parse_layer, NULL)) < 0)
                return r;
        *ret = m;
        m = (struct husk_manifest) { 0 };
        return 0;
}

void husk_index_free(struct husk_index *idx)
{
        if (!idx)
                return;
        free(idx->media_type);
        for (size_t i = 0; i < idx->n_manifests; i++)
                husk_descriptor_free(&idx->manifests[i]);
        free(idx->manifests);
        *idx = (struct husk_index) { 0 };
}

static void index_freep(struct husk_index *idx)
{
        husk_index_free(idx);
}

int husk_index_parse(const char *json, size_t len, const char *what, struct husk_index *ret, struct husk_error *err)
{
        struct husk_jctx c = { .name = what ? what : "index", .err = err };
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_(index_freep) struct husk_index idx = { 0 };
        int r;

        if ((r = load_object(&c, json, len, &doc)) < 0 || (r = check_schema_version(&c, doc)) < 0 ||
            (r = doc_media_type(&c, doc, index_types, HUSK_MT_OCI_INDEX, &idx.media_type)) < 0 ||
            (r = check_count(&c, doc, "manifests", MAX_MANIFESTS, false)) < 0 ||
            (r = husk_jobject_array(&c, doc, "manifests", sizeof(struct husk_descriptor), &idx.manifests,
                                    &idx.n_manifests, parse_index_entry, NULL)) < 0)
                return r;
        *ret = idx;
        idx = (struct husk_index) { 0 };
        return 0;
}

void husk_platform_host(const char **ret_os, const char **ret_arch, const char **ret_variant)
{
        /* The platform this binary was built for, in Go's GOARCH names (what indexes use). */
        const char *arch, *variant = NULL;
#if defined(__x86_64__)
        arch = "amd64";
#elif defined(__aarch64__)
        arch = "arm64";
        variant = "v8";
#elif defined(__arm__)
        arch = "arm";
#if defined(__ARM_ARCH) && __ARM_ARCH >= 7
        variant = "v7";
#elif defined(__ARM_ARCH) && __ARM_ARCH == 6
        variant = "v6";
#else
        variant = "v5";
#endif
#elif defined(__i386__)
        arch = "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        arch = "ppc64le";
#elif defined(__s390x__)
        arch = "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
        arch = "riscv64";
#elif defined(__loongarch64)
        arch = "loong64";
#elif defined(__mips64) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        arch = "mips64le";
#else
        arch = "unknown";
#endif
        if (ret_os)
                *ret_os = "linux";
        if (ret_arch)
                *ret_arch = arch;
        if (ret_variant)
                *ret_variant = variant;
}

static bool streq0(const char *a, const char *b)
{
        return strcmp(a ? a : "", b ? b : "") == 0;
}

/* containerd's platforms.Normalize: arm64's only variant is v8, which entries often leave out. */
static bool variant_matches(const char *arch, const char *want, const char *have)
{
        if (!want)
                return true;
        if (strcmp(arch, "arm64") == 0 && streq0(want, "v8") && (!have || !*have))
                return true;
        return streq0(want, have);
}

int husk_index_select(const struct husk_index *idx, const char *os, const char *architecture, const char *variant,
                      const char *what, const struct husk_descriptor **ret, struct husk_error *err)
{
        const char *host_os, *host_arch, *host_variant;

        husk_platform_host(&host_os, &host_arch, &host_variant);
        if (!os)
                os = host_os;
        if (!architecture)
                architecture = host_arch;
        /* An arm host runs only its own variant or older; ask for its own unless told otherwise. */
        if (!variant && strcmp(architecture, host_arch) == 0 && strncmp(architecture, "arm", 3) == 0)
                variant = host_variant;

        for (size_t i = 0; i < idx->n_manifests; i++) {
                const struct husk_descriptor *d = &idx->manifests[i];
                if (husk_name_index(manifest_types, d->media_type) < 0 || !d->os || !d->architecture)
                        continue;
                if (strcmp(d->os, os) == 0 && strcmp(d->architecture, architecture) == 0 &&
                    variant_matches(architecture, variant, d->variant)) {
                        *ret = d;
                        return 0;
                }
        }

        char offered[512] = "";
        size_t off = 0;
        for (size_t i = 0; i < idx->n_manifests && off < sizeof(offered); i++) {
                const struct husk_descriptor *d = &idx->manifests[i];
                if (!d->os || !d->architecture)
                        continue;
                int n = snprintf(offered + off, sizeof(offered) - off, "%s%.32s/%.32s%s%.16s", off ? ", " : "",
                                 d->os, d->architecture, d->variant ? "/" : "", d->variant ? d->variant : "");
                if (n < 0)
                        break;
                off += (size_t) n;
        }
        return husk_error_set(err, ENOENT, "%s: no manifest for platform %s/%s%s%s (the index offers: %s)",
                              what ? what : "index", os, architecture, variant ? "/" : "", variant ? variant : "",
                              off ? offered : "nothing with a platform");
}

void husk_image_config_free(struct husk_image_config *cfg)
{
        if (!cfg)
                return;
        free(cfg->os);
        free(cfg->architecture);
        free(cfg->variant);
        free(cfg->created);
        husk_strv_free(cfg->diff_ids);
        free(cfg->user);
        free(cfg->working_dir);
        free(cfg->stop_signal);
        husk_strv_free(cfg->env);
        husk_strv_free(cfg->entrypoint);
        husk_strv_free(cfg->cmd);
        husk_strv_free(cfg->exposed_ports);
        husk_strv_free(cfg->volumes);
        *cfg = (struct husk_image_config) { 0 };
}

static void image_config_freep(struct husk_image_config *cfg)
{
        husk_image_config_free(cfg);
}

/* {"80/tcp": {}, ...}: the keys, as a NULL-terminated vector. */
static int object_keys(struct husk_jctx *c, json_t *obj, const char *key, char ***ret)
{
        json_t *o = NULL, *v;
        const char *k;
        int r = husk_jobject(c, obj, key, false, &o);
        if (r < 0 || !o)
                return r;
        _cleanup_strv_ char **keys = calloc(json_object_size(o) + 1, sizeof(char *));
        if (!keys)
                return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
        size_t n = 0;
        json_object_foreach(o, k, v) {
                (void) v;
                if (!(keys[n++] = strdup(k)))
                        return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
        }
        *ret = steal_ptr(keys);
        return 0;
}

static int parse_container_config(struct husk_jctx *c, json_t *v, struct husk_image_config *cfg)
{
        int r;

        /* "Entrypoint": null or [] both mean "reset it" to the engine, unlike an absent one. */
        cfg->has_entrypoint = json_object_get(v, "Entrypoint") != NULL;
        cfg->has_cmd = json_object_get(v, "Cmd") != NULL;
        if ((r = husk_jstring(c, v, "User", false, &cfg->user)) < 0 ||
            (r = husk_jstring(c, v, "WorkingDir", false, &cfg->working_dir)) < 0 ||
            (r = husk_jstring(c, v, "StopSignal", false, &cfg->stop_signal)) < 0 ||
            (r = husk_jstrv(c, v, "Env", NULL, &cfg->env, NULL)) < 0 ||
            (r = husk_jstrv(c, v, "Entrypoint", NULL, &cfg->entrypoint, NULL)) < 0 ||
            (r = husk_jstrv(c, v, "Cmd", NULL, &cfg->cmd, NULL)) < 0 ||
            (r = object_keys(c, v, "ExposedPorts", &cfg->exposed_ports)) < 0 ||
            (r = object_keys(c, v, "Volumes", &cfg->volumes)) < 0)
                return r;
        return 0;
}

static int parse_rootfs(struct husk_jctx *c, json_t *v, struct husk_image_config *cfg)
{
        _cleanup_free_ char *type = NULL;
        int r;

        if ((r = husk_jstring(c, v, "type", true, &type)) < 0)
                return r;
        if (strcmp(type, "layers") != 0)
                return husk_jfail_key(c, "type", "must be \"layers\", not \"%.100s\"", type);
        if ((r = check_count(c, v, "diff_ids", MAX_LAYERS, false)) < 0 ||
            (r = husk_jstrv(c, v, "diff_ids", NULL, &cfg->diff_ids, &cfg->n_diff_ids)) < 0)
                return r;
        for (size_t i = 0; i < cfg->n_diff_ids; i++) {
                if (husk_digest_is_valid(cfg->diff_ids[i]))
                        continue;
                char what[HUSK_JPATH_MAX + 256];
                size_t old = husk_jpush_key(c, "diff_ids");
                (void) husk_jpush_index(c, i);
                (void) snprintf(what, sizeof(what), "%s: %s", c->name, c->path);
                husk_jpop(c, old);
                return husk_digest_validate(cfg->diff_ids[i], what, c->err);
        }
        return 0;
}

int husk_image_config_parse(const char *json, size_t len, const char *what, struct husk_image_config *ret,
                            struct husk_error *err)
{
        struct husk_jctx c = { .name = what ? what : "image config", .err = err };
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_(image_config_freep) struct husk_image_config cfg = { 0 };
        json_t *rootfs = NULL;
        int r;

        if ((r = load_object(&c, json, len, &doc)) < 0 ||
            (r = husk_jstring(&c, doc, "os", true, &cfg.os)) < 0 ||
            (r = husk_jstring(&c, doc, "architecture", true, &cfg.architecture)) < 0 ||
            (r = husk_jstring(&c, doc, "variant", false, &cfg.variant)) < 0 ||
            (r = husk_jstring(&c, doc, "created", false, &cfg.created)) < 0 ||
            (r = husk_jobject(&c, doc, "rootfs", true, &rootfs)) < 0)
                return r;
        size_t old = husk_jpush_key(&c, "rootfs");
        r = parse_rootfs(&c, rootfs, &cfg);
        husk_jpop(&c, old);
        if (r < 0 || (r = HUSK_JSECTION(&c, doc, "config", parse_container_config, &cfg)) < 0)
                return r;
        *ret = cfg;
        cfg = (struct husk_image_config) { 0 };
        return 0;
}

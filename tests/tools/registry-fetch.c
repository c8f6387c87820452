/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry-fetch REF OUTDIR [OS/ARCH]: the registry client's download path without the store. Resolves
 * REF (short names, mirrors and insecure registries as `husk pull` does: $HUSK_REGISTRIES_CONF), writes
 * OUTDIR/manifest.json and every blob (config, layers) as OUTDIR/<hex>, each verified by digest, and
 * prints "digest DIGEST" then one "blob DIGEST SIZE" line each. For the registry tests: retries, resumes
 * and refusals seen on their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/reference.h"
#include "registry/blob_fetch.h"
#include "registry/remote.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int write_fd(void *ctx, const void *data, size_t len)
{
        int fd = *(int *) ctx;
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

static int fetch_to(struct husk_session *s, const struct husk_descriptor *d, int dirfd, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, husk_digest_hex(d->digest), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        struct husk_blob_fetch f = { .digest = d->digest, .size = d->size, .what = d->digest, .sink = write_fd,
                                     .sink_ctx = &fd };

        if (fd < 0)
                return husk_error_errno(err, errno, "create %s", d->digest);
        return husk_blob_fetch(s, &f, err);
}

static int run(const char *ref_s, const char *out, const char *platform, struct husk_error *err)
{
        _cleanup_(husk_reference_freep) struct husk_reference ref = { 0 };
        _cleanup_(husk_registries_conf_free) struct husk_registries_conf conf = { 0 };
        _cleanup_(husk_http_freep) struct husk_http *http = NULL;
        _cleanup_(husk_remote_image_free) struct husk_remote_image img = { 0 };
        _cleanup_(husk_session_freep) struct husk_session *s = NULL;
        _cleanup_close_ int dirfd = -1;
        _cleanup_free_ char *plat = platform ? strdup(platform) : NULL;
        struct husk_platform p = { 0 };
        struct husk_endpoint *eps = NULL;
        size_t n_eps = 0;
        int r;

        if (plat) {
                char *slash = strchr(plat, '/');

                p.os = plat;
                if (slash) {
                        *slash = '\0';
                        p.architecture = slash + 1;
                }
        }
        if ((r = husk_reference_parse(ref_s, &ref, err)) < 0 || (r = husk_registries_conf_load(NULL, &conf, err)) < 0 ||
            (r = husk_registries_endpoints(&conf, ref.domain, ref.path, true, &eps, &n_eps, err)) < 0)
                return r;
        r = husk_http_new(&http, err);
        for (size_t i = 0; r == 0 && i < n_eps; i++) {
                struct husk_session_opts o = { .endpoint = &eps[i], .actions = "pull", .tls_verify = -1 };

                husk_session_free(s);
                s = NULL;
                r = husk_session_open(http, &o, &s, err);
                if (r == 0)
                        r = husk_remote_resolve(s, ref.digest ? ref.digest : ref.tag, &p, &img, err);
                if (r < 0 && i + 1 < n_eps) {
                        fprintf(stderr, "mirror failed: %s\n", err->msg);
                        r = 0;
                        continue;
                }
                break;
        }
        husk_endpoints_free(eps, n_eps);
        if (r < 0)
                return r;
        if ((r = husk_mkdir_p(out, 0755, err)) < 0)
                return r;
        dirfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return husk_error_errno(err, errno, "open %s", out);
        if ((r = husk_write_file_atomic_at(dirfd, "manifest.json", img.manifest, img.manifest_len, 0644, false, err)) < 0)
                return r;
        printf("digest %s\n", img.digest);
        if ((r = fetch_to(s, &img.m.config, dirfd, err)) < 0)
                return r;
        printf("blob %s %lld\n", img.m.config.digest, (long long) img.m.config.size);
        for (size_t i = 0; i < img.m.n_layers; i++) {
                if ((r = fetch_to(s, &img.m.layers[i], dirfd, err)) < 0)
                        return r;
                printf("blob %s %lld\n", img.m.layers[i].digest, (long long) img.m.layers[i].size);
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct husk_error err = { 0 };

        if (argc < 3 || argc > 4) {
                fprintf(stderr, "usage: registry-fetch REF OUTDIR [OS/ARCH]\n");
                return 2;
        }
        if (run(argv[1], argv[2], argc > 3 ? argv[3] : NULL, &err) < 0) {
                fprintf(stderr, "registry-fetch: %s\n", err.msg);
                return 1;
        }
        return 0;
}

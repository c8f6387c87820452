/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a layer blob (gzip, zstd or plain tar, or anything) unpacked with husk_layer_unpack
 * into base/layer, then removed. Beyond the sanitizers' findings, the input fails the run (abort) if
 * anything appears in base/ beside layer/ (an entry that got out of the layer) or if the digests are
 * not what the bytes hash to. Odd-sized inputs go through the decoder thread, even ones do not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/unpack.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fuzzer's scratch directory, made once per process. */
static char base[64];
static int base_fd = -1;

struct buf_source {
        const uint8_t *p;
        size_t len, pos;
};

static ssize_t buf_read(void *ctx, void *out, size_t len)
{
        struct buf_source *b = ctx;
        size_t n = b->len - b->pos < len ? b->len - b->pos : len;
        memcpy(out, b->p + b->pos, n);
        b->pos += n;
        return (ssize_t) n;
}

static void remove_base(void)
{
        (void) husk_rm_rf_at(AT_FDCWD, base, NULL);
}

static void only_layer_in_base(void)
{
        DIR *d = fdopendir(dup(base_fd));
        struct dirent *de;

        if (!d)
                abort();
        rewinddir(d);
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "layer")) {
                        fprintf(stderr, "fuzz_unpack: %s/%s written outside the layer\n", base, de->d_name);
                        abort();
                }
        closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (base_fd < 0) {
                snprintf(base, sizeof(base), "/tmp/husk-fuzz-unpack.XXXXXX");
                if (!mkdtemp(base))
                        abort();
                base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (base_fd < 0)
                        abort();
                atexit(remove_base);
        }
        if (mkdirat(base_fd, "layer", 0755) < 0)
                abort();
        int layer = openat(base_fd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (layer < 0)
                abort();

        struct buf_source b = { data, size, 0 };
        const struct husk_unpack_source src = { buf_read, &b };
        struct husk_unpack_opts opts = { .what = "fuzz", .no_thread = size % 2 == 0 };
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        if (husk_layer_unpack(&src, layer, &opts, &res, &err) == 0) {
                char digest[HUSK_DIGEST_LEN];
                husk_digest_buf(data, size, digest);
                if (strcmp(digest, res.digest) != 0 || res.blob_size != size)
                        abort();
        } else if (err.code == 0 || !err.msg[0]) {
                abort();        /* a failure must say why */
        }
        close(layer);
        only_layer_in_base();
        if (husk_rm_rf_at(base_fd, "layer", NULL) < 0)
                abort();
        return 0;
}

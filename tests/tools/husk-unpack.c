/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk-unpack [--rootless] [--no-thread] BLOB DIR: unpack one layer blob (gzip, zstd or plain tar; "-"
 * for stdin) into DIR (created, or empty) with husk_layer_unpack, and print its digests as JSON:
 *   {"digest": "sha256:...", "diffid": "sha256:...", "blob_size": N, "tar_size": N, "devices_skipped": N}
 * For the tests and bench/unpack.sh; the store drives the same function.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/unpack.h"
#include "util/cleanup.h"

static int usage(void)
{
        fprintf(stderr, "usage: husk-unpack [--rootless] [--no-thread] BLOB|- DIR\n");
        return 2;
}

int main(int argc, char **argv)
{
        struct husk_unpack_opts opts = { .what = "layer" };
        int i = 1;

        for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
                if (strcmp(argv[i], "--rootless") == 0)
                        opts.rootless = true;
                else if (strcmp(argv[i], "--no-thread") == 0)
                        opts.no_thread = true;
                else
                        return usage();
        }
        if (argc - i != 2)
                return usage();
        const char *blob = argv[i], *dir = argv[i + 1];

        _cleanup_close_ int fd = strcmp(blob, "-") == 0 ? fcntl(0, F_DUPFD_CLOEXEC, 3)
                                                        : open(blob, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "husk-unpack: open %s: %s\n", blob, strerror(errno));
                return 1;
        }
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "husk-unpack: mkdir %s: %s\n", dir, strerror(errno));
                return 1;
        }
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                fprintf(stderr, "husk-unpack: open %s: %s\n", dir, strerror(errno));
                return 1;
        }
        opts.what = blob;
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        if (husk_layer_unpack_fd(fd, dirfd, &opts, &res, &err) < 0) {
                fprintf(stderr, "husk-unpack: %s\n", err.msg);
                return 1;
        }
        printf("{\"digest\": \"%s\", \"diffid\": \"%s\", \"blob_size\": %" PRIu64 ", \"tar_size\": %" PRIu64
               ", \"devices_skipped\": %" PRIu64 "}\n",
               res.digest, res.diffid, res.blob_size, res.tar_size, res.devices_skipped);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk-store-tool: the image store driven from the shell, for tests and measurements.
 *   put ROOT FILE                 a blob from FILE ("-": stdin), streamed; prints its digest
 *   ensure ROOT BLOB [DIFFID]     husk_store_layer_ensure; prints the diffid, link and size
 *   check ROOT                    open (which repairs) and check the store's consistency
 *   gc ROOT                       husk_store_gc; prints what it removed
 *   usage ROOT                    husk_store_usage
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/store.h"
#include "store_check.h"
#include "util/cleanup.h"

static int usage(void)
{
        fprintf(stderr, "usage: husk-store-tool put ROOT FILE | ensure ROOT BLOB [DIFFID] | check ROOT | gc ROOT | usage ROOT\n");
        return 2;
}

static int put(struct husk_store *s, const char *file, struct husk_error *err)
{
        _cleanup_close_ int fd = strcmp(file, "-") == 0 ? dup(0) : open(file, O_RDONLY | O_CLOEXEC);
        _cleanup_(husk_blob_writer_freep) struct husk_blob_writer *w = NULL;
        char buf[1 << 16], digest[HUSK_DIGEST_LEN];
        ssize_t n;
        int r;

        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", file);
        if ((r = husk_blob_writer_new(s, NULL, -1, file, &w, err)) < 0)
                return r;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                if ((r = husk_blob_writer_write(w, buf, (size_t) n, err)) < 0)
                        return r;
        if (n < 0)
                return husk_error_errno(err, errno, "read %s", file);
        if ((r = husk_blob_writer_commit(w, digest, err)) < 0)
                return r;
        printf("%s\n", digest);
        return 0;
}

int main(int argc, char **argv)
{
        struct husk_error err = { 0 };
        char msg[1024];
        int r;

        if (argc < 3)
                return usage();
        const char *cmd = argv[1], *root = argv[2];
        if (strcmp(cmd, "check") == 0) {
                if (store_check(root, msg, sizeof(msg)) < 0) {
                        fprintf(stderr, "husk-store-tool: %s: %s\n", root, msg);
                        return 1;
                }
                return 0;
        }
        struct husk_store_opts opts = { .root = root };
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        if ((r = husk_store_open(&opts, &s, &err)) < 0) {
                fprintf(stderr, "husk-store-tool: %s\n", err.msg);
                return 1;
        }
        if (strcmp(cmd, "put") == 0 && argc == 4) {
                r = put(s, argv[3], &err);
        } else if (strcmp(cmd, "ensure") == 0 && (argc == 4 || argc == 5)) {
                struct husk_layer_info info;
                r = husk_store_layer_ensure(s, argv[3], argc == 5 ? argv[4] : NULL, NULL, &info, &err);
                if (r == 0)
                        printf("%s %s %" PRIu64 "\n", info.diffid, info.link, info.size);
        } else if (strcmp(cmd, "gc") == 0 && argc == 3) {
                struct husk_gc_result res;
                r = husk_store_gc(s, false, NULL, &res, &err);
                if (r == 0)
                        printf("blobs %" PRIu64 " layers %" PRIu64 " bytes %" PRIu64 "%s\n", res.blobs_removed,
                               res.layers_removed, res.bytes_freed, res.busy ? " (busy)" : "");
        } else if (strcmp(cmd, "usage") == 0 && argc == 3) {
                struct husk_store_usage u;
                r = husk_store_usage(s, &u, &err);
                if (r == 0)
                        printf("images %" PRIu64 " (%" PRIu64 " bytes) layers %" PRIu64 " (%" PRIu64 " bytes) blobs %" PRIu64
                               " (%" PRIu64 " bytes) reclaimable %" PRIu64 "\n",
                               u.images, u.images_bytes, u.layers, u.layers_bytes, u.blobs, u.blobs_bytes,
                               u.reclaimable_bytes);
        } else {
                return usage();
        }
        if (r < 0) {
                fprintf(stderr, "husk-store-tool: %s\n", err.msg);
                return 1;
        }
        return 0;
}

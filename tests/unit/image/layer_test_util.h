/* SPDX-License-Identifier: Apache-2.0 */
/* Layers for the store's tests: a directory of files and a symlink, as a tar (tar_builder.h) and
   gzip'ed, with both digests. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/digest.h"
#include "tar_builder.h"

struct test_layer {
        unsigned char *tar, *gz;
        size_t tar_len, gz_len;
        char diffid[HUSK_DIGEST_LEN];   /* of tar */
        char digest[HUSK_DIGEST_LEN];   /* of gz */
};

static inline void test_layer_free(struct test_layer *l)
{
        free(l->tar);
        free(l->gz);
        memset(l, 0, sizeof(*l));
}

/* "<prefix>/" with nfiles files "f<i>" of `size` bytes each, and "<prefix>/link" -> f0. */
static inline int test_layer_make(const char *prefix, int nfiles, size_t size, struct test_layer *ret)
{
        struct tar_builder tb;
        char *data = malloc(size + 1);
        char name[256];

        if (!data)
                return -1;
        for (size_t i = 0; i < size; i++)
                data[i] = (char) ('a' + (i * 7 + (size_t) nfiles) % 26);
        data[size] = '\0';
        tb_init(&tb);
        tb_dir(&tb, prefix, 0755);
        for (int i = 0; i < nfiles; i++) {
                (void) snprintf(name, sizeof(name), "%s/f%d", prefix, i);
                tb_file(&tb, name, data, 0644);
        }
        (void) snprintf(name, sizeof(name), "%s/link", prefix);
        tb_symlink(&tb, name, "f0");
        tb_finish(&tb);
        free(data);
        ret->tar_len = tb.used;
        ret->tar = malloc(tb.used);
        if (ret->tar)
                memcpy(ret->tar, tb.buf, tb.used);
        tb_release(&tb);
        if (!ret->tar || !(ret->gz = gzip_buf(ret->tar, ret->tar_len, &ret->gz_len)))
                return -1;
        husk_digest_buf(ret->tar, ret->tar_len, ret->diffid);
        husk_digest_buf(ret->gz, ret->gz_len, ret->digest);
        return 0;
}

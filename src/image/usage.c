/* SPDX-License-Identifier: Apache-2.0 */
/* `husk system df` for the store: images, layers and blobs, each layer's bytes counted once. */
#include "image/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "image/gc_internal.h"

struct usage {
        struct husk_image *imgs;
        size_t n;
        struct husk_store_usage *u;
};

static int count_layer(struct husk_store *s, int dirfd, const char *name, void *userdata)
{
        struct usage *w = userdata;
        struct husk_layer_info info;
        struct husk_error ignored = { 0 };

        (void) dirfd;
        /* a layer without its layer.json is a crash leftover the next GC removes: no size known */
        if (husk_layer_read_info(s, name, &info, NULL, &ignored) < 0)
                return 0;
        w->u->layers++;
        w->u->layers_bytes += info.size;
        if (husk_gc_layer_referenced(w->imgs, w->n, name))
                w->u->images_bytes += info.size;
        else
                w->u->reclaimable_bytes += info.size;
        return 0;
}

static int count_blob(struct husk_store *s, int dirfd, const char *name, void *userdata)
{
        struct usage *w = userdata;
        struct stat st;

        (void) s;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        uint64_t bytes = (uint64_t) st.st_blocks * 512;
        w->u->blobs++;
        w->u->blobs_bytes += bytes;
        if (!husk_gc_blob_referenced(w->imgs, w->n, name))
                w->u->reclaimable_bytes += bytes;
        return 0;
}

int husk_store_usage(struct husk_store *s, struct husk_store_usage *ret, struct husk_error *err)
{
        struct husk_store_usage u = { 0 };
        struct usage w = { .u = &u };
        int r;

        if (s->root_fd < 0) {
                *ret = u;
                return 0;
        }
        if ((r = husk_records_load(s, &w.imgs, &w.n, err)) < 0)
                return r;
        u.images = w.n;
        if ((r = husk_gc_each(s, "layers", count_layer, &w, err)) == 0)
                r = husk_gc_each(s, "blobs/sha256", count_blob, &w, err);
        husk_image_list_free(w.imgs, w.n);
        if (r == 0)
                *ret = u;
        return r;
}

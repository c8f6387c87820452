/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The numbers of `husk system df`: images with the bytes they share with others, the engine's containers
 * with the bytes they wrote. A layer's size is the store's (its diff/ on disk), counted once however many
 * images have it, as Docker counts shared layers.
 */
#include "cli/husk/system_df.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Apparent bytes of the files under dirfd/name (not following symlinks, not leaving the filesystem). */
static uint64_t tree_bytes(int dirfd, const char *name, dev_t dev, int depth)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || (dev && st.st_dev != dev))
                return 0;
        if (!S_ISDIR(st.st_mode))
                return S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (uint64_t) st.st_size : 0;
        if (depth > 256)
                return 0;
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        uint64_t sum = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        sum += tree_bytes(fd, de->d_name, st.st_dev, depth + 1);
        return sum;
}

/* Every distinct layer of the images: its size, how many images have it, whether an active one does. */
struct layer {
        const char *diffid;
        uint64_t size;
        unsigned images;
        bool active;
};

static struct layer *find_layer(struct layer *v, size_t n, const char *diffid)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].diffid, diffid) == 0)
                        return &v[i];
        return NULL;
}

static int collect_layers(struct husk_store *s, struct husk_df *df, struct husk_error *err)
{
        size_t cap = 0, n = 0;
        for (size_t i = 0; i < df->n_imgs; i++)
                for (char **l = df->imgs[i].layers; l && *l; l++)
                        cap++;
        _cleanup_free_ struct layer *v = calloc(cap ? cap : 1, sizeof(*v));
        if (!v)
                return husk_error_errno(err, ENOMEM, "system df");
        for (size_t i = 0; i < df->n_imgs; i++) {
                bool active = df->img_containers[i] > 0;
                for (char **l = df->imgs[i].layers; l && *l; l++) {
                        struct layer *ly = find_layer(v, n, *l);
                        if (!ly) {
                                struct husk_layer_info info;
                                struct husk_error ignored = { 0 };
                                ly = &v[n++];
                                *ly = (struct layer) { .diffid = *l };
                                /* A layer gone missing under a record counts as empty, not as an error. */
                                if (husk_store_layer_get(s, *l, &info, &ignored) == 0)
                                        ly->size = info.size;
                                df->layers_bytes += ly->size;
                        }
                        ly->images++;
                        if (active && !ly->active) {
                                ly->active = true;
                                df->active_layers_bytes += ly->size;
                        }
                }
        }
        for (size_t i = 0; i < df->n_imgs; i++)
                for (char **l = df->imgs[i].layers; l && *l; l++) {
                        struct layer *ly = find_layer(v, n, *l);
                        if (ly->images > 1)
                                df->img_shared[i] += ly->size;
                }
        return 0;
}

static int collect_containers(struct husk_store *s, struct husk_df *df, struct husk_error *err)
{
        _cleanup_(husk_ctr_store_closep) struct husk_ctr_store *cs = NULL;
        int r = husk_ctr_store_open(husk_store_root(s), false, &cs, err);
        if (r == -ENOENT) {
                husk_error_clear(err);
                return 0;       /* no containers/ yet */
        }
        if (r < 0)
                return r;
        r = husk_ctr_list(cs, &df->ctrs, &df->n_ctrs, err);
        if (r < 0)
                return r;
        df->ctr_size = calloc(df->n_ctrs ? df->n_ctrs : 1, sizeof(*df->ctr_size));
        if (!df->ctr_size)
                return husk_error_errno(err, ENOMEM, "system df");
        for (size_t i = 0; i < df->n_ctrs; i++) {
                const struct husk_ctr *c = &df->ctrs[i];
                /* The overlay driver's writes are upper/; the copy driver's whole root is the container's. A
                   --rootfs container's directory is the user's, not counted. */
                bool copy = c->driver && strcmp(c->driver, "copy") == 0;
                char rw[HUSK_CTR_ID_LEN + 16];
                (void) snprintf(rw, sizeof(rw), "%s/%s", c->id, copy ? "merged" : "upper");
                df->ctr_size[i] = tree_bytes(husk_ctr_store_fd(cs), rw, 0, 0);
                for (size_t k = 0; k < df->n_imgs; k++)
                        if (c->image_id[0] && strcmp(df->imgs[k].id, c->image_id) == 0)
                                df->img_containers[k]++;
        }
        return 0;
}

int husk_df_collect(struct husk_store *s, struct husk_df *ret, struct husk_error *err)
{
        _cleanup_(husk_df_done) struct husk_df df = { 0 };
        int r = husk_store_image_list(s, &df.imgs, &df.n_imgs, err);
        if (r < 0)
                return r;
        df.img_shared = calloc(df.n_imgs ? df.n_imgs : 1, sizeof(*df.img_shared));
        df.img_containers = calloc(df.n_imgs ? df.n_imgs : 1, sizeof(*df.img_containers));
        if (!df.img_shared || !df.img_containers)
                return husk_error_errno(err, ENOMEM, "system df");
        /* Containers first: which images are active decides what is reclaimable. */
        if ((r = collect_containers(s, &df, err)) < 0 || (r = collect_layers(s, &df, err)) < 0)
                return r;
        *ret = df;
        memset(&df, 0, sizeof(df));
        return 0;
}

void husk_df_done(struct husk_df *df)
{
        husk_image_list_free(df->imgs, df->n_imgs);
        husk_ctr_list_free(df->ctrs, df->n_ctrs);
        free(df->img_shared);
        free(df->img_containers);
        free(df->ctr_size);
        memset(df, 0, sizeof(*df));
}

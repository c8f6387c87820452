/* SPDX-License-Identifier: Apache-2.0 */
/* rootfs.h over the store: an image's layers from its record, the probe in the store's tmp/. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/rootfs_layers.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int open_tmp(struct husk_store *s, struct husk_error *err)
{
        int fd = openat(husk_store_root_fd(s), "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s/tmp", husk_store_root(s));
        return fd;
}

int husk_rootfs_probe(struct husk_store *s, enum husk_rootfs_driver *ret, char *why, size_t why_len,
                      struct husk_error *err)
{
        struct husk_rootfs_opts opts = { .driver = HUSK_ROOTFS_AUTO, .rootless = geteuid() != 0 };
        _cleanup_close_ int tmp = open_tmp(s, err);
        if (tmp < 0)
                return tmp;
        return husk_rootfs_probe_at(tmp, &opts, ret, why, why_len, err);
}

struct stack_fds {
        struct husk_rootfs_layer *layers;
        int *trees;     /* opts->idmap: the idmapped clones the layer fds are opened in, kept until mounted */
        size_t n;
        struct husk_store *s;
};

static void stack_fds_free(struct stack_fds *f)
{
        for (size_t i = 0; f->layers && i < f->n; i++) {
                if (f->layers[i].fd >= 0)
                        (void) close(f->layers[i].fd);
                if (f->trees && f->trees[i] >= 0)
                        (void) close(f->trees[i]);
        }
        free(f->layers);
        free(f->trees);
}

static int get_link(void *ctx, size_t i, char ret[static 32], struct husk_error *err)
{
        struct stack_fds *f = ctx;
        struct husk_layer_info info;
        int r = husk_store_layer_get(f->s, f->layers[i].what, &info, err);
        if (r < 0)
                return r;
        if (!info.link[0])
                return husk_error_set(err, ENOENT, "layer %s has no short name under l/", f->layers[i].what);
        memcpy(ret, info.link, sizeof(info.link) < 32 ? sizeof(info.link) : 32);
        ret[31] = '\0';
        return 0;
}

int husk_rootfs_mount(struct husk_store *s, const struct husk_image *img, int container_dirfd,
                      const struct husk_rootfs_opts *opts, enum husk_rootfs_driver *ret_driver,
                      struct husk_error *err)
{
        size_t n = 0;
        while (img->layers && img->layers[n])
                n++;
        _cleanup_(stack_fds_free) struct stack_fds f = { .s = s };
        if (n > 0 && (!(f.layers = calloc(n, sizeof(*f.layers))) ||
                      (opts->idmap && !(f.trees = calloc(n, sizeof(*f.trees))))))
                return husk_error_errno(err, ENOMEM, "root of image %s", img->id);
        /* Top first, as overlayfs lists them; the record lists the base first. */
        for (size_t i = 0; i < n; i++, f.n++) {
                const char *diffid = img->layers[n - 1 - i];
                f.layers[i].fd = -1;
                f.layers[i].what = diffid;
                if (f.trees)
                        f.trees[i] = -1;
                _cleanup_close_ int opath = husk_store_layer_open(s, diffid, err);
                if (opath < 0)
                        return opath;
                if (opts->idmap) {
                        /* The layer through an idmapped mount of its own: the store's files stay as
                         * unpacked, shared with every other container. */
                        f.trees[i] = husk_idmap_clone(opath, "", opts->idmap_userns_fd, err);
                        if (f.trees[i] < 0)
                                return husk_error_prefix(err, "layer %s: ", diffid);
                        (void) close(opath);
                        opath = dup(f.trees[i]);
                        if (opath < 0)
                                return husk_error_errno(err, errno, "layer %s", diffid);
                }
                /* fsconfig and readdir need a real open, not the store's O_PATH. */
                f.layers[i].fd = openat(opath, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (f.layers[i].fd < 0)
                        return husk_error_errno(err, errno, "open layer %s", diffid);
        }
        _cleanup_close_ int tmp = open_tmp(s, err);
        if (tmp < 0)
                return tmp;
        struct husk_rootfs_stack st = {
                .layers = f.layers,
                .n = n,
                .links_fd = husk_store_root_fd(s),
                .get_link = get_link,
                .get_link_ctx = &f,
        };
        return husk_rootfs_mount_stack(&st, container_dirfd, tmp, opts, ret_driver, err);
}

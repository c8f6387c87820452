/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a start does before the runtime creates the container: the root mounted (the image's layers
 * under an overlay, or the --rootfs directory as it is), the user resolved in it, the /etc files and
 * config.json written into the container's directory (the runtime's bundle).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/ctr_network.h"
#include "engine/engine.h"
#include "engine/prepare.h"
#include "engine/security.h"
#include "engine/spec.h"
#include "image/manifest.h"
#include "image/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Image configs are small; a bigger one is not an image config. */
#define IMAGE_CONFIG_MAX (8u << 20)

static void image_config_done(struct husk_image_config *c)
{
        husk_image_config_free(c);
}

static void image_done(struct husk_image *img)
{
        husk_image_free(img);
}

int husk_engine_image_config(struct husk_store *s, const char *image_id, struct husk_image *ret_img,
                             struct husk_image_config *ret_cfg, struct husk_error *err)
{
        _cleanup_(image_done) struct husk_image img = { 0 };
        int r = husk_store_image_lookup(s, image_id, &img, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *json = NULL;
        size_t len = 0;
        r = husk_blob_read(s, img.id, IMAGE_CONFIG_MAX, &json, &len, err);
        if (r < 0)
                return r;
        r = husk_image_config_parse(json, len, img.id, ret_cfg, err);
        if (r < 0)
                return r;
        if (ret_img) {
                *ret_img = img;
                memset(&img, 0, sizeof(img));
        }
        return 0;
}

/* Mount the image's layers on <dir>/merged; the image's config in *ret_cfg. */
static int mount_image_root(struct husk_engine *e, struct husk_ctr *c, int dirfd, struct husk_image_config *ret_cfg,
                            struct husk_error *err)
{
        struct husk_store *s = NULL;
        int r = husk_engine_store(e, &s, err);
        if (r < 0)
                return r;
        _cleanup_(image_done) struct husk_image img = { 0 };
        r = husk_engine_image_config(s, c->image_id, &img, ret_cfg, err);
        if (r < 0)
                return r;
        /* --rm: the upper layer is thrown away at exit, so it is never synced (overlay "volatile"):
         * the unmount of a plain overlay syncs the whole filesystem of its upper (~14 ms here). */
        struct husk_rootfs_opts opts = { .driver = HUSK_ROOTFS_AUTO, .volatile_upper = c->cfg.auto_remove };
        /* --userns auto: the layers seen through idmapped mounts with the container's range (security.h). */
        _cleanup_close_ int userns = -1;
        r = husk_sec_userns_prepare(e, c, dirfd, &userns, err);
        if (r < 0)
                return r;
        opts.idmap = userns >= 0;
        opts.idmap_userns_fd = userns;
        enum husk_rootfs_driver driver = HUSK_ROOTFS_AUTO;
        r = husk_rootfs_mount(s, &img, dirfd, &opts, &driver, err);
        if (r < 0)
                return r;
        free(c->driver);
        c->driver = strdup(driver == HUSK_ROOTFS_COPY ? "copy" : "overlay");
        return 0;
}

/* Unmounts the root a failed prepare mounted. */
struct mount_guard {
        int dirfd;      /* -1: nothing to undo */
};

static void mount_guard_release(struct mount_guard *g)
{
        if (g->dirfd >= 0)
                (void) husk_rootfs_unmount(g->dirfd, NULL);
}

static bool cgroup2_only(void)
{
        /* cgroup.controllers at the top of /sys/fs/cgroup: a unified (v2 only) host, where Docker gives a
         * container a cgroup namespace of its own; on v1 and hybrid hosts it shares the host's. */
        return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

int husk_engine_prepare(struct husk_engine *e, struct husk_ctr *c, int dirfd, struct husk_error *err)
{
        _cleanup_(image_config_done) struct husk_image_config img = { 0 };
        const char *root_path;
        _cleanup_(mount_guard_release) struct mount_guard guard = { .dirfd = -1 };
        int r;
        if (c->rootfs) {
                root_path = c->rootfs;
        } else {
                r = mount_image_root(e, c, dirfd, &img, err);
                if (r < 0)
                        return r;
                guard.dirfd = dirfd;
                root_path = "merged";
        }
        _cleanup_close_ int root_fd = c->rootfs ? open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC)
                                                : openat(dirfd, root_path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (root_fd < 0)
                return husk_error_errno(err, errno, "open the container's root %s", root_path);
        _cleanup_(husk_exec_user_free_contents) struct husk_exec_user user = { 0 };
        const char *uspec = c->cfg.user ? c->cfg.user : img.user ? img.user : "";
        r = husk_exec_user_resolve(root_fd, uspec, &user, err);
        if (r < 0)
                return r;

        bool host_net = c->cfg.network && strcmp(c->cfg.network, "host") == 0;
        char hostname[256];
        if (c->cfg.hostname)
                (void) snprintf(hostname, sizeof(hostname), "%s", c->cfg.hostname);
        else if ((host_net || husk_sec_uts_host(c)) && gethostname(hostname, sizeof(hostname)) == 0)
                hostname[sizeof(hostname) - 1] = '\0';
        else
                (void) snprintf(hostname, sizeof(hostname), "%.12s", c->id);

        char dir[4096];
        (void) snprintf(dir, sizeof(dir), "%s/%s", husk_ctr_store_path(e->ctrs), c->id);
        struct husk_engine_spec_in in = { .ctr = c, .img = &img, .user = &user, .hostname = hostname,
                                          .ctr_dir = dir, .rootfs = root_path, .cgroupns = cgroup2_only(),
                                          .engine = e };
        char netns[64];
        if (c->cfg.network && strncmp(c->cfg.network, "container:", 10) == 0) {
                r = husk_ctr_net_ns_path(e, c->cfg.network, netns, err);
                if (r < 0)
                        return r;
                in.netns_path = netns;
        }
        _cleanup_free_ char *json = NULL;
        _cleanup_strv_ char **args = NULL;
        r = husk_engine_args(&c->cfg, &img, &args, err);
        if (r >= 0)
                r = husk_engine_spec_json(&in, &json, err);
        if (r >= 0)
                r = husk_etc_files_write(dirfd, hostname, host_net, err);
        if (r >= 0)
                r = husk_write_file_atomic_at(dirfd, "config.json", json, strlen(json), 0600, false, err);
        if (r < 0)
                return r;
        husk_strv_free(c->command);
        c->command = steal_ptr(args);
        guard.dirfd = -1;
        return 0;
}

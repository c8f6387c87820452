/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's root held from outside (ctr_fs.h), and `husk export` over it.
 *
 * A stopped container's overlay is mounted in a mount namespace of this process's own (slave of the
 * host's, so nothing we mount propagates back): the kernel takes the mount away with the namespace
 * when we exit, however we exit, so a killed `husk export` cannot leave a mount on the host.
 */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr_fs.h"
#include "image/rootfs.h"
#include "image/tree_tar.h"
#include "util/cleanup.h"

/* merged/ is a mount (the container runs, or its monitor died with it mounted). */
static bool is_mount_point(int dirfd, const char *name)
{
        struct statx sx;

        if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) < 0)
                return false;
        if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        struct stat a, b;
        return fstatat(dirfd, name, &a, AT_SYMLINK_NOFOLLOW) == 0 && fstat(dirfd, &b) == 0 && a.st_dev != b.st_dev;
}

static int private_mount_ns(struct husk_error *err)
{
        if (unshare(CLONE_NEWNS) < 0)
                return husk_error_errno(err, errno, "unshare a mount namespace for the container's root");
        /* Slave: the host's unmounts still reach us, our mounts never reach the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return husk_error_errno(err, errno, "make our mounts private");
        return 0;
}

static void image_done(struct husk_image *img)
{
        husk_image_free(img);
}

static int mount_stopped(struct husk_engine *e, struct husk_ctr_root *r, bool writable, struct husk_error *err)
{
        char path[4096];
        int ret = private_mount_ns(err);
        if (ret < 0)
                return ret;
        /*
         * overlayfs takes its layers only from mounts of the caller's namespace ("failed to clone
         * upperpath"): an fd opened before the unshare still points into the host's. The container's
         * directory and the store are opened again, by path, in ours.
         */
        (void) snprintf(path, sizeof(path), "%s/%s", husk_ctr_store_path(e->ctrs), r->c.id);
        int dirfd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dirfd < 0)
                return husk_error_errno(err, errno, "container %s: open %s", r->c.name, path);
        (void) close(r->dirfd);
        r->dirfd = dirfd;
        if (e->store) {
                husk_store_close(e->store);
                e->store = NULL;
        }
        struct husk_store *s = NULL;
        ret = husk_engine_store(e, &s, err);
        if (ret < 0)
                return ret;
        _cleanup_(image_done) struct husk_image img = { 0 };
        ret = husk_store_image_lookup(s, r->c.image_id, &img, err);
        if (ret < 0)
                return husk_error_prefix(err, "container %s: ", r->c.name);
        struct husk_rootfs_opts opts = { .driver = HUSK_ROOTFS_AUTO };
        enum husk_rootfs_driver driver = HUSK_ROOTFS_AUTO;
        ret = husk_rootfs_mount(s, &img, r->dirfd, &opts, &driver, err);
        if (ret < 0)
                return ret;
        r->mounted = driver != HUSK_ROOTFS_COPY;
        if (r->mounted && !writable) {
                (void) snprintf(path, sizeof(path), "%s/%s/merged", husk_ctr_store_path(e->ctrs), r->c.id);
                if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
                        return husk_error_errno(err, errno, "remount %s read-only", path);
        }
        return 0;
}

int husk_ctr_root_hold(struct husk_engine *e, const char *id, struct husk_ctr_root *ret, struct husk_error *err)
{
        *ret = (struct husk_ctr_root) { .lock_fd = -1, .dirfd = -1, .root_fd = -1 };
        ret->lock_fd = husk_ctr_lock(e->ctrs, id, err);
        if (ret->lock_fd < 0)
                return ret->lock_fd;
        int r = husk_ctr_load(e->ctrs, id, &ret->c, err);
        if (r < 0)
                return r;
        ret->dirfd = husk_ctr_dir_open(e->ctrs, id, err);
        return ret->dirfd < 0 ? ret->dirfd : 0;
}

int husk_ctr_root_open(struct husk_engine *e, const char *id, bool writable, struct husk_ctr_root *ret,
                       struct husk_error *err)
{
        int r = husk_ctr_root_hold(e, id, ret, err);
        if (r < 0)
                return r;
        if (ret->c.rootfs) {
                ret->root_fd = open(ret->c.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
                return ret->root_fd < 0 ? husk_error_errno(err, errno, "container %s: its root %s", ret->c.name,
                                                           ret->c.rootfs)
                                        : 0;
        }
        /* Mounted already (running): that root. Else mounted here, or a copy driver's plain merged/. */
        if (!is_mount_point(ret->dirfd, "merged")) {
                r = mount_stopped(e, ret, writable, err);
                if (r < 0)
                        return r;
        }
        ret->root_fd = openat(ret->dirfd, "merged", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (ret->root_fd < 0)
                return husk_error_errno(err, errno, "container %s: open its root", ret->c.name);
        return 0;
}

void husk_ctr_root_close(struct husk_ctr_root *r)
{
        if (r->root_fd >= 0)
                (void) close(r->root_fd);
        if (r->mounted)
                (void) husk_rootfs_unmount(r->dirfd, NULL);
        if (r->dirfd >= 0)
                (void) close(r->dirfd);
        husk_ctr_free_contents(&r->c);
        /* The lock last: a start waiting for it must find the root as it was. */
        if (r->lock_fd >= 0)
                (void) close(r->lock_fd);
        *r = (struct husk_ctr_root) { .lock_fd = -1, .dirfd = -1, .root_fd = -1 };
}

static void archive_write_freep(struct archive **a)
{
        if (*a)
                (void) archive_write_free(*a);
}

int husk_engine_export(struct husk_engine *e, const char *id, int out_fd, struct husk_error *err)
{
        _cleanup_(husk_ctr_root_close) struct husk_ctr_root root = { .lock_fd = -1, .dirfd = -1, .root_fd = -1 };
        int r = husk_ctr_root_open(e, id, false, &root, err);
        if (r < 0)
                return r;
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        if (!a)
                return husk_error_errno(err, ENOMEM, "export %s", root.c.name);
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK || archive_write_open_fd(a, out_fd) != ARCHIVE_OK)
                return husk_error_set(err, EIO, "export %s: %s", root.c.name, archive_error_string(a));
        struct husk_tree_tar_opts opts = { .xattrs = true };
        char what[300];
        (void) snprintf(what, sizeof(what), "export %s", root.c.name);
        r = husk_tree_tar_write(a, root.root_fd, "", &opts, what, err);
        if (r < 0)
                return r;
        if (archive_write_close(a) != ARCHIVE_OK)
                return husk_error_set(err, EIO, "%s: %s", what, archive_error_string(a));
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The overlay driver: a container root as an overlayfs of the image's layers under the container's own
 * upper/ and work/.
 *
 * With the new mount API each layer is one fsconfig("lowerdir+") call (Linux 6.8), given as an fd
 * (6.13) or as /proc/self/fd/N: neither the page-size limit of a mount(2) option string nor the 256
 * bytes fsconfig allows a string value bite, only the kernel's own limit of 500 layers. Older kernels
 * get mount(2) with the store's short l/ names, relative to the store root, from a child that changed
 * its directory there (as containers/storage does), so the caller's working directory never moves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/rootfs_layers.h"
#include "util/cleanup.h"
#include "util/path.h"

/* The kernel's words about the last failure of an fs context: its log ("e overlayfs: ..."), joined. */
static void fs_log(int fs, char *buf, size_t len)
{
        size_t used = 0;

        buf[0] = '\0';
        for (;;) {
                char line[512];
                ssize_t n = read(fs, line, sizeof(line) - 1);
                if (n <= 0)
                        return;
                line[n] = '\0';
                if (n > 0 && line[n - 1] == '\n')
                        line[n - 1] = '\0';
                /* The first two bytes say the level ("e ", "w ", "i "). */
                const char *msg = n > 2 && line[1] == ' ' ? line + 2 : line;
                int w = snprintf(buf + used, len - used, "%s%s", used ? "; " : "", msg);
                if (w < 0 || (size_t) w >= len - used)
                        return;
                used += (size_t) w;
        }
}

/* errno-style failure of an fsconfig call, with the kernel's log appended when it said anything. */
static int fs_fail(int fs, struct husk_error *err, const char *what)
{
        int e = errno;
        char klog[512];

        fs_log(fs, klog, sizeof(klog));
        if (klog[0])
                return husk_error_errno(err, e, "overlay: %s (kernel: %s)", what, klog);
        return husk_error_errno(err, e, "overlay: %s", what);
}

/*
 * Options for speed and safety, the same for the probe and the mount:
 * - index=off, metacopy=off: the Debian defaults spelled out. A metacopy upper file takes its data from
 *   a lower one named by an xattr; index ties the upper to these exact lower inodes and refuses a remount
 *   on layers that were unpacked again. Neither is needed for a container root.
 * - redirect_dir=nofollow: renaming a lower directory copies it up (EXDEV to the caller, who copies)
 *   instead of writing a redirect xattr, and redirect xattrs found in a layer are never followed: a layer
 *   comes from an image anyone may have built.
 * - xino=off: the default. Layers and upper on one filesystem (the store) give real, unique inode numbers
 *   without it; xino only helps when they span filesystems, and costs a lookup per stat there.
 * - volatile: no fsync of the upper layer, only where the user asked.
 * - userxattr: rootless, user.overlay.* instead of trusted.overlay.*.
 */
static int set_options(int fs, const struct husk_rootfs_opts *opts, struct husk_error *err)
{
        static const char *const kv[][2] = {
                { "index", "off" },
                { "metacopy", "off" },
                { "redirect_dir", "nofollow" },
                { "xino", "off" },
        };

        for (size_t i = 0; i < HUSK_ARRAY_SIZE(kv); i++) {
                if (fsconfig(fs, FSCONFIG_SET_STRING, kv[i][0], kv[i][1], 0) < 0) {
                        char what[64];
                        (void) snprintf(what, sizeof(what), "%s=%s", kv[i][0], kv[i][1]);
                        return fs_fail(fs, err, what);
                }
        }
        if (opts->volatile_upper && fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
                return fs_fail(fs, err, "volatile");
        if (opts->rootless && fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
                return fs_fail(fs, err, "userxattr");
        return 0;
}

enum layer_by {
        BY_FD,          /* FSCONFIG_SET_FD (6.13) */
        BY_PROC_PATH,   /* FSCONFIG_SET_STRING "/proc/self/fd/N" (6.8) */
};

static int set_dir(int fs, const char *key, int fd, enum layer_by by)
{
        char p[32];

        if (by == BY_FD)
                return fsconfig(fs, FSCONFIG_SET_FD, key, NULL, fd);
        return fsconfig(fs, FSCONFIG_SET_STRING, key, husk_fd_path(fd, p), 0);
}

/* The first layer decides how the kernel takes layers: as an fd, as a path, or not one by one at all
 * (-EOPNOTSUPP: no "lowerdir+", the kernel is older than 6.8; Debian 12's 6.1 is). */
static int add_first_layer(int fs, const struct husk_rootfs_layer *l, enum layer_by *ret,
                           struct husk_error *err)
{
        if (set_dir(fs, "lowerdir+", l->fd, BY_FD) == 0) {
                *ret = BY_FD;
                return 0;
        }
        int e = errno;
        char klog[512];
        fs_log(fs, klog, sizeof(klog));
        /* Before 6.5 overlayfs had no fs_context of its own: the VFS's legacy one takes any string key
         * (only the mount at CMD_CREATE would refuse "lowerdir+") and refuses an fd (6.1: EOPNOTSUPP,
         * later "VFS: Legacy: ..." in the log). */
        if (e == EOPNOTSUPP || strstr(klog, "Legacy"))
                return -EOPNOTSUPP;
        /* 6.8-6.12: "Bad value" for an fd; try the path. */
        if (set_dir(fs, "lowerdir+", l->fd, BY_PROC_PATH) == 0) {
                *ret = BY_PROC_PATH;
                return 0;
        }
        e = errno;
        fs_log(fs, klog, sizeof(klog));
        if (e == EINVAL && strstr(klog, "Unknown parameter"))
                return -EOPNOTSUPP;
        errno = e;
        return fs_fail(fs, err, l->what);
}

/*
 * Make the overlay's superblock (FSCONFIG_CMD_CREATE) and return the fs context fd, ready for fsmount;
 * -EOPNOTSUPP without an error set when the kernel takes no "lowerdir+" and the stack has more than one
 * layer (the caller then uses mount(2)). The probe calls this too, with a one-layer stack.
 */
int husk_rootfs_overlay_create(const struct husk_rootfs_stack *st, int upper_fd, int work_fd,
                               const struct husk_rootfs_opts *opts, struct husk_error *err)
{
        _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs < 0) {
                if (errno == ENODEV)
                        return husk_error_errno(err, errno, "overlay: overlayfs is not in /proc/filesystems");
                return husk_error_errno(err, errno, "overlay: fsopen");
        }
        int r = set_options(fs, opts, err);
        if (r < 0)
                return r;

        enum layer_by by = BY_FD;
        r = add_first_layer(fs, &st->layers[0], &by, err);
        if (r == -EOPNOTSUPP) {
                if (st->n > 1)
                        return -EOPNOTSUPP;
                /* One layer fits the old "lowerdir" string (fsconfig takes at most 256 bytes). */
                by = BY_PROC_PATH;
                if (set_dir(fs, "lowerdir", st->layers[0].fd, by) < 0)
                        return fs_fail(fs, err, st->layers[0].what);
        } else if (r < 0) {
                return r;
        }
        for (size_t i = 1; i < st->n; i++) {
                if (set_dir(fs, "lowerdir+", st->layers[i].fd, by) < 0) {
                        char what[128];
                        (void) snprintf(what, sizeof(what), "layer %zu of %zu (%s)", i + 1, st->n,
                                        st->layers[i].what);
                        return fs_fail(fs, err, what);
                }
        }
        if (set_dir(fs, "upperdir", upper_fd, by) < 0)
                return fs_fail(fs, err, "upperdir");
        if (set_dir(fs, "workdir", work_fd, by) < 0)
                return fs_fail(fs, err, "workdir");
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                char what[64];
                (void) snprintf(what, sizeof(what), "create the mount of %zu layers", st->n);
                return fs_fail(fs, err, what);
        }
        return steal_fd(fs);
}

/*
 * mount(2) for kernels without "lowerdir+": the options must fit one page, so the layers are named by
 * their short links (l/XXXX) relative to the store root. A forked child changes into the store root and
 * mounts (the mount is in our mount namespace); the parent's working directory, shared by its threads,
 * never moves.
 */
static int legacy_mount(const struct husk_rootfs_stack *st, int upper_fd, int work_fd, int merged_fd,
                        const struct husk_rootfs_opts *opts, struct husk_error *err)
{
        if (st->n > HUSK_ROOTFS_MAX_LAYERS)
                return husk_error_set(err, E2BIG, "overlay: %zu layers: overlayfs stacks at most %d",
                                      st->n, HUSK_ROOTFS_MAX_LAYERS);
        /* The short names lead to the store's own layers, not to their idmapped clones. */
        if (opts->idmap)
                return husk_error_set(err, EOPNOTSUPP, "overlay: idmapped layers need fsconfig \"lowerdir+\" "
                                      "(Linux 6.8); this kernel takes a stack of %zu layers only as mount(2) options",
                                      st->n);

        long page = sysconf(_SC_PAGESIZE);
        size_t cap = page > 0 ? (size_t) page : 4096;
        _cleanup_free_ char *data = malloc(cap);
        if (!data)
                return husk_error_errno(err, ENOMEM, "overlay: mount options");
        char up[32], wk[32];
        int w = snprintf(data, cap, "index=off,metacopy=off,redirect_dir=nofollow,xino=off%s%s,upperdir=%s,"
                         "workdir=%s,lowerdir=", opts->volatile_upper ? ",volatile" : "",
                         opts->rootless ? ",userxattr" : "", husk_fd_path(upper_fd, up), husk_fd_path(work_fd, wk));
        size_t used = w > 0 ? (size_t) w : cap;
        for (size_t i = 0; i < st->n && used < cap; i++) {
                const char *link = st->links_fd >= 0 ? st->layers[i].link : NULL;
                char fdp[32], asked[32];
                if (!link && st->links_fd >= 0 && st->get_link) {
                        int r = st->get_link(st->get_link_ctx, i, asked, err);
                        if (r < 0)
                                return r;
                        link = asked;
                }
                if (link && (!link[0] || strchr(link, '/') || strchr(link, ':') || strchr(link, ',')))
                        return husk_error_set(err, EINVAL, "overlay: layer %s: bad short name \"%s\"",
                                              st->layers[i].what, link);
                /* Without a short name (a stack not from a store): the fd's path, as short, which
                 * overlayfs resolves once, at the mount. */
                w = link ? snprintf(data + used, cap - used, "%sl/%s", i ? ":" : "", link)
                         : snprintf(data + used, cap - used, "%s%s", i ? ":" : "",
                                    husk_fd_path(st->layers[i].fd, fdp));
                used = w > 0 ? used + (size_t) w : cap;
        }
        if (used >= cap)
                return husk_error_set(err, E2BIG,
                                      "overlay: %zu layers: the mount(2) options exceed a page (%zu bytes) "
                                      "even with short layer names (fsconfig \"lowerdir+\" of Linux 6.8 has no "
                                      "such limit)",
                                      st->n, cap);

        char target[32];
        (void) husk_fd_path(merged_fd, target);
        pid_t pid = fork();
        if (pid < 0)
                return husk_error_errno(err, errno, "overlay: fork");
        if (pid == 0) {
                if ((st->links_fd >= 0 && fchdir(st->links_fd) < 0) ||
                    mount("overlay", target, "overlay", 0, data) < 0)
                        _exit(errno & 0xff);
                _exit(0);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return husk_error_errno(err, errno, "overlay: wait for the mount");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        int e = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
        return husk_error_errno(err, e, "overlay: mount(2) of %zu layers by their l/ names", st->n);
}

/* An image without layers: overlayfs wants at least one lower directory, and an empty one would only
 * cost a lookup per miss. upper/ bound on merged/ gives the same view: the container's writes in upper/. */
static int bind_upper(int upper_fd, int merged_fd, struct husk_error *err)
{
        _cleanup_close_ int tree = open_tree(upper_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (tree < 0)
                return husk_error_errno(err, errno, "bind upper/ on merged/: open_tree");
        if (move_mount(tree, "", merged_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return husk_error_errno(err, errno, "bind upper/ on merged/: move_mount");
        return 0;
}

int husk_rootfs_overlay_mount(const struct husk_rootfs_stack *st, int upper_fd, int work_fd, int merged_fd,
                              const struct husk_rootfs_opts *opts, struct husk_error *err)
{
        if (st->n == 0)
                return bind_upper(upper_fd, merged_fd, err);
        if (opts->legacy_mount)
                return legacy_mount(st, upper_fd, work_fd, merged_fd, opts, err);

        _cleanup_close_ int fs = husk_rootfs_overlay_create(st, upper_fd, work_fd, opts, err);
        if (fs == -EOPNOTSUPP)
                return legacy_mount(st, upper_fd, work_fd, merged_fd, opts, err);
        if (fs < 0)
                return fs;
        _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0)
                return fs_fail(fs, err, "fsmount");
        if (move_mount(mnt, "", merged_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return husk_error_errno(err, errno, "overlay: attach on merged/");
        return 0;
}

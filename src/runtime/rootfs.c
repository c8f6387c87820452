/* SPDX-License-Identifier: Apache-2.0 */
/* The order of the root filesystem's construction: prepare, pivot, finalize (runc's rootfs_linux.go). */
#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/mounts.h"
#include "util/cleanup.h"
#include "util/path.h"

int husk_rootfs_read_text(const char *path, char **ret, struct husk_error *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        size_t cap = 8192, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return husk_error_errno(err, ENOMEM, "read %s", path);
        for (;;) {
                if (cap - len < 2) {
                        char *nb = realloc(buf, cap * 2);
                        if (!nb)
                                return husk_error_errno(err, ENOMEM, "read %s", path);
                        buf = nb;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "read %s", path);
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = steal_ptr(buf);
        return 0;
}

static int root_propagation(const struct husk_spec *spec, unsigned long *ret, struct husk_error *err)
{
        const char *p = spec->has_linux ? spec->linux_.rootfs_propagation : NULL;
        if (!p) {
                *ret = MS_SLAVE | MS_REC;
                return 0;
        }
        *ret = husk_propagation_from_string(p);
        if (!*ret)
                return husk_error_set(err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", p);
        return 0;
}

/* pivot_root fails on a shared parent mount, and a bind of the rootfs under a shared parent would
 * propagate back to the host: make that mount private (runc's rootfsParentMountPrivate). */
static int parent_mount_private(const char *rootfs, struct husk_error *err)
{
        _cleanup_free_ char *mi = NULL;
        int r = husk_rootfs_read_text("/proc/self/mountinfo", &mi, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *best = NULL;
        size_t best_len = 0;
        bool shared = false;
        char *save = NULL;
        for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *s2 = NULL, *mp = NULL, *tok = strtok_r(line, " ", &s2);
                for (int i = 0; tok && i < 4; i++)
                        tok = strtok_r(NULL, " ", &s2);
                mp = tok; /* field 5: mount point */
                if (!mp || !strtok_r(NULL, " ", &s2))
                        continue;
                size_t l = strlen(mp);
                bool prefix = strcmp(mp, "/") == 0 ||
                              (strncmp(rootfs, mp, l) == 0 && (rootfs[l] == '/' || rootfs[l] == '\0'));
                if (!prefix || l < best_len)
                        continue;
                bool sh = false;
                for (tok = strtok_r(NULL, " ", &s2); tok && strcmp(tok, "-") != 0; tok = strtok_r(NULL, " ", &s2))
                        sh = sh || strncmp(tok, "shared:", 7) == 0;
                free(best);
                best = strdup(mp);
                if (!best)
                        return husk_error_errno(err, ENOMEM, "parse mountinfo");
                best_len = l;
                shared = sh;
        }
        if (best && shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
                return husk_error_errno(err, errno, "make \"%s\" private", best);
        return 0;
}

int husk_rootfs_prepare(const struct husk_rootfs_ctx *ctx, struct husk_error *err)
{
        const char *rootfs = ctx->rootfs;
        unsigned long prop;
        int r;

        if (!rootfs || rootfs[0] != '/')
                return husk_error_set(err, EINVAL, "rootfs \"%s\": must be an absolute path", rootfs ? rootfs : "");
        r = root_propagation(ctx->spec, &prop, err);
        if (r < 0)
                return r;
        if (mount(NULL, "/", NULL, prop, NULL) < 0)
                return husk_error_errno(err, errno, "set propagation of \"/\"");
        /* After a recursive slave or private pass no mount is shared any more; otherwise look. */
        if ((prop & MS_SHARED) || !(prop & MS_REC)) {
                r = parent_mount_private(rootfs, err);
                if (r < 0)
                        return r;
        }
        /* pivot_root needs the new root to be a mount point of its own. */
        if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return husk_error_errno(err, errno, "bind mount rootfs \"%s\" onto itself", rootfs);
        _cleanup_close_ int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return husk_error_errno(err, errno, "open rootfs \"%s\"", rootfs);

        for (size_t i = 0; i < ctx->spec->n_mounts; i++) {
                r = husk_mount_one(ctx, root_fd, i, err);
                if (r < 0)
                        return r;
        }
        return husk_rootfs_setup_dev(ctx, root_fd, err);
}

int husk_rootfs_pivot(const struct husk_rootfs_ctx *ctx, struct husk_error *err)
{
        const char *rootfs = ctx->rootfs;

        if (ctx->no_pivot) {
                /* For a root that is itself on a ramfs (initramfs), where pivot_root is refused. */
                if (chdir(rootfs) < 0)
                        return husk_error_errno(err, errno, "chdir \"%s\"", rootfs);
                if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                        return husk_error_errno(err, errno, "move mount \"%s\" to \"/\"", rootfs);
                if (chroot(".") < 0)
                        return husk_error_errno(err, errno, "chroot \"%s\"", rootfs);
                if (chdir("/") < 0)
                        return husk_error_errno(err, errno, "chdir \"/\"");
                return 0;
        }

        _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (oldroot < 0)
                return husk_error_errno(err, errno, "open \"/\"");
        _cleanup_close_ int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (newroot < 0)
                return husk_error_errno(err, errno, "open rootfs \"%s\"", rootfs);
        if (fchdir(newroot) < 0)
                return husk_error_errno(err, errno, "chdir \"%s\"", rootfs);
        /* pivot_root(".", "."): the old root is stacked on top of the new one, at the same place, so no
         * directory has to be created in the rootfs for it (runc's trick). */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return husk_error_errno(err, errno, "pivot_root \"%s\"", rootfs);
        if (fchdir(oldroot) < 0)
                return husk_error_errno(err, errno, "chdir to the old root");
        /* Slave first, so that detaching the old root does not propagate the unmounts to the host. */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return husk_error_errno(err, errno, "make the old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return husk_error_errno(err, errno, "detach the old root");
        if (chdir("/") < 0)
                return husk_error_errno(err, errno, "chdir \"/\"");
        return 0;
}

int husk_rootfs_finalize(const struct husk_rootfs_ctx *ctx, struct husk_error *err)
{
        const struct husk_spec *spec = ctx->spec;
        int r;

        _cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return husk_error_errno(err, errno, "open \"/\"");
        /* A missing process.cwd is created (0755, resolved in the root), before the root may turn
         * read-only, as runc does: clients such as ctr --cwd rely on it. */
        const char *cwd = spec->process.cwd;
        if (cwd && strcmp(cwd, "/") != 0) {
                _cleanup_close_ int fd = husk_mkdir_in_root(root_fd, cwd, 0755, false, err);
                if (fd < 0)
                        return husk_error_prefix(err, "process.cwd: ");
        }
        /* runc's order: sysctls while /proc/sys is still writable, then read-only paths, then masks
         * (a mask may sit inside a read-only path). */
        r = husk_sysctl_apply(spec, err);
        if (r < 0)
                return r;
        r = husk_rootfs_readonly_paths(spec, root_fd, err);
        if (r < 0)
                return r;
        r = husk_rootfs_masked_paths(spec, root_fd, err);
        if (r < 0)
                return r;
        if (spec->root.readonly) {
                /* mount_setattr changes only the bit named: nosuid/nodev/... and flags a user namespace
                 * has locked stay as they are, without the statvfs + MS_REMOUNT dance. */
                struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
                if (mount_setattr(root_fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
                        return husk_error_errno(err, errno, "remount \"/\" read-only");
        }
        if (spec->has_linux && spec->linux_.rootfs_propagation) {
                unsigned long prop;
                r = root_propagation(spec, &prop, err);
                if (r < 0)
                        return r;
                if (mount(NULL, "/", NULL, prop, NULL) < 0)
                        return husk_error_errno(err, errno, "set propagation of \"/\" to %s",
                                                spec->linux_.rootfs_propagation);
        }
        return 0;
}

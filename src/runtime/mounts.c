/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/lsm.h"
#include "util/cleanup.h"
#include "util/path.h"

struct flag_opt {
        const char *name;
        bool clear;
        unsigned long flag;
};

/* runc's mountFlags table (libcontainer/specconv). */
static const struct flag_opt flag_opts[] = {
        { "defaults", false, 0 },
        { "ro", false, MS_RDONLY },
        { "rw", true, MS_RDONLY },
        { "nosuid", false, MS_NOSUID },
        { "suid", true, MS_NOSUID },
        { "nodev", false, MS_NODEV },
        { "dev", true, MS_NODEV },
        { "noexec", false, MS_NOEXEC },
        { "exec", true, MS_NOEXEC },
        { "sync", false, MS_SYNCHRONOUS },
        { "async", true, MS_SYNCHRONOUS },
        { "dirsync", false, MS_DIRSYNC },
        { "remount", false, MS_REMOUNT },
        { "mand", false, MS_MANDLOCK },
        { "nomand", true, MS_MANDLOCK },
        { "atime", true, MS_NOATIME },
        { "noatime", false, MS_NOATIME },
        { "diratime", true, MS_NODIRATIME },
        { "nodiratime", false, MS_NODIRATIME },
        { "relatime", false, MS_RELATIME },
        { "norelatime", true, MS_RELATIME },
        { "strictatime", false, MS_STRICTATIME },
        { "nostrictatime", true, MS_STRICTATIME },
        { "lazytime", false, MS_LAZYTIME },
        { "nolazytime", true, MS_LAZYTIME },
        { "silent", false, MS_SILENT },
        { "loud", true, MS_SILENT },
        { "bind", false, MS_BIND },
        { "rbind", false, MS_BIND | MS_REC },
};

struct prop_opt {
        const char *name;
        unsigned long flag;
};

static const struct prop_opt prop_opts[] = {
        { "private", MS_PRIVATE },
        { "rprivate", MS_PRIVATE | MS_REC },
        { "shared", MS_SHARED },
        { "rshared", MS_SHARED | MS_REC },
        { "slave", MS_SLAVE },
        { "rslave", MS_SLAVE | MS_REC },
        { "unbindable", MS_UNBINDABLE },
        { "runbindable", MS_UNBINDABLE | MS_REC },
};

struct attr_opt {
        const char *name;
        bool clear;
        uint64_t attr;
};

/* runc's recAttrFlags: applied with mount_setattr(AT_RECURSIVE). */
static const struct attr_opt rattr_opts[] = {
        { "rro", false, MOUNT_ATTR_RDONLY },
        { "rrw", true, MOUNT_ATTR_RDONLY },
        { "rnosuid", false, MOUNT_ATTR_NOSUID },
        { "rsuid", true, MOUNT_ATTR_NOSUID },
        { "rnodev", false, MOUNT_ATTR_NODEV },
        { "rdev", true, MOUNT_ATTR_NODEV },
        { "rnoexec", false, MOUNT_ATTR_NOEXEC },
        { "rexec", true, MOUNT_ATTR_NOEXEC },
        { "rnodiratime", false, MOUNT_ATTR_NODIRATIME },
        { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
        { "rrelatime", false, MOUNT_ATTR_RELATIME },
        { "rnorelatime", true, MOUNT_ATTR_RELATIME },
        { "rnoatime", false, MOUNT_ATTR_NOATIME },
        { "ratime", true, MOUNT_ATTR_NOATIME },
        { "rstrictatime", false, MOUNT_ATTR_STRICTATIME },
        { "rnostrictatime", true, MOUNT_ATTR_STRICTATIME },
};

void husk_mount_options_done(struct husk_mount_options *o)
{
        free(o->data);
        o->data = NULL;
}

unsigned long husk_propagation_from_string(const char *s)
{
        for (size_t i = 0; s && i < HUSK_ARRAY_SIZE(prop_opts); i++)
                if (strcmp(s, prop_opts[i].name) == 0)
                        return prop_opts[i].flag;
        return 0;
}

static int data_append(char **data, size_t *len, const char *opt)
{
        size_t n = strlen(opt);
        char *d = realloc(*data, *len + n + 2);
        if (!d)
                return -ENOMEM;
        if (*len)
                d[(*len)++] = ',';
        memcpy(d + *len, opt, n + 1);
        *len += n;
        *data = d;
        return 0;
}

int husk_mount_options_parse(char *const *options, struct husk_mount_options *ret, struct husk_error *err)
{
        struct husk_mount_options o = { 0 };
        _cleanup_free_ char *data = NULL;
        size_t data_len = 0;

        for (size_t i = 0; options && options[i]; i++) {
                const char *opt = options[i];
                bool done = false;

                for (size_t k = 0; !done && k < HUSK_ARRAY_SIZE(flag_opts); k++) {
                        if (strcmp(opt, flag_opts[k].name) != 0)
                                continue;
                        if (flag_opts[k].clear) {
                                o.flags &= ~flag_opts[k].flag;
                                o.cleared |= flag_opts[k].flag;
                        } else {
                                o.flags |= flag_opts[k].flag;
                                o.cleared &= ~flag_opts[k].flag;
                        }
                        done = true;
                }
                for (size_t k = 0; !done && k < HUSK_ARRAY_SIZE(prop_opts); k++) {
                        if (strcmp(opt, prop_opts[k].name) == 0) {
                                o.propagation = prop_opts[k].flag;
                                done = true;
                        }
                }
                for (size_t k = 0; !done && k < HUSK_ARRAY_SIZE(rattr_opts); k++) {
                        if (strcmp(opt, rattr_opts[k].name) != 0)
                                continue;
                        uint64_t a = rattr_opts[k].attr;
                        bool is_atime = (a & MOUNT_ATTR__ATIME) == a;
                        if (rattr_opts[k].clear) {
                                /* The atime setting is a field, not a bit: "clearing" one means going back
                                 * to the default, relatime. */
                                if (is_atime) {
                                        o.rattr_set &= ~(uint64_t) MOUNT_ATTR__ATIME;
                                        o.rattr_clr |= MOUNT_ATTR__ATIME;
                                } else {
                                        o.rattr_set &= ~a;
                                        o.rattr_clr |= a;
                                }
                        } else if (is_atime) {
                                /* mount_setattr(2): an atime value in attr_set needs the whole
                                 * MOUNT_ATTR__ATIME mask in attr_clr. */
                                o.rattr_set = (o.rattr_set & ~(uint64_t) MOUNT_ATTR__ATIME) | a;
                                o.rattr_clr |= MOUNT_ATTR__ATIME;
                        } else {
                                o.rattr_set |= a;
                                o.rattr_clr &= ~a;
                        }
                        done = true;
                }
                if (!done && strcmp(opt, "tmpcopyup") == 0) {
                        o.tmpcopyup = true;
                        done = true;
                }
                if (!done && data_append(&data, &data_len, opt) < 0)
                        return husk_error_errno(err, ENOMEM, "mount options");
        }
        o.data = steal_ptr(data);
        *ret = o;
        return 0;
}

void husk_mount_options_to_attr(const struct husk_mount_options *o, uint64_t *ret_set, uint64_t *ret_clr)
{
        static const struct {
                unsigned long ms;
                uint64_t attr;
        } map[] = {
                { MS_RDONLY, MOUNT_ATTR_RDONLY },
                { MS_NOSUID, MOUNT_ATTR_NOSUID },
                { MS_NODEV, MOUNT_ATTR_NODEV },
                { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
                { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
        };
        uint64_t set = 0, clr = 0;

        for (size_t i = 0; i < HUSK_ARRAY_SIZE(map); i++) {
                if (o->flags & map[i].ms)
                        set |= map[i].attr;
                else if (o->cleared & map[i].ms)
                        clr |= map[i].attr;
        }
        if (o->flags & MS_NOATIME) {
                set |= MOUNT_ATTR_NOATIME;
                clr |= MOUNT_ATTR__ATIME;
        } else if (o->flags & MS_STRICTATIME) {
                set |= MOUNT_ATTR_STRICTATIME;
                clr |= MOUNT_ATTR__ATIME;
        } else if ((o->flags & MS_RELATIME) || (o->cleared & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))) {
                set |= MOUNT_ATTR_RELATIME;
                clr |= MOUNT_ATTR__ATIME;
        }
        *ret_set = set;
        *ret_clr = clr;
}

bool husk_rootfs_has_ns(const struct husk_spec *spec, enum husk_ns_type type)
{
        if (!spec->has_linux)
                return false;
        for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
                if (spec->linux_.namespaces[i].type == type)
                        return true;
        return false;
}

static int setattr_fd(int fd, unsigned int flags, uint64_t set, uint64_t clr, uint64_t propagation)
{
        struct mount_attr a = { .attr_set = set, .attr_clr = clr, .propagation = propagation };
        if (!set && !clr && !propagation)
                return 0;
        return mount_setattr(fd, "", AT_EMPTY_PATH | flags, &a, sizeof(a)) < 0 ? -errno : 0;
}

int husk_bind_onto(int src_dirfd, const char *src, int dest_fd, bool recursive, uint64_t attr_set,
                   uint64_t attr_clr, uint64_t rattr_set, uint64_t rattr_clr)
{
        unsigned int ot = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        if (!*src)
                ot |= AT_EMPTY_PATH;
        /* Cloning a detached tree and setting its flags before attaching it needs no MS_REMOUNT pass:
         * flags not named stay as the source has them, so the ones a user namespace locks (nosuid,
         * nodev, noexec, ro from the host) are kept without statvfs'ing the source. */
        _cleanup_close_ int tree = open_tree(src_dirfd, src, ot);
        if (tree < 0)
                return -errno;
        int r = setattr_fd(tree, 0, attr_set, attr_clr, 0);
        if (r < 0)
                return r;
        r = setattr_fd(tree, AT_RECURSIVE, rattr_set, rattr_clr, 0);
        if (r < 0)
                return r;
        if (move_mount(tree, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

/* Propagation and recursive attributes on the mount now at `dest` (reopened, since the destination
 * fd still points at the directory underneath it). */
static int apply_after(int root_fd, const char *dest, const struct husk_mount_options *o, uint64_t rset,
                       uint64_t rclr, struct husk_error *err)
{
        if (!o->propagation && !rset && !rclr)
                return 0;
        _cleanup_close_ int fd = husk_open_in_root(root_fd, dest, O_PATH, 0, err);
        if (fd < 0)
                return fd;
        int r = setattr_fd(fd, AT_RECURSIVE, rset, rclr, 0);
        if (r < 0)
                return husk_error_errno(err, -r, "set recursive attributes on \"%s\"", dest);
        r = setattr_fd(fd, (o->propagation & MS_REC) ? AT_RECURSIVE : 0, 0, 0, o->propagation & ~MS_REC);
        if (r < 0)
                return husk_error_errno(err, -r, "set propagation on \"%s\"", dest);
        return 0;
}

static int mount_bind(const struct husk_mount *m, int root_fd, const struct husk_mount_options *o,
                      struct husk_error *err)
{
        if (!m->source)
                return husk_error_set(err, EINVAL, "bind mount on \"%s\": no source", m->destination);
        struct stat st;
        /* The source is the host's, relative to the bundle (our cwd), and trusted like runc does. */
        if (stat(m->source, &st) < 0)
                return husk_error_errno(err, errno, "bind mount \"%s\" on \"%s\": stat source", m->source,
                                        m->destination);
        _cleanup_close_ int dest = husk_mkdir_in_root(root_fd, m->destination, 0755, !S_ISDIR(st.st_mode), err);
        if (dest < 0)
                return dest;
        uint64_t set, clr;
        husk_mount_options_to_attr(o, &set, &clr);
        int r = husk_bind_onto(AT_FDCWD, m->source, dest, o->flags & MS_REC, set, clr, o->rattr_set, o->rattr_clr);
        if (r < 0)
                return husk_error_errno(err, -r, "mount \"%s\" on \"%s\"", m->source, m->destination);
        if (o->propagation) {
                struct husk_mount_options p = { .propagation = o->propagation };
                return apply_after(root_fd, m->destination, &p, 0, 0, err);
        }
        return 0;
}

static int mount_fs(const struct husk_rootfs_ctx *ctx, const struct husk_mount *m, int root_fd,
                    const struct husk_mount_options *o, struct husk_error *err)
{
        const char *type = m->type;
        const char *what = m->source ? m->source : type;
        bool is_sysfs = strcmp(type, "sysfs") == 0;
        char buf[32];

        _cleanup_close_ int dest = husk_mkdir_in_root(root_fd, m->destination, 0755, false, err);
        if (dest < 0)
                return dest;
        /* The runtime writes below proc and sysfs later (sysctls, LSM attributes): a destination reached
         * through a symlink would let the image choose where those land (CVE-2019-19921, 2023-27561). */
        if (is_sysfs || strcmp(type, "proc") == 0) {
                int r = husk_path_check_no_symlinks(root_fd, m->destination, dest);
                if (r < 0)
                        return husk_error_set(err, -r, "mount %s on \"%s\": the destination %s", type, m->destination,
                                              r == -ELOOP   ? "goes through a symlink (refused)"
                                              : r == -EXDEV ? "changed while it was resolved (refused)"
                                                            : "must be a plain path inside the root");
        }

        const char *label = ctx->spec->linux_.mount_label;
        enum husk_lsm_mount_label label_kind = husk_lsm_mount_label_kind(type, label);
        _cleanup_free_ char *labelled = NULL;
        if (label_kind == HUSK_LSM_MOUNT_LABEL_OPTION) {
                int r = husk_lsm_mount_data(o->data, label, &labelled, err);
                if (r < 0)
                        return r;
        }

        /* sysfs belongs to the network namespace: one user namespace cannot mount a new instance for a
         * netns it does not own, so runc binds the host's /sys instead. */
        bool sysfs_bind = is_sysfs && ctx->in_userns && !husk_rootfs_has_ns(ctx->spec, HUSK_NS_NETWORK);
        if (!sysfs_bind) {
                _cleanup_close_ int old = -1;
                if (o->tmpcopyup && strcmp(type, "tmpfs") == 0) {
                        /* Held open before the mount so the content underneath stays reachable. */
                        old = openat(dest, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (old < 0)
                                return husk_error_errno(err, errno, "tmpcopyup: open \"%s\"", m->destination);
                }
                if (mount(what, husk_fd_path(dest, buf), type, o->flags, labelled ? labelled : o->data) == 0) {
                        if (label_kind == HUSK_LSM_MOUNT_LABEL_XATTR) {
                                int r = husk_lsm_label_mount_root(root_fd, m->destination, label, err);
                                if (r < 0)
                                        return r;
                        }
                        if (old >= 0) {
                                _cleanup_close_ int new = husk_open_in_root(root_fd, m->destination,
                                                                            O_RDONLY | O_DIRECTORY, 0, err);
                                if (new < 0)
                                        return new;
                                int r = husk_mount_tmpcopyup(old, new, err);
                                if (r < 0)
                                        return husk_error_prefix(err, "tmpcopyup to \"%s\": ", m->destination);
                        }
                        return apply_after(root_fd, m->destination, o, o->rattr_set, o->rattr_clr, err);
                }
                if (!(is_sysfs && errno == EPERM))
                        return husk_error_errno(err, errno, "mount \"%s\" on \"%s\"", what, m->destination);
        }

        uint64_t set, clr;
        husk_mount_options_to_attr(o, &set, &clr);
        /* A read-only sysfs means all of it, submounts (securityfs, cgroup ...) included. */
        uint64_t rset = o->rattr_set | (set & MOUNT_ATTR_RDONLY);
        int r = husk_bind_onto(AT_FDCWD, "/sys", dest, true, set & ~MOUNT_ATTR_RDONLY, clr, rset, o->rattr_clr);
        if (r < 0)
                return husk_error_errno(err, -r, "mount \"/sys\" (rbind for sysfs) on \"%s\"", m->destination);
        return apply_after(root_fd, m->destination, o, 0, 0, err);
}

int husk_mount_one(const struct husk_rootfs_ctx *ctx, int root_fd, size_t i, struct husk_error *err)
{
        const struct husk_mount *m = &ctx->spec->mounts[i];
        _cleanup_(husk_mount_options_done) struct husk_mount_options o = { 0 };
        int r;

        if (!m->destination)
                return husk_error_set(err, EINVAL, "mounts[%zu]: no destination", i);
        if (m->n_uid_mappings || m->n_gid_mappings)
                return husk_error_set(err, EOPNOTSUPP, "mounts[%zu]: mount on \"%s\": idmapped mounts are not supported",
                                      i, m->destination);
        r = husk_mount_options_parse(m->options, &o, err);
        if (r < 0)
                return husk_error_prefix(err, "mounts[%zu]: ", i);

        bool bind = (o.flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
        if (bind)
                r = mount_bind(m, root_fd, &o, err);
        else if (!m->type)
                r = husk_error_set(err, EINVAL, "mount on \"%s\": no type and not a bind mount", m->destination);
        else if (strcmp(m->type, "cgroup") == 0)
                r = husk_mount_cgroup(ctx, root_fd, m->destination, &o, err);
        else
                r = mount_fs(ctx, m, root_fd, &o, err);
        if (r < 0)
                return husk_error_prefix(err, "mounts[%zu]: ", i);
        return 0;
}

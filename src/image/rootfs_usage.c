/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The disk a container's root adds to its image, as du counts it: allocated blocks, a file with several
 * names once, nothing beyond the container directory's filesystem (merged/ of an overlay root is a mount
 * of the shared layers, already counted as the image's).
 */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/rootfs.h"
#include "util/cleanup.h"

struct usage_ctx {
        dev_t dev;
        void *seen;             /* tsearch tree of inode numbers with several names */
        struct husk_rootfs_usage *u;
        struct husk_error *err;
};

static int ino_cmp(const void *a, const void *b)
{
        ino_t x = *(const ino_t *) a, y = *(const ino_t *) b;
        return x < y ? -1 : x > y;
}

/* Counts st once; 0, or -ENOMEM. */
static int count(struct usage_ctx *c, const struct stat *st)
{
        if (st->st_nlink > 1 && !S_ISDIR(st->st_mode)) {
                ino_t *key = malloc(sizeof(*key));
                if (!key)
                        return -ENOMEM;
                *key = st->st_ino;
                ino_t **found = tsearch(key, &c->seen, ino_cmp);
                if (!found) {
                        free(key);
                        return -ENOMEM;
                }
                if (*found != key) {
                        free(key);
                        return 0;
                }
        }
        c->u->bytes += (uint64_t) st->st_blocks * 512;
        if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
                c->u->apparent += (uint64_t) st->st_size;
        c->u->inodes++;
        return 0;
}

static int walk(struct usage_ctx *c, int dfd, const char *where)
{
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                int e = errno;
                (void) close(dfd);
                return husk_error_errno(c->err, e, "disk usage: open %s", where);
        }
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de)
                        return errno ? husk_error_errno(c->err, errno, "disk usage: read %s", where) : 0;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return husk_error_errno(c->err, errno, "disk usage: stat %s/%s", where, de->d_name);
                }
                if (st.st_dev != c->dev)
                        continue;
                if (count(c, &st) < 0)
                        return husk_error_errno(c->err, ENOMEM, "disk usage of %s", where);
                if (!S_ISDIR(st.st_mode))
                        continue;
                int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                        if (errno == ENOENT)
                                continue;
                        return husk_error_errno(c->err, errno, "disk usage: open %s/%s", where, de->d_name);
                }
                int r = walk(c, sub, de->d_name);
                if (r < 0)
                        return r;
        }
}

int husk_rootfs_usage(int container_dirfd, struct husk_rootfs_usage *ret, struct husk_error *err)
{
        struct husk_rootfs_usage u = { 0 };
        struct stat cst;

        if (fstat(container_dirfd, &cst) < 0)
                return husk_error_errno(err, errno, "disk usage: stat the container directory");
        struct usage_ctx c = { .dev = cst.st_dev, .u = &u, .err = err };
        static const char *const names[] = { "upper", "work", "merged", "merged.tmp" };
        int r = 0;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(names) && r == 0; i++) {
                int fd = openat(container_dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        if (errno == ENOENT)
                                continue;
                        r = husk_error_errno(err, errno, "disk usage: open %s/", names[i]);
                        break;
                }
                struct stat st;
                if (fstat(fd, &st) < 0 || st.st_dev != c.dev) {
                        (void) close(fd);       /* merged/ of an overlay root: the image's layers */
                        continue;
                }
                if (count(&c, &st) < 0) {
                        (void) close(fd);
                        r = husk_error_errno(err, ENOMEM, "disk usage");
                        break;
                }
                r = walk(&c, fd, names[i]);
        }
        tdestroy(c.seen, free);
        if (r < 0)
                return r;
        *ret = u;
        return 0;
}

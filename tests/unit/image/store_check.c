/* SPDX-License-Identifier: Apache-2.0 */
#include "store_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/store.h"
#include "util/cleanup.h"

__attribute__((format(printf, 3, 4))) static int bad(char *msg, size_t len, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        (void) vsnprintf(msg, len, fmt, ap);
        va_end(ap);
        return -1;
}

static int blob_ok(int dirfd, const char *name, char *msg, size_t len)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        char buf[65536], digest[HUSK_DIGEST_LEN];
        struct husk_digester *d = husk_digester_new();
        ssize_t n;

        if (fd < 0 || !d) {
                husk_digester_free(d);
                return bad(msg, len, "blob %s: cannot open", name);
        }
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                husk_digester_update(d, buf, (size_t) n);
        husk_digester_final(d, digest);
        husk_digester_free(d);
        if (n < 0 || strcmp(digest + 7, name) != 0)
                return bad(msg, len, "blob %s: its content hashes to %s", name, digest);
        return 0;
}

static int each(int rootfd, const char *dir, int (*fn)(int rootfd, int dirfd, const char *name, char *msg, size_t len),
                char *msg, size_t len)
{
        int fd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return bad(msg, len, "open %s: %s", dir, strerror(errno));
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return bad(msg, len, "open %s", dir);
        }
        int r = 0;
        for (struct dirent *de; r == 0 && (de = readdir(d));)
                if (de->d_name[0] != '.')
                        r = fn(rootfd, dirfd(d), de->d_name, msg, len);
        closedir(d);
        return r;
}

static int check_blob(int rootfd, int dirfd, const char *name, char *msg, size_t len)
{
        (void) rootfd;
        return blob_ok(dirfd, name, msg, len);
}

static int check_tmp(int rootfd, int dirfd, const char *name, char *msg, size_t len)
{
        (void) rootfd;
        (void) dirfd;
        return bad(msg, len, "tmp/%s left behind", name);
}

/* A layer: its layer.json names it; when an image uses it (referenced), its l/ link leads to it. An
   unused layer may lack its link (a GC killed half-way; the next GC or an ensure settles it). */
static int check_layer_with(struct husk_store *s, const char *name, bool referenced, char *msg, size_t len)
{
        struct husk_layer_info info;
        struct husk_error err = { 0 };
        char diffid[HUSK_DIGEST_LEN + 8], p[128], have[256], want[256];

        (void) snprintf(diffid, sizeof(diffid), "sha256:%.64s", name);
        if (husk_store_layer_get(s, diffid, &info, &err) < 0)
                return bad(msg, len, "layer %s: %s", name, err.msg);
        if (!referenced)
                return 0;
        (void) snprintf(p, sizeof(p), "l/%s", info.link);
        ssize_t n = readlinkat(husk_store_root_fd(s), p, have, sizeof(have) - 1);
        if (n < 0)
                return bad(msg, len, "layer %s: no link l/%s", name, info.link);
        have[n] = '\0';
        (void) snprintf(want, sizeof(want), "../layers/%.64s/diff", name);
        if (strcmp(have, want) != 0)
                return bad(msg, len, "layer %s: l/%s leads to %s", name, info.link, have);
        return 0;
}

int store_check(const char *root, char *msg, size_t len)
{
        struct husk_store_opts o = { .root = root };
        struct husk_store *s = NULL;
        struct husk_error err = { 0 };
        struct husk_image *imgs = NULL;
        size_t n = 0;
        int r;

        if (husk_store_open(&o, &s, &err) < 0)
                return bad(msg, len, "open: %s", err.msg);
        int rootfd = husk_store_root_fd(s);
        if ((r = each(rootfd, "tmp", check_tmp, msg, len)) == 0)
                r = each(rootfd, "blobs/sha256", check_blob, msg, len);
        if (r == 0 && husk_store_image_list(s, &imgs, &n, &err) < 0)
                r = bad(msg, len, "records: %s", err.msg);
        if (r == 0) {
                int fd = openat(rootfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
                for (struct dirent *de; r == 0 && d && (de = readdir(d));) {
                        if (de->d_name[0] == '.')
                                continue;
                        bool referenced = false;
                        for (size_t i = 0; i < n; i++)
                                for (char **p = imgs[i].layers; p && *p; p++)
                                        referenced = referenced || strcmp(*p + 7, de->d_name) == 0;
                        r = check_layer_with(s, de->d_name, referenced, msg, len);
                }
                if (d)
                        closedir(d);
        }
        for (size_t i = 0; r == 0 && i < n; i++) {
                if (!husk_blob_exists(s, imgs[i].id) || !husk_blob_exists(s, imgs[i].manifest))
                        r = bad(msg, len, "image %s: its config or manifest blob is missing", imgs[i].id);
                for (char **p = imgs[i].layers; r == 0 && p && *p; p++) {
                        struct husk_layer_info info;
                        if (husk_store_layer_get(s, *p, &info, &err) < 0)
                                r = bad(msg, len, "image %s: %s", imgs[i].id, err.msg);
                }
                for (char **p = imgs[i].layer_blobs; r == 0 && p && *p; p++)
                        if (!husk_blob_exists(s, *p))
                                r = bad(msg, len, "image %s: layer blob %s is missing", imgs[i].id, *p);
        }
        husk_image_list_free(imgs, n);
        husk_store_close(s);
        return r;
}

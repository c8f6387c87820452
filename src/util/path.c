/* SPDX-License-Identifier: Apache-2.0 */
#include "util/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/path-internal.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* The kernel's own limit (MAXSYMLINKS); a loop of links ends in ELOOP like a real lookup. */
#define HUSK_MAX_SYMLINKS 40
/* RESOLVE_IN_ROOT returns EAGAIN when a concurrent rename could have let ".." escape; retry. */
#define HUSK_OPENAT2_RETRIES 32

int husk_path_openat2_in_root(int root_fd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t) (unsigned int) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        /* openat2 rejects a mode without O_CREAT/O_TMPFILE, unlike openat which ignores it. */
        if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
                how.mode = mode;
        for (int i = 0; i < HUSK_OPENAT2_RETRIES; i++) {
                long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                if (fd >= 0)
                        return (int) fd;
                if (errno != EAGAIN)
                        return -errno;
        }
        return -EAGAIN;
}

/* The directories walked so far. fds[0] is the caller's root fd and is not owned. Popping on ".."
 * instead of openat("..") is what keeps a directory moved out of the root from leading outside. */
struct dir_stack {
        int *fds;
        size_t n, cap;
};

static void dir_stack_release(struct dir_stack *s)
{
        for (size_t i = 1; i < s->n; i++)
                (void) close(s->fds[i]);
        free(s->fds);
}

static int dir_stack_push(struct dir_stack *s, int fd)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                int *fds = realloc(s->fds, cap * sizeof(*fds));
                if (!fds)
                        return -ENOMEM;
                s->fds = fds;
                s->cap = cap;
        }
        s->fds[s->n++] = fd;
        return 0;
}

static void dir_stack_pop_to(struct dir_stack *s, size_t n)
{
        while (s->n > n)
                (void) close(s->fds[--s->n]);
}

/* Procfs magic links ("/proc/self/fd/3", "cwd", "ns/net") read back as absolute paths or as
 * "type:[inode]"; the ordinary procfs links ("self", "mounts" -> "self/mounts") are always relative.
 * Refusing the former mirrors RESOLVE_NO_MAGICLINKS. */
static bool is_magic_link(int link_fd, const char *target)
{
        struct statfs sfs;
        if (fstatfs(link_fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
                return false;
        return target[0] == '/' || strchr(target, ':') != NULL;
}

static int final_open(int dir_fd, const char *name, int flags, mode_t mode)
{
        /* O_NOFOLLOW: the component was checked not to be a symlink; if it was swapped for one since,
         * fail with ELOOP rather than follow it. */
        int fd = openat(dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        return fd < 0 ? -errno : fd;
}

static int create_missing(int dir_fd, const char *name, mode_t mode, bool as_file)
{
        if (as_file) {
                int fd = openat(dir_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
                if (fd < 0)
                        return errno == EEXIST ? 0 : -errno;
                (void) close(fd);
                return 0;
        }
        if (mkdirat(dir_fd, name, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* The next component of *p into name; *p moves past it and the slashes after it. Returns its length,
 * 0 at the end of the path, or -ENAMETOOLONG. */
static int next_component(const char **p, char name[static NAME_MAX + 1])
{
        const char *s = *p;
        while (*s == '/')
                s++;
        const char *end = strchrnul(s, '/');
        size_t len = (size_t) (end - s);
        if (len > NAME_MAX)
                return -ENAMETOOLONG;
        memcpy(name, s, len);
        name[len] = '\0';
        while (*end == '/')
                end++;
        *p = end;
        return (int) len;
}

int husk_path_walk_in_root(int root_fd, const char *path, int flags, mode_t mode, bool create,
                           bool last_is_file)
{
        _cleanup_(dir_stack_release) struct dir_stack st = { 0 };
        _cleanup_free_ char *rest = strdup(path);
        unsigned int links = 0;
        int r;

        if (!rest)
                return -ENOMEM;
        r = dir_stack_push(&st, root_fd);
        if (r < 0)
                return r;

        const char *p = rest;
        for (;;) {
                char name[NAME_MAX + 1];
                r = next_component(&p, name);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                bool last = *p == '\0';
                int dir = st.fds[st.n - 1];

                if (strcmp(name, ".") == 0)
                        continue;
                if (strcmp(name, "..") == 0) {
                        /* Clamped at the root, as chroot and RESOLVE_IN_ROOT do. */
                        if (st.n > 1)
                                dir_stack_pop_to(&st, st.n - 1);
                        continue;
                }

                _cleanup_close_ int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        if (errno != ENOENT)
                                return -errno;
                        if (!create) {
                                if (last && (flags & O_CREAT))
                                        return final_open(dir, name, flags, mode);
                                return -ENOENT;
                        }
                        r = create_missing(dir, name, mode, last && last_is_file);
                        if (r < 0)
                                return r;
                        fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0)
                                return -errno;
                }

                struct stat stb;
                if (fstat(fd, &stb) < 0)
                        return -errno;

                if (S_ISLNK(stb.st_mode)) {
                        if (last && !create && (flags & O_NOFOLLOW))
                                return final_open(dir, name, flags, mode);
                        if (last && !create && (flags & O_CREAT) && (flags & O_EXCL))
                                return -EEXIST;
                        if (++links > HUSK_MAX_SYMLINKS)
                                return -ELOOP;
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
                        if (n < 0)
                                return -errno;
                        if ((size_t) n >= sizeof(target) - 1)
                                return -ENAMETOOLONG;
                        target[n] = '\0';
                        if (is_magic_link(fd, target))
                                return -ELOOP;
                        /* An absolute link restarts at the container root, never at the host's. */
                        if (target[0] == '/')
                                dir_stack_pop_to(&st, 1);
                        char *next = NULL;
                        if (asprintf(&next, "%s/%s", target, p) < 0)
                                return -ENOMEM;
                        free(rest);
                        rest = next;
                        p = rest;
                        continue;
                }

                if (!last) {
                        if (!S_ISDIR(stb.st_mode))
                                return -ENOTDIR;
                        r = dir_stack_push(&st, fd);
                        if (r < 0)
                                return r;
                        fd = -1;
                        continue;
                }
                if (create) {
                        if (!last_is_file && !S_ISDIR(stb.st_mode))
                                return -ENOTDIR;
                        return steal_fd(fd);
                }
                return final_open(dir, name, flags, mode);
        }

        /* The path ended on a directory already on the stack ("/", ".", "a/.."). */
        int dir = st.fds[st.n - 1];
        int fd = create ? openat(dir, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
                        : openat(dir, ".", flags | O_CLOEXEC, mode);
        return fd < 0 ? -errno : fd;
}

int husk_open_in_root(int root_fd, const char *path, int flags, mode_t mode, struct husk_error *err)
{
        if (!path || !*path)
                path = "/";
        int r = husk_path_openat2_in_root(root_fd, path, flags, mode);
        if (r == -ENOSYS)
                r = husk_path_walk_in_root(root_fd, path, flags, mode, false, false);
        if (r < 0)
                return husk_error_errno(err, -r, "open \"%s\" in container root", path);
        return r;
}

int husk_mkdir_in_root(int root_fd, const char *path, mode_t mode, bool last_is_file, struct husk_error *err)
{
        if (!path || !*path)
                path = "/";
        /* Nearly always the destination exists already: one openat2 and done. */
        int r = husk_path_openat2_in_root(root_fd, path, O_PATH | (last_is_file ? 0 : O_DIRECTORY), 0);
        if (r >= 0)
                return r;
        if (r == -ENOENT || r == -ENOSYS)
                r = husk_path_walk_in_root(root_fd, path, O_PATH, mode, true, last_is_file);
        if (r < 0)
                return husk_error_errno(err, -r, "create \"%s\" in container root", path);
        return r;
}

int husk_path_check_no_symlinks(int root_fd, const char *path, int fd)
{
        _cleanup_close_ int cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return -errno;
        const char *p = path;
        for (;;) {
                char name[NAME_MAX + 1];
                int r = next_component(&p, name);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (strcmp(name, ".") == 0)
                        continue;
                if (strcmp(name, "..") == 0)
                        return -EINVAL;
                int next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return -errno;
                (void) close(cur);
                cur = next;
                struct stat st;
                if (fstat(cur, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode))
                        return -ELOOP;
        }
        struct stat a, b;
        if (fstat(cur, &a) < 0 || fstat(fd, &b) < 0)
                return -errno;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? 0 : -EXDEV;
}

/* The components of path into out (size bytes, room checked), "//" and "." dropped. ".." is kept, or
 * with `clamp` removes the component before it and stops at the start, as RESOLVE_IN_ROOT does at the
 * root. Returns the length written after `o`, or -ENAMETOOLONG. */
static ssize_t clean_components(const char *path, char *out, size_t size, size_t o, bool clamp)
{
        size_t start = o;
        const char *p = path;

        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                const char *end = strchrnul(p, '/');
                size_t n = (size_t) (end - p);
                if (n == 1 && p[0] == '.') {
                        p = end;
                        continue;
                }
                if (clamp && n == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > start && out[o - 1] != '/')
                                o--;
                        if (o > start)
                                o--;
                        p = end;
                        continue;
                }
                bool sep = o > 0 && out[o - 1] != '/';
                if (o + sep + n + 1 > size)
                        return -ENAMETOOLONG;
                if (sep)
                        out[o++] = '/';
                memcpy(out + o, p, n);
                o += n;
                p = end;
        }
        out[o] = '\0';
        return (ssize_t) o;
}

char *husk_path_clean(const char *path)
{
        size_t size = strlen(path) + 2;
        char *out = malloc(size);
        if (!out)
                return NULL;
        size_t o = 0;
        if (path[0] == '/')
                out[o++] = '/';
        /* Cannot fail: the result is never longer than the path. */
        ssize_t n = clean_components(path, out, size, o, false);
        if (n == 0) {
                out[0] = '.';
                out[1] = '\0';
        }
        return out;
}

int husk_path_clean_in_root(const char *path, char *out, size_t size)
{
        if (size == 0)
                return -ENAMETOOLONG;
        ssize_t n = clean_components(path, out, size, 0, true);
        return n < 0 ? (int) n : 0;
}

const char *husk_fd_path(int fd, char buf[static 32])
{
        (void) snprintf(buf, 32, "/proc/self/fd/%d", fd);
        return buf;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `--user` / the image's User resolved as Docker does (moby/sys/user GetExecUser) against the image's
 * /etc/passwd and /etc/group. Both are read through the container's root fd with in-root resolution,
 * so a symlink in the image cannot make us read a host file, and parsed by hand: getpwnam() would go
 * through NSS and could load libraries named by the image's nsswitch.conf into this root process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/spec.h"
#include "util/cleanup.h"
#include "util/path.h"

/* /etc/passwd and /etc/group larger than this are refused rather than read into memory. */
#define ETC_FILE_MAX (4u << 20)

void husk_exec_user_free_contents(struct husk_exec_user *u)
{
        free(u->gids);
        free(u->home);
        memset(u, 0, sizeof(*u));
}

static bool parse_id(const char *s, uint32_t *ret)
{
        if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 10)
                return false;
        unsigned long long v = strtoull(s, NULL, 10);
        /* Docker refuses ids past the 31-bit range (negative in the kernel's eyes for some calls). */
        if (v > INT32_MAX)
                return false;
        *ret = (uint32_t) v;
        return true;
}

/* Split a line of an /etc file into at most max fields on ':'. Returns the count. */
static size_t split_fields(char *line, char **fields, size_t max)
{
        size_t n = 0;
        char *s = line;
        while (n < max) {
                fields[n++] = s;
                s = strchr(s, ':');
                if (!s)
                        break;
                *s++ = '\0';
        }
        return n;
}

struct pw_entry {
        char *name;
        uint32_t uid, gid;
        char *home;
};

/* Call fn for each line of an /etc file that is not a comment, split on ':' into at most max fields
 * (fn may write into them); stop at the first non-zero return and return it. */
static int etc_foreach(const char *text, size_t max, int (*fn)(char **f, size_t n, void *ud), void *ud)
{
        if (!text)
                return 0;
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[8] = { 0 };
                if (line[0] == '#')
                        continue;
                int r = fn(f, split_fields(line, f, max), ud);
                if (r != 0)
                        return r;
        }
        return 0;
}

struct pw_query {
        const char *name;       /* by name, or (NULL) by uid */
        uint32_t uid;
        struct pw_entry *ret;
};

static int pw_match(char **f, size_t n, void *ud)
{
        /* name:password:uid:gid:gecos:home:shell */
        struct pw_query *q = ud;
        uint32_t u, g;
        if (n < 4 || !parse_id(f[2], &u) || !parse_id(f[3], &g))
                return 0;
        if (q->name ? strcmp(f[0], q->name) != 0 : u != q->uid)
                return 0;
        q->ret->name = strdup(f[0]);
        q->ret->home = strdup(n >= 6 && f[5][0] ? f[5] : "/");
        if (!q->ret->name || !q->ret->home) {
                free(q->ret->name);
                free(q->ret->home);
                return -ENOMEM;
        }
        q->ret->uid = u;
        q->ret->gid = g;
        return 1;
}

/* Find by name (name != NULL) or by uid in passwd text. Returns 1 when found (ret owns copies). */
static int passwd_find(const char *text, const char *name, uint32_t uid, struct pw_entry *ret)
{
        struct pw_query q = { .name = name, .uid = uid, .ret = ret };
        return etc_foreach(text, 7, pw_match, &q);
}

static bool in_list(const char *members, const char *name)
{
        size_t len = strlen(name);
        for (const char *p = members; p && *p;) {
                const char *end = strchr(p, ',');
                size_t l = end ? (size_t) (end - p) : strlen(p);
                if (l == len && strncmp(p, name, len) == 0)
                        return true;
                p = end ? end + 1 : NULL;
        }
        return false;
}

static int add_gid(struct husk_exec_user *u, uint32_t gid)
{
        for (size_t i = 0; i < u->n_gids; i++)
                if (u->gids[i] == gid)
                        return 0;
        gid_t *n = realloc(u->gids, (u->n_gids + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        u->gids = n;
        u->gids[u->n_gids++] = gid;
        return 0;
}

struct gr_query {
        const char *group;      /* the group of this name, or (NULL) every group listing member */
        const char *member;
        uint32_t gid;
        struct husk_exec_user *u;
};

static int gr_match(char **f, size_t n, void *ud)
{
        /* name:password:gid:member,member */
        struct gr_query *q = ud;
        uint32_t g;
        if (n < 3 || !parse_id(f[2], &g))
                return 0;
        if (q->group) {
                if (strcmp(f[0], q->group) != 0)
                        return 0;
                q->gid = g;
                return 1;
        }
        if (n == 4 && in_list(f[3], q->member) && add_gid(q->u, g) < 0)
                return -ENOMEM;
        return 0;
}

/* The group named `group` (or, with group NULL, the supplementary groups listing `member`). */
static int group_scan(const char *text, const char *group, const char *member, uint32_t *ret_gid,
                      struct husk_exec_user *u)
{
        struct gr_query q = { .group = group, .member = member, .u = u };
        int r = etc_foreach(text, 4, gr_match, &q);
        if (r > 0)
                *ret_gid = q.gid;
        return r;
}

int husk_exec_user_resolve_text(const char *spec, const char *passwd, const char *group, struct husk_exec_user *ret,
                                struct husk_error *err)
{
        _cleanup_free_ char *copy = strdup(spec ? spec : "");
        if (!copy)
                return husk_error_errno(err, ENOMEM, "user");
        char *user_part = copy, *group_part = strchr(copy, ':');
        if (group_part)
                *group_part++ = '\0';

        _cleanup_(husk_exec_user_free_contents) struct husk_exec_user u = { 0 };
        struct pw_entry pw = { 0 };
        int r;
        uint32_t id;
        if (!*user_part) {
                /* No user: root, with root's home when passwd has it. */
                r = passwd_find(passwd, NULL, 0, &pw);
        } else if (parse_id(user_part, &id)) {
                r = passwd_find(passwd, NULL, id, &pw);
                if (r == 0) {
                        pw.uid = id;
                        pw.gid = 0;
                }
        } else {
                r = passwd_find(passwd, user_part, 0, &pw);
                if (r == 0)
                        return husk_error_set(err, ENOENT,
                                              "unable to find user %s: no matching entries in passwd file", user_part);
        }
        if (r < 0)
                return husk_error_errno(err, -r, "user %s", spec);
        _cleanup_free_ char *pw_name = pw.name;
        u.uid = pw.uid;
        u.gid = pw.gid;
        u.home = pw.home ? pw.home : strdup("/");
        if (!u.home)
                return husk_error_errno(err, ENOMEM, "user %s", spec);

        if (group_part) {
                if (!*group_part)
                        return husk_error_set(err, EINVAL, "invalid user \"%s\": empty group", spec);
                uint32_t g;
                if (parse_id(group_part, &g)) {
                        u.gid = g;
                } else {
                        r = group_scan(group, group_part, NULL, &g, NULL);
                        if (r < 0)
                                return husk_error_errno(err, -r, "user %s", spec);
                        if (r == 0)
                                return husk_error_set(err, ENOENT,
                                                      "unable to find group %s: no matching entries in group file",
                                                      group_part);
                        u.gid = g;
                }
        } else if (pw_name) {
                /* Supplementary groups only when no group was named, as Docker (an explicit group is the
                 * user's whole group list). */
                r = group_scan(group, NULL, pw_name, NULL, &u);
                if (r < 0)
                        return husk_error_errno(err, -r, "user %s", spec);
        }
        *ret = u;
        memset(&u, 0, sizeof(u));
        return 0;
}

/* The text of an /etc file of the image, or NULL when it does not exist. */
static int read_etc(int root_fd, const char *path, char **ret, struct husk_error *err)
{
        *ret = NULL;
        /* O_NONBLOCK: a fifo placed there by the image must not hang us; only regular files are read. */
        _cleanup_close_ int fd = husk_open_in_root(root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, NULL);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return husk_error_errno(err, -fd, "open %s in the container", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "stat %s in the container", path);
        if (!S_ISREG(st.st_mode))
                return husk_error_set(err, EINVAL, "%s in the container is not a regular file", path);
        if (st.st_size > ETC_FILE_MAX)
                return husk_error_set(err, EFBIG, "%s in the container is larger than %u bytes", path, ETC_FILE_MAX);
        _cleanup_free_ char *buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return husk_error_errno(err, ENOMEM, "read %s", path);
        size_t len = 0;
        while (len < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t) st.st_size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_error_errno(err, errno, "read %s in the container", path);
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = steal_ptr(buf);
        return 0;
}

int husk_exec_user_resolve(int root_fd, const char *spec, struct husk_exec_user *ret, struct husk_error *err)
{
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        int r = read_etc(root_fd, "/etc/passwd", &passwd, err);
        if (r < 0)
                return r;
        r = read_etc(root_fd, "/etc/group", &group, err);
        if (r < 0)
                return r;
        return husk_exec_user_resolve_text(spec, passwd, group, ret, err);
}

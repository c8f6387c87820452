/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec's placement: the process joins the cgroup of a container loaded from its state, born in the
 * v2 directory where there is one (husk_cgroup_prepare_clone), and with --cgroup moves on into an
 * existing sub-cgroup (runc's "[controller[,controller]:]path").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"

int husk_cgroup_prepare_clone(struct husk_cgroup *cg, struct husk_error *err)
{
        if (cg->v2_dirfd >= 0 || !cg->v2)
                return 0;
        cg->v2_dirfd = fcntl(cg->v2->dirfd, F_DUPFD_CLOEXEC, 3);
        if (cg->v2_dirfd < 0)
                return husk_error_errno(err, errno, "cgroup %s", cg->path);
        return 0;
}

int husk_cgroup_check_sub(const char *spec, struct husk_error *err)
{
        const char *colon = strchr(spec, ':');
        const char *sub = colon ? colon + 1 : spec;
        if (colon && colon == spec)
                return husk_error_set(err, EINVAL, "--cgroup \"%s\": empty controller list", spec);
        if (!sub[0] || sub[0] == '/' || strstr(sub, "..") || strstr(sub, "//") || strchr(sub, ':'))
                return husk_error_set(err, EINVAL,
                                      "--cgroup \"%s\": the path must be relative to the container's cgroup, "
                                      "without \"..\"",
                                      spec);
        return 0;
}

/* Whether the comma-separated list (length len) names a controller of mask. Unknown names are
 * checked by the caller having found no hierarchy at all. */
static bool list_has(const char *list, size_t len, unsigned mask)
{
        for (int c = 0; c < HUSK_CG1_COUNT; c++) {
                if (!(mask & HUSK_CG1_BIT(c)))
                        continue;
                const char *name = husk_cg1_ctrl_name((enum husk_cg1_ctrl) c);
                size_t n = strlen(name);
                for (const char *p = list; p < list + len;) {
                        const char *end = memchr(p, ',', (size_t) (list + len - p));
                        size_t l = end ? (size_t) (end - p) : (size_t) (list + len - p);
                        if (l == n && strncmp(p, name, n) == 0)
                                return true;
                        p += l + 1;
                }
        }
        return false;
}

static int join_at(int dirfd, const char *sub, const char *file, const char *where, struct husk_error *err)
{
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/%s", sub, file);
        if (n < 0 || (size_t) n >= sizeof(path))
                return husk_error_set(err, ENAMETOOLONG, "--cgroup %s: path too long", sub);
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return husk_error_errno(err, errno, "--cgroup: sub-cgroup %s of %s", sub, where);
        if (write(fd, "0", 1) < 0)
                return husk_error_errno(err, errno, "--cgroup: join %s of %s", sub, where);
        return 0;
}

int husk_cgroup_enter_sub(const struct husk_cgroup *cg, const char *spec, struct husk_error *err)
{
        const char *colon = strchr(spec, ':');
        const char *sub = colon ? colon + 1 : spec;
        size_t list_len = colon ? (size_t) (colon - spec) : 0;
        bool any = false;
        int r;
        for (size_t i = 0; cg->v1 && i < cg->v1->n; i++) {
                const struct husk_cg1_dir *d = &cg->v1->d[i];
                if (colon && !list_has(spec, list_len, d->ctrls))
                        continue;
                r = join_at(d->fd, sub, "tasks", d->dir, err);
                if (r < 0)
                        return r;
                any = true;
        }
        /* The v2 tree has no per-controller hierarchies: a path without controllers applies to it too. */
        if (cg->v2 && !colon) {
                r = join_at(cg->v2->dirfd, sub, "cgroup.procs", cg->v2->dir, err);
                if (r < 0)
                        return r;
                any = true;
        }
        if (!any)
                return husk_error_set(err, ENOENT, "--cgroup \"%s\": the container has no cgroup with %s", spec,
                                      colon ? "those controllers" : "that path");
        return 0;
}

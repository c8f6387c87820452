/* SPDX-License-Identifier: Apache-2.0 */
/* A container's processes from /proc: pid namespace members, or the init's descendants (members.h). */
#include "runtime/members.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

/* A growing pid array. */
struct pid_list {
        pid_t *v;
        size_t n, cap;
};

static int pid_list_add(struct pid_list *l, pid_t pid)
{
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 256;
                pid_t *a = reallocarray(l->v, cap, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                l->v = a;
                l->cap = cap;
        }
        l->v[l->n++] = pid;
        return 0;
}

static int ns_of(pid_t pid, struct stat *ret)
{
        char path[64];
        (void) snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int) pid);
        return stat(path, ret) < 0 ? -errno : 0;
}

static bool same_ns(const struct stat *a, const struct stat *b)
{
        return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/* The parent pid of pid from /proc/PID/stat (the field after the parenthesised comm, which may itself
 * contain spaces and parentheses). -1 when unreadable. */
static pid_t proc_ppid(pid_t pid)
{
        char path[64], buf[512];
        (void) snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        int ppid;
        if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
                return -1;
        return (pid_t) ppid;
}

/* Every pid of /proc but the init: in `ns` when given, otherwise all with their parents in *ppids. */
static int scan_proc(pid_t init_pid, const struct stat *ns, struct pid_list *pids, struct pid_list *ppids,
                     struct husk_error *err)
{
        _cleanup_closedir_ DIR *d = opendir("/proc");
        if (!d)
                return husk_error_errno(err, errno, "open /proc");
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                char *end;
                long v = strtol(de->d_name, &end, 10);
                if (*end != '\0' || v <= 0 || (pid_t) v == init_pid)
                        continue;
                pid_t pp = 0;
                if (ns) {
                        struct stat st;
                        if (ns_of((pid_t) v, &st) < 0 || !same_ns(&st, ns))
                                continue;
                } else if ((pp = proc_ppid((pid_t) v)) <= 0) {
                        continue;
                }
                if (pid_list_add(pids, (pid_t) v) < 0 || (!ns && pid_list_add(ppids, pp) < 0))
                        return husk_error_errno(err, ENOMEM, "list processes");
        }
        if (errno != 0)
                return husk_error_errno(err, errno, "read /proc");
        return 0;
}

/* Keep the descendants of init_pid in pids (in place): mark a generation per pass until a pass adds
 * none. */
static int keep_descendants(pid_t init_pid, struct pid_list *pids, const struct pid_list *ppids, struct husk_error *err)
{
        size_t n = pids->n;
        _cleanup_free_ bool *in = calloc(n ? n : 1, sizeof(*in));
        if (!in)
                return husk_error_errno(err, ENOMEM, "list processes");
        for (bool changed = true; changed;) {
                changed = false;
                for (size_t i = 0; i < n; i++) {
                        if (in[i])
                                continue;
                        bool child = ppids->v[i] == init_pid;
                        for (size_t j = 0; j < n && !child; j++)
                                child = in[j] && ppids->v[i] == pids->v[j];
                        if (child)
                                in[i] = changed = true;
                }
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (in[i])
                        pids->v[k++] = pids->v[i];
        pids->n = k;
        return 0;
}

/* The members but the init; *ret_ns: the init's pid namespace when own_pid_ns. */
static int others(pid_t init_pid, bool own_pid_ns, struct pid_list *ret, struct stat *ret_ns, struct husk_error *err)
{
        if (own_pid_ns) {
                int r = ns_of(init_pid, ret_ns);
                if (r < 0)
                        return husk_error_errno(err, -r, "stat /proc/%d/ns/pid", (int) init_pid);
                return scan_proc(init_pid, ret_ns, ret, NULL, err);
        }
        struct pid_list ppids = { 0 };
        int r = scan_proc(init_pid, NULL, ret, &ppids, err);
        if (r == 0)
                r = keep_descendants(init_pid, ret, &ppids, err);
        free(ppids.v);
        return r;
}

int husk_members_list(pid_t init_pid, bool own_pid_ns, pid_t **ret, size_t *ret_n, struct husk_error *err)
{
        struct pid_list l = { 0 };
        struct stat ns;
        int r = others(init_pid, own_pid_ns, &l, &ns, err);
        if (r == 0 && pid_list_add(&l, init_pid) < 0)
                r = husk_error_errno(err, ENOMEM, "list processes");
        if (r < 0) {
                free(l.v);
                return r;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}

int husk_members_signal(pid_t init_pid, bool own_pid_ns, int sig, struct husk_error *err)
{
        struct pid_list l = { 0 };
        struct stat ns;
        int r = others(init_pid, own_pid_ns, &l, &ns, err);
        for (size_t i = 0; r == 0 && i < l.n; i++) {
                _cleanup_close_ int pidfd = pidfd_open(l.v[i], 0);
                if (pidfd < 0)
                        continue;
                /* Checked after pidfd_open: the pidfd pins the process the check is about. */
                struct stat st;
                if (own_pid_ns && (ns_of(l.v[i], &st) < 0 || !same_ns(&st, &ns)))
                        continue;
                if (pidfd_send_signal(pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
                        r = husk_error_errno(err, errno, "send signal %d to pid %d", sig, (int) l.v[i]);
        }
        free(l.v);
        return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 backend: one directory per container in the unified tree. Resources are in
 * v2_resources.c, the device filter in v2_devices_bpf.c, stats in v2_stats.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup/backend.h"
#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Generous: under software emulation (the v2 test VM) freezing a busy cgroup takes far longer than
 * on hardware, and a pause that gives up early leaves the container half frozen. */
#define FREEZE_TIMEOUT_MS 10000
/* A cgroup whose last process just exited stays busy until the kernel has finished the exit. */
#define RMDIR_RETRIES 100
#define RMDIR_RETRY_NS (5 * 1000 * 1000)

static const char *const controller_names[] = { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" };

static void cg2_close(struct husk_cg2 *cg)
{
        if (cg->dirfd >= 0)
                close(cg->dirfd);
        if (cg->procs_fd >= 0)
                close(cg->procs_fd);
        free(cg->mount);
        free(cg->path);
        free(cg->dir);
        free(cg);
}

void husk_cg2_free(struct husk_cg2 *cg)
{
        if (cg)
                cg2_close(cg);
}

static void cg2_freep(struct husk_cg2 **cg)
{
        husk_cg2_free(*cg);
}

int husk_cg2_write(const struct husk_cg2 *cg, const char *file, const char *value, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(cg->dirfd, file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s/%s", cg->dir, file);
        size_t len = strlen(value);
        ssize_t n;
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return husk_error_errno(err, errno, "write \"%s\" to %s/%s", value, cg->dir, file);
        if ((size_t) n != len)
                return husk_error_errno(err, EIO, "write \"%s\" to %s/%s: short write", value, cg->dir, file);
        return 0;
}

int husk_cg2_read(const struct husk_cg2 *cg, const char *file, char **ret, struct husk_error *err)
{
        int r = husk_read_file_at(cg->dirfd, file, ret, NULL, err);
        if (r < 0)
                return husk_error_prefix(err, "%s: ", cg->dir);
        return 0;
}

static bool path_ok(const char *path)
{
        if (!path || path[0] != '/' || path[1] == '\0')
                return false;
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                size_t len = strcspn(p, "/");
                if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p += len;
        }
        return true;
}

static int cg2_new(const char *mount, const char *path, struct husk_cg2 **ret, struct husk_error *err)
{
        if (!path_ok(path))
                return husk_error_set(err, EINVAL, "cgroup path \"%s\": must be absolute, below the root, without . or ..",
                                      path ? path : "");
        struct husk_cg2 *cg = calloc(1, sizeof(*cg));
        if (!cg)
                return husk_error_errno(err, ENOMEM, "cgroup %s", path);
        cg->dirfd = cg->procs_fd = -1;
        cg->mount = strdup(mount);
        cg->path = strdup(path);
        if (!cg->mount || !cg->path || asprintf(&cg->dir, "%s%s", mount, path) < 0) {
                cg->dir = NULL;
                cg2_close(cg);
                return husk_error_errno(err, ENOMEM, "cgroup %s", path);
        }
        *ret = cg;
        return 0;
}

static bool has_word(const char *list, const char *word)
{
        size_t wl = strlen(word);
        for (const char *p = list; (p = strstr(p, word)); p += wl)
                if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n'))
                        return true;
        return false;
}

/* Enable mask in one level's subtree_control (dirfd: that level). `is_mount_root`: the top of the
 * mount, which is the host's root cgroup unless we run inside a cgroup namespace. */
static int enable_level(int dirfd, const char *dir, bool is_mount_root, unsigned mask, struct husk_error *err)
{
        _cleanup_free_ char *controllers = NULL, *subtree = NULL;
        int r = husk_read_file_at(dirfd, "cgroup.subtree_control", &subtree, NULL, err);
        if (r < 0)
                return husk_error_prefix(err, "%s: ", dir);
        char line[128] = "";
        size_t len = 0;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(controller_names); i++) {
                if (!(mask & (1u << i)) || has_word(subtree, controller_names[i]))
                        continue;
                /* Only the real root cgroup lacks cgroup.type. It belongs to the host's init (systemd
                 * enables what it delegates); a runtime that rewrites it reconfigures the host. */
                if (is_mount_root && faccessat(dirfd, "cgroup.type", F_OK, 0) < 0)
                        return husk_error_set(err, ENOTSUP,
                                              "cgroup v2 controller %s is not enabled in %s/cgroup.subtree_control "
                                              "(the host's root cgroup, which husk does not change)",
                                              controller_names[i], dir);
                if (!controllers) {
                        r = husk_read_file_at(dirfd, "cgroup.controllers", &controllers, NULL, err);
                        if (r < 0)
                                return husk_error_prefix(err, "%s: ", dir);
                }
                if (!has_word(controllers, controller_names[i]))
                        return husk_error_set(err, ENOTSUP, "cgroup v2 controller %s is not available in %s (cgroup.controllers: %s)",
                                              controller_names[i], dir, strtok(controllers, "\n") ?: "none");
                len += (size_t) snprintf(line + len, sizeof(line) - len, "%s+%s", len ? " " : "", controller_names[i]);
        }
        if (len == 0)
                return 0;
        _cleanup_close_ int fd = openat(dirfd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s/cgroup.subtree_control", dir);
        if (write(fd, line, len) < 0)
                return husk_error_errno(err, errno, "write \"%s\" to %s/cgroup.subtree_control", line, dir);
        return 0;
}

/* Walk from the mount down to the parent of `path`, enabling mask at each level and, with `mkdirs`,
 * creating what is missing. *ret_created: how many trailing components this call created (so a
 * failed create removes exactly those). */
static int walk(const char *mount, const char *path, unsigned mask, bool mkdirs, size_t *ret_created,
                struct husk_error *err)
{
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s", mount) < 0)
                return husk_error_errno(err, ENOMEM, "cgroup %s", path);
        _cleanup_close_ int fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", mount);
        size_t created = 0;
        bool top = true;
        for (const char *p = path;;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t len = strcspn(p, "/");
                _cleanup_free_ char *comp = strndup(p, len);
                if (!comp)
                        return husk_error_errno(err, ENOMEM, "cgroup %s", path);
                p += len;
                bool leaf = !p[strspn(p, "/")];
                /* The leaf holds the container's processes: "no internal processes" forbids
                 * enabling domain controllers in it, and nothing below needs them. */
                if (mask) {
                        int r = enable_level(fd, dir, top, mask, err);
                        if (r < 0)
                                return r;
                }
                top = false;
                if (mkdirs) {
                        if (mkdirat(fd, comp, 0755) == 0)
                                created++;
                        else if (errno != EEXIST)
                                return husk_error_errno(err, errno, "mkdir %s/%s", dir, comp);
                        else
                                created = 0;
                }
                char *nd = NULL;
                if (asprintf(&nd, "%s/%s", dir, comp) < 0)
                        return husk_error_errno(err, ENOMEM, "cgroup %s", path);
                free(dir);
                dir = nd;
                if (leaf)
                        break;
                int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (nfd < 0)
                        return husk_error_errno(err, errno, "open %s", dir);
                close(fd);
                fd = nfd;
        }
        if (ret_created)
                *ret_created = created;
        return 0;
}

int husk_cg2_enable_controllers(const struct husk_cg2 *cg, unsigned mask, struct husk_error *err)
{
        if (!mask)
                return 0;
        return walk(cg->mount, cg->path, mask, false, NULL, err);
}

/* Remove the `n` last components of cg->path (those a failed create made), deepest first. */
static void remove_created(const struct husk_cg2 *cg, size_t n)
{
        _cleanup_free_ char *d = strdup(cg->dir);
        for (size_t i = 0; d && i < n; i++) {
                (void) rmdir(d);
                char *slash = strrchr(d, '/');
                if (!slash)
                        break;
                *slash = '\0';
        }
}

int husk_cg2_create(const char *mount, const char *path, const struct husk_resources *r, struct husk_cg2 **ret,
                    struct husk_error *err)
{
        _cleanup_(cg2_freep) struct husk_cg2 *cg = NULL;
        int rc = cg2_new(mount, path, &cg, err);
        if (rc < 0)
                return rc;
        unsigned mask = husk_cg2_resources_mask(r);
        size_t created = 0;
        /* r NULL is the hybrid host's placement: v1 carries the limits and the device list, so nothing is
         * written here. The start path: one mkdir when the parent exists, then cgroup.procs. */
        if (mask == 0 && mkdir(cg->dir, 0755) == 0)
                created = 1;
        else if (mask != 0 || errno == ENOENT) {
                rc = walk(mount, path, mask, true, &created, err);
                if (rc < 0)
                        return rc;
        } else if (errno != EEXIST)
                return husk_error_errno(err, errno, "mkdir %s", cg->dir);

        cg->dirfd = open(cg->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg->dirfd < 0) {
                rc = husk_error_errno(err, errno, "open %s", cg->dir);
                remove_created(cg, created);
                return rc;
        }
        cg->procs_fd = openat(cg->dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (cg->procs_fd < 0) {
                rc = husk_error_errno(err, errno, "open %s/cgroup.procs", cg->dir);
                remove_created(cg, created);
                return rc;
        }
        if (r) {
                rc = husk_cg2_apply(cg, r, true, err);
                if (rc < 0) {
                        remove_created(cg, created);
                        return rc;
                }
        }
        *ret = steal_ptr(cg);
        return 0;
}

int husk_cg2_load(const char *mount, const char *path, struct husk_cg2 **ret, struct husk_error *err)
{
        _cleanup_(cg2_freep) struct husk_cg2 *cg = NULL;
        int rc = cg2_new(mount, path, &cg, err);
        if (rc < 0)
                return rc;
        cg->dirfd = open(cg->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg->dirfd < 0)
                return husk_error_errno(err, errno, "open %s", cg->dir);
        *ret = steal_ptr(cg);
        return 0;
}

int husk_cg2_enter_self(const struct husk_cg2 *cg, struct husk_error *err)
{
        /* create opened it before forking; a loaded cgroup (exec) opens it now. */
        _cleanup_close_ int opened = -1;
        int fd = cg->procs_fd;
        if (fd < 0) {
                fd = opened = openat(cg->dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        return husk_error_errno(err, errno, "join %s: open cgroup.procs", cg->dir);
        }
        /* "0" is the writer itself; no getpid() formatting needed in the forked child. */
        if (write(fd, "0", 1) < 0)
                return husk_error_errno(err, errno, "join %s: write 0 to cgroup.procs", cg->dir);
        return 0;
}

int husk_cg2_update(struct husk_cg2 *cg, const struct husk_resources *r, struct husk_error *err)
{
        if (!r)
                return 0;
        int rc = husk_cg2_enable_controllers(cg, husk_cg2_resources_mask(r), err);
        if (rc < 0)
                return rc;
        return husk_cg2_apply(cg, r, false, err);
}

/* "frozen 0|1" from cgroup.events. */
static int read_frozen(int fd, const char *dir, bool *ret, struct husk_error *err)
{
        char buf[512];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return husk_error_errno(err, errno, "read %s/cgroup.events", dir);
        buf[n] = '\0';
        const char *p = strstr(buf, "frozen ");
        if (!p)
                return husk_error_set(err, ENOTSUP, "%s/cgroup.events: no \"frozen\" key (kernel without the v2 freezer)", dir);
        *ret = p[7] == '1';
        return 0;
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int husk_cg2_freeze(struct husk_cg2 *cg, bool frozen, struct husk_error *err)
{
        _cleanup_close_ int ev = openat(cg->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        if (ev < 0)
                return husk_error_errno(err, errno, "open %s/cgroup.events", cg->dir);
        int rc = husk_cg2_write(cg, "cgroup.freeze", frozen ? "1" : "0", err);
        if (rc < 0)
                return rc;
        /* The write only asks: tasks freeze when they next reach the signal-delivery path, and the
         * kernel reports completion in cgroup.events (with POLLPRI on change). */
        int64_t deadline = now_ms() + FREEZE_TIMEOUT_MS;
        for (;;) {
                bool state;
                rc = read_frozen(ev, cg->dir, &state, err);
                if (rc < 0)
                        return rc;
                if (state == frozen)
                        return 0;
                int64_t left = deadline - now_ms();
                if (left <= 0)
                        return husk_error_set(err, ETIMEDOUT, "%s %s: not complete after %d ms", frozen ? "freeze" : "thaw",
                                              cg->dir, FREEZE_TIMEOUT_MS);
                struct pollfd pfd = { .fd = ev, .events = POLLPRI };
                /* Bounded slices as well: a notification can land between the read and the poll. */
                if (poll(&pfd, 1, left < 50 ? (int) left : 50) < 0 && errno != EINTR)
                        return husk_error_errno(err, errno, "poll %s/cgroup.events", cg->dir);
        }
}

int husk_cg2_is_frozen(struct husk_cg2 *cg, bool *ret, struct husk_error *err)
{
        _cleanup_free_ char *v = NULL;
        /* cgroup.freeze is what was asked (pause), cgroup.events what is done; "paused" is the ask,
         * as runc reports it, so a container mid-freeze is not reported running. */
        int rc = husk_cg2_read(cg, "cgroup.freeze", &v, err);
        if (rc < 0)
                return rc;
        *ret = v[0] == '1';
        return 0;
}

static int pids_add(int dirfd, const char *dir, pid_t **pids, size_t *n, struct husk_error *err)
{
        _cleanup_free_ char *procs = NULL;
        int rc = husk_read_file_at(dirfd, "cgroup.procs", &procs, NULL, err);
        if (rc == -ENOENT)
                return 0; /* removed meanwhile */
        if (rc < 0)
                return husk_error_prefix(err, "%s: ", dir);
        for (char *p = procs, *end; *p; p = end) {
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                pid_t *np = realloc(*pids, (*n + 1) * sizeof(pid_t));
                if (!np)
                        return husk_error_errno(err, ENOMEM, "pids of %s", dir);
                *pids = np;
                np[(*n)++] = (pid_t) v;
        }
        _cleanup_closedir_ DIR *d = NULL;
        int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || !(d = fdopendir(dfd))) {
                rc = husk_error_errno(err, errno, "open %s", dir);
                if (dfd >= 0)
                        close(dfd);
                return rc;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub < 0) {
                        if (errno == ENOENT)
                                continue;
                        return husk_error_errno(err, errno, "open %s/%s", dir, de->d_name);
                }
                _cleanup_free_ char *subdir = NULL;
                if (asprintf(&subdir, "%s/%s", dir, de->d_name) < 0)
                        return husk_error_errno(err, ENOMEM, "pids of %s", dir);
                rc = pids_add(sub, subdir, pids, n, err);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

int husk_cg2_pids(struct husk_cg2 *cg, pid_t **ret, size_t *ret_n, struct husk_error *err)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int rc = pids_add(cg->dirfd, cg->dir, &pids, &n, err);
        if (rc < 0)
                return rc;
        *ret = steal_ptr(pids);
        *ret_n = n;
        return 0;
}

int husk_cg2_kill(struct husk_cg2 *cg, int sig, struct husk_error *err)
{
        /* cgroup.kill (5.14) kills the whole subtree in the kernel: no race with forks. */
        if (sig == SIGKILL && faccessat(cg->dirfd, "cgroup.kill", F_OK, 0) == 0)
                return husk_cg2_write(cg, "cgroup.kill", "1", err);

        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int rc = husk_cg2_pids(cg, &pids, &n, err);
        if (rc < 0 || n == 0)
                return rc;
        /* Frozen, nothing can fork a child that the list misses; the signals wait for the thaw
         * (SIGKILL does not even wait). Without a freezer the list is the best there is. */
        struct husk_error ferr = { 0 };
        bool froze = husk_cg2_freeze(cg, true, &ferr) == 0;
        if (froze) {
                free(pids);
                pids = NULL;
                rc = husk_cg2_pids(cg, &pids, &n, err);
        }
        for (size_t i = 0; rc == 0 && i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        rc = husk_error_errno(err, errno, "kill %d (%s)", (int) pids[i], cg->dir);
        if (froze) {
                int trc = husk_cg2_freeze(cg, false, rc < 0 ? &ferr : err);
                if (rc == 0)
                        rc = trc;
        }
        return rc;
}

/* rmdir dir's child cgroups deepest first (a container may have made its own), then dir. */
static int rmdir_tree(int parentfd, const char *name, const char *path, struct husk_error *err)
{
        int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                return husk_error_errno(err, errno, "open %s", path);
        }
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                int rc = husk_error_errno(err, errno, "open %s", path);
                close(fd);
                return rc;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *sub = NULL;
                if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
                        return husk_error_errno(err, ENOMEM, "remove %s", path);
                int rc = rmdir_tree(dirfd(d), de->d_name, sub, err);
                if (rc < 0)
                        return rc;
        }
        for (int i = 0;; i++) {
                if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || i >= RMDIR_RETRIES)
                        return husk_error_errno(err, errno, "rmdir %s", path);
                nanosleep(&(struct timespec){ .tv_nsec = RMDIR_RETRY_NS }, NULL);
        }
}

int husk_cg2_destroy(struct husk_cg2 *cg, struct husk_error *err)
{
        _cleanup_free_ char *parent = strdup(cg->dir);
        if (!parent)
                return husk_error_errno(err, ENOMEM, "remove %s", cg->dir);
        char *slash = strrchr(parent, '/');
        *slash = '\0';
        _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return errno == ENOENT ? 0 : husk_error_errno(err, errno, "open %s", parent);
        return rmdir_tree(pfd, slash + 1, cg->dir, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/state_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci/config.h"
#include "oci/state.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/runtime.h"
#include "runtime/state_store_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

int husk_store_open_root(const char *root, struct husk_error *err)
{
        int r = husk_mkdir_p(root, 0700, err);
        if (r < 0)
                return husk_error_prefix(err, "state root %s: ", root);
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open state root %s", root);
        return fd;
}

int husk_store_open_root_existing(const char *root, struct husk_error *err)
{
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open state root %s", root);
        return fd;
}

int husk_store_create_dir(int root_fd, const char *id, struct husk_error *err)
{
        int r = husk_validate_id(id, err);
        if (r < 0)
                return r;

        /* The directory must never be visible unlocked and empty: a concurrent delete --force would
         * take it for the leftover of a crashed create and remove it. So it is built under a name
         * no id can have ('~' is not an id character), locked, and only then renamed into place;
         * RENAME_NOREPLACE makes the rename the uniqueness check. */
        uint64_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t) sizeof(rnd))
                rnd = (uint64_t) getpid() * 2654435761u ^ (uint64_t) (uintptr_t) &rnd;
        char tmp[64];
        (void) snprintf(tmp, sizeof(tmp), "~create.%d.%016" PRIx64, (int) getpid(), rnd);

        if (mkdirat(root_fd, tmp, 0700) < 0)
                return husk_error_errno(err, errno, "create state directory for \"%s\"", id);
        _cleanup_close_ int fd = openat(root_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = husk_error_errno(err, errno, "open state directory for \"%s\"", id);
                (void) unlinkat(root_fd, tmp, AT_REMOVEDIR);
                return r;
        }
        if (flock(fd, LOCK_EX) < 0) {
                r = husk_error_errno(err, errno, "lock state directory for \"%s\"", id);
                (void) unlinkat(root_fd, tmp, AT_REMOVEDIR);
                return r;
        }
        if (renameat2(root_fd, tmp, root_fd, id, RENAME_NOREPLACE) < 0) {
                int e = errno;
                (void) unlinkat(root_fd, tmp, AT_REMOVEDIR);
                if (e == EEXIST)
                        return husk_error_set(err, EEXIST, "container \"%s\" already exists", id);
                return husk_error_errno(err, e, "create state directory for \"%s\"", id);
        }
        return steal_fd(fd);
}

int husk_store_open_dir(int root_fd, const char *id, bool exclusive, struct husk_error *err)
{
        int r = husk_validate_id(id, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return husk_error_set(err, ENOENT, "container \"%s\" does not exist", id);
                return husk_error_errno(err, errno, "open state directory of \"%s\"", id);
        }
        int op = exclusive ? LOCK_EX : LOCK_SH;
        while (flock(fd, op) < 0) {
                if (errno != EINTR)
                        return husk_error_errno(err, errno, "lock state directory of \"%s\"", id);
        }
        /* We may have waited for the lock behind a delete that has removed the directory since. */
        struct stat st;
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "stat state directory of \"%s\"", id);
        if (st.st_nlink == 0)
                return husk_error_set(err, ENOENT, "container \"%s\" does not exist", id);
        return steal_fd(fd);
}

int husk_store_write_state(int dir_fd, const struct husk_state *s, struct husk_error *err)
{
        _cleanup_free_ char *json = NULL;
        int r = husk_state_to_json(s, true, &json, err);
        if (r < 0)
                return husk_error_prefix(err, "serialise state of \"%s\": ", s->id ? s->id : "?");
        r = husk_write_file_atomic_at(dir_fd, HUSK_STORE_STATE, json, strlen(json), 0600, false, err);
        if (r < 0)
                return husk_error_prefix(err, "write state of \"%s\": ", s->id ? s->id : "?");
        return 0;
}

/* The path of a file in a store directory, for messages only. */
static void store_file_name(int dir_fd, const char *file, char *buf, size_t size)
{
        char fdpath[32], dir[PATH_MAX];
        ssize_t n = readlink(husk_fd_path(dir_fd, fdpath), dir, sizeof(dir) - 1);
        if (n <= 0) {
                (void) snprintf(buf, size, "%s", file);
                return;
        }
        dir[n] = '\0';
        (void) snprintf(buf, size, "%s/%s", dir, file);
}

int husk_store_read_state(int dir_fd, struct husk_state **ret, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        char name[PATH_MAX + 64];
        int r = husk_read_file_at(dir_fd, HUSK_STORE_STATE, &data, &len, err);
        if (r < 0) {
                store_file_name(dir_fd, HUSK_STORE_STATE, name, sizeof(name));
                if (r == -ENOENT)
                        return husk_error_set(err, ENOENT, "%s: no state file", name);
                return husk_error_errno(err, -r, "read %s", name);
        }
        struct husk_state *s = NULL;
        r = husk_state_from_json(data, len, HUSK_STORE_STATE, &s, err);
        if (r < 0) {
                /* The message starts with the name given; the directory is only looked up on
                 * failure, since list reads every state file of the root. */
                char dir[PATH_MAX], fdpath[32];
                ssize_t n = readlink(husk_fd_path(dir_fd, fdpath), dir, sizeof(dir) - 1);
                if (n > 0) {
                        dir[n] = '\0';
                        (void) husk_error_prefix(err, "%s/", dir);
                }
                return r;
        }
        *ret = s;
        return 0;
}

int husk_store_read_config(int dir_fd, struct husk_spec **ret, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        char name[PATH_MAX + 64];
        store_file_name(dir_fd, HUSK_STORE_CONFIG, name, sizeof(name));
        int r = husk_read_file_at(dir_fd, HUSK_STORE_CONFIG, &data, &len, err);
        if (r < 0)
                return husk_error_errno(err, -r, "read %s", name);
        return husk_config_parse(data, len, name, ret, err);
}

int husk_store_remove(int root_fd, const char *id, struct husk_error *err)
{
        int r = husk_validate_id(id, err);
        if (r < 0)
                return r;
        r = husk_rm_rf_at(root_fd, id, err);
        if (r < 0)
                return husk_error_prefix(err, "remove state of \"%s\": ", id);
        return 0;
}

int husk_proc_stat(pid_t pid, char *ret_state, uint64_t *ret_start_time, struct husk_error *err)
{
        char path[64];
        (void) snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return husk_error_set(err, ESRCH, "process %d: no such process", (int) pid);
                return husk_error_errno(err, errno, "open %s", path);
        }
        /* comm is at most 16 bytes and the other 51 fields are numbers: 1 KiB is plenty, 4 KiB safe. */
        char buf[4096];
        ssize_t n;
        do
                n = read(fd, buf, sizeof(buf) - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                /* The process was reaped between open and read. */
                if (errno == ESRCH)
                        return husk_error_set(err, ESRCH, "process %d: no such process", (int) pid);
                return husk_error_errno(err, errno, "read %s", path);
        }
        buf[n] = '\0';

        /* comm may contain spaces and ')': the fields resume after the last ')'. */
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ' || !p[2])
                return husk_error_set(err, EINVAL, "%s: malformed", path);
        p += 2;
        char state = *p;
        /* p is field 3 (state); start time is field 22. */
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return husk_error_set(err, EINVAL, "%s: malformed (too few fields)", path);
                p++;
        }
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno != 0 || end == p || (*end != ' ' && *end != '\0' && *end != '\n'))
                return husk_error_set(err, EINVAL, "%s: malformed start time", path);
        if (ret_state)
                *ret_state = state;
        if (ret_start_time)
                *ret_start_time = (uint64_t) v;
        return 0;
}

int husk_proc_start_time(pid_t pid, uint64_t *ret, struct husk_error *err)
{
        return husk_proc_stat(pid, NULL, ret, err);
}

bool husk_init_alive(pid_t pid, uint64_t start_time)
{
        if (pid <= 0)
                return false;
        char state = 0;
        uint64_t st = 0;
        if (husk_proc_stat(pid, &state, &st, NULL) < 0)
                return false;
        /* A zombie init has exited: only its parent has not reaped it yet. 'X' is the instant of
         * reaping. A different start time is another process that got the recycled pid. */
        if (state == 'Z' || state == 'X')
                return false;
        return st == start_time;
}

/* Paused is the freezer's word, not ours: the cgroup is asked each time, as runc does, so that a
 * freeze that happened behind our back (or a pause interrupted half-way) shows. A cgroup that cannot
 * be read does not make a live container look paused. */
static bool cgroup_frozen(const char *path)
{
        if (!path || !path[0])
                return false;
        _cleanup_(husk_cgroup_freep) struct husk_cgroup *cg = NULL;
        bool frozen = false;
        if (husk_cgroup_load(path, &cg, NULL) < 0 || husk_cgroup_is_frozen(cg, &frozen, NULL) < 0)
                return false;
        return frozen;
}

int husk_state_refresh(int dir_fd, struct husk_state *s, struct husk_error *err)
{
        (void) err;
        if (!husk_init_alive(s->pid, s->pid_start_time)) {
                s->status = HUSK_STATUS_STOPPED;
                s->pid = 0;
                return 0;
        }
        if (faccessat(dir_fd, HUSK_STORE_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                s->status = HUSK_STATUS_CREATED;
        else if (cgroup_frozen(s->cgroup_path))
                s->status = HUSK_STATUS_PAUSED;
        else
                s->status = HUSK_STATUS_RUNNING;
        return 0;
}

int husk_init_pidfd(pid_t pid, uint64_t start_time, struct husk_error *err)
{
        if (pid <= 0)
                return husk_error_set(err, ESRCH, "container init is not running");
        _cleanup_close_ int pidfd = pidfd_open(pid, 0);
        if (pidfd < 0) {
                if (errno == ESRCH)
                        return husk_error_set(err, ESRCH, "container init (pid %d) is not running", (int) pid);
                return husk_error_errno(err, errno, "pidfd_open %d", (int) pid);
        }
        if (!husk_init_alive(pid, start_time))
                return husk_error_set(err, ESRCH, "container init (pid %d) is not running", (int) pid);
        /* pidfd_open(2) sets O_CLOEXEC on every pidfd itself. */
        return steal_fd(pidfd);
}

int husk_pidfd_wait_exit(int pidfd, int timeout_ms, struct husk_error *err)
{
        struct timespec start, now;
        (void) clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                (void) clock_gettime(CLOCK_MONOTONIC, &now);
                long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (elapsed >= timeout_ms)
                        return husk_error_set(err, ETIMEDOUT, "process did not exit within %d ms", timeout_ms);
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                int n = poll(&p, 1, (int) (timeout_ms - elapsed));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "poll pidfd");
                }
                if (n > 0)
                        return 0;
        }
}

/* SPDX-License-Identifier: Apache-2.0 */
/* start, state, kill, delete, list: the lifecycle operations on an existing container. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/spec.h"
#include "oci/state.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/members.h"
#include "runtime/runtime.h"
#include "runtime/state_store.h"
#include "runtime/state_store_internal.h"
#include "util/cleanup.h"

/* How long delete waits for a SIGKILLed init to be gone. */
#define HUSK_KILL_WAIT_MS 10000

/* Open the root (without creating it) and the container's directory, locked. */
static int open_container_dir(const struct husk_runtime *rt, const char *id, bool exclusive, int *ret_root,
                              struct husk_error *err)
{
        int r = husk_validate_id(id, err);
        if (r < 0)
                return r;
        _cleanup_close_ int root_fd = husk_store_open_root_existing(rt->root, err);
        if (root_fd < 0) {
                if (root_fd == -ENOENT)
                        return husk_error_set(err, ENOENT, "container \"%s\" does not exist", id);
                return root_fd;
        }
        int dir_fd = husk_store_open_dir(root_fd, id, exclusive, err);
        if (dir_fd < 0)
                return dir_fd;
        if (ret_root)
                *ret_root = steal_fd(root_fd);
        return dir_fd;
}

/* Read and refresh the state. A directory without a state file is what a create that died half-way
 * leaves behind (create_dir publishes the directory locked, and a create that fails removes it): to
 * everyone but delete, that container does not exist. */
static int load_state(int dir_fd, const char *id, struct husk_state **ret, struct husk_error *err)
{
        struct husk_state *s = NULL;
        int r = husk_store_read_state(dir_fd, &s, err);
        if (r == -ENOENT)
                return husk_error_set(err, ENOENT, "container \"%s\" does not exist", id);
        if (r < 0)
                return r;
        r = husk_state_refresh(dir_fd, s, err);
        if (r < 0) {
                husk_state_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* Wait until the init, released by our opening exec.fifo for reading, writes its byte. */
static int wait_init_released(int fifo_fd, int pidfd, struct husk_error *err)
{
        for (;;) {
                struct pollfd p[2] = {
                        { .fd = fifo_fd, .events = POLLIN },
                        { .fd = pidfd, .events = POLLIN },
                };
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "wait for the container init");
                }
                /* The byte first: an init that wrote it and then exited (a user process that fails at
                 * once) was still started. */
                if (p[0].revents & (POLLIN | POLLHUP)) {
                        char c;
                        ssize_t n = read(fifo_fd, &c, 1);
                        if (n == 1)
                                return 0;
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                return husk_error_errno(err, errno, "read %s", HUSK_STORE_FIFO);
                        if (n == 0)
                                return husk_error_set(err, ESRCH, "container init exited before start");
                }
                if (p[1].revents & POLLIN)
                        return husk_error_set(err, ESRCH, "container init exited before start");
        }
}

/* Kill a container whose start failed after the user process ran (a failing poststart hook). */
static void stop_container(int pidfd)
{
        if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) == 0)
                (void) husk_pidfd_wait_exit(pidfd, HUSK_KILL_WAIT_MS, NULL);
}

int husk_container_start(const struct husk_runtime *rt, const char *id, struct husk_error *err)
{
        _cleanup_close_ int dir_fd = open_container_dir(rt, id, true, NULL, err);
        if (dir_fd < 0)
                return dir_fd;
        _cleanup_(husk_state_freep) struct husk_state *s = NULL;
        int r = load_state(dir_fd, id, &s, err);
        if (r < 0)
                return r;
        if (s->status != HUSK_STATUS_CREATED)
                return husk_error_set(err, EINVAL, "cannot start a container that is %s",
                                      husk_status_to_string(s->status));

        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        r = husk_store_read_config(dir_fd, &spec, err);
        if (r < 0)
                return husk_error_prefix(err, "start container \"%s\": ", id);
        if (!spec->has_process)
                return husk_error_set(err, EINVAL, "start container \"%s\": the config has no process", id);

        _cleanup_close_ int pidfd = husk_init_pidfd(s->pid, s->pid_start_time, err);
        if (pidfd < 0)
                return husk_error_prefix(err, "start container \"%s\": ", id);

        /* O_NONBLOCK: a blocking open would wait for a writer, and an init that died would leave us
         * waiting forever. Opening releases the init, blocked in its open(O_WRONLY). */
        _cleanup_close_ int fifo_fd = openat(dir_fd, HUSK_STORE_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fifo_fd < 0)
                return husk_error_errno(err, errno, "start container \"%s\": open %s", id, HUSK_STORE_FIFO);
        r = wait_init_released(fifo_fd, pidfd, err);
        if (r < 0)
                return husk_error_prefix(err, "start container \"%s\": ", id);

        /* From here the user process runs: status is running whatever follows. */
        if (unlinkat(dir_fd, HUSK_STORE_FIFO, 0) < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "start container \"%s\": remove %s", id, HUSK_STORE_FIFO);
        s->status = HUSK_STATUS_RUNNING;
        r = husk_store_write_state(dir_fd, s, err);
        if (r < 0)
                return r;

        if (spec->hooks.poststart.n > 0) {
                _cleanup_free_ char *json = NULL;
                r = husk_state_to_json(s, false, &json, err);
                if (r >= 0)
                        r = husk_hooks_run(&spec->hooks.poststart, "poststart", json, err);
                if (r < 0) {
                        /* runtime.md, lifecycle step 9: a failing poststart hook is an error and the
                         * container is stopped; delete (step 11) is left to the caller, as runc does. */
                        stop_container(pidfd);
                        return husk_error_prefix(err, "start container \"%s\" (container killed): ", id);
                }
        }
        return 0;
}

int husk_container_state(const struct husk_runtime *rt, const char *id, struct husk_state **ret,
                         struct husk_error *err)
{
        _cleanup_close_ int dir_fd = open_container_dir(rt, id, false, NULL, err);
        if (dir_fd < 0)
                return dir_fd;
        return load_state(dir_fd, id, ret, err);
}

static int kill_cgroup(const struct husk_state *s, const char *id, int sig, struct husk_error *err)
{
        _cleanup_(husk_cgroup_freep) struct husk_cgroup *cg = NULL;
        int r = husk_cgroup_load_unit(s->cgroup_path, s->systemd_unit, &cg, err);
        if (r >= 0 && s->status == HUSK_STATUS_STOPPED) {
                /* Only what the init left behind, while the cgroup exists (until delete); an empty one
                 * is nothing to signal, as in runc. */
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                if (husk_cgroup_pids(cg, &pids, &n, NULL) < 0)
                        return husk_error_set(err, ESRCH, "container \"%s\" is not running", id);
        }
        if (r >= 0)
                r = husk_cgroup_kill(cg, sig, err);
        if (r < 0)
                return husk_error_prefix(err, "kill container \"%s\": ", id);
        return 0;
}

int husk_container_kill(const struct husk_runtime *rt, const char *id, int sig, bool all, struct husk_error *err)
{
        if (sig <= 0 || sig >= NSIG)
                return husk_error_set(err, EINVAL, "invalid signal %d", sig);
        _cleanup_close_ int dir_fd = open_container_dir(rt, id, false, NULL, err);
        if (dir_fd < 0)
                return dir_fd;
        _cleanup_(husk_state_freep) struct husk_state *s = NULL;
        int r = load_state(dir_fd, id, &s, err);
        if (r < 0)
                return r;
        /* The cgroup holds every process of the container, daemonised ones included, and its kill
         * freezes them first so none forks away meanwhile: the init is one of them. Without a pid
         * namespace the init's death leaves the others running; the cgroup still reaches them, so
         * a stopped container is signalled too while its cgroup exists (runc does the same). */
        if (all && s->cgroup_path)
                return kill_cgroup(s, id, sig, err);

        /* runtime.md allows created and running; a created init is alive (blocked on exec.fifo), so
         * it can be signalled, as runc does. */
        if (s->status == HUSK_STATUS_STOPPED)
                return husk_error_set(err, ESRCH, "container \"%s\" is not running", id);

        _cleanup_close_ int pidfd = husk_init_pidfd(s->pid, s->pid_start_time, NULL);
        if (pidfd < 0)
                return husk_error_set(err, ESRCH, "container \"%s\" is not running", id);

        /* Without a cgroup: with its own pid namespace, the container's processes are exactly that
         * namespace's. A SIGKILL to its init is enough and better: the kernel then kills every member,
         * including those forked while we would be scanning /proc. Any other signal goes to the
         * members first and to the init last, since an init that exits on it takes the others down
         * with SIGKILL. Without a pid namespace, the init's descendants (see members.h). */
        if (all && s->own_pid_ns && sig != SIGKILL) {
                r = husk_members_signal(s->pid, true, sig, err);
                if (r < 0)
                        return husk_error_prefix(err, "kill container \"%s\": ", id);
        } else if (all && !s->own_pid_ns) {
                r = husk_members_signal(s->pid, false, sig, err);
                if (r < 0)
                        return husk_error_prefix(err, "kill container \"%s\": ", id);
        }
        if (pidfd_send_signal(pidfd, sig, NULL, 0) < 0) {
                if (errno == ESRCH)
                        return husk_error_set(err, ESRCH, "container \"%s\" is not running", id);
                return husk_error_errno(err, errno, "kill container \"%s\": send signal %d to pid %d", id, sig,
                                        (int) s->pid);
        }
        /* A frozen v1 cgroup holds a SIGKILLed init until it is thawed: the container would stay
         * "paused" and its killer (containerd's shim, waiting for the exit) hang. runc thaws after
         * a SIGKILL, and only then; other signals wait for resume. */
        if (sig == SIGKILL && s->status == HUSK_STATUS_PAUSED && s->cgroup_path) {
                _cleanup_(husk_cgroup_freep) struct husk_cgroup *cg = NULL;
                r = husk_cgroup_load_unit(s->cgroup_path, s->systemd_unit, &cg, err);
                if (r >= 0)
                        r = husk_cgroup_freeze(cg, false, err);
                if (r < 0)
                        return husk_error_prefix(err, "kill container \"%s\": thaw after SIGKILL: ", id);
        }
        return 0;
}

/* A warning is returned as a message with err->code 0 beside a successful return: the library does not
 * print, and runtime.md leaves how warnings surface to the implementation. */
static void set_warning(struct husk_error *err, const char *prefix, const struct husk_error *w)
{
        if (!err)
                return;
        memcpy(err->msg, w->msg, sizeof(err->msg));
        if (prefix)
                (void) husk_error_prefix(err, "%s", prefix);
        err->code = 0;
}

/* runtime.md, lifecycle step 13: a failing poststop hook is a warning and the remaining hooks still
 * run; so each hook runs on its own. The first warning is kept in err->msg with err->code 0. */
static void run_poststop_hooks(const struct husk_spec *spec, struct husk_state *s, struct husk_error *err)
{
        if (!spec || spec->hooks.poststop.n == 0)
                return;
        struct husk_error herr = { 0 };
        _cleanup_free_ char *json = NULL;
        if (husk_state_to_json(s, false, &json, &herr) < 0) {
                set_warning(err, "poststop hooks not run: ", &herr);
                return;
        }
        bool warned = false;
        for (size_t i = 0; i < spec->hooks.poststop.n; i++) {
                struct husk_hook_list one = { .hooks = &spec->hooks.poststop.hooks[i], .n = 1 };
                husk_error_clear(&herr);
                if (husk_hooks_run(&one, "poststop", json, &herr) < 0 && !warned) {
                        set_warning(err, NULL, &herr);
                        warned = true;
                }
        }
}

int husk_container_delete(const struct husk_runtime *rt, const char *id, bool force, struct husk_error *err)
{
        _cleanup_close_ int root_fd = -1;
        _cleanup_close_ int dir_fd = open_container_dir(rt, id, true, &root_fd, err);
        if (dir_fd < 0)
                return dir_fd;

        _cleanup_(husk_state_freep) struct husk_state *s = NULL;
        int r = husk_store_read_state(dir_fd, &s, err);
        if (r < 0) {
                /* No state file: a create that died half-way (a live create would hold the lock we
                 * have). An unreadable one is only removed on request. Either way no process is
                 * known to kill and no hook to run. */
                if (r != -ENOENT && !force)
                        return husk_error_prefix(err, "delete container \"%s\": ", id);
                husk_error_clear(err);
                return husk_store_remove(root_fd, id, err);
        }
        r = husk_state_refresh(dir_fd, s, err);
        if (r < 0)
                return r;

        if (s->status != HUSK_STATUS_STOPPED && !force)
                return husk_error_set(err, EBUSY, "cannot delete container \"%s\" that is not stopped: %s", id,
                                      husk_status_to_string(s->status));
        _cleanup_(husk_cgroup_freep) struct husk_cgroup *cg = NULL;
        if (s->cgroup_path) {
                r = husk_cgroup_load_unit(s->cgroup_path, s->systemd_unit, &cg, err);
                /* A host that no longer mounts cgroups has nothing of the container to remove. */
                if (r < 0 && r != -ENOTSUP)
                        return husk_error_prefix(err, "delete container \"%s\": ", id);
                husk_error_clear(err);
        }

        if (s->status != HUSK_STATUS_STOPPED) {
                /* A created init is blocked in open(exec.fifo): SIGKILL still takes it. The cgroup
                 * holds every process of the container, even daemonised ones, and a paused one is
                 * thawed after the signal. Without a cgroup: with a pid namespace, every other process
                 * dies with the init; without one, its descendants are killed first (they would be
                 * reparented away once it dies). */
                _cleanup_close_ int pidfd = husk_init_pidfd(s->pid, s->pid_start_time, NULL);
                if (cg && (r = husk_cgroup_kill(cg, SIGKILL, err)) < 0)
                        return husk_error_prefix(err, "delete container \"%s\": ", id);
                if (pidfd >= 0) {
                        if (!cg && !s->own_pid_ns)
                                (void) husk_members_signal(s->pid, false, SIGKILL, NULL);
                        if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
                                return husk_error_errno(err, errno, "delete container \"%s\": kill pid %d", id,
                                                        (int) s->pid);
                        r = husk_pidfd_wait_exit(pidfd, HUSK_KILL_WAIT_MS, err);
                        if (r < 0)
                                return husk_error_prefix(err, "delete container \"%s\": init pid %d: ", id,
                                                         (int) s->pid);
                }
                s->status = HUSK_STATUS_STOPPED;
                s->pid = 0;
        }
        if (cg) {
                /* Without a pid namespace, processes the init left behind outlive it. With one they
                 * died with it: no kill, so no freeze of an empty cgroup (a static-key flip). */
                if (!s->own_pid_ns && (r = husk_cgroup_kill(cg, SIGKILL, err)) < 0)
                        return husk_error_prefix(err, "delete container \"%s\": ", id);
                /* Before the state goes: a cgroup that cannot be removed yet is retried by the next
                 * delete, which needs the state to find it. */
                if ((r = husk_cgroup_destroy(cg, err)) < 0)
                        return husk_error_prefix(err, "delete container \"%s\": ", id);
        }

        /* The config is read before the directory holding it goes; without it the poststop hooks
         * cannot run, which is a warning like their failure. */
        struct husk_error cerr = { 0 };
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        bool config_ok = husk_store_read_config(dir_fd, &spec, &cerr) >= 0;

        r = husk_store_remove(root_fd, id, err);
        if (r < 0)
                return r;

        husk_error_clear(err);
        if (!config_ok) {
                set_warning(err, "poststop hooks not run: ", &cerr);
                return 0;
        }
        run_poststop_hooks(spec, s, err);
        return 0;
}

void husk_state_list_free(struct husk_state **list, size_t n)
{
        if (!list)
                return;
        for (size_t i = 0; i < n; i++)
                if (list[i])
                        husk_state_free(list[i]);
        free(list);
}

static int cmp_state_id(const void *a, const void *b)
{
        const struct husk_state *x = *(struct husk_state *const *) a;
        const struct husk_state *y = *(struct husk_state *const *) b;
        return strcmp(x->id, y->id);
}

struct state_list {
        struct husk_state **v;
        size_t n, cap;
};

static void state_list_done(struct state_list *l)
{
        husk_state_list_free(l->v, l->n);
}

int husk_container_list(const struct husk_runtime *rt, struct husk_state ***ret, size_t *ret_n,
                        struct husk_error *err)
{
        _cleanup_close_ int root_fd = husk_store_open_root_existing(rt->root, err);
        if (root_fd == -ENOENT) {
                husk_error_clear(err);
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (root_fd < 0)
                return root_fd;
        int dfd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return husk_error_errno(err, errno, "list %s", rt->root);
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                int e = errno;
                (void) close(dfd);
                return husk_error_errno(err, e, "list %s", rt->root);
        }

        _cleanup_(state_list_done) struct state_list l = { 0 };
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                /* Skips ".", ".." and the "~create.*" directories of creates in progress. */
                if (husk_validate_id(de->d_name, NULL) < 0)
                        continue;
                /* No lock: state.json is replaced by rename, so it is read whole or not at all, and a
                 * create holding its lock for the length of its hooks must not stall list. A directory
                 * without a readable state (a create that died half-way) is not a container. */
                _cleanup_close_ int cfd = openat(root_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0)
                        continue;
                struct husk_state *s = NULL;
                if (husk_store_read_state(cfd, &s, NULL) < 0)
                        continue;
                if (husk_state_refresh(cfd, s, NULL) < 0) {
                        husk_state_free(s);
                        continue;
                }
                if (l.n == l.cap) {
                        size_t cap = l.cap ? l.cap * 2 : 16;
                        struct husk_state **v = reallocarray(l.v, cap, sizeof(*v));
                        if (!v) {
                                husk_state_free(s);
                                return husk_error_errno(err, ENOMEM, "list %s", rt->root);
                        }
                        l.v = v;
                        l.cap = cap;
                }
                l.v[l.n++] = s;
        }
        if (errno != 0)
                return husk_error_errno(err, errno, "read %s", rt->root);

        if (l.n > 1)
                qsort(l.v, l.n, sizeof(*l.v), cmp_state_id);
        *ret_n = l.n;
        l.n = 0;
        *ret = steal_ptr(l.v);
        return 0;
}

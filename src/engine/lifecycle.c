/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's container lifecycle as the `husk` commands call it: create, start (forking the
 * monitor), attach-wait, kill, stop, wait, remove. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/ctr_exec.h"
#include "engine/ctr_network.h"
#include "engine/engine.h"
#include "engine/life.h"
#include "engine/prepare.h"
#include "engine/security.h"
#include "image/rootfs.h"
#include "util/cleanup.h"

int husk_engine_open(struct husk_engine *e, const char *storage_root, const char *state_root, bool create,
                     struct husk_error *err)
{
        memset(e, 0, sizeof(*e));
        e->storage_root = storage_root;
        e->rt.root = state_root;
        e->rt.rootless = HUSK_ROOTLESS_AUTO;
        const char *root = storage_root;
        char def[4096];
        if (!root) {
                /* The store's own default, without opening the store (ps and friends never need it). */
                const char *env = getenv("HUSK_STORAGE_ROOT");
                if (env && *env) {
                        root = env;
                } else if (geteuid() == 0) {
                        root = "/var/lib/husk";
                } else {
                        const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
                        if (xdg && *xdg)
                                (void) snprintf(def, sizeof(def), "%s/husk", xdg);
                        else
                                (void) snprintf(def, sizeof(def), "%s/.local/share/husk", home ? home : "/");
                        root = def;
                }
        }
        return husk_ctr_store_open(root, create, &e->ctrs, err);
}

void husk_engine_close(struct husk_engine *e)
{
        if (e->store)
                husk_store_close(e->store);
        if (e->ctrs)
                husk_ctr_store_close(e->ctrs);
        memset(e, 0, sizeof(*e));
}

int husk_engine_store(struct husk_engine *e, struct husk_store **ret, struct husk_error *err)
{
        if (!e->store) {
                struct husk_store_opts o = { .root = e->storage_root };
                int r = husk_store_open(&o, &e->store, err);
                if (r < 0)
                        return r;
        }
        *ret = e->store;
        return 0;
}

int husk_engine_create(struct husk_engine *e, const char *image, const char *rootfs, const char *name,
                       struct husk_ctr_config *cfg, struct husk_ctr *ret, struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { .cfg.stop_timeout = -1 };
        if (rootfs) {
                if (rootfs[0] != '/')
                        return husk_error_set(err, EINVAL, "--rootfs %s: must be an absolute path", rootfs);
                _cleanup_close_ int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return husk_error_errno(err, errno, "--rootfs %s", rootfs);
                /* Refused here, not at the first start, so that no record is left of it. */
                if (husk_sec_wants_userns(cfg->host_config))
                        return husk_error_set(err, EOPNOTSUPP, "--userns auto: not with --rootfs (the directory's "
                                              "owners would have to be shifted; husk maps an image's layers only)");
                c.rootfs = strdup(rootfs);
                c.image = strdup(rootfs);
                if (!c.rootfs || !c.image)
                        return husk_error_errno(err, ENOMEM, "create");
        } else {
                struct husk_store *s = NULL;
                int r = husk_engine_store(e, &s, err);
                if (r < 0)
                        return r;
                struct husk_image_config img = { 0 };
                struct husk_image rec = { 0 };
                r = husk_engine_image_config(s, image, &rec, &img, err);
                if (r < 0)
                        return r;
                memcpy(c.image_id, rec.id, sizeof(c.image_id));
                /* The image's Healthcheck kept in the record, under the flags' (life.h). */
                if (!cfg->ctr_config)
                        cfg->ctr_config = json_object();
                r = cfg->ctr_config ? husk_health_from_image(s, rec.id, cfg, err) : husk_error_errno(err, ENOMEM, "create");
                if (r < 0) {
                        husk_image_free(&rec);
                        husk_image_config_free(&img);
                        return r;
                }
                /* The image's StopSignal is kept: stop reads the record, not the image. */
                if (!cfg->stop_signal && img.stop_signal)
                        cfg->stop_signal = strdup(img.stop_signal);
                husk_image_free(&rec);
                husk_image_config_free(&img);
                c.image = strdup(image);
                if (!c.image)
                        return husk_error_errno(err, ENOMEM, "create");
        }
        if (name) {
                c.name = strdup(name[0] == '/' ? name + 1 : name);
                if (!c.name)
                        return husk_error_errno(err, ENOMEM, "create");
        }
        if (!cfg->network)
                cfg->network = strdup("none");
        int r = husk_ctr_net_check(e, cfg->network, err);
        if (r < 0)
                return r;
        c.cfg = *cfg;
        memset(cfg, 0, sizeof(*cfg));
        cfg->stop_timeout = -1;
        r = husk_ctr_create(e->ctrs, &c, err);
        if (r < 0)
                return r;
        *ret = c;
        memset(&c, 0, sizeof(c));
        return 0;
}

/* A line of the monitor's report ("ok PID", "err ERRNO MSG", "exit CODE"), buffered: two may come in
 * one read. Returns the line's length, 0 at EOF. */
static ssize_t read_report(int fd, char *buf, size_t size, size_t *have)
{
        for (;;) {
                char *nl = memchr(buf, '\n', *have);
                if (nl) {
                        *nl = '\0';
                        return nl - buf + 1;
                }
                if (*have + 1 >= size)
                        return -EMSGSIZE;
                ssize_t n = read(fd, buf + *have, size - *have - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                *have += (size_t) n;
        }
}

static void consume(char *buf, size_t *have, ssize_t len)
{
        memmove(buf, buf + len, *have - (size_t) len);
        *have -= (size_t) len;
}

struct report_buf {
        char buf[HUSK_ERROR_MSG_MAX + 128];
        size_t have;
};

int husk_engine_start(struct husk_engine *e, const char *id, const struct husk_start_opts *o, int *ret_report,
                      struct husk_error *err)
{
        /* A user's start: RestartCount and a manual stop reset, as Docker (life.h). */
        int r = husk_life_reset_on_start(e, id, err);
        if (r < 0)
                return r;
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return husk_error_errno(err, errno, "start %s: pipe", id);
        _cleanup_close_ int rd = p[0];
        pid_t pid = fork();
        if (pid < 0) {
                (void) close(p[1]);
                return husk_error_errno(err, errno, "start %s: fork", id);
        }
        if (pid == 0) {
                struct husk_monitor_args a = { .engine = e, .id = id, .report_fd = p[1],
                                               .out_fd = o && o->attach ? o->out_fd : -1,
                                               .err_fd = o && o->attach ? o->err_fd : -1,
                                               .attach_sock = o && o->has_attach_sock ? o->attach_sock : -1,
                                               .rows = o ? o->rows : 0, .cols = o ? o->cols : 0 };
                husk_monitor_main(&a);
        }
        (void) close(p[1]);
        struct report_buf rb = { .have = 0 };
        ssize_t n = read_report(rd, rb.buf, sizeof(rb.buf), &rb.have);
        if (n <= 0) {
                (void) waitpid(pid, NULL, 0);
                return husk_error_set(err, EIO, "start %s: the monitor exited without a word", id);
        }
        if (strncmp(rb.buf, "err ", 4) == 0) {
                char *msg = NULL;
                long code = strtol(rb.buf + 4, &msg, 10);
                (void) waitpid(pid, NULL, 0);
                return husk_error_set(err, code > 0 && code < 4096 ? (int) code : EIO, "%s",
                                      msg && *msg ? msg + 1 : "start failed");
        }
        if (strncmp(rb.buf, "ok ", 3) != 0)
                return husk_error_set(err, EIO, "start %s: unexpected report from the monitor: %s", id, rb.buf);
        consume(rb.buf, &rb.have, n);
        if (o && o->attach) {
                /* An exit report read together with "ok" is handed on through a fresh pipe. */
                if (rb.have > 0) {
                        int q[2];
                        if (pipe2(q, O_CLOEXEC) < 0)
                                return husk_error_errno(err, errno, "start %s: pipe", id);
                        (void) !write(q[1], rb.buf, rb.have);
                        (void) close(q[1]);
                        *ret_report = q[0];
                        (void) waitpid(pid, NULL, 0);
                        return 0;
                }
                *ret_report = steal_fd(rd);
        } else if (ret_report) {
                *ret_report = -1;
        }
        return 0;
}

int husk_engine_attach_wait(struct husk_engine *e, const char *id, int report_fd, int sigfd, struct husk_error *err)
{
        struct report_buf rb = { .have = 0 };
        for (;;) {
                struct pollfd p[2] = { { .fd = report_fd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
                if (poll(p, sigfd >= 0 ? 2 : 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "wait for %s", id);
                }
                if (sigfd >= 0 && p[1].revents) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                                /* Docker's sig-proxy: the container gets what we got. */
                                struct husk_error ignored = { 0 };
                                (void) husk_container_kill(&e->rt, id, (int) si.ssi_signo, false, &ignored);
                        }
                }
                if (!p[0].revents)
                        continue;
                ssize_t n = read_report(report_fd, rb.buf, sizeof(rb.buf), &rb.have);
                if (n <= 0)
                        return husk_error_set(err, EIO, "container %s: its monitor ended without an exit status", id);
                if (strncmp(rb.buf, "exit ", 5) == 0) {
                        /* Reap the monitor when it is our child (the exit report is its last act). */
                        (void) waitpid(-1, NULL, WNOHANG);
                        return atoi(rb.buf + 5);
                }
                consume(rb.buf, &rb.have, n);
        }
}

int husk_engine_kill(struct husk_engine *e, const char *id, int sig, struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        if (c.state != HUSK_CTR_RUNNING || c.monitor_dead)
                return husk_error_set(err, EINVAL, "container %s is not running", c.name);
        r = husk_container_kill(&e->rt, id, sig, false, err);
        /* Docker: a paused container is thawed to die of SIGKILL; other signals wait for unpause. */
        if (r >= 0 && sig == SIGKILL && c.paused)
                husk_engine_thaw_after_signal(e, id);
        return r;
}

/* Wait up to timeout_ms (-1: forever) for the container's monitor to end. 0 when it has. */
static int wait_monitor(struct husk_engine *e, const char *id, long timeout_ms)
{
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, id, NULL);
        if (dfd < 0)
                return 0;
        _cleanup_close_ int fd = openat(dfd, "monitor.lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return 0;
        if (timeout_ms < 0) {
                /* The monitor holds it exclusively for its whole life: a shared lock is granted when it ends. */
                while (flock(fd, LOCK_SH) < 0)
                        if (errno != EINTR)
                                return -errno;
                return 0;
        }
        for (long waited = 0;; waited += 10) {
                if (flock(fd, LOCK_SH | LOCK_NB) == 0)
                        return 0;
                if (waited >= timeout_ms)
                        return -ETIMEDOUT;
                struct timespec ts = { 0, 10 * 1000 * 1000 };
                (void) nanosleep(&ts, NULL);
        }
}

int husk_engine_stop(struct husk_engine *e, const char *id, int sig, int timeout, struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        /* A user's stop: the restart policy rests (life.h); one waiting to restart it lets go of the
         * monitor lock, which is waited for. */
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0 || (r = husk_life_mark_stopped(e, &c, err)) < 0)
                return r;
        if (c.state != HUSK_CTR_RUNNING || c.monitor_dead)
                return wait_monitor(e, id, 30000) < 0
                               ? husk_error_set(err, ETIMEDOUT, "container %s: its restart did not end", c.name)
                               : 0;
        struct husk_error ignored = { 0 };
        (void) husk_container_kill(&e->rt, id, sig, false, &ignored);
        /* Docker's stop of a paused container thaws it, so that it acts on the signal. */
        if (c.paused)
                husk_engine_thaw_after_signal(e, id);
        if (wait_monitor(e, id, timeout < 0 ? 10000L : (long) timeout * 1000) == 0)
                return 0;
        (void) husk_container_kill(&e->rt, id, SIGKILL, false, &ignored);
        /* SIGKILL cannot be refused; the monitor then only releases and records. */
        if (wait_monitor(e, id, 30000) < 0)
                return husk_error_set(err, ETIMEDOUT, "container %s did not stop after SIGKILL", c.name);
        return 0;
}

int husk_engine_wait(struct husk_engine *e, const char *id, int *ret_exit, struct husk_error *err)
{
        int r = wait_monitor(e, id, -1);
        if (r < 0)
                return husk_error_errno(err, -r, "wait for %s", id);
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r == -ENOENT) {
                /* --rm: removed at its exit; Docker's wait then has no code to give either. */
                return husk_error_set(err, ENOENT, "no such container: %s (removed at its exit)", id);
        }
        if (r < 0)
                return r;
        *ret_exit = c.exit_code;
        return 0;
}

void husk_engine_release(struct husk_engine *e, const struct husk_ctr *c, int ctr_dirfd)
{
        struct husk_error ignored = { 0 };
        /* Kills what is left of the container and releases its cgroup and runtime state; a container
         * the runtime does not know (never created, or already deleted) is not an error here. */
        (void) husk_container_delete(&e->rt, c->id, true, &ignored);
        husk_ctr_net_release(e, c);
        /* --rm: husk_rootfs_remove follows, and unmounts without syncing an upper it removes. */
        if (!c->rootfs && ctr_dirfd >= 0 && !c->cfg.auto_remove)
                (void) husk_rootfs_unmount(ctr_dirfd, &ignored);
}

int husk_engine_remove(struct husk_engine *e, const char *id, bool force, struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        /* Forced: its restart policy must not start it again meanwhile (nor from its wait). */
        if (force && (r = husk_life_mark_stopped(e, &c, err)) < 0)
                return r;
        if (c.state == HUSK_CTR_RUNNING && !c.monitor_dead) {
                if (!force)
                        return husk_error_set(err, EBUSY,
                                              "cannot remove container \"%s\": container is running: stop the container before removing or force remove",
                                              c.name);
                struct husk_error ignored = { 0 };
                (void) husk_container_kill(&e->rt, id, SIGKILL, false, &ignored);
                if (c.paused)
                        husk_engine_thaw_after_signal(e, id);
                if (wait_monitor(e, id, 30000) < 0)
                        return husk_error_set(err, ETIMEDOUT, "container %s did not stop after SIGKILL", c.name);
        }
        _cleanup_close_ int lock = husk_ctr_lock(e->ctrs, id, err);
        if (lock < 0)
                return lock == -ENOENT ? 0 : lock; /* --rm removed it meanwhile */
        /* A start may have run while we waited for the lock: look again under it. */
        husk_ctr_free_contents(&c);
        r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        if (c.state == HUSK_CTR_RUNNING && !c.monitor_dead)
                return husk_error_set(err, EBUSY, "cannot remove container \"%s\": it was started meanwhile", c.name);
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, id, err);
        if (dfd < 0)
                return dfd;
        husk_engine_release(e, &c, dfd);
        if (!c.rootfs) {
                r = husk_rootfs_remove(dfd, err);
                if (r < 0)
                        return husk_error_prefix(err, "remove container %s: ", c.name);
        }
        return husk_ctr_remove(e->ctrs, id, c.name, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/state.h"
#include "runtime/runtime.h"
#include "runtime/state_store.h"
#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* A temporary state root, removed however the test ends. */
static void tmproot_rm(char **p)
{
        if (*p) {
                (void) husk_rm_rf_at(AT_FDCWD, *p, NULL);
                free(*p);
        }
}
#define _cleanup_tmproot_ _cleanup_(tmproot_rm)

static char *make_tmproot(void)
{
        char tmpl[] = "/tmp/husk-test-store-XXXXXX";
        if (!mkdtemp(tmpl))
                return NULL;
        return strdup(tmpl);
}

static struct husk_state *new_state(const char *id, pid_t pid, uint64_t start_time)
{
        struct husk_state *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->oci_version = strdup("1.2.0");
        s->id = strdup(id);
        s->status = HUSK_STATUS_CREATED;
        s->pid = pid;
        s->bundle = strdup("/nonexistent/bundle");
        s->pid_start_time = start_time;
        s->rootfs = strdup("/nonexistent/bundle/rootfs");
        s->created = strdup("2024-01-01T00:00:00Z");
        s->own_pid_ns = true;
        return s;
}

/* Create <root>/<id> holding a state for pid/start_time; returns the (locked) dir fd. */
static int make_container(int root_fd, const char *id, pid_t pid, uint64_t start_time)
{
        struct husk_error err = { 0 };
        int fd = husk_store_create_dir(root_fd, id, &err);
        if (fd < 0)
                return fd;
        _cleanup_(husk_state_freep) struct husk_state *s = new_state(id, pid, start_time);
        int r = s ? husk_store_write_state(fd, s, &err) : -ENOMEM;
        if (r < 0) {
                printf("#   write state: %s\n", err.msg);
                (void) close(fd);
                return r;
        }
        return fd;
}

TEST(open_root_creates_private_dir)
{
        _cleanup_tmproot_ char *tmp = make_tmproot();
        CHECK(tmp);
        char root[256];
        (void) snprintf(root, sizeof(root), "%s/a/b/root", tmp);
        struct husk_error err = { 0 };
        _cleanup_close_ int fd = husk_store_open_root(root, &err);
        CHECK(fd >= 0);
        struct stat st;
        CHECK(stat(root, &st) == 0);
        CHECK(S_ISDIR(st.st_mode));
        CHECK((st.st_mode & 07777) == 0700);
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
}

TEST(create_dir_is_exclusive)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        _cleanup_close_ int fd = husk_store_create_dir(root_fd, "c1", &err);
        CHECK(fd >= 0);
        CHECK(husk_store_create_dir(root_fd, "c1", &err) == -EEXIST);
        CHECK_STR_EQ(err.msg, "container \"c1\" already exists");
        CHECK(husk_store_create_dir(root_fd, "../x", &err) == -EINVAL);
        /* Nothing but the container directory is left: no temporary directory of either call. */
        _cleanup_closedir_ DIR *d = opendir(root);
        CHECK(d);
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        CHECK(n == 1);
}

TEST(open_missing_dir)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        CHECK(husk_store_open_dir(root_fd, "nope", false, &err) == -ENOENT);
        CHECK_STR_EQ(err.msg, "container \"nope\" does not exist");
}

TEST(state_roundtrip)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        _cleanup_close_ int fd = make_container(root_fd, "rt", 4242, 123456789);
        CHECK(fd >= 0);
        _cleanup_(husk_state_freep) struct husk_state *s = NULL;
        CHECK(husk_store_read_state(fd, &s, &err) == 0);
        CHECK_STR_EQ(s->id, "rt");
        CHECK(s->pid == 4242);
        CHECK(s->pid_start_time == 123456789);
        CHECK_STR_EQ(s->bundle, "/nonexistent/bundle");
        CHECK(s->status == HUSK_STATUS_CREATED);
        struct stat st;
        CHECK(fstatat(fd, HUSK_STORE_STATE, &st, 0) == 0);
        CHECK((st.st_mode & 0077) == 0);
}

TEST(corrupt_state_is_refused_by_name)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        _cleanup_close_ int fd = husk_store_create_dir(root_fd, "bad", &err);
        CHECK(fd >= 0);
        CHECK(husk_write_file_atomic_at(fd, HUSK_STORE_STATE, "{\"id\": ", 7, 0600, false, &err) == 0);
        struct husk_state *s = NULL;
        CHECK(husk_store_read_state(fd, &s, &err) < 0);
        CHECK(s == NULL);
        CHECK_CONTAINS(err.msg, "/bad/state.json");
        CHECK(unlinkat(fd, HUSK_STORE_STATE, 0) == 0);
        CHECK(husk_store_read_state(fd, &s, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "/bad/state.json");
}

TEST(proc_start_time)
{
        uint64_t a = 0, b = 0;
        struct husk_error err = { 0 };
        CHECK(husk_proc_start_time(getpid(), &a, &err) == 0);
        CHECK(husk_proc_start_time(getpid(), &b, &err) == 0);
        CHECK(a == b);
        CHECK(a > 0);
        uint64_t one = 0;
        CHECK(husk_proc_start_time(1, &one, &err) == 0);
        CHECK(one <= a);
        /* Above pid_max (at most 4194304): never a process. */
        CHECK(husk_proc_start_time(99999999, &a, &err) == -ESRCH);
}

/* A child that has exited and been reaped: its pid is (almost certainly) free. */
static pid_t dead_pid(uint64_t *ret_start)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                char c;
                (void) close(p[1]);
                (void) read(p[0], &c, 1);
                _exit(0);
        }
        (void) close(p[0]);
        *ret_start = 0;
        (void) husk_proc_start_time(pid, ret_start, NULL);
        (void) close(p[1]);
        (void) waitpid(pid, NULL, 0);
        return pid;
}

TEST(refresh_statuses)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        _cleanup_close_ int fd = husk_store_create_dir(root_fd, "r", &err);
        CHECK(fd >= 0);

        uint64_t me_start = 0;
        CHECK(husk_proc_start_time(getpid(), &me_start, &err) == 0);

        /* Our own pid with our start time: running. */
        _cleanup_(husk_state_freep) struct husk_state *s = new_state("r", getpid(), me_start);
        CHECK(s);
        s->status = HUSK_STATUS_STOPPED;
        CHECK(husk_state_refresh(fd, s, &err) == 0);
        CHECK(s->status == HUSK_STATUS_RUNNING);
        CHECK(s->pid == getpid());

        /* With exec.fifo: created. */
        CHECK(mkfifoat(fd, HUSK_STORE_FIFO, 0600) == 0);
        CHECK(husk_state_refresh(fd, s, &err) == 0);
        CHECK(s->status == HUSK_STATUS_CREATED);
        CHECK(unlinkat(fd, HUSK_STORE_FIFO, 0) == 0);

        /* Our pid but another start time: a recycled pid, so stopped. */
        s->pid_start_time = me_start + 1;
        CHECK(husk_state_refresh(fd, s, &err) == 0);
        CHECK(s->status == HUSK_STATUS_STOPPED);
        CHECK(s->pid == 0);

        /* A dead pid: stopped, even with the fifo still there. */
        uint64_t dstart = 0;
        pid_t dpid = dead_pid(&dstart);
        CHECK(dpid > 0);
        CHECK(mkfifoat(fd, HUSK_STORE_FIFO, 0600) == 0);
        s->pid = dpid;
        s->pid_start_time = dstart;
        CHECK(husk_state_refresh(fd, s, &err) == 0);
        CHECK(s->status == HUSK_STATUS_STOPPED);
        CHECK(s->pid == 0);

        /* pid 0 (never started): stopped. */
        CHECK(husk_state_refresh(fd, s, &err) == 0);
        CHECK(s->status == HUSK_STATUS_STOPPED);
}

TEST(refresh_zombie_is_stopped)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        _cleanup_close_ int fd = husk_store_create_dir(root_fd, "z", &err);
        CHECK(fd >= 0);

        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        uint64_t start = 0;
        int r = husk_proc_start_time(pid, &start, &err);
        _cleanup_(husk_state_freep) struct husk_state *s = new_state("z", pid, start);
        int st1 = -1, st2 = -1;
        if (r == 0 && s) {
                (void) husk_state_refresh(fd, s, &err);
                st1 = s->status;
        }
        (void) kill(pid, SIGKILL);
        /* Wait for the zombie without reaping it. */
        siginfo_t si;
        (void) waitid(P_PID, (id_t) pid, &si, WEXITED | WNOWAIT);
        if (r == 0 && s) {
                (void) husk_state_refresh(fd, s, &err);
                st2 = s->status;
        }
        (void) waitpid(pid, NULL, 0);
        CHECK(r == 0);
        CHECK(st1 == HUSK_STATUS_RUNNING);
        CHECK(st2 == HUSK_STATUS_STOPPED);
}

TEST(remove)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        _cleanup_close_ int fd = make_container(root_fd, "gone", 0, 0);
        CHECK(fd >= 0);
        CHECK(mkfifoat(fd, HUSK_STORE_FIFO, 0600) == 0);
        CHECK(husk_store_remove(root_fd, "gone", &err) == 0);
        CHECK(faccessat(root_fd, "gone", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
        CHECK(husk_store_open_dir(root_fd, "gone", false, &err) == -ENOENT);
        CHECK(husk_store_remove(root_fd, "..", &err) == -EINVAL);
}

/* A waiter for the lock of a directory that is removed meanwhile must see "does not exist". */
TEST(lock_waiter_sees_removal)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        int fd = make_container(root_fd, "w", 0, 0);
        CHECK(fd >= 0);
        pid_t pid = fork();
        if (pid == 0) {
                /* The lock belongs to the open file, which fork shared: drop our reference to it. */
                (void) close(fd);
                struct husk_error cerr = { 0 };
                int r = husk_store_open_dir(root_fd, "w", true, &cerr);
                _exit(r == -ENOENT ? 0 : 1);
        }
        usleep(100 * 1000);
        int rr = husk_store_remove(root_fd, "w", &err);
        (void) close(fd);
        int status = -1;
        (void) waitpid(pid, &status, 0);
        CHECK(pid > 0);
        CHECK(rr == 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- operations over the store, without a real container ------------------------------------ */

TEST(ops_on_missing_and_stopped)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_runtime rt = { .root = root };
        struct husk_error err = { 0 };
        struct husk_state *s = NULL;
        CHECK(husk_container_state(&rt, "x", &s, &err) == -ENOENT);
        CHECK_STR_EQ(err.msg, "container \"x\" does not exist");
        CHECK(husk_container_delete(&rt, "x", true, &err) == -ENOENT);
        CHECK_STR_EQ(err.msg, "container \"x\" does not exist");

        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        uint64_t dstart = 0;
        pid_t dpid = dead_pid(&dstart);
        int fd = make_container(root_fd, "x", dpid, dstart);
        CHECK(fd >= 0);
        (void) close(fd);

        CHECK(husk_container_state(&rt, "x", &s, &err) == 0);
        CHECK(s->status == HUSK_STATUS_STOPPED);
        CHECK(s->pid == 0);
        husk_state_free(s);

        CHECK(husk_container_kill(&rt, "x", SIGTERM, false, &err) == -ESRCH);
        CHECK_STR_EQ(err.msg, "container \"x\" is not running");
        CHECK(husk_container_start(&rt, "x", &err) < 0);
        CHECK_STR_EQ(err.msg, "cannot start a container that is stopped");

        /* No config.json: the poststop hooks cannot be known; a warning, not a failure. */
        CHECK(husk_container_delete(&rt, "x", false, &err) == 0);
        CHECK(err.code == 0);
        CHECK_CONTAINS(err.msg, "poststop hooks not run");
        CHECK(faccessat(root_fd, "x", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
}

TEST(delete_refuses_running)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_runtime rt = { .root = root };
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        uint64_t me = 0;
        CHECK(husk_proc_start_time(getpid(), &me, &err) == 0);
        /* Our own pid plays the init: delete without force must refuse, and nothing may kill us. */
        int fd = make_container(root_fd, "me", getpid(), me);
        CHECK(fd >= 0);
        (void) close(fd);
        CHECK(husk_container_delete(&rt, "me", false, &err) == -EBUSY);
        CHECK_STR_EQ(err.msg, "cannot delete container \"me\" that is not stopped: running");
        CHECK(husk_container_start(&rt, "me", &err) < 0);
        CHECK_STR_EQ(err.msg, "cannot start a container that is running");
        CHECK(husk_container_kill(&rt, "me", 0, false, &err) == -EINVAL);
        CHECK(husk_store_remove(root_fd, "me", &err) == 0);
}

TEST(delete_force_kills)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_runtime rt = { .root = root };
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        uint64_t start = 0;
        int r = husk_proc_start_time(pid, &start, &err);
        int fd = r == 0 ? make_container(root_fd, "victim", pid, start) : -1;
        if (fd >= 0)
                (void) close(fd);
        int kr = fd >= 0 ? husk_container_kill(&rt, "victim", SIGCONT, true, &err) : -1;
        int dr = fd >= 0 ? husk_container_delete(&rt, "victim", true, &err) : -1;
        (void) kill(pid, SIGKILL);
        int status = 0;
        (void) waitpid(pid, &status, 0);
        CHECK(fd >= 0);
        CHECK(kr == 0);
        CHECK(dr == 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        CHECK(faccessat(root_fd, "victim", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
}

TEST(list_sorted_and_skips_junk)
{
        _cleanup_tmproot_ char *root = make_tmproot();
        CHECK(root);
        struct husk_runtime rt = { .root = root };
        struct husk_error err = { 0 };
        _cleanup_close_ int root_fd = husk_store_open_root(root, &err);
        CHECK(root_fd >= 0);
        uint64_t me = 0;
        CHECK(husk_proc_start_time(getpid(), &me, &err) == 0);
        static const char *const ids[] = { "zeta", "alpha", "mid" };
        for (size_t i = 0; i < 3; i++) {
                int fd = make_container(root_fd, ids[i], getpid(), i == 1 ? me + 1 : me);
                CHECK(fd >= 0);
                (void) close(fd);
        }
        CHECK(mkdirat(root_fd, "junk", 0700) == 0);           /* no state */
        CHECK(mkdirat(root_fd, "~create.1.2", 0700) == 0);     /* create in progress */
        struct husk_state **l = NULL;
        size_t n = 0;
        CHECK(husk_container_list(&rt, &l, &n, &err) == 0);
        int ok = n == 3 && !strcmp(l[0]->id, "alpha") && !strcmp(l[1]->id, "mid") && !strcmp(l[2]->id, "zeta") &&
                 l[0]->status == HUSK_STATUS_STOPPED && l[1]->status == HUSK_STATUS_RUNNING;
        husk_state_list_free(l, n);
        CHECK(ok);

        struct husk_runtime none = { .root = "/nonexistent/husk-root" };
        CHECK(husk_container_list(&none, &l, &n, &err) == 0);
        CHECK(n == 0);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* The verified procfs handle against the real procfs, and against a tmpfs, a procfs subdirectory and
 * a procfs file mounted over /proc or over the attr file, each in a private mount namespace of a
 * forked child so the host's mount table is never touched. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "test.h"
#include "../process/child.h"
#include "util/cleanup.h"
#include "util/procfs.h"

/* A mount namespace of our own whose mounts do not propagate back to the host's. */
static int private_mount_ns(char *msg, size_t len)
{
        if (unshare(CLONE_NEWNS) < 0) {
                snprintf(msg, len, "unshare(CLONE_NEWNS): %s", strerror(errno));
                return -1;
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                snprintf(msg, len, "make / private: %s", strerror(errno));
                return -1;
        }
        return 0;
}

/* Run fn in a forked child; its message, if any, is the failure. */
#define CHECK_IN_CHILD(fn, arg)                                                  \
        do {                                                                     \
                char msg_[1024];                                                 \
                bool ok_ = run_in_child(fn, (void *) (arg), msg_, sizeof(msg_)); \
                if (!ok_)                                                        \
                        printf("# %s\n", msg_);                                  \
                CHECK(ok_);                                                      \
        } while (0)

TEST(real_proc_is_accepted)
{
        struct husk_error err = { 0 };
        _cleanup_close_ int fd = husk_procfs_open(&err);
        if (fd < 0)
                printf("# %s\n", err.msg);
        CHECK(fd >= 0);
        CHECK(husk_procfs_verify_root(fd, "/proc", &err) == 0);
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
}

/* Something mounted over /proc, and the words husk_procfs_open must refuse it with. */
struct over_proc {
        const char *source, *fstype, *data;
        unsigned long flags;
        const char *refusal;
};

static void refused_over_proc(void *arg, char *msg, size_t len)
{
        const struct over_proc *o = arg;
        if (private_mount_ns(msg, len) < 0)
                return;
        if (mount(o->source, "/proc", o->fstype, o->flags, o->data) < 0)
                CHILD_FAIL(msg, len, "mount %s on /proc: %s", o->source, strerror(errno));
        struct husk_error err = { 0 };
        int fd = husk_procfs_open(&err);
        if (fd >= 0)
                CHILD_FAIL(msg, len, "%s on /proc was accepted as the procfs root", o->source);
        if (fd != -EXDEV || !strstr(err.msg, o->refusal))
                CHILD_FAIL(msg, len, "unexpected refusal (%d): %s", fd, err.msg);
}

TEST(tmpfs_over_proc_is_refused)
{
        static const struct over_proc o = { "tmpfs", "tmpfs", "size=64k", 0, "/proc is not procfs" };
        CHECK_IN_CHILD(refused_over_proc, &o);
}

TEST(procfs_subdirectory_over_proc_is_refused)
{
        /* Real procfs, but its /proc/self: the f_type check alone would pass it. */
        static const struct over_proc o = { "/proc/self", NULL, NULL, MS_BIND, "not the root of a procfs" };
        CHECK_IN_CHILD(refused_over_proc, &o);
}

/* The init's case: the handle is opened first, then the container's mounts cover /proc. Writes
 * through the handle still reach the kernel (here it refuses the label: no LSM), not the tmpfs. */
static void handle_outlives_overmount(void *arg, char *msg, size_t len)
{
        (void) arg;
        if (private_mount_ns(msg, len) < 0)
                return;
        struct husk_error err = { 0 };
        _cleanup_close_ int fd = husk_procfs_open(&err);
        if (fd < 0)
                CHILD_FAIL(msg, len, "open: %s", err.msg);
        if (mount("tmpfs", "/proc", "tmpfs", 0, "size=64k") < 0)
                CHILD_FAIL(msg, len, "mount tmpfs on /proc: %s", strerror(errno));
        int r = husk_procfs_write_thread_self(fd, "comm", "husk-procfs", &err);
        if (r < 0)
                CHILD_FAIL(msg, len, "write comm through the handle: %s", err.msg);
        char name[17] = "";
        (void) prctl(PR_GET_NAME, name);
        if (strcmp(name, "husk-procfs") != 0)
                CHILD_FAIL(msg, len, "comm is \"%s\" after the write", name);
}

TEST(handle_opened_before_an_overmount_still_reaches_procfs)
{
        CHECK_IN_CHILD(handle_outlives_overmount, NULL);
}

/* CVE-2025-52881: another procfs file bound over the attr file. Same filesystem, so only the mount
 * crossing gives it away. */
static void file_over_attr(void *arg, char *msg, size_t len)
{
        (void) arg;
        if (private_mount_ns(msg, len) < 0)
                return;
        char target[64];
        snprintf(target, sizeof(target), "/proc/%d/task/%d/attr/exec", getpid(), gettid());
        if (mount("/proc/self/attr/current", target, NULL, MS_BIND, NULL) < 0)
                CHILD_FAIL(msg, len, "bind attr/current on %s: %s", target, strerror(errno));
        struct husk_error err = { 0 };
        _cleanup_close_ int fd = husk_procfs_open(&err);
        if (fd < 0)
                CHILD_FAIL(msg, len, "open: %s", err.msg);
        int r = husk_procfs_write_thread_self(fd, "attr/exec", "unconfined", &err);
        if (r != -EXDEV || !strstr(err.msg, "open /proc/thread-self/attr/exec"))
                CHILD_FAIL(msg, len, "overmounted attr/exec not refused (%d): %s", r, err.msg);
}

TEST(overmounted_attr_file_is_refused)
{
        CHECK_IN_CHILD(file_over_attr, NULL);
}

TEST(symlinks_and_dotdot_are_not_followed)
{
        struct husk_error err = { 0 };
        _cleanup_close_ int fd = husk_procfs_open(&err);
        CHECK(fd >= 0);
        /* "self" and "thread-self" are symlinks: only husk_procfs_open_thread_self may get there. */
        int r = husk_procfs_openat(fd, "self/status", O_RDONLY, &err);
        CHECK(r == -ELOOP);
        CHECK_CONTAINS(err.msg, "open /proc/self/status");
        r = husk_procfs_openat(fd, "thread-self/attr/exec", O_WRONLY, &err);
        CHECK(r == -ELOOP);
        r = husk_procfs_openat(fd, "../etc/passwd", O_RDONLY, &err);
        CHECK(r == -EXDEV);
        /* A magic link as the last component. */
        char p[64];
        snprintf(p, sizeof(p), "%d/exe", getpid());
        r = husk_procfs_openat(fd, p, O_RDONLY, &err);
        CHECK(r == -ELOOP);
        /* A plain procfs file opens. */
        _cleanup_close_ int ok = husk_procfs_openat(fd, "sys/kernel/ostype", O_RDONLY, &err);
        CHECK(ok >= 0);
}

TEST(thread_self_names_the_file_and_the_kernel_answers)
{
        struct husk_error err = { 0 };
        _cleanup_close_ int fd = husk_procfs_open(&err);
        CHECK(fd >= 0);
        _cleanup_close_ int status = husk_procfs_open_thread_self(fd, "status", O_RDONLY, &err);
        CHECK(status >= 0);
        char buf[4096];
        ssize_t n = read(status, buf, sizeof(buf) - 1);
        CHECK(n > 0);
        buf[n] = '\0';
        char want[64];
        snprintf(want, sizeof(want), "\nPid:\t%d\n", gettid());
        CHECK_CONTAINS(buf, want);

        /* O_PATH takes no other flag in openat2: the helper must not add one. */
        _cleanup_close_ int dir = husk_procfs_open_thread_self(fd, "attr", O_PATH | O_DIRECTORY, &err);
        CHECK(dir >= 0);

        int r = husk_procfs_open_thread_self(fd, "no-such-file", O_RDONLY, &err);
        CHECK(r == -ENOENT);
        CHECK_CONTAINS(err.msg, "open /proc/thread-self/no-such-file: No such file or directory");
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* util/fs.h in a temporary directory, removed at the end even when a check fails. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct tmpdir {
        char path[64];
};

static void tmpdir_cleanup(struct tmpdir *t)
{
        if (t->path[0])
                (void) husk_rm_rf_at(AT_FDCWD, t->path, NULL);
}
#define _cleanup_tmpdir_ _cleanup_(tmpdir_cleanup)

static int make_tmpdir(struct tmpdir *t)
{
        (void) snprintf(t->path, sizeof(t->path), "/tmp/husk-test-fs.XXXXXX");
        if (!mkdtemp(t->path)) {
                t->path[0] = '\0';
                return -1;
        }
        return 0;
}

TEST(read_write_atomic)
{
        _cleanup_tmpdir_ struct tmpdir t = { { 0 } };
        CHECK(make_tmpdir(&t) == 0);
        _cleanup_close_ int dfd = open(t.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0);
        struct husk_error err = { 0 };
        CHECK(husk_write_file_atomic_at(dfd, "state.json", "hello", 5, 0640, false, &err) == 0);
        CHECK(husk_write_file_atomic_at(dfd, "state.json", "bye", 3, 0600, true, &err) == 0);
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        CHECK(husk_read_file_at(dfd, "state.json", &data, &len, &err) == 0);
        CHECK(len == 3);
        CHECK_STR_EQ(data, "bye");
        struct stat st;
        CHECK(fstatat(dfd, "state.json", &st, 0) == 0);
        CHECK((st.st_mode & 07777) == 0600);
        /* No temporary file left behind. */
        _cleanup_closedir_ DIR *d = opendir(t.path);
        CHECK(d);
        int n = 0;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")))
                        n++;
        CHECK(n == 1);
}

TEST(atomic_failure_leaves_nothing)
{
        _cleanup_tmpdir_ struct tmpdir t = { { 0 } };
        CHECK(make_tmpdir(&t) == 0);
        _cleanup_close_ int dfd = open(t.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct husk_error err = { 0 };
        /* Renaming a file over a non-empty directory fails: the temp file must be unlinked. */
        CHECK(mkdirat(dfd, "target", 0755) == 0);
        CHECK(mkdirat(dfd, "target/sub", 0755) == 0);
        CHECK(husk_write_file_atomic_at(dfd, "target", "x", 1, 0644, false, &err) < 0);
        CHECK_CONTAINS(err.msg, "rename");
        _cleanup_closedir_ DIR *d = opendir(t.path);
        int n = 0;
        for (struct dirent *de; (de = readdir(d));)
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        CHECK(n == 1);
        /* In a subdirectory, and into a missing one. */
        CHECK(husk_write_file_atomic_at(dfd, "target/sub/f", "y", 1, 0644, false, &err) == 0);
        CHECK(husk_write_file_atomic_at(dfd, "missing/f", "y", 1, 0644, false, &err) == -ENOENT);
}

TEST(read_errors_and_proc)
{
        struct husk_error err = { 0 };
        char *data = NULL;
        size_t len = 0;
        CHECK(husk_read_file_at(AT_FDCWD, "/nonexistent/x", &data, &len, &err) == -ENOENT);
        CHECK_STR_EQ(err.msg, "open /nonexistent/x: No such file or directory");
        CHECK(husk_read_file_at(AT_FDCWD, "/tmp", &data, &len, &err) == -EISDIR);
        /* /proc files report size 0 but have content. */
        CHECK(husk_read_file_at(AT_FDCWD, "/proc/self/status", &data, &len, &err) == 0);
        CHECK(len > 100 && strncmp(data, "Name:", 5) == 0 && data[len] == '\0');
        free(data);
}

TEST(write_existing_only)
{
        _cleanup_tmpdir_ struct tmpdir t = { { 0 } };
        CHECK(make_tmpdir(&t) == 0);
        _cleanup_close_ int dfd = open(t.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct husk_error err = { 0 };
        CHECK(husk_write_file_at(dfd, "nofile", "1", 1, &err) == -ENOENT);
        CHECK_STR_EQ(err.msg, "open nofile: No such file or directory");
        _cleanup_close_ int fd = openat(dfd, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        CHECK(write(fd, "abcdef", 6) == 6);
        CHECK(husk_write_file_at(dfd, "f", "XY", 2, &err) == 0);
        _cleanup_free_ char *data = NULL;
        CHECK(husk_read_file_at(dfd, "f", &data, NULL, &err) == 0);
        CHECK_STR_EQ(data, "XYcdef"); /* no O_TRUNC, as for /proc and /sys files */
}

TEST(mkdir_p)
{
        _cleanup_tmpdir_ struct tmpdir t = { { 0 } };
        CHECK(make_tmpdir(&t) == 0);
        char p[256];
        struct husk_error err = { 0 };
        (void) snprintf(p, sizeof(p), "%s/a//b/c/", t.path);
        CHECK(husk_mkdir_p(p, 0755, &err) == 0);
        CHECK(husk_mkdir_p(p, 0755, &err) == 0);
        struct stat st;
        (void) snprintf(p, sizeof(p), "%s/a/b/c", t.path);
        CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
        (void) snprintf(p, sizeof(p), "%s/a/file", t.path);
        _cleanup_close_ int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        (void) snprintf(p, sizeof(p), "%s/a/file/sub", t.path);
        CHECK(husk_mkdir_p(p, 0755, &err) == -ENOTDIR);
}

TEST(rm_rf_does_not_follow_symlinks)
{
        _cleanup_tmpdir_ struct tmpdir t = { { 0 } };
        _cleanup_tmpdir_ struct tmpdir outside = { { 0 } };
        CHECK(make_tmpdir(&t) == 0);
        CHECK(make_tmpdir(&outside) == 0);
        _cleanup_close_ int dfd = open(t.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int ofd = open(outside.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0 && ofd >= 0);
        _cleanup_close_ int keep = openat(ofd, "keep", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        CHECK(keep >= 0);
        CHECK(mkdirat(dfd, "tree", 0755) == 0);
        CHECK(mkdirat(dfd, "tree/d1", 0755) == 0);
        CHECK(mkdirat(dfd, "tree/d1/d2", 0700) == 0);
        _cleanup_close_ int f = openat(dfd, "tree/d1/d2/file", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        CHECK(f >= 0);
        CHECK(symlinkat(outside.path, dfd, "tree/d1/link") == 0);
        CHECK(symlinkat(outside.path, dfd, "toplink") == 0);
        CHECK(mkfifoat(dfd, "tree/fifo", 0600) == 0);
        struct husk_error err = { 0 };
        CHECK(husk_rm_rf_at(dfd, "tree", &err) == 0);
        CHECK(faccessat(dfd, "tree", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
        /* A symlink given as the path is removed itself, not its target. */
        CHECK(husk_rm_rf_at(dfd, "toplink", &err) == 0);
        CHECK(faccessat(dfd, "toplink", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
        CHECK(faccessat(ofd, "keep", F_OK, 0) == 0);
        CHECK(husk_rm_rf_at(dfd, "missing", &err) == 0);
}

/* Run in a child with its own private mount namespace, so no mount can leak to the host. */
static int rm_rf_mount_child(const char *dir)
{
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return 10;
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || mkdirat(dfd, "tree", 0755) < 0 || mkdirat(dfd, "tree/mnt", 0755) < 0)
                return 11;
        char mnt[128];
        (void) snprintf(mnt, sizeof(mnt), "%s/tree/mnt", dir);
        if (mount("tmpfs", mnt, "tmpfs", 0, NULL) < 0)
                return 12;
        int f = openat(dfd, "tree/mnt/precious", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (f < 0)
                return 13;
        struct husk_error err = { 0 };
        if (husk_rm_rf_at(dfd, "tree", &err) != -EXDEV || !strstr(err.msg, "tree/mnt: is a mount point"))
                return 14;
        if (faccessat(dfd, "tree/mnt/precious", F_OK, 0) < 0)
                return 15;
        (void) umount2(mnt, MNT_DETACH);
        return 0;
}

TEST(rm_rf_stops_at_mount_points)
{
        _cleanup_tmpdir_ struct tmpdir t = { { 0 } };
        CHECK(make_tmpdir(&t) == 0);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0)
                _exit(rm_rf_mount_child(t.path));
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                printf("#   child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* husk_open_in_root / husk_mkdir_in_root for real, through openat2 and through the fallback walker,
 * against symlinks that try to leave the root. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "util/cleanup.h"
#include "util/path-internal.h"
#include "util/path.h"

struct fixture {
        char base[64];
        int root_fd;
};

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) st;
        (void) ftw;
        return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void fixture_done(struct fixture *f)
{
        if (f->root_fd >= 0)
                (void) close(f->root_fd);
        if (f->base[0])
                (void) nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static int write_at(const char *path, const char *data)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -1;
        return write(fd, data, strlen(data)) == (ssize_t) strlen(data) ? 0 : -1;
}

/* base/outside        host file the resolver must never reach
 * base/root/etc/passwd "inside"
 * base/root/abs -> /etc, dotdot -> ../../../../etc, esc -> ../outside, hostabs -> <base>/outside,
 * loop -> loop, a/ (dir), file (regular) */
static int fixture_make(struct fixture *f)
{
        char p[PATH_MAX], t[PATH_MAX];
        f->root_fd = -1;
        (void) snprintf(f->base, sizeof(f->base), "/tmp/husk-path-XXXXXX");
        if (!mkdtemp(f->base)) {
                f->base[0] = '\0';
                return -1;
        }
#define P(fmt) (snprintf(p, sizeof(p), "%s/" fmt, f->base), p)
        if (write_at(P("outside"), "host") < 0 || mkdir(P("root"), 0755) < 0 || mkdir(P("root/etc"), 0755) < 0 ||
            write_at(P("root/etc/passwd"), "inside") < 0 || mkdir(P("root/a"), 0755) < 0 ||
            write_at(P("root/file"), "f") < 0 || symlink("/etc", P("root/abs")) < 0 ||
            symlink("../../../../etc", P("root/dotdot")) < 0 || symlink("../outside", P("root/esc")) < 0 ||
            symlink("loop", P("root/loop")) < 0 || mkdir(P("root/proc"), 0755) < 0 ||
            symlink("/proc/self/root", P("root/procroot")) < 0)
                return -1;
        (void) snprintf(t, sizeof(t), "%s/outside", f->base);
        if (symlink(t, P("root/hostabs")) < 0)
                return -1;
        f->root_fd = open(P("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
#undef P
        return f->root_fd < 0 ? -1 : 0;
}

static int do_open(bool fallback, int root_fd, const char *path, int flags, mode_t mode)
{
        if (fallback)
                return husk_path_walk_in_root(root_fd, path, flags, mode, false, false);
        struct husk_error err = { 0 };
        return husk_open_in_root(root_fd, path, flags, mode, &err);
}

static int do_mkdir(bool fallback, int root_fd, const char *path, bool last_is_file)
{
        if (fallback)
                return husk_path_walk_in_root(root_fd, path, O_PATH, 0755, true, last_is_file);
        struct husk_error err = { 0 };
        return husk_mkdir_in_root(root_fd, path, 0755, last_is_file, &err);
}

static bool reads(int fd, const char *want)
{
        char buf[64] = { 0 };
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        return n >= 0 && strcmp(buf, want) == 0;
}

static void open_cases(int *failed_, bool fallback)
{
        _cleanup_(fixture_done) struct fixture f = { .root_fd = -1 };
        CHECK(fixture_make(&f) == 0);
        int fd;

        static const char *const inside[] = { "/etc/passwd", "abs/passwd", "/abs/passwd", "dotdot/passwd",
                                              "a/../../../etc/passwd", "../../etc//./passwd" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(inside); i++) {
                fd = do_open(fallback, f.root_fd, inside[i], O_RDONLY, 0);
                if (fd < 0)
                        printf("#   %s: %s\n", inside[i], strerror(-fd));
                CHECK(fd >= 0);
                CHECK(reads(fd, "inside"));
                close(fd);
        }
        /* the link to ../outside and the absolute host path both stay inside, where nothing is */
        CHECK(do_open(fallback, f.root_fd, "esc", O_RDONLY, 0) == -ENOENT);
        CHECK(do_open(fallback, f.root_fd, "hostabs", O_RDONLY, 0) == -ENOENT);
        CHECK(do_open(fallback, f.root_fd, "loop", O_RDONLY, 0) == -ELOOP);
        CHECK(do_open(fallback, f.root_fd, "file/x", O_RDONLY, 0) == -ENOTDIR);
        /* O_NOFOLLOW on a final symlink: ELOOP, not the target */
        CHECK(do_open(fallback, f.root_fd, "abs", O_RDONLY | O_NOFOLLOW, 0) == -ELOOP);
        /* O_CREAT through an absolute link lands in the root */
        fd = do_open(fallback, f.root_fd, "abs/new", O_WRONLY | O_CREAT | O_EXCL, 0600);
        CHECK(fd >= 0);
        close(fd);
        CHECK(faccessat(f.root_fd, "etc/new", F_OK, 0) == 0);
        /* a dangling link created through: the file appears inside the root, not on the host */
        fd = do_open(fallback, f.root_fd, "esc", O_WRONLY | O_CREAT, 0600);
        CHECK(fd >= 0);
        close(fd);
        CHECK(faccessat(f.root_fd, "outside", F_OK, 0) == 0);
        char host[PATH_MAX];
        (void) snprintf(host, sizeof(host), "%s/outside", f.base);
        fd = open(host, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0 && reads(fd, "host"));
        close(fd);
        /* "/" and ".." at the top are the root itself */
        fd = do_open(fallback, f.root_fd, "/..", O_RDONLY | O_DIRECTORY, 0);
        CHECK(fd >= 0);
        CHECK(faccessat(fd, "etc/passwd", F_OK, 0) == 0);
        close(fd);
}

TEST(open_openat2)
{
        open_cases(failed_, false);
}

TEST(open_fallback)
{
        open_cases(failed_, true);
}

static void mkdir_cases(int *failed_, bool fallback)
{
        _cleanup_(fixture_done) struct fixture f = { .root_fd = -1 };
        CHECK(fixture_make(&f) == 0);
        struct stat st;
        int fd;

        fd = do_mkdir(fallback, f.root_fd, "/abs/x/y", false);
        CHECK(fd >= 0);
        CHECK(fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
        close(fd);
        CHECK(fstatat(f.root_fd, "etc/x/y", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));

        /* through a dangling link to "../outside": created inside, host file untouched */
        fd = do_mkdir(fallback, f.root_fd, "esc/sub", false);
        CHECK(fd >= 0);
        close(fd);
        CHECK(fstatat(f.root_fd, "outside/sub", &st, 0) == 0 && S_ISDIR(st.st_mode));
        char host[PATH_MAX];
        (void) snprintf(host, sizeof(host), "%s/outside", f.base);
        CHECK(stat(host, &st) == 0 && S_ISREG(st.st_mode));

        /* absolute host path: recreated below the root */
        fd = do_mkdir(fallback, f.root_fd, "hostabs/z", false);
        CHECK(fd >= 0);
        close(fd);
        (void) snprintf(host, sizeof(host), "%s/outside/z", f.base + 1);
        CHECK(fstatat(f.root_fd, host, &st, 0) == 0 && S_ISDIR(st.st_mode));

        fd = do_mkdir(fallback, f.root_fd, "dotdot/../../newfile", true);
        CHECK(fd >= 0);
        CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
        close(fd);
        CHECK(fstatat(f.root_fd, "newfile", &st, 0) == 0 && S_ISREG(st.st_mode));

        CHECK(do_mkdir(fallback, f.root_fd, "file", false) == -ENOTDIR);
        CHECK(do_mkdir(fallback, f.root_fd, "file/x", false) == -ENOTDIR);
        CHECK(do_mkdir(fallback, f.root_fd, "loop/x", false) == -ELOOP);
        fd = do_mkdir(fallback, f.root_fd, "/", false);
        CHECK(fd >= 0);
        close(fd);
}

TEST(mkdir_openat2)
{
        mkdir_cases(failed_, false);
}

TEST(mkdir_fallback)
{
        mkdir_cases(failed_, true);
}

/* With a real procfs inside the root, /proc/self/root (a magic link to the host's "/") and
 * /proc/self/cwd must not be followed. Done in a child with its own private mount namespace. */
static int magic_child(struct fixture *f, bool fallback)
{
        char proc[PATH_MAX];
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
                return 10;
        (void) snprintf(proc, sizeof(proc), "%s/root/proc", f->base);
        if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return 11;
        /* The fd opened before unshare() still names the parent namespace's mount, which does not
         * have the new proc on it. */
        (void) snprintf(proc, sizeof(proc), "%s/root", f->base);
        close(f->root_fd);
        f->root_fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (f->root_fd < 0)
                return 17;
        int r = do_open(fallback, f->root_fd, "procroot/etc/passwd", O_RDONLY, 0);
        if (r != -ELOOP) {
                printf("#   procroot/etc/passwd: %d\n", r);
                fflush(stdout);
                return 12;
        }
        if (do_open(fallback, f->root_fd, "/proc/self/cwd", O_RDONLY | O_DIRECTORY, 0) != -ELOOP)
                return 13;
        if (do_open(fallback, f->root_fd, "/proc/self/fd/0", O_RDONLY, 0) != -ELOOP)
                return 14;
        /* ordinary procfs links still work */
        int fd = do_open(fallback, f->root_fd, "/proc/self/status", O_RDONLY, 0);
        if (fd < 0)
                return 15;
        close(fd);
        fd = do_mkdir(fallback, f->root_fd, "procroot/tmp/x", false);
        if (fd != -ELOOP)
                return 16;
        return 0;
}

static void magic_cases(int *failed_, bool fallback)
{
        _cleanup_(fixture_done) struct fixture f = { .root_fd = -1 };
        CHECK(fixture_make(&f) == 0);
        fflush(stdout);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0)
                _exit(magic_child(&f, fallback));
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                printf("#   child failed with status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(magic_links_openat2)
{
        magic_cases(failed_, false);
}

TEST(magic_links_fallback)
{
        magic_cases(failed_, true);
}

/* The /proc and /sys destination check: a symlink anywhere on the way, "..", or another inode. */
TEST(check_no_symlinks)
{
        _cleanup_(fixture_done) struct fixture f = { .root_fd = -1 };
        CHECK(fixture_make(&f) == 0);
        char p[PATH_MAX];
        (void) snprintf(p, sizeof(p), "%s/root/a/proc", f.base);
        CHECK(mkdir(p, 0755) == 0);
        (void) snprintf(p, sizeof(p), "%s/root/alink", f.base);
        CHECK(symlink("a", p) == 0);

        _cleanup_close_ int proc = openat(f.root_fd, "proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int aproc = openat(f.root_fd, "a/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int etc = openat(f.root_fd, "etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(proc >= 0 && aproc >= 0 && etc >= 0);
        CHECK(husk_path_check_no_symlinks(f.root_fd, "/proc", proc) == 0);
        CHECK(husk_path_check_no_symlinks(f.root_fd, "proc/", proc) == 0);
        CHECK(husk_path_check_no_symlinks(f.root_fd, "/a/./proc", aproc) == 0);
        /* the same directory, reached through a symlinked parent or a symlinked last component */
        CHECK(husk_path_check_no_symlinks(f.root_fd, "/alink/proc", aproc) == -ELOOP);
        CHECK(husk_path_check_no_symlinks(f.root_fd, "/abs", etc) == -ELOOP);
        CHECK(husk_path_check_no_symlinks(f.root_fd, "/a/../proc", proc) == -EINVAL);
        CHECK(husk_path_check_no_symlinks(f.root_fd, "/proc", etc) == -EXDEV);
        CHECK(husk_path_check_no_symlinks(f.root_fd, "/nothing", etc) == -ENOENT);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* prepare -> pivot -> finalize -> sysctl for real, in a forked child with its own mount, pid, ipc and
 * uts namespaces (nothing reaches the host's mount table); the child checks the result from inside
 * the new root and reports through its exit status. */
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
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "runtime/rootfs.h"
#include "util/cleanup.h"

#define TMPFS_MAGIC 0x01021994
#define SYSFS_MAGIC 0x62656572
#define PROC_MAGIC 0x9fa0
#define MQUEUE_MAGIC 0x19800202
#define DEVPTS_MAGIC 0x1cd1
#define CGROUP_MAGIC 0x27e0eb

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) st;
        (void) ftw;
        return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_base(char (*base)[64])
{
        if ((*base)[0])
                (void) nftw(*base, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static int put(const char *base, const char *rel, const char *data)
{
        char p[PATH_MAX];
        (void) snprintf(p, sizeof(p), "%s/%s", base, rel);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        return fd >= 0 && write(fd, data, strlen(data)) == (ssize_t) strlen(data) ? 0 : -1;
}

static int mk(const char *base, const char *rel)
{
        char p[PATH_MAX];
        (void) snprintf(p, sizeof(p), "%s/%s", base, rel);
        return mkdir(p, 0755);
}

static int copy_busybox(const char *base)
{
        char p[PATH_MAX];
        (void) snprintf(p, sizeof(p), "%s/rootfs/bin/busybox", base);
        _cleanup_close_ int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (in < 0 || out < 0)
                return -1;
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, (size_t) n) != n)
                        return -1;
        return n < 0 ? -1 : 0;
}

static int build_tree(const char *base)
{
        char p[PATH_MAX];
        if (mk(base, "rootfs") < 0 || mk(base, "rootfs/bin") < 0 || mk(base, "rootfs/etc") < 0 ||
            mk(base, "rootfs/opt") < 0 || put(base, "rootfs/opt/keep", "kept") < 0 ||
            put(base, "rootfs/etc/hostname", "c") < 0 || mk(base, "bindsrc") < 0 ||
            put(base, "bindsrc/hello", "hello") < 0 || copy_busybox(base) < 0)
                return -1;
        /* the escape attempt: a destination through this link must stay inside the rootfs */
        (void) snprintf(p, sizeof(p), "%s/rootfs/evil", base);
        return symlink("/", p);
}

#define FAIL(code, ...)                                         \
        do {                                                    \
                printf("#   child: " __VA_ARGS__);              \
                printf("\n");                                   \
                fflush(stdout);                                 \
                return code;                                    \
        } while (0)

static bool fs_is(const char *path, long magic)
{
        struct statfs s;
        return statfs(path, &s) == 0 && (long) s.f_type == magic;
}

static bool is_ro(const char *path)
{
        struct statvfs s;
        return statvfs(path, &s) == 0 && (s.f_flag & ST_RDONLY);
}

static bool link_is(const char *path, const char *want)
{
        char buf[PATH_MAX];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        if (n < 0)
                return false;
        buf[n] = '\0';
        return strcmp(buf, want) == 0;
}

static int check_inside(const char *base, bool no_pivot)
{
        struct stat st;
        char buf[256];

        if (stat("/bin/busybox", &st) < 0)
                FAIL(30, "no /bin/busybox in the new root");
        if (!fs_is("/proc", PROC_MAGIC) || !fs_is("/dev", TMPFS_MAGIC) || !fs_is("/dev/pts", DEVPTS_MAGIC) ||
            !fs_is("/dev/shm", TMPFS_MAGIC) || !fs_is("/dev/mqueue", MQUEUE_MAGIC) || !fs_is("/sys", SYSFS_MAGIC))
                FAIL(31, "a filesystem is missing or of the wrong type");
        if (!is_ro("/sys") || is_ro("/dev/shm"))
                FAIL(32, "/sys should be read-only and /dev/shm not");
        /* the tmpfs aimed at /evil/escaped landed in the rootfs */
        if (!fs_is("/escaped", TMPFS_MAGIC))
                FAIL(33, "/escaped is not the tmpfs");
        /* bind of the bundle's directory, read-only */
        _cleanup_close_ int h = open("/mnt/data/hello", O_RDONLY | O_CLOEXEC);
        if (h < 0 || read(h, buf, 5) != 5 || memcmp(buf, "hello", 5) != 0)
                FAIL(34, "bind mount content missing");
        if (!is_ro("/mnt/data") || open("/mnt/data/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) >= 0)
                FAIL(35, "bind mount is writable");
        /* a file bind mount */
        if (stat("/etc/bound", &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 5)
                FAIL(36, "file bind missing");
        /* default devices, exact modes despite the umask */
        if (stat("/dev/null", &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3) ||
            (st.st_mode & 07777) != 0666)
                FAIL(37, "/dev/null wrong");
        if (stat("/dev/urandom", &st) < 0 || st.st_rdev != makedev(1, 9) || stat("/dev/tty", &st) < 0)
                FAIL(38, "default devices missing");
        if (stat("/dev/mydev", &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 7) ||
            (st.st_mode & 07777) != 0620 || st.st_uid != 1000 || st.st_gid != 1001)
                FAIL(39, "linux.devices entry wrong (mode %o uid %u)", st.st_mode, st.st_uid);
        if (stat("/dev/sub/fifo", &st) < 0 || !S_ISFIFO(st.st_mode))
                FAIL(40, "fifo device missing");
        if (!link_is("/dev/ptmx", "pts/ptmx") || !link_is("/dev/fd", "/proc/self/fd") ||
            !link_is("/dev/stderr", "/proc/self/fd/2") || stat("/dev/pts/ptmx", &st) < 0)
                FAIL(41, "/dev symlinks or ptmx wrong");
        /* masked: a file is /dev/null, a directory an empty read-only tmpfs */
        if (stat("/proc/timer_list", &st) < 0 || st.st_rdev != makedev(1, 3))
                FAIL(42, "/proc/timer_list not masked");
        if (!fs_is("/sys/firmware", TMPFS_MAGIC) || !is_ro("/sys/firmware") || !fs_is("/proc/acpi", TMPFS_MAGIC) ||
            !fs_is("/proc/driver", TMPFS_MAGIC) || stat("/sys/firmware/acpi", &st) == 0)
                FAIL(43, "masked directory wrong");
        /* readonly path (recursive) */
        if (!is_ro("/proc/sys") || !is_ro("/proc/sys/fs/binfmt_misc") || is_ro("/proc"))
                FAIL(44, "/proc/sys not read-only");
        if (!is_ro("/") || open("/x", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) >= 0)
                FAIL(45, "root not read-only");
        /* tmpcopyup kept the content */
        _cleanup_close_ int k = open("/opt/keep", O_RDONLY | O_CLOEXEC);
        if (!fs_is("/opt", TMPFS_MAGIC) || k < 0 || read(k, buf, 4) != 4 || memcmp(buf, "kept", 4) != 0)
                FAIL(46, "tmpcopyup lost the content");
        /* cgroup v1 hierarchies below a read-only tmpfs */
        if (!fs_is("/sys/fs/cgroup", TMPFS_MAGIC) || !is_ro("/sys/fs/cgroup") || !fs_is("/sys/fs/cgroup/memory", CGROUP_MAGIC) ||
            !is_ro("/sys/fs/cgroup/memory"))
                FAIL(47, "cgroup mount wrong");
        /* no trace of the old root in the mount table */
        char mi[65536];
        _cleanup_close_ int m = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        ssize_t n = m >= 0 ? read(m, mi, sizeof(mi) - 1) : -1;
        if (n <= 0)
                FAIL(48, "read mountinfo");
        mi[n] = '\0';
        /* exactly one mount on "/", and no mount point under the host path of the bundle */
        int roots = 0;
        char *save = NULL;
        for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char mp[PATH_MAX];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                roots += strcmp(mp, "/") == 0;
                if (strncmp(mp, base, strlen(base)) == 0)
                        FAIL(49, "host path still mounted: %s", line);
                if (strcmp(mp, "/escaped") == 0)
                        roots += 100;
        }
        if (!no_pivot && roots != 101)
                FAIL(50, "expected one \"/\" and one \"/escaped\" in mountinfo, got %d", roots);
        /* sysctl written in the container's ipc namespace */
        _cleanup_close_ int s = open("/proc/sys/kernel/shmmni", O_RDONLY | O_CLOEXEC);
        if (s < 0 || read(s, buf, 4) != 4 || memcmp(buf, "1234", 4) != 0)
                FAIL(51, "sysctl not applied");
        /* and the root is usable: busybox runs */
        pid_t pid = fork();
        if (pid == 0) {
                execl("/bin/busybox", "busybox", "true", (char *) NULL);
                _exit(127);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                FAIL(52, "busybox did not run");
        return 0;
}

static char *opts_sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
static char *opts_proc[] = { "nosuid", "noexec", "nodev", NULL };
static char *opts_dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
static char *opts_pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
static char *opts_shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
static char *opts_bind_ro[] = { "rbind", "ro", "nosuid", NULL };
static char *opts_bind[] = { "bind", NULL };
static char *opts_tmp[] = { "size=1m", NULL };
static char *opts_copyup[] = { "tmpcopyup", "mode=755", NULL };
static char *opts_cg[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
static char *masked[] = { "/proc/kcore", "/proc/timer_list", "/proc/acpi", "/proc/does-not-exist", "/sys/firmware",
                          "/proc/driver", NULL };
static char *readonly[] = { "/proc/sys", "/proc/bus", NULL };

static int run_child(const char *base, bool no_pivot)
{
        char rootfs[PATH_MAX];
        struct husk_error err = { 0 };
        struct husk_mount mounts[] = {
                { .destination = "/proc", .source = "proc", .type = "proc", .options = opts_proc },
                { .destination = "/dev", .source = "tmpfs", .type = "tmpfs", .options = opts_dev },
                { .destination = "/dev/pts", .source = "devpts", .type = "devpts", .options = opts_pts },
                { .destination = "/dev/shm", .source = "shm", .type = "tmpfs", .options = opts_shm },
                { .destination = "/dev/mqueue", .source = "mqueue", .type = "mqueue", .options = opts_proc },
                { .destination = "/sys", .source = "sysfs", .type = "sysfs", .options = opts_sys },
                { .destination = "/sys/fs/cgroup", .source = "cgroup", .type = "cgroup", .options = opts_cg },
                { .destination = "/mnt/data", .source = "bindsrc", .type = "bind", .options = opts_bind_ro },
                { .destination = "/etc/bound", .source = "bindsrc/hello", .type = NULL, .options = opts_bind },
                { .destination = "/evil/escaped", .source = "tmpfs", .type = "tmpfs", .options = opts_tmp },
                { .destination = "/opt", .source = "tmpfs", .type = "tmpfs", .options = opts_copyup },
        };
        struct husk_namespace ns[] = { { HUSK_NS_MOUNT, NULL }, { HUSK_NS_PID, NULL }, { HUSK_NS_IPC, NULL },
                                       { HUSK_NS_UTS, NULL } };
        struct husk_device devs[] = {
                { .type = 'c', .path = "/dev/mydev", .major = 1, .minor = 7, .has_file_mode = true, .file_mode = 0620,
                  .has_uid = true, .uid = 1000, .has_gid = true, .gid = 1001 },
                { .type = 'p', .path = "/dev/sub/fifo" },
        };
        struct husk_kv sysctl[] = { { "kernel.shmmni", "1234" } };
        struct husk_spec spec = { .mounts = mounts, .n_mounts = HUSK_ARRAY_SIZE(mounts), .has_linux = true };
        spec.root.readonly = true;
        spec.linux_.namespaces = ns;
        spec.linux_.n_namespaces = HUSK_ARRAY_SIZE(ns);
        spec.linux_.devices = devs;
        spec.linux_.n_devices = HUSK_ARRAY_SIZE(devs);
        spec.linux_.sysctl = sysctl;
        spec.linux_.n_sysctl = 1;
        spec.linux_.masked_paths = masked;
        spec.linux_.n_masked_paths = HUSK_ARRAY_SIZE(masked) - 1;
        spec.linux_.readonly_paths = readonly;
        spec.linux_.n_readonly_paths = HUSK_ARRAY_SIZE(readonly) - 1;
        (void) snprintf(rootfs, sizeof(rootfs), "%s/rootfs", base);
        struct husk_rootfs_ctx ctx = { .spec = &spec, .rootfs = rootfs, .no_pivot = no_pivot };

        if (chdir(base) < 0)
                FAIL(20, "chdir bundle");
        /* belt and braces: even before prepare, nothing we mount may propagate to the host */
        if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
                FAIL(21, "make / private: %s", strerror(errno));
        (void) umask(022);
        if (husk_rootfs_prepare(&ctx, &err) < 0)
                FAIL(22, "prepare: %s", err.msg);
        if (access("/escaped", F_OK) == 0)
                FAIL(23, "a mount escaped to the host's /escaped");
        if (husk_rootfs_pivot(&ctx, &err) < 0)
                FAIL(24, "pivot: %s", err.msg);
        if (husk_rootfs_finalize(&ctx, &err) < 0)
                FAIL(25, "finalize: %s", err.msg);
        if (husk_sysctl_apply(&spec, &err) < 0)
                FAIL(26, "sysctl: %s", err.msg);
        return check_inside(base, no_pivot);
}

static void e2e(int *failed_, bool no_pivot)
{
        _cleanup_(rm_base) char base[64] = "/tmp/husk-e2e-XXXXXX";
        if (!mkdtemp(base))
                base[0] = '\0';
        CHECK(base[0]);
        CHECK(build_tree(base) == 0);
        fflush(stdout);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                /* the new pid namespace applies to our children: fork once more to be its pid 1 */
                if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
                        _exit(2);
                pid_t inner = fork();
                if (inner == 0)
                        _exit(run_child(base, no_pivot));
                int st;
                if (inner < 0 || waitpid(inner, &st, 0) != inner)
                        _exit(3);
                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 4);
        }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        if (WEXITSTATUS(status) != 0)
                printf("#   child exit status %d\n", WEXITSTATUS(status));
        CHECK(WEXITSTATUS(status) == 0);
}

TEST(prepare_pivot_finalize)
{
        e2e(failed_, false);
}

TEST(prepare_no_pivot_finalize)
{
        e2e(failed_, true);
}

RUN_TESTS()

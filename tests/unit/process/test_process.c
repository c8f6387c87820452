/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "runtime/process.h"
#include "test.h"
#include "util/cleanup.h"

#define CAP_NET_BIND_SERVICE_BIT (UINT64_C(1) << 10)

/* ---- resolve_exec ------------------------------------------------------------------------- */

struct bin_dir {
        char dir[64];
};

static void bin_dir_cleanup(struct bin_dir *b)
{
        if (!b->dir[0])
                return;
        const char *names[] = { "tool", "plain" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(names); i++) {
                char p[128];
                snprintf(p, sizeof(p), "%s/%s", b->dir, names[i]);
                (void) unlink(p);
        }
        char sub[128];
        snprintf(sub, sizeof(sub), "%s/sub", b->dir);
        (void) rmdir(sub);
        (void) rmdir(b->dir);
}

static bool make_file(const char *dir, const char *name, mode_t mode)
{
        char p[128];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0)
                return false;
        close(fd);
        return chmod(p, mode) == 0;
}

TEST(resolve_exec)
{
        _cleanup_(bin_dir_cleanup) struct bin_dir b = { "/tmp/husk-bin-XXXXXX" };
        if (!mkdtemp(b.dir))
                b.dir[0] = '\0';
        CHECK(b.dir[0]);
        CHECK(make_file(b.dir, "tool", 0755));
        CHECK(make_file(b.dir, "plain", 0644));
        char sub[128];
        snprintf(sub, sizeof(sub), "%s/sub", b.dir);
        CHECK(mkdir(sub, 0755) == 0);

        char path_var[128], expect[128], abs_plain[128], abs_missing[128];
        snprintf(path_var, sizeof(path_var), "PATH=/nonexistent::%s", b.dir);
        char *env[] = { "FOO=1", path_var, NULL };
        char *args[] = { "tool", NULL };
        struct husk_process p = { .args = args, .n_args = 1, .env = env, .n_env = 2 };
        struct husk_error err = { 0 };

        _cleanup_free_ char *found = NULL;
        CHECK(husk_process_resolve_exec(&p, &found, &err) == 0);
        snprintf(expect, sizeof(expect), "%s/tool", b.dir);
        CHECK_STR_EQ(found, expect);

        /* Not executable, a directory, or absent: not found in $PATH. */
        const char *misses[] = { "plain", "sub", "nothing-here" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(misses); i++) {
                char *miss = NULL;
                args[0] = (char *) misses[i];
                CHECK(husk_process_resolve_exec(&p, &miss, &err) == -ENOENT);
                CHECK(miss == NULL);
                char m[128];
                snprintf(m, sizeof(m), "exec: \"%s\": executable file not found in $PATH", misses[i]);
                CHECK_STR_EQ(err.msg, m);
        }

        /* With a slash: used as is. */
        snprintf(abs_plain, sizeof(abs_plain), "%s/plain", b.dir);
        args[0] = abs_plain;
        char *r = NULL;
        CHECK(husk_process_resolve_exec(&p, &r, &err) == -EACCES);
        char m[256];
        snprintf(m, sizeof(m), "exec: \"%s\": permission denied", abs_plain);
        CHECK_STR_EQ(err.msg, m);
        args[0] = sub;
        CHECK(husk_process_resolve_exec(&p, &r, &err) == -EACCES);
        snprintf(abs_missing, sizeof(abs_missing), "%s/missing", b.dir);
        args[0] = abs_missing;
        CHECK(husk_process_resolve_exec(&p, &r, &err) == -ENOENT);
        snprintf(m, sizeof(m), "exec: \"%s\": no such file or directory", abs_missing);
        CHECK_STR_EQ(err.msg, m);
        args[0] = expect;
        _cleanup_free_ char *as_is = NULL;
        CHECK(husk_process_resolve_exec(&p, &as_is, &err) == 0);
        CHECK_STR_EQ(as_is, expect);

        /* No PATH in the env: the default one, not the test's own environment. */
        char *no_path_env[] = { "FOO=1", NULL };
        char *sh_args[] = { "sh", NULL };
        struct husk_process q = { .args = sh_args, .n_args = 1, .env = no_path_env, .n_env = 1 };
        _cleanup_free_ char *saved_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
        setenv("PATH", "/nonexistent", 1);
        _cleanup_free_ char *sh = NULL;
        int rr = husk_process_resolve_exec(&q, &sh, &err);
        if (saved_path)
                setenv("PATH", saved_path, 1);
        CHECK(rr == 0);
        CHECK(sh && strlen(sh) > 3 && strcmp(sh + strlen(sh) - 3, "/sh") == 0);
        sh_args[0] = "tool";
        char *none = NULL;
        CHECK(husk_process_resolve_exec(&q, &none, &err) == -ENOENT);
}

/* ---- exec --------------------------------------------------------------------------------- */

/* Exec `/bin/sh -c 'printf %s "$HOME"'` as uid (no setuid: only the HOME lookup uses it) and
 * return what it printed. */
static bool exec_home(char **env, size_t n_env, uid_t uid, char *out, size_t len)
{
        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0)
                return false;
        pid_t pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0) {
                char *args[] = { "sh", "-c", "printf %s \"$HOME\"", NULL };
                struct husk_process p = { .args = args, .n_args = 3, .env = env, .n_env = n_env };
                p.user.uid = uid;
                struct husk_error err = { 0 };
                dup2(pp[1], 1);
                husk_process_exec(&p, "/bin/sh", &err);
                _exit(99);
        }
        close(pp[1]);
        size_t got = 0;
        ssize_t n;
        while (got + 1 < len && (n = read(pp[0], out + got, len - 1 - got)) > 0)
                got += (size_t) n;
        out[got] = '\0';
        close(pp[0]);
        int status;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(exec_sets_home)
{
        char out[256];
        char *env[] = { "PATH=/bin:/usr/bin", NULL };
        CHECK(exec_home(env, 1, 0, out, sizeof(out)));
        CHECK_STR_EQ(out, "/root"); /* root's entry in this machine's /etc/passwd */
        CHECK(exec_home(env, 1, 4242424, out, sizeof(out)));
        CHECK_STR_EQ(out, "/");
        char *env_home[] = { "HOME=/custom", NULL };
        CHECK(exec_home(env_home, 1, 0, out, sizeof(out)));
        CHECK_STR_EQ(out, "/custom");
        CHECK(exec_home(NULL, 0, 0, out, sizeof(out)));
        CHECK_STR_EQ(out, "/root");
}

TEST(exec_failure)
{
        char *args[] = { "x", NULL };
        struct husk_process p = { .args = args, .n_args = 1 };
        struct husk_error err = { 0 };
        CHECK(husk_process_exec(&p, "/nonexistent/x", &err) == -ENOENT);
        CHECK_STR_EQ(err.msg, "exec \"/nonexistent/x\": No such file or directory");
}

/* ---- drop_privileges ---------------------------------------------------------------------- */

/* The value of a "Key:\t..." line of /proc/self/status, whitespace collapsed to single spaces. */
static bool status_field(const char *key, char *out, size_t len)
{
        FILE *f = fopen("/proc/self/status", "re");
        if (!f)
                return false;
        char line[512];
        size_t klen = strlen(key);
        bool found = false;
        while (fgets(line, sizeof(line), f)) {
                if (strncmp(line, key, klen) != 0 || line[klen] != ':')
                        continue;
                size_t o = 0;
                bool space = false;
                for (char *c = line + klen + 1; *c && *c != '\n' && o + 1 < len; c++) {
                        if (*c == ' ' || *c == '\t') {
                                space = o > 0;
                                continue;
                        }
                        if (space)
                                out[o++] = ' ';
                        space = false;
                        out[o++] = *c;
                }
                out[o] = '\0';
                found = true;
                break;
        }
        fclose(f);
        return found;
}

#define EXPECT_STATUS(msg, len, key, want)                                                     \
        do {                                                                                   \
                char v_[256];                                                                  \
                if (!status_field(key, v_, sizeof(v_)))                                        \
                        CHILD_FAIL(msg, len, "no %s in /proc/self/status", key);               \
                if (strcmp(v_, want) != 0)                                                     \
                        CHILD_FAIL(msg, len, "%s is \"%s\", expected \"%s\"", key, v_, want);  \
        } while (0)

static void drop_child(void *arg, char *msg, size_t len)
{
        (void) arg;
        gid_t groups[] = { 1001, 1002 };
        struct husk_process p = {
                .cwd = "/tmp",
                .user = { .uid = 1000, .gid = 1000, .additional_gids = groups, .n_additional_gids = 2 },
                .has_capabilities = true,
                .capabilities = {
                        .has_bounding = true, .has_effective = true, .has_permitted = true,
                        .has_inheritable = true, .has_ambient = true,
                        .bounding = CAP_NET_BIND_SERVICE_BIT, .effective = CAP_NET_BIND_SERVICE_BIT,
                        .permitted = CAP_NET_BIND_SERVICE_BIT, .inheritable = CAP_NET_BIND_SERVICE_BIT,
                        .ambient = CAP_NET_BIND_SERVICE_BIT,
                },
                .no_new_privileges = true,
        };
        struct husk_error err = { 0 };
        if (chdir("/") < 0 || husk_process_drop_privileges(&p, &err) < 0)
                CHILD_FAIL(msg, len, "drop_privileges: %s", err.msg);
        EXPECT_STATUS(msg, len, "Uid", "1000 1000 1000 1000");
        EXPECT_STATUS(msg, len, "Gid", "1000 1000 1000 1000");
        EXPECT_STATUS(msg, len, "Groups", "1001 1002");
        EXPECT_STATUS(msg, len, "CapInh", "0000000000000400");
        EXPECT_STATUS(msg, len, "CapPrm", "0000000000000400");
        EXPECT_STATUS(msg, len, "CapEff", "0000000000000400");
        EXPECT_STATUS(msg, len, "CapBnd", "0000000000000400");
        EXPECT_STATUS(msg, len, "CapAmb", "0000000000000400");
        EXPECT_STATUS(msg, len, "NoNewPrivs", "1");
        char cwd[64];
        if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/tmp") != 0)
                CHILD_FAIL(msg, len, "cwd is not /tmp");
        /* The capabilities are real, not just reported: exec keeps them through ambient. */
        if (system("grep -q '^CapEff:.*0000000000000400$' /proc/self/status") != 0)
                CHILD_FAIL(msg, len, "the ambient capability did not survive exec");
}

TEST(drop_privileges)
{
        char msg[1024];
        bool ok = run_in_child(drop_child, NULL, msg, sizeof(msg));
        if (!ok)
                printf("#   %s\n", msg);
        CHECK(ok);
}

static void no_caps_child(void *arg, char *msg, size_t len)
{
        (void) arg;
        struct husk_process p = { .cwd = "/", .user = { .uid = 1000, .gid = 1000 } };
        struct husk_error err = { 0 };
        if (husk_process_drop_privileges(&p, &err) < 0)
                CHILD_FAIL(msg, len, "drop_privileges: %s", err.msg);
        EXPECT_STATUS(msg, len, "Uid", "1000 1000 1000 1000");
        EXPECT_STATUS(msg, len, "Groups", "");
        EXPECT_STATUS(msg, len, "CapEff", "0000000000000000");
        EXPECT_STATUS(msg, len, "CapPrm", "0000000000000000");
        /* Absent process.capabilities means none at all (as runc), not the caller's sets. */
        EXPECT_STATUS(msg, len, "CapBnd", "0000000000000000");
        EXPECT_STATUS(msg, len, "CapInh", "0000000000000000");
        EXPECT_STATUS(msg, len, "CapAmb", "0000000000000000");
        EXPECT_STATUS(msg, len, "NoNewPrivs", "0");
}

TEST(drop_privileges_without_capabilities)
{
        char msg[1024];
        bool ok = run_in_child(no_caps_child, NULL, msg, sizeof(msg));
        if (!ok)
                printf("#   %s\n", msg);
        CHECK(ok);
}

static void bad_cwd_child(void *arg, char *msg, size_t len)
{
        (void) arg;
        struct husk_process p = { .cwd = "/nonexistent-cwd", .user = { .uid = 1000, .gid = 1000 } };
        struct husk_error err = { 0 };
        if (husk_process_drop_privileges(&p, &err) != -ENOENT)
                CHILD_FAIL(msg, len, "expected ENOENT, got \"%s\"", err.msg);
        if (strcmp(err.msg, "chdir to cwd (\"/nonexistent-cwd\") set in config.json failed: No such file or directory") != 0)
                CHILD_FAIL(msg, len, "message: %s", err.msg);
        /* It failed before changing anything. */
        if (getuid() != 0)
                CHILD_FAIL(msg, len, "uid changed");
}

TEST(drop_privileges_bad_cwd)
{
        char msg[1024];
        bool ok = run_in_child(bad_cwd_child, NULL, msg, sizeof(msg));
        if (!ok)
                printf("#   %s\n", msg);
        CHECK(ok);
}

/* ---- apply_limits ------------------------------------------------------------------------- */

static void limits_child(void *arg, char *msg, size_t len)
{
        (void) arg;
        struct husk_rlimit rl[] = { { .resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .soft = 1024, .hard = 4096 },
                                    { .resource = RLIMIT_CORE, .type = "RLIMIT_CORE", .soft = 0, .hard = UINT64_MAX } };
        struct husk_process p = {
                .rlimits = rl, .n_rlimits = 2,
                .user = { .has_umask = true, .umask = 027 },
                .has_oom_score_adj = true, .oom_score_adj = 500,
                .has_scheduler = true, .scheduler = { .policy = "SCHED_OTHER", .policy_num = 0, .has_nice = true, .nice = 5 },
                .has_io_priority = true, .io_priority = { .class_name = "IOPRIO_CLASS_BE", .class_num = 2, .priority = 6 },
        };
        struct husk_linux lx = { .has_personality = true, .personality = { .domain = "LINUX32", .domain_num = PER_LINUX32 } };
        struct husk_error err = { 0 };
        if (husk_process_apply_limits(&p, &lx, &err) < 0)
                CHILD_FAIL(msg, len, "apply_limits: %s", err.msg);
        struct rlimit got;
        if (getrlimit(RLIMIT_NOFILE, &got) < 0 || got.rlim_cur != 1024 || got.rlim_max != 4096)
                CHILD_FAIL(msg, len, "RLIMIT_NOFILE is %llu/%llu", (unsigned long long) got.rlim_cur,
                           (unsigned long long) got.rlim_max);
        if (getrlimit(RLIMIT_CORE, &got) < 0 || got.rlim_cur != 0 || got.rlim_max != RLIM_INFINITY)
                CHILD_FAIL(msg, len, "RLIMIT_CORE not 0/unlimited");
        mode_t m = umask(0);
        if (m != 027)
                CHILD_FAIL(msg, len, "umask is %o", (unsigned) m);
        FILE *f = fopen("/proc/self/oom_score_adj", "re");
        int adj = 0;
        if (!f || fscanf(f, "%d", &adj) != 1 || adj != 500)
                CHILD_FAIL(msg, len, "oom_score_adj is %d", adj);
        fclose(f);
        errno = 0;
        int nice_v = getpriority(PRIO_PROCESS, 0);
        if (nice_v != 5)
                CHILD_FAIL(msg, len, "nice is %d", nice_v);
        long io = syscall(SYS_ioprio_get, 1, 0);
        if (io != ((2 << 13) | 6))
                CHILD_FAIL(msg, len, "ioprio is %#lx", io);
        int pers = personality(0xffffffff);
        if ((pers & PER_MASK) != PER_LINUX32)
                CHILD_FAIL(msg, len, "personality is %#x", pers);
}

TEST(apply_limits)
{
        char msg[1024];
        bool ok = run_in_child(limits_child, NULL, msg, sizeof(msg));
        if (!ok)
                printf("#   %s\n", msg);
        CHECK(ok);
}

static void default_umask_child(void *arg, char *msg, size_t len)
{
        (void) arg;
        umask(077);
        struct husk_process p = { 0 };
        struct husk_error err = { 0 };
        if (husk_process_apply_limits(&p, NULL, &err) < 0)
                CHILD_FAIL(msg, len, "apply_limits: %s", err.msg);
        mode_t m = umask(0);
        if (m != 022)
                CHILD_FAIL(msg, len, "umask is %o, expected 022", (unsigned) m);
}

TEST(apply_limits_default_umask)
{
        char msg[1024];
        bool ok = run_in_child(default_umask_child, NULL, msg, sizeof(msg));
        if (!ok)
                printf("#   %s\n", msg);
        CHECK(ok);
}

static void bad_rlimit_child(void *arg, char *msg, size_t len)
{
        (void) arg;
        struct husk_error err = { 0 };
        struct husk_rlimit soft_over = { .resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .soft = 4096, .hard = 1024 };
        struct husk_process p = { .rlimits = &soft_over, .n_rlimits = 1 };
        if (husk_process_apply_limits(&p, NULL, &err) != -EINVAL ||
            strcmp(err.msg, "setrlimit RLIMIT_NOFILE: Invalid argument") != 0)
                CHILD_FAIL(msg, len, "soft > hard: \"%s\"", err.msg);
        /* Above fs.nr_open even root may not go. */
        struct husk_rlimit huge = { .resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .soft = 1024, .hard = UINT64_C(1) << 40 };
        p.rlimits = &huge;
        if (husk_process_apply_limits(&p, NULL, &err) != -EPERM ||
            strcmp(err.msg, "setrlimit RLIMIT_NOFILE: Operation not permitted") != 0)
                CHILD_FAIL(msg, len, "hard > nr_open: \"%s\"", err.msg);
        struct husk_process q = { .has_oom_score_adj = true, .oom_score_adj = 5000 };
        if (husk_process_apply_limits(&q, NULL, &err) != -EINVAL)
                CHILD_FAIL(msg, len, "oom_score_adj 5000: \"%s\"", err.msg);
        if (strcmp(err.msg, "write 5000 to /proc/self/oom_score_adj: Invalid argument") != 0)
                CHILD_FAIL(msg, len, "oom message: %s", err.msg);
}

TEST(apply_limits_errors)
{
        char msg[1024];
        bool ok = run_in_child(bad_rlimit_child, NULL, msg, sizeof(msg));
        if (!ok)
                printf("#   %s\n", msg);
        CHECK(ok);
}

/* ---- close_fds ---------------------------------------------------------------------------- */

static void close_fds_child(void *arg, char *msg, size_t len)
{
        (void) arg;
        int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
        if (fd < 0)
                CHILD_FAIL(msg, len, "open /dev/null: %s", strerror(errno));
        for (int target = 40; target <= 43; target++)
                if (dup2(fd, target) < 0)
                        CHILD_FAIL(msg, len, "dup2: %s", strerror(errno));
        struct husk_error err = { 0 };
        /* preserve 38 fds: 3..40 stay as they are, 41 and up are marked. */
        if (husk_process_close_fds(38, &err) < 0)
                CHILD_FAIL(msg, len, "close_fds: %s", err.msg);
        if (fcntl(40, F_GETFD) != 0)
                CHILD_FAIL(msg, len, "preserved fd 40 changed");
        for (int target = 41; target <= 43; target++)
                if (fcntl(target, F_GETFD) != FD_CLOEXEC)
                        CHILD_FAIL(msg, len, "fd %d is not close-on-exec (or was closed)", target);
        if (husk_process_close_fds(-1, &err) != -EINVAL)
                CHILD_FAIL(msg, len, "negative preserve_fds accepted");
}

TEST(close_fds)
{
        char msg[1024];
        bool ok = run_in_child(close_fds_child, NULL, msg, sizeof(msg));
        if (!ok)
                printf("#   %s\n", msg);
        CHECK(ok);
}

RUN_TESTS()

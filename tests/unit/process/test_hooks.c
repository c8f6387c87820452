/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "test.h"
#include "util/cleanup.h"

#define STATE "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,\"bundle\":\"/b\"}"

/* A scratch directory removed (with its few plain files) when the test ends, pass or fail. */
struct scratch {
        char dir[64];
};

static void scratch_cleanup(struct scratch *s)
{
        if (!s->dir[0])
                return;
        _cleanup_closedir_ DIR *d = opendir(s->dir);
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        (void) rmdir(s->dir);
}

static bool scratch_init(struct scratch *s)
{
        strcpy(s->dir, "/tmp/husk-hooks-XXXXXX");
        if (!mkdtemp(s->dir)) {
                s->dir[0] = '\0';
                return false;
        }
        return true;
}

static struct husk_hook sh_hook(char **args, int timeout)
{
        return (struct husk_hook){ .path = "/bin/sh", .args = args, .has_timeout = timeout > 0, .timeout = timeout };
}

static int run_list(struct husk_hook *hooks, size_t n, const char *kind, const char *state, struct husk_error *err)
{
        struct husk_hook_list list = { .hooks = hooks, .n = n };
        return husk_hooks_run(&list, kind, state, err);
}

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        char *buf = calloc(1, 1 << 20);
        size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
        (void) n;
        fclose(f);
        return buf;
}

TEST(success)
{
        struct husk_error err = { 0 };
        char *args[] = { "sh", "-c", "exit 0", NULL };
        struct husk_hook h = sh_hook(args, 0);
        CHECK(run_list(&h, 1, "prestart", STATE, &err) == 0);
        CHECK(err.code == 0);
        struct husk_hook_list empty = { 0 };
        CHECK(husk_hooks_run(&empty, "poststop", STATE, &err) == 0);
}

TEST(nonzero_exit_reports_output)
{
        struct husk_error err = { 0 };
        char *args[] = { "sh", "-c", "echo to-stdout; echo network setup failed >&2; exit 3", NULL };
        struct husk_hook h = sh_hook(args, 0);
        CHECK(run_list(&h, 1, "poststart", STATE, &err) < 0);
        CHECK_CONTAINS(err.msg, "poststart hook /bin/sh: exit status 3: ");
        CHECK_CONTAINS(err.msg, "to-stdout");
        CHECK_CONTAINS(err.msg, "network setup failed");
}

TEST(output_tail_is_bounded)
{
        struct husk_error err = { 0 };
        /* 100 KB of noise, then the reason: the reason must survive the truncation. */
        char *args[] = { "sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; echo THE-END >&2; exit 1", NULL };
        struct husk_hook h = sh_hook(args, 0);
        CHECK(run_list(&h, 1, "prestart", STATE, &err) < 0);
        CHECK_CONTAINS(err.msg, "prestart hook /bin/sh: exit status 1: ...");
        CHECK_CONTAINS(err.msg, "THE-END");
        CHECK(strlen(err.msg) < sizeof(err.msg));
}

TEST(killed_by_signal)
{
        struct husk_error err = { 0 };
        char *args[] = { "sh", "-c", "kill -TERM $$", NULL };
        struct husk_hook h = sh_hook(args, 0);
        CHECK(run_list(&h, 1, "createRuntime", STATE, &err) < 0);
        CHECK_CONTAINS(err.msg, "createRuntime hook /bin/sh: killed by signal 15");
}

TEST(timeout_kills_the_hook)
{
        _cleanup_(scratch_cleanup) struct scratch s = { "" };
        CHECK(scratch_init(&s));
        char script[256];
        snprintf(script, sizeof(script), "echo $$ > %s/pid; sleep 1000 & echo $! > %s/bgpid; exec sleep 1000", s.dir,
                 s.dir);
        char *args[] = { "sh", "-c", script, NULL };
        struct husk_hook h = sh_hook(args, 1);
        struct husk_error err = { 0 };
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CHECK(run_list(&h, 1, "prestart", STATE, &err) == -ETIMEDOUT);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        CHECK_STR_EQ(err.msg, "prestart hook /bin/sh: timed out after 1 s");
        double secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
        CHECK(secs >= 0.9 && secs < 3.0);

        char path[128];
        snprintf(path, sizeof(path), "%s/pid", s.dir);
        _cleanup_free_ char *pid_s = slurp(path);
        CHECK(pid_s && atoi(pid_s) > 0);
        /* Reaped (not a zombie), hence gone entirely. */
        CHECK(kill(atoi(pid_s), 0) < 0 && errno == ESRCH);
        /* What it forked into its process group was killed too. The group leader is the hook and
         * was reaped, but the background sleep is a child of the hook, reparented to init (or a
         * subreaper): wait briefly for it to disappear. */
        snprintf(path, sizeof(path), "%s/bgpid", s.dir);
        _cleanup_free_ char *bg_s = slurp(path);
        CHECK(bg_s && atoi(bg_s) > 0);
        bool gone = false;
        for (int i = 0; i < 100 && !gone; i++) {
                char stat_path[64], st[512] = "";
                snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", atoi(bg_s));
                FILE *f = fopen(stat_path, "re");
                if (!f) {
                        gone = true;
                        break;
                }
                (void) !fread(st, 1, sizeof(st) - 1, f);
                fclose(f);
                char *rp = strrchr(st, ')');
                if (rp && rp[1] == ' ' && rp[2] == 'Z')
                        gone = true; /* dead, waiting for its new parent to reap it */
                else
                        usleep(10000);
        }
        CHECK(gone);
}

TEST(state_on_stdin_exactly)
{
        _cleanup_(scratch_cleanup) struct scratch s = { "" };
        CHECK(scratch_init(&s));
        char script[256];
        snprintf(script, sizeof(script), "cat > %s/state", s.dir);
        char *args[] = { "sh", "-c", script, NULL };
        struct husk_hook hooks[2] = { sh_hook(args, 5), sh_hook(args, 5) };
        struct husk_error err = { 0 };
        /* Twice: each hook must read the state from its beginning. */
        CHECK(run_list(hooks, 2, "createContainer", STATE, &err) == 0);
        char path[128];
        snprintf(path, sizeof(path), "%s/state", s.dir);
        _cleanup_free_ char *got = slurp(path);
        CHECK_STR_EQ(got, STATE);
}

TEST(hook_that_ignores_a_large_state)
{
        /* 4 MiB would fill any pipe many times over: with a pipe this would block or SIGPIPE. */
        size_t len = 4u << 20;
        _cleanup_free_ char *big = malloc(len + 1);
        CHECK(big);
        memset(big, 'x', len);
        big[len] = '\0';
        char *args[] = { "sh", "-c", "exit 0", NULL };
        struct husk_hook h = sh_hook(args, 10);
        struct husk_error err = { 0 };
        CHECK(run_list(&h, 1, "poststop", big, &err) == 0);
}

TEST(missing_path)
{
        struct husk_hook h = { .path = "/nonexistent/hook" };
        struct husk_error err = { 0 };
        CHECK(run_list(&h, 1, "createRuntime", STATE, &err) == -ENOENT);
        CHECK_STR_EQ(err.msg, "createRuntime hook /nonexistent/hook: exec: No such file or directory");
}

TEST(args_env_and_order)
{
        _cleanup_(scratch_cleanup) struct scratch s = { "" };
        CHECK(scratch_init(&s));
        char script[256], script2[256];
        /* env is exactly hook->env (nothing of the runtime's), args are hook->args. */
        setenv("HUSK_TEST_LEAK", "1", 1);
        snprintf(script, sizeof(script), "test \"$FOO\" = bar && test -z \"$HUSK_TEST_LEAK\" && test \"$0\" = myname && exit 4");
        snprintf(script2, sizeof(script2), "echo ran > %s/second", s.dir);
        char *argv1[] = { "sh", "-c", script, "myname", NULL };
        char *env1[] = { "FOO=bar", NULL };
        char *argv2[] = { "sh", "-c", script2, NULL };
        struct husk_hook hooks[2] = { sh_hook(argv1, 0), sh_hook(argv2, 0) };
        hooks[0].env = env1;
        struct husk_error err = { 0 };
        /* The first fails with 4 (only if FOO/PATH/$0 are as expected): the second must not run. */
        int r = run_list(hooks, 2, "startContainer", STATE, &err);
        unsetenv("HUSK_TEST_LEAK");
        CHECK(r < 0);
        CHECK_CONTAINS(err.msg, "startContainer hook /bin/sh: exit status 4");
        char path[128];
        snprintf(path, sizeof(path), "%s/second", s.dir);
        CHECK(access(path, F_OK) < 0);
}

TEST(no_args_means_path_only)
{
        /* /bin/false run with argv = { path }: fails with status 1, proving it was executed. */
        struct husk_hook h = { .path = "/bin/false" };
        struct husk_error err = { 0 };
        CHECK(run_list(&h, 1, "poststop", STATE, &err) < 0);
        CHECK_STR_EQ(err.msg, "poststop hook /bin/false: exit status 1");
}

TEST(no_fd_leaks_into_hook)
{
        /* An fd of ours without O_CLOEXEC must not reach the hook. */
        int fd = open("/dev/null", O_RDONLY);
        CHECK(fd >= 0);
        char script[128];
        snprintf(script, sizeof(script), "test -e /proc/self/fd/%d && exit 9; exit 0", fd);
        char *args[] = { "sh", "-c", script, NULL };
        struct husk_hook h = sh_hook(args, 0);
        struct husk_error err = { 0 };
        int r = run_list(&h, 1, "prestart", STATE, &err);
        close(fd);
        CHECK(r == 0);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk exec [OPTIONS] CONTAINER COMMAND [ARG...]`: a process in a running container, through
 * libhusk's exec in-process (engine/ctr_exec.h). Its stdio are ours: stdin only with -i (else
 * /dev/null, as Docker attaches none), everything /dev/null with -d; -t gives it a pty relayed to
 * ours (exec_tty.c, with Docker's detach keys). Exit code: the process's own,
 * 126/127 when its command cannot be executed/found, 125 for husk's own failures, 1 when the
 * container is missing, stopped or paused (Docker's client answers those with 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/husk/containers.h"
#include "cli/husk/exec_tty.h"
#include "cli/husk/life_parse.h"
#include "engine/ctr_exec.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct exec_flags {
        bool detach, interactive, tty, privileged;
        const char *user, *workdir, *detach_keys;
        struct arg_strings env, env_files;
};

static const struct arg_opt exec_opts[] = {
        ARG_OPT("detach", "d", ARG_BOOL, struct exec_flags, detach, "Detached mode: run command in the background"),
        ARG_OPT("interactive", "i", ARG_BOOL, struct exec_flags, interactive, "Keep STDIN open even if not attached"),
        ARG_OPT("tty", "t", ARG_BOOL, struct exec_flags, tty, "Allocate a pseudo-TTY"),
        ARG_OPT("env", "e", ARG_STRINGS, struct exec_flags, env, "Set environment variables"),
        ARG_OPT("env-file", NULL, ARG_STRINGS, struct exec_flags, env_files, "Read in a file of environment variables"),
        ARG_OPT("user", "u", ARG_STRING, struct exec_flags, user, "Username or UID (format: \"<name|uid>[:<group|gid>]\")"),
        ARG_OPT("workdir", "w", ARG_STRING, struct exec_flags, workdir, "Working directory inside the container"),
        ARG_OPT("privileged", NULL, ARG_BOOL, struct exec_flags, privileged, "Give extended privileges to the command"),
        ARG_OPT("detach-keys", NULL, ARG_STRING, struct exec_flags, detach_keys,
                "Override the key sequence for detaching a container (default \"ctrl-p,ctrl-q\")"),
};

static const char *env_lookup(const char *name)
{
        return getenv(name);
}

/* --env-file entries first (Docker's file format: life_parse.h), then -e's, which win: the runtime
 * sets each over the container's environment in order. -e KEY takes KEY's value from our
 * environment, or is left out when unset here (Docker's rule). */
static int env_values(const struct husk_ctx *ctx, const struct exec_flags *f, char ***ret)
{
        _cleanup_strv_ char **v = NULL;
        size_t n = 0;
        for (size_t i = 0; i < f->env_files.n; i++) {
                struct husk_error err = { 0 };
                _cleanup_free_ char *data = NULL;
                size_t len = 0;
                if (husk_read_file_at(AT_FDCWD, f->env_files.v[i], &data, &len, &err) < 0 ||
                    husk_kv_file_parse(data, len, f->env_files.v[i], env_lookup, &v, &n, &err) < 0)
                        return husk_usage_error(ctx, "--env-file: %s", err.msg);
        }
        char **grown = realloc(v, (n + f->env.n + 1) * sizeof(char *));
        if (!grown)
                return husk_failf(ctx, "out of memory");
        v = grown;
        v[n] = NULL;
        for (size_t i = 0; i < f->env.n; i++) {
                const char *kv = f->env.v[i], *val = NULL;
                if (!*kv || kv[0] == '=')
                        return husk_usage_error(ctx, "invalid environment variable: %s", kv);
                if (!strchr(kv, '=') && !(val = getenv(kv)))
                        continue;
                if (val ? asprintf(&v[n], "%s=%s", kv, val) < 0 : !(v[n] = strdup(kv))) {
                        v[n] = NULL;
                        return husk_failf(ctx, "out of memory");
                }
                v[++n] = NULL;
        }
        *ret = steal_ptr(v);
        return 0;
}

/* fd 'to' becomes /dev/null (our stdio, which the process inherits). */
static int null_onto(int to)
{
        _cleanup_close_ int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0 || dup2(fd, to) < 0)
                return -errno;
        return 0;
}

/* The exit code of a failed exec: the runtime's words say which of Docker's codes. */
static int exec_failed(const struct husk_ctx *ctx, const struct husk_error *err)
{
        (void) husk_fail(ctx, err);
        if (strncmp(err->msg, "exec failed: ", 13) == 0)
                return husk_cli_start_exit_code(err);
        /* A stopped or paused container: Docker's client exits 1 for the daemon's refusal. */
        if (strstr(err->msg, " is not running") || strstr(err->msg, " is paused, unpause"))
                return 1;
        return HUSK_EXIT_ERROR;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        const struct exec_flags *f = flags;
        if (f->workdir && f->workdir[0] != '/')
                return husk_usage_error(ctx, "the working directory '%s' is invalid, it needs to be an absolute path",
                                        f->workdir);
        if (f->detach && f->tty)
                return husk_usage_error(ctx, "-d/--detach with -t/--tty is not supported: nothing would hold the "
                                             "pseudo-TTY once husk exits");
        struct husk_detach_keys keys;
        struct husk_error err = { 0 };
        if (husk_detach_keys_parse(f->detach_keys, &keys, &err) < 0)
                return husk_usage_error(ctx, "--detach-keys: %s", err.msg);
        _cleanup_strv_ char **env = NULL;
        int r = env_values(ctx, f, &env);
        if (r != 0)
                return r;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        if (husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0) {
                (void) husk_fail(ctx, &err);
                return 1;
        }
        struct husk_engine_exec_opts o = {
                .args = argv + 1,
                .env = env,
                .user = f->user,
                .workdir = f->workdir,
                .privileged = f->privileged,
                .tty = f->tty,
                .detach = f->detach,
        };
        /* Our own stderr is kept aside while -d points the process's at /dev/null. */
        _cleanup_close_ int saved_err = -1;
        if (f->detach) {
                saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
                if (saved_err < 0 || null_onto(STDOUT_FILENO) < 0 || null_onto(STDERR_FILENO) < 0)
                        return husk_failf(ctx, "exec: /dev/null as the process's output: %s", strerror(errno));
        }
        if (!f->interactive && null_onto(STDIN_FILENO) < 0)
                return husk_failf(ctx, "exec: /dev/null as the process's stdin: %s", strerror(errno));
        int code = 0;
        (void) fflush(stdout);
        if (f->tty)
                r = husk_cli_exec_tty(&e, id, &o, f->interactive, &keys, &code, &err);
        else
                r = husk_engine_exec(&e, id, &o, &code, &err);
        if (saved_err >= 0)
                (void) dup2(saved_err, STDERR_FILENO);
        if (r < 0)
                return exec_failed(ctx, &err);
        return code;
}

const struct husk_cmd husk_cmd_exec = {
        .names = { "exec", "container exec" },
        .summary = "Execute a command in a running container",
        .usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
        .description = "Execute a command in a running container.\n\n"
                       "The process joins the container's namespaces and cgroup and gets its capabilities,\n"
                       "seccomp filter, no_new_privs, LSM labels and environment (plus -e). -u is resolved\n"
                       "in the container's /etc/passwd and /etc/group without running anything from it.",
        .opts = exec_opts,
        .n_opts = HUSK_ARRAY_SIZE(exec_opts),
        .flags_size = sizeof(struct exec_flags),
        .min_args = 2,
        .max_args = -1,
        .args_flags = ARGS_STOP_AT_POSITIONAL,
        .seal_exe = true,
        .run = run,
};

/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/ps_filter.h"
#include "util/cleanup.h"

extern char **environ;

struct ps_flags {
        const char *format;
};

static const struct arg_opt ps_opts[] = {
        ARG_OPT("format", "f", ARG_STRING, struct ps_flags, format, "select one of: table or json (default: \"table\")"),
};

/* Run ps with args (no shell), its stdout and stderr together into one buffer, as runc's
 * CombinedOutput. Returns its wait status, or a negative errno. */
static int run_ps_command(char **args, char **ret, size_t *ret_len, struct husk_error *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return husk_error_errno(err, errno, "pipe");
        _cleanup_close_ int rd = p[0];
        _cleanup_close_ int wr = p[1];

        posix_spawn_file_actions_t fa;
        int r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return husk_error_errno(err, r, "run ps");
        /* dup2 onto 1 and 2 clears their close-on-exec; the pipe's own fds close at exec. */
        if ((r = posix_spawn_file_actions_adddup2(&fa, wr, STDOUT_FILENO)) != 0 ||
            (r = posix_spawn_file_actions_adddup2(&fa, wr, STDERR_FILENO)) != 0) {
                (void) posix_spawn_file_actions_destroy(&fa);
                return husk_error_errno(err, r, "run ps");
        }
        pid_t pid;
        r = posix_spawnp(&pid, "ps", &fa, NULL, args, environ);
        (void) posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return husk_error_errno(err, r, "exec ps");
        /* Our copy of the write end closes now, or the read below never sees end of file. */
        (void) close(steal_fd(wr));

        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (cap - len < 4096) {
                        cap = cap ? cap * 2 : 16384;
                        char *b = realloc(buf, cap);
                        if (!b) {
                                r = husk_error_errno(err, ENOMEM, "read ps output");
                                break;
                        }
                        buf = b;
                }
                ssize_t n = read(rd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = husk_error_errno(err, errno, "read ps output");
                        break;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        /* Reaped whatever happened above: ps is our child. */
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return husk_error_errno(err, errno, "wait for ps");
        if (r < 0)
                return r;
        buf[len] = '\0';
        *ret = steal_ptr(buf);
        *ret_len = len;
        return status;
}

static int print_json(const pid_t *pids, size_t n)
{
        /* Go's json.Encoder: "[1,2]" and a newline. */
        putchar('[');
        for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", (int) pids[i]);
        printf("]\n");
        return 0;
}

static int run_ps(struct cli_ctx *ctx, int argc, char **argv)
{
        struct ps_flags f = { .format = "table" };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_ps, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        bool json = strcmp(f.format, "json") == 0;
        if (!json && strcmp(f.format, "table") != 0) {
                cli_error(ctx, "invalid format option");
                return 1;
        }

        struct husk_error err = { 0 };
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (husk_container_ps(&ctx->rt, pos[0], &pids, &n, &err) < 0)
                return cli_fail(ctx, &err);
        if (json)
                return print_json(pids, n);

        /* What follows the id is ps's own arguments ("-ef" without any), as runc has it:
         * `ps ID -o pid,comm`; a "--" before them is dropped (runc would hand it to ps, which refuses it). */
        char *def[] = { "ps", "-ef", NULL };
        _cleanup_free_ char **args = NULL;
        int first = res.n_pos > 1 && strcmp(pos[1], "--") == 0 ? 2 : 1;
        if (res.n_pos > first) {
                args = calloc((size_t) res.n_pos + 1, sizeof(*args));
                if (!args) {
                        cli_error(ctx, "ps: out of memory");
                        return 1;
                }
                size_t k = 0;
                args[k++] = "ps";
                for (int i = first; i < res.n_pos; i++)
                        args[k++] = pos[i];
        }
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        int status = run_ps_command(args ? args : def, &out, &len, &err);
        if (status < 0)
                return cli_fail(ctx, &err);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                cli_error(ctx, "ps failed (%s %d): %s", WIFEXITED(status) ? "exit status" : "signal",
                          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), out);
                return 1;
        }
        _cleanup_free_ char *table = NULL;
        if (cli_ps_filter(out, pids, n, &table, &err) < 0)
                return cli_fail(ctx, &err);
        fputs(table, stdout);
        return 0;
}

const struct cli_command cli_cmd_ps = {
        .name = "ps",
        .summary = "ps displays the processes running inside a container",
        .args_usage = "<container-id> [-- ps options]",
        .description = "The ps command lists the processes of the container's cgroup. In the table format\n"
                       "   it runs ps with the given options (default \"-ef\", after \"--\") and keeps the\n"
                       "   lines whose PID column is one of them.",
        .opts = ps_opts,
        .n_opts = HUSK_ARRAY_SIZE(ps_opts),
        .min_args = 1,
        .max_args = 4096,
        .run = run_ps,
        .args_flags = ARGS_STOP_AT_POSITIONAL,
};

/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct exec_flags {
        const char *console_socket, *cwd, *user, *process, *pid_file, *process_label, *apparmor;
        struct arg_strings env, additional_gids, cap, cgroup;
        bool tty, detach, ignore_paused;
        int no_new_privs; /* -1: not given */
        int preserve_fds;
};

static const struct arg_opt exec_opts[] = {
        ARG_OPT("console-socket", NULL, ARG_STRING, struct exec_flags, console_socket,
                "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
        ARG_OPT("cwd", NULL, ARG_STRING, struct exec_flags, cwd, "current working directory in the container"),
        ARG_OPT("env", "e", ARG_STRINGS, struct exec_flags, env, "set environment variables"),
        ARG_OPT("tty", "t", ARG_BOOL, struct exec_flags, tty, "allocate a pseudo-TTY"),
        ARG_OPT("user", "u", ARG_STRING, struct exec_flags, user, "UID (format: <uid>[:<gid>])"),
        ARG_OPT("additional-gids", "g", ARG_STRINGS, struct exec_flags, additional_gids, "additional gids"),
        ARG_OPT("process", "p", ARG_STRING, struct exec_flags, process, "path to the process.json"),
        ARG_OPT("detach", "d", ARG_BOOL, struct exec_flags, detach, "detach from the container's process"),
        ARG_OPT("pid-file", NULL, ARG_STRING, struct exec_flags, pid_file, "specify the file to write the process id to"),
        ARG_OPT("process-label", NULL, ARG_STRING, struct exec_flags, process_label,
                "set the asm process label for the process commonly used with selinux"),
        ARG_OPT("apparmor", NULL, ARG_STRING, struct exec_flags, apparmor, "set the apparmor profile for the process"),
        ARG_OPT("no-new-privs", NULL, ARG_TRIBOOL, struct exec_flags, no_new_privs,
                "set the no new privileges value for the process"),
        ARG_OPT("cap", "c", ARG_STRINGS, struct exec_flags, cap, "add a capability to the bounding set for the process"),
        ARG_OPT("preserve-fds", NULL, ARG_UINT, struct exec_flags, preserve_fds,
                "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)"),
        ARG_OPT("cgroup", NULL, ARG_STRINGS, struct exec_flags, cgroup,
                "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>."),
        ARG_OPT("ignore-paused", NULL, ARG_BOOL, struct exec_flags, ignore_paused, "allow exec in a paused container"),
};

static void exec_flags_done(struct exec_flags *f)
{
        arg_strings_done(&f->env);
        arg_strings_done(&f->additional_gids);
        arg_strings_done(&f->cap);
        arg_strings_done(&f->cgroup);
}

/* A decimal id, 0 .. 2^32-2 (-1 is "unchanged" to the kernel). */
static int parse_id(const char *s, unsigned int *ret)
{
        if (!*s || *s == '-' || *s == '+')
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v >= UINT32_MAX)
                return -EINVAL;
        *ret = (unsigned int) v;
        return 0;
}

/* --user uid[:gid]: numbers only, as runc (no name lookup in the container's /etc/passwd). */
static int parse_user(struct cli_ctx *ctx, const char *s, struct husk_exec_opts *o)
{
        const char *colon = strchr(s, ':');
        char uid[16];
        size_t n = colon ? (size_t) (colon - s) : strlen(s);
        unsigned int u, g = 0;
        if (n >= sizeof(uid) || (memcpy(uid, s, n), uid[n] = '\0', parse_id(uid, &u) < 0) ||
            (colon && parse_id(colon + 1, &g) < 0)) {
                cli_error(ctx, "--user \"%s\": expected <uid>[:<gid>] as numbers", s);
                return -1;
        }
        o->has_user = true;
        o->uid = (uid_t) u;
        o->gid = (gid_t) g;
        return 0;
}

static int parse_gids(struct cli_ctx *ctx, const struct arg_strings *l, gid_t **ret)
{
        if (!l->n)
                return 0;
        gid_t *gids = calloc(l->n, sizeof(gid_t));
        if (!gids) {
                cli_error(ctx, "--additional-gids: out of memory");
                return -1;
        }
        for (size_t i = 0; i < l->n; i++) {
                unsigned int g;
                if (parse_id(l->v[i], &g) < 0) {
                        cli_error(ctx, "--additional-gids \"%s\": not a gid", l->v[i]);
                        free(gids);
                        return -1;
                }
                gids[i] = (gid_t) g;
        }
        *ret = gids;
        return 0;
}

static void process_freep(struct husk_process **p)
{
        if (*p) {
                husk_process_free_contents(*p);
                free(*p);
        }
}

static int load_process(const char *path, struct husk_process **ret, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = husk_read_file_at(AT_FDCWD, path, &data, &len, err);
        if (r < 0)
                return husk_error_prefix(err, "--process: ");
        _cleanup_(process_freep) struct husk_process *p = calloc(1, sizeof(*p));
        if (!p)
                return husk_error_errno(err, ENOMEM, "--process");
        r = husk_process_parse(data, len, path, p, err);
        if (r < 0)
                return r;
        *ret = steal_ptr(p);
        return 0;
}

static int run_exec(struct cli_ctx *ctx, int argc, char **argv)
{
        _cleanup_(exec_flags_done) struct exec_flags f = { .no_new_privs = -1 };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_exec, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        struct husk_exec_opts o = {
                .id = pos[0],
                .args = pos + 1,
                .env = f.env.v,
                .cwd = f.cwd,
                .caps = f.cap.v,
                .no_new_privs = f.no_new_privs,
                .apparmor = f.apparmor,
                .process_label = f.process_label,
                .tty = f.tty,
                .console_socket = f.console_socket,
                .pid_file = f.pid_file,
                .preserve_fds = f.preserve_fds,
                .detach = f.detach,
                .ignore_paused = f.ignore_paused,
                .cgroups = f.cgroup.v,
        };
        if (f.user && parse_user(ctx, f.user, &o) < 0)
                return 1;
        _cleanup_free_ gid_t *gids = NULL;
        if (parse_gids(ctx, &f.additional_gids, &gids) < 0)
                return 1;
        o.additional_gids = gids;
        o.n_additional_gids = f.additional_gids.n;

        struct husk_error err = { 0 };
        _cleanup_(process_freep) struct husk_process *process = NULL;
        if (f.process && load_process(f.process, &process, &err) < 0)
                return cli_fail(ctx, &err);
        o.process = process;
        cli_debug(ctx, "exec %s: detach=%d", o.id, f.detach);
        int status = 0;
        if (husk_container_exec(&ctx->rt, &o, &status, &err) < 0)
                return cli_fail(ctx, &err);
        return status;
}

const struct cli_command cli_cmd_exec = {
        .name = "exec",
        .seal_exe = true,
        .summary = "execute new process inside the container",
        .args_usage = "<container-id> <command> [command options]  || -p process.json <container-id>\n\n"
                      "Where \"<container-id>\" is the name for the instance of the container and\n"
                      "\"<command>\" is the command to be executed in the container.\n"
                      "\"<command>\" can't be empty unless a \"-p\" flag provided.",
        .description = "EXAMPLE:\n"
                       "For example, if the container is configured to run the linux ps command the\n"
                       "following will output a list of processes running in the container:\n\n"
                       "       # " CLI_NAME " exec <container-id> ps",
        .opts = exec_opts,
        .n_opts = HUSK_ARRAY_SIZE(exec_opts),
        .min_args = 1,
        .max_args = INT_MAX,
        /* As runc (SkipArgReorder): options come before the id, everything after it is the command. */
        .args_flags = ARGS_STOP_AT_POSITIONAL,
        .run = run_exec,
};

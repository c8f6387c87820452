/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <stdlib.h>

#include "util/cleanup.h"

struct restore_flags {
        struct husk_checkpoint_opts o;
        const char *bundle, *pid_file, *console_socket;
        bool detach, no_pivot, no_subreaper;
};

#define RST_OPT(n, a, t, f, u) ARG_OPT(n, a, t, struct restore_flags, f, u)

static const struct arg_opt restore_opts[] = {
        RST_OPT("image-path", NULL, ARG_STRING, o.image_path, "path to criu image files for restoring"),
        RST_OPT("work-path", NULL, ARG_STRING, o.work_path, "path for saving work files and logs"),
        RST_OPT("tcp-established", NULL, ARG_BOOL, o.tcp_established, "allow open tcp connections"),
        RST_OPT("ext-unix-sk", NULL, ARG_BOOL, o.ext_unix_sk, "allow external unix sockets"),
        RST_OPT("shell-job", NULL, ARG_BOOL, o.shell_job, "allow shell jobs"),
        RST_OPT("file-locks", NULL, ARG_BOOL, o.file_locks, "handle file locks, for safety"),
        RST_OPT("manage-cgroups-mode", NULL, ARG_STRING, o.manage_cgroups_mode,
                "cgroups mode: 'soft' (default), 'full', 'strict' and 'ignore'"),
        RST_OPT("bundle", "b", ARG_STRING, bundle, "path to the root of the bundle directory"),
        RST_OPT("detach", "d", ARG_BOOL, detach, "detach from the container's process"),
        RST_OPT("pid-file", NULL, ARG_STRING, pid_file, "specify the file to write the process id to"),
        RST_OPT("no-subreaper", NULL, ARG_BOOL, no_subreaper, "disable the use of the subreaper used to reap reparented processes"),
        RST_OPT("no-pivot", NULL, ARG_BOOL, no_pivot, "do not use pivot root to jail process inside rootfs"),
        RST_OPT("console-socket", NULL, ARG_STRING, console_socket,
                "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
};

static int run_restore(struct cli_ctx *ctx, int argc, char **argv)
{
        struct restore_flags f = { .o.criu = ctx->criu };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_restore, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        /* criu restores the tree detached from us: there is no child to wait for, so runc's
         * foreground restore (wait, then delete) cannot be done the same way. */
        if (!f.detach) {
                cli_error(ctx, "restore without --detach is not supported: use restore --detach");
                return 1;
        }
        if (f.console_socket) {
                cli_error(ctx, "restore --console-socket: a container with a terminal cannot be checkpointed by " CLI_NAME);
                return 1;
        }
        struct husk_create_opts c = { .id = pos[0], .bundle = f.bundle, .pid_file = f.pid_file };
        struct husk_error err = { 0 };
        if (husk_container_restore(&ctx->rt, &c, &f.o, &err) < 0)
                return cli_fail(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_restore = {
        .name = "restore",
        .summary = "restore a container from a previous checkpoint",
        .args_usage = "<container-id>\n\n"
                      "Where \"<container-id>\" is the name for the instance of the container to be\n"
                      "restored.",
        .description = "Restores the saved state of the container instance that was previously saved\n"
                       "using the " CLI_NAME " checkpoint command.",
        .opts = restore_opts,
        .n_opts = HUSK_ARRAY_SIZE(restore_opts),
        .min_args = 1,
        .max_args = 1,
        .run = run_restore,
};

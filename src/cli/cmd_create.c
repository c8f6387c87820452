/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <stdlib.h>

#include "util/cleanup.h"

struct create_flags {
        const char *bundle, *console_socket, *pid_file;
        bool no_pivot, no_new_keyring;
        int preserve_fds;
};

static const struct arg_opt create_opts[] = {
        ARG_OPT("bundle", "b", ARG_STRING, struct create_flags, bundle,
                "path to the root of the bundle directory, defaults to the current directory"),
        ARG_OPT("console-socket", NULL, ARG_STRING, struct create_flags, console_socket,
                "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
        ARG_OPT("pid-file", NULL, ARG_STRING, struct create_flags, pid_file, "specify the file to write the process id to"),
        ARG_OPT("no-pivot", NULL, ARG_BOOL, struct create_flags, no_pivot,
                "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk"),
        ARG_OPT("no-new-keyring", NULL, ARG_BOOL, struct create_flags, no_new_keyring,
                "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key"),
        ARG_OPT("preserve-fds", NULL, ARG_UINT, struct create_flags, preserve_fds,
                "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)"),
};

static int run_create(struct cli_ctx *ctx, int argc, char **argv)
{
        struct create_flags f = { 0 };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_create, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        struct husk_create_opts o = {
                .id = pos[0],
                .bundle = f.bundle,
                .pid_file = f.pid_file,
                .console_socket = f.console_socket,
                .console_fd = -1,
                .no_pivot = f.no_pivot,
                .no_new_keyring = f.no_new_keyring,
                .preserve_fds = f.preserve_fds,
        };
        cli_debug(ctx, "create %s: bundle=%s pid-file=%s console-socket=%s preserve-fds=%d", o.id,
                  o.bundle ? o.bundle : ".", o.pid_file ? o.pid_file : "", o.console_socket ? o.console_socket : "",
                  o.preserve_fds);
        struct husk_error err = { 0 };
        if (husk_container_create(&ctx->rt, &o, &err) < 0)
                return cli_fail(ctx, &err);
        cli_warnings(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_create = {
        .name = "create",
        .seal_exe = true,
        .summary = "create a container",
        .args_usage = "<container-id>\n\n"
                      "Where \"<container-id>\" is your name for the instance of the container that you\n"
                      "are starting. The name you provide for the container instance must be unique on\n"
                      "your host.",
        .description = "The create command creates an instance of a container for a bundle. The bundle\n"
                       "is a directory with a specification file named \"config.json\" and a root\n"
                       "filesystem.\n\n"
                       "The specification file includes an args parameter. The args parameter is used\n"
                       "to specify command(s) that get run when the container is started. To change the\n"
                       "command(s) that get executed on start, edit the args parameter of the spec. See\n"
                       "\"" CLI_NAME " spec --help\" for more explanation.",
        .opts = create_opts,
        .n_opts = HUSK_ARRAY_SIZE(create_opts),
        .min_args = 1,
        .max_args = 1,
        .run = run_create,
};

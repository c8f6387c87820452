/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <stdlib.h>

#include "util/cleanup.h"

/* The options checkpoint and restore share with runc (cli.h). */
#define CKPT_OPT(n, f, u) ARG_OPT(n, NULL, ARG_STRING, struct husk_checkpoint_opts, f, u)
#define CKPT_BOOL(n, f, u) ARG_OPT(n, NULL, ARG_BOOL, struct husk_checkpoint_opts, f, u)

static const struct arg_opt checkpoint_opts[] = {
        CKPT_OPT("image-path", image_path, "path for saving criu image files"),
        CKPT_OPT("work-path", work_path, "path for saving work files and logs"),
        CKPT_OPT("parent-path", parent_path, "path for previous criu image files in pre-dump"),
        CKPT_BOOL("leave-running", leave_running, "leave the process running after checkpointing"),
        CKPT_BOOL("tcp-established", tcp_established, "allow open tcp connections"),
        CKPT_BOOL("ext-unix-sk", ext_unix_sk, "allow external unix sockets"),
        CKPT_BOOL("shell-job", shell_job, "allow shell jobs"),
        CKPT_BOOL("file-locks", file_locks, "handle file locks, for safety"),
        CKPT_BOOL("pre-dump", pre_dump, "dump container's memory information only, leave the container running after this"),
        CKPT_OPT("manage-cgroups-mode", manage_cgroups_mode, "cgroups mode: 'soft' (default), 'full', 'strict' and 'ignore'"),
};

static int run_checkpoint(struct cli_ctx *ctx, int argc, char **argv)
{
        struct husk_checkpoint_opts o = { .criu = ctx->criu };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_checkpoint, argc, argv, &o, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        struct husk_error err = { 0 };
        if (husk_container_checkpoint(&ctx->rt, pos[0], &o, &err) < 0)
                return cli_fail(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_checkpoint = {
        .name = "checkpoint",
        .summary = "checkpoint a running container",
        .args_usage = "<container-id>\n\n"
                      "Where \"<container-id>\" is the name for the instance of the container to be\n"
                      "checkpointed.",
        .description = "The checkpoint command saves the state of the container instance (with CRIU).",
        .opts = checkpoint_opts,
        .n_opts = HUSK_ARRAY_SIZE(checkpoint_opts),
        .min_args = 1,
        .max_args = 1,
        .run = run_checkpoint,
};

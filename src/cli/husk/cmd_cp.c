/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-` and `husk cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH`:
 * files between a container (running or not) and the host, as docker cp; '-' is a tar stream.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/husk/containers.h"
#include "engine/ctr_fs.h"
#include "util/cleanup.h"

struct cp_flags {
        bool archive;
        bool follow;
        bool quiet;
};

static const struct arg_opt opts[] = {
        ARG_OPT("archive", "a", ARG_BOOL, struct cp_flags, archive, "Archive mode (copy all uid/gid information)"),
        ARG_OPT("follow-link", "L", ARG_BOOL, struct cp_flags, follow, "Always follow symbol link in SRC_PATH"),
        ARG_OPT("quiet", "q", ARG_BOOL, struct cp_flags, quiet,
                "Suppress progress output during copy (husk prints none)"),
};

/* Docker's splitCpArg: "-", an absolute path, a word without ':' or one starting with '.' is local;
 * else CONTAINER:PATH. */
static bool container_arg(const char *arg, char *ctr, size_t size, const char **ret_path)
{
        const char *colon = strchr(arg, ':');
        if (strcmp(arg, "-") == 0 || arg[0] == '/' || arg[0] == '.' || !colon || (size_t) (colon - arg) >= size)
                return false;
        (void) snprintf(ctr, size, "%.*s", (int) (colon - arg), arg);
        *ret_path = colon[1] ? colon + 1 : "/";
        return true;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct cp_flags *f = flags;
        (void) argc;
        char src_ctr[256], dest_ctr[256];
        const char *src = argv[0], *dest = argv[1];
        bool from = container_arg(argv[0], src_ctr, sizeof(src_ctr), &src);
        bool to = container_arg(argv[1], dest_ctr, sizeof(dest_ctr), &dest);

        if (from && to)
                return husk_usage_error(ctx, "copying between containers is not supported");
        if (!from && !to)
                return husk_usage_error(ctx, "must specify at least one container source");
        if (to && strcmp(src, "-") == 0 && isatty(STDIN_FILENO))
                return husk_failf(ctx, "cp from stdin, but stdin is a terminal");
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        struct husk_cp_opts o = { .archive = f->archive, .follow = f->follow };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 ||
            husk_ctr_lookup(e.ctrs, from ? src_ctr : dest_ctr, id, &err) < 0)
                return husk_fail(ctx, &err);
        int r = from ? husk_engine_cp_out(&e, id, src, dest, STDOUT_FILENO, &o, &err)
                     : husk_engine_cp_in(&e, id, src, STDIN_FILENO, dest, &o, &err);
        return r < 0 ? husk_fail(ctx, &err) : 0;
}

const struct husk_cmd husk_cmd_cp = {
        .names = { "cp", "container cp" },
        .summary = "Copy files/folders between a container and the local filesystem",
        .usage = "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n       husk cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
        .description = "Copy files/folders between a container and the local filesystem\n\n"
                       "Use '-' as the source to read a tar archive from stdin and extract it to a directory\n"
                       "destination in a container. Use '-' as the destination to stream a tar archive of a\n"
                       "container source to stdout. Paths in the container never lead out of its root;\n"
                       "nothing of the container is executed. What is mounted inside a running container\n"
                       "(volumes, /etc/hosts) is not reached: its root filesystem is.",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct cp_flags),
        .min_args = 2,
        .max_args = 2,
        .run = run,
};

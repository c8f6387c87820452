/* SPDX-License-Identifier: Apache-2.0 */
/* `husk export [-o FILE] CONTAINER`: the container's filesystem as a tar archive, as docker export. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/husk/containers.h"
#include "engine/ctr_fs.h"
#include "util/cleanup.h"

struct export_flags {
        const char *output;
};

static const struct arg_opt opts[] = {
        ARG_OPT("output", "o", ARG_STRING, struct export_flags, output, "Write to a file, instead of STDOUT"),
};

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct export_flags *f = flags;
        (void) argc;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];

        if (!f->output && isatty(STDOUT_FILENO))
                return husk_usage_error(ctx, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0)
                return husk_fail(ctx, &err);
        if (!f->output)
                return husk_engine_export(&e, id, STDOUT_FILENO, &err) < 0 ? husk_fail(ctx, &err) : 0;

        /* A temporary name beside FILE, renamed when whole: a failed export leaves no partial FILE. */
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.husk-tmp-XXXXXX", f->output) < 0)
                return husk_failf(ctx, "export: out of memory");
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return husk_failf(ctx, "failed to export container: open %s: %m", f->output);
        int r = husk_engine_export(&e, id, fd, &err);
        if (r >= 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || rename(tmp, f->output) < 0))
                r = husk_error_errno(&err, errno, "failed to export container: write %s", f->output);
        if (r < 0) {
                (void) unlink(tmp);
                return husk_fail(ctx, &err);
        }
        return 0;
}

const struct husk_cmd husk_cmd_export = {
        .names = { "export", "container export" },
        .summary = "Export a container's filesystem as a tar archive",
        .usage = "[OPTIONS] CONTAINER",
        .description = "Export a container's filesystem as a tar archive\n\n"
                       "A stopped container's root is mounted read-only for the time being, in a mount\n"
                       "namespace of this command's own.",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct export_flags),
        .min_args = 1,
        .max_args = 1,
        .run = run,
};

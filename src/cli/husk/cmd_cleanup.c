/* SPDX-License-Identifier: Apache-2.0 */
/* `husk container cleanup ID CODE`: what husk-monitor runs once the container's init exited (podman's
 * `container cleanup` has the same role): release the container, record its exit, --rm. */
#include <stdlib.h>

#include "cli/husk/containers.h"
#include "util/cleanup.h"

struct cleanup_flags {
        const char *report_fd;
};

static const struct arg_opt cleanup_opts[] = {
        ARG_OPT("report-fd", NULL, ARG_STRING, struct cleanup_flags, report_fd,
                "Write \"exit CODE\" to this fd when done (the attached husk waits for it)"),
};

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        const struct cleanup_flags *f = flags;
        char *end;
        long code = strtol(argv[1], &end, 10);
        if (!*argv[1] || *end || code < 0 || code > 255)
                return husk_usage_error(ctx, "invalid exit code \"%s\"", argv[1]);
        long fd = -1;
        if (f->report_fd) {
                fd = strtol(f->report_fd, &end, 10);
                if (!*f->report_fd || *end || fd < -1 || fd > 1 << 20)
                        return husk_usage_error(ctx, "invalid --report-fd \"%s\"", f->report_fd);
        }
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, false, &err) < 0 ||
            husk_engine_cleanup(&e, argv[0], (int) code, (int) fd, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

const struct husk_cmd husk_cmd_cleanup = {
        .names = { "container cleanup" },
        .hidden = true,
        .summary = "Release a container that exited and record its exit (run by its monitor)",
        .usage = "[OPTIONS] CONTAINER-ID EXIT-CODE",
        .opts = cleanup_opts,
        .n_opts = HUSK_ARRAY_SIZE(cleanup_opts),
        .flags_size = sizeof(struct cleanup_flags),
        .min_args = 2,
        .max_args = 2,
        .run = run,
};

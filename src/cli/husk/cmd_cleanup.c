/* SPDX-License-Identifier: Apache-2.0 */
/* `husk container cleanup ID CODE`: what husk-monitor runs once the container's init exited (podman's
 * `container cleanup` has the same role): release the container, record its exit, --rm. */
#include <stdlib.h>
#include <unistd.h>

#include "engine/life.h"

#include "cli/husk/containers.h"
#include "util/cleanup.h"

struct cleanup_flags {
        const char *report_fd, *lock_fd;
};

static const struct arg_opt cleanup_opts[] = {
        ARG_OPT("report-fd", NULL, ARG_STRING, struct cleanup_flags, report_fd,
                "Write \"exit CODE\" to this fd when done (the attached husk waits for it)"),
        ARG_OPT("lock-fd", NULL, ARG_STRING, struct cleanup_flags, lock_fd,
                "The monitor lock this process holds (a restart policy keeps it to start the container again)"),
};

static int fd_flag(const struct husk_ctx *ctx, const char *name, const char *s, long *ret)
{
        char *end;
        long fd = -1;
        if (s) {
                fd = strtol(s, &end, 10);
                if (!*s || *end || fd < -1 || fd > 1 << 20)
                        return husk_usage_error(ctx, "invalid --%s \"%s\"", name, s);
        }
        *ret = fd;
        return 0;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        const struct cleanup_flags *f = flags;
        char *end;
        long code = strtol(argv[1], &end, 10);
        if (!*argv[1] || *end || code < 0 || code > 255)
                return husk_usage_error(ctx, "invalid exit code \"%s\"", argv[1]);
        long fd, lock_fd;
        if (fd_flag(ctx, "report-fd", f->report_fd, &fd) != 0 || fd_flag(ctx, "lock-fd", f->lock_fd, &lock_fd) != 0)
                return HUSK_EXIT_ERROR;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, false, &err) < 0 ||
            husk_engine_cleanup(&e, argv[0], (int) code, (int) fd, &err) < 0)
                return husk_fail(ctx, &err);
        /* The attached caller has its code: it must not wait on us through a restart. */
        if (fd >= 0)
                (void) close((int) fd);
        /* The restart policy (life.h): returns when none is due, else this process becomes the
         * container's monitor again. */
        if (lock_fd >= 0 && husk_engine_restart_policy(&e, argv[0], (int) lock_fd, &err) < 0)
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

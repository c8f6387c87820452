/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/config.h"
#include "util/cleanup.h"

struct spec_flags {
        const char *bundle;
        bool rootless;
};

static const struct arg_opt spec_opts[] = {
        ARG_OPT("bundle", "b", ARG_STRING, struct spec_flags, bundle, "path to the root of the bundle directory"),
        ARG_OPT("rootless", NULL, ARG_BOOL, struct spec_flags, rootless, "generate a configuration for a rootless container"),
};

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                p += w;
                n -= (size_t) w;
        }
        return 0;
}

static int run_spec(struct cli_ctx *ctx, int argc, char **argv)
{
        struct spec_flags f = { 0 };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_spec, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        free(res.pos);

        const char *bundle = f.bundle && *f.bundle ? f.bundle : ".";
        _cleanup_close_ int dir_fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) {
                cli_error(ctx, "open bundle %s: %s", bundle, strerror(errno));
                return 1;
        }

        struct husk_error err = { 0 };
        _cleanup_free_ char *json = NULL;
        if (husk_config_default_json(f.rootless, getuid(), getgid(), &json, &err) < 0)
                return cli_fail(ctx, &err);

        /* O_EXCL rather than runc's stat-then-write: no window in which a config.json appearing (or
         * a symlink planted there) gets overwritten. */
        _cleanup_close_ int fd = openat(dir_fd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST) {
                cli_error(ctx, "File config.json exists. Remove it first");
                return 1;
        }
        if (fd < 0) {
                cli_error(ctx, "create %s/config.json: %s", bundle, strerror(errno));
                return 1;
        }
        r = write_all(fd, json, strlen(json));
        if (r == 0 && close(steal_fd(fd)) < 0)
                r = -errno;
        if (r < 0) {
                /* A truncated config.json would make the next `spec` refuse and `create` fail oddly. */
                (void) unlinkat(dir_fd, "config.json", 0);
                cli_error(ctx, "write %s/config.json: %s", bundle, strerror(-r));
                return 1;
        }
        return 0;
}

const struct cli_command cli_cmd_spec = {
        .name = "spec",
        .summary = "create a new specification file",
        .args_usage = "",
        .description =
                "The spec command creates the new specification file named \"config.json\" for\n"
                "the bundle.\n\n"
                "The spec generated is just a starter file. Editing of the spec is required to\n"
                "achieve desired results. For example, the newly generated spec includes an args\n"
                "parameter that is initially set to call the \"sh\" command when the container is\n"
                "started. Calling \"sh\" may work for an ubuntu container or busybox, but will not\n"
                "work for containers that do not include the \"sh\" program.\n\n"
                "EXAMPLE:\n"
                "  To run a busybox shell in a new container named container1:\n\n"
                "    mkdir -p bundle/rootfs/bin\n"
                "    cp /bin/busybox bundle/rootfs/bin/ && ln -s busybox bundle/rootfs/bin/sh\n"
                "    cd bundle\n"
                "    " CLI_NAME " spec\n"
                "    " CLI_NAME " run container1\n\n"
                "You can pass the parameter --rootless to this command to generate a proper\n"
                "rootless spec file.",
        .opts = spec_opts,
        .n_opts = HUSK_ARRAY_SIZE(spec_opts),
        .min_args = 0,
        .max_args = 0,
        .run = run_spec,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* `husk pull NAME[:TAG|@DIGEST]`: Docker's output (status lines on stdout, progress on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/husk.h"
#include "cli/husk/platform_flag.h"
#include "cli/husk/registry_flags.h"
#include "image/reference.h"
#include "registry/registry.h"
#include "util/cleanup.h"

struct pull_flags {
        const char *platform;
        bool quiet, all_tags;
        struct registry_flags reg;
};

static const struct arg_opt opts[] = {
        ARG_OPT("all-tags", "a", ARG_BOOL, struct pull_flags, all_tags, "Download all tagged images in the repository"),
        ARG_OPT("platform", NULL, ARG_STRING, struct pull_flags, platform,
                "Set platform if server is multi-platform capable (OS/ARCH[/VARIANT])"),
        ARG_OPT("quiet", "q", ARG_BOOL, struct pull_flags, quiet, "Suppress verbose output"),
        REGISTRY_FLAG_OPTS(struct pull_flags),
};

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct pull_flags *f = flags;
        _cleanup_(registry_cmd_done) struct registry_cmd c = { 0 };
        _cleanup_(husk_pull_result_free) struct husk_pull_result res = { 0 };
        _cleanup_free_ char *platform = NULL;
        struct husk_pull_opts po = { 0 };
        struct husk_error err = { 0 };
        int r;

        (void) argc;
        if (f->all_tags)
                return husk_failf(ctx, "pull --all-tags is not supported");
        if (f->platform && husk_platform_flag_parse(f->platform, &po.platform, &platform, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        r = registry_cmd_begin(ctx, &f->reg, f->quiet, false, &c, &po.reg);
        if (r)
                return r;
        if (!f->quiet) {
                struct husk_reference ref = { 0 };
                struct husk_error ignored = { 0 };

                /* a bad name is the pull's to report, with its words */
                const char *last = strrchr(argv[0], '/');

                if (husk_reference_parse(argv[0], &ref, &ignored) == 0) {
                        /* the parser fills in "latest"; Docker says so when the name had no tag */
                        if (!strpbrk(last ? last : argv[0], ":@"))
                                printf("Using default tag: latest\n");
                        printf("%s: Pulling from %s\n", ref.tag ? ref.tag : ref.digest ? ref.digest : "latest", ref.path);
                        husk_reference_free(&ref);
                }
        }
        fflush(stdout);
        r = husk_registry_pull(c.store, argv[0], &po, &res, &err);
        registry_cmd_finish(&c, r == 0);
        if (r < 0)
                return husk_fail(ctx, &err);
        if (!f->quiet) {
                printf("Digest: %s\n", res.digest);
                printf("Status: %s for %s\n", res.downloaded ? "Downloaded newer image" : "Image is up to date",
                       res.name ? res.name : res.repository);
        }
        printf("%s%s%s\n", res.name ? res.name : res.repository, res.name ? "" : "@", res.name ? "" : res.digest);
        return 0;
}

const struct husk_cmd husk_cmd_pull = {
        .names = { "pull", "image pull" },
        .summary = "Download an image from a registry",
        .usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
        .description = "Download an image from a registry.\n\nShort names are Docker Hub's (busybox is "
                       "docker.io/library/busybox); mirrors and insecure registries are set in "
                       "/etc/husk/registries.json ($HUSK_REGISTRIES_CONF).",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct pull_flags),
        .min_args = 1,
        .max_args = 1,
        .run = run,
};

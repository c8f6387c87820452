/* SPDX-License-Identifier: Apache-2.0 */
/* `husk push IMAGE [DEST]`: Docker's last line "TAG: digest: sha256:... size: N" on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/husk.h"
#include "cli/husk/registry_flags.h"
#include "registry/registry.h"
#include "util/cleanup.h"

struct push_flags {
        bool quiet;
        int chunk_mb;
        struct registry_flags reg;
};

static const struct arg_opt opts[] = {
        ARG_OPT("quiet", "q", ARG_BOOL, struct push_flags, quiet, "Suppress verbose output"),
        ARG_OPT("chunk-size", NULL, ARG_UINT, struct push_flags, chunk_mb,
                "Upload blobs larger than this many MiB in chunks of that size (default 64)"),
        REGISTRY_FLAG_OPTS(struct push_flags),
};

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct push_flags *f = flags;
        _cleanup_(registry_cmd_done) struct registry_cmd c = { 0 };
        _cleanup_(husk_push_result_free) struct husk_push_result res = { 0 };
        struct husk_push_opts po = { .chunk_size = (uint64_t) f->chunk_mb << 20 };
        struct husk_error err = { 0 };
        const char *tag;
        int r;

        r = registry_cmd_begin(ctx, &f->reg, f->quiet, true, &c, &po.reg);
        if (r)
                return r;
        r = husk_registry_push(c.store, argv[0], argc > 1 ? argv[1] : NULL, &po, &res, &err);
        registry_cmd_finish(&c, r == 0);
        if (r < 0)
                return husk_fail(ctx, &err);
        tag = strrchr(res.name, ':');
        if (f->quiet) {
                printf("%s\n", res.name);
                return 0;
        }
        printf("The push refers to repository [%s]\n", res.repository);
        for (size_t i = 0; i < res.n_blobs; i++) {
                const struct husk_push_blob *b = &res.blobs[i];

                /* Docker lists the layers only; the config goes up silently */
                if (b->config)
                        continue;
                printf("%.12s: %s%s\n", husk_digest_hex(b->digest),
                       b->how == HUSK_PUSH_EXISTS    ? "Layer already exists"
                       : b->how == HUSK_PUSH_MOUNTED ? "Mounted from "
                       : b->how == HUSK_PUSH_CHUNKED ? "Pushed (chunked)"
                                                      : "Pushed",
                       b->how == HUSK_PUSH_MOUNTED ? b->from : "");
        }
        printf("%s: digest: %s size: %llu\n", tag ? tag + 1 : res.name, res.digest, (unsigned long long) res.manifest_size);
        return 0;
}

const struct husk_cmd husk_cmd_push = {
        .names = { "push", "image push" },
        .summary = "Upload an image to a registry",
        .usage = "[OPTIONS] NAME[:TAG] [DESTINATION]",
        .description = "Upload an image to a registry, under its own name or DESTINATION.",
        .opts = opts,
        .n_opts = HUSK_ARRAY_SIZE(opts),
        .flags_size = sizeof(struct push_flags),
        .min_args = 1,
        .max_args = 2,
        .run = run,
};

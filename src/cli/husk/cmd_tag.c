/* SPDX-License-Identifier: Apache-2.0 */
/* `husk tag SOURCE TARGET` / `husk image tag`: TARGET (normalised) names SOURCE's image, moving from any
   other image that had it, as Docker's tag does. */
#include "cli/husk/image_common.h"
#include "image/reference.h"
#include "util/cleanup.h"

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        (void) argc;
        struct husk_error err = { 0 };
        /* The target checked first, so a bad name is reported as the argument it is, before any I/O. */
        struct husk_reference ref = { 0 };
        if (husk_reference_parse(argv[1], &ref, &err) < 0) {
                (void) husk_error_prefix(&err, "target %s: ", argv[1]);
                return husk_fail(ctx, &err);
        }
        bool digest = ref.digest != NULL;
        husk_reference_free(&ref);
        if (digest)
                return husk_failf(ctx, "target %s: refusing to create a tag with a digest reference", argv[1]);

        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        if (husk_cli_store_open(ctx, false, &s, &err) < 0 || husk_store_image_tag(s, argv[0], argv[1], &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

const struct husk_cmd husk_cmd_tag = {
        .names = { "tag", "image tag" },
        .summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
        .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
        .min_args = 2,
        .max_args = 2,
        .run = run,
};

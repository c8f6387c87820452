/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/husk/progress.h"
#include "cli/husk/pull_policy.h"
#include "registry/registry.h"
#include "util/cleanup.h"

int husk_cli_pull_policy(const struct husk_ctx *ctx, struct husk_store *store, const char *image, const char *policy)
{
        _cleanup_(husk_progress_display_freep) struct husk_progress_display *d = NULL;
        _cleanup_(husk_pull_result_free) struct husk_pull_result res = { 0 };
        struct husk_pull_opts po = { .reg = { .tls_verify = -1 } };
        struct husk_image img = { 0 };
        struct husk_error err = { 0 };
        struct husk_progress cb;
        int r;

        if (!policy)
                policy = "missing";
        if (strcmp(policy, "never") == 0)
                return 0;
        if (strcmp(policy, "missing") == 0) {
                r = husk_store_image_lookup(store, image, &img, &err);
                husk_image_free(&img);
                if (r != -ENOENT)
                        return 0;       /* present (or ambiguous: the create that follows says so) */
                fprintf(stderr, "Unable to find image '%s' locally\n", image);
        } else if (strcmp(policy, "always") != 0) {
                return husk_usage_error(ctx, "invalid pull policy \"%s\": want always, missing or never", policy);
        }
        d = husk_progress_display_new(stderr, HUSK_PROGRESS_AUTO);
        if (!d)
                return husk_failf(ctx, "out of memory");
        cb = husk_progress_display_callbacks(d);
        po.reg.progress = &cb;
        r = husk_registry_pull(store, image, &po, &res, &err);
        /* The image is recorded (or the pull failed): a run that lives on with its container must not
           hold other processes' GC off (store.h, husk_store_unpin). */
        husk_store_unpin(store);
        husk_progress_display_finish(d, r == 0);
        if (r < 0)
                return husk_fail(ctx, &err);
        fprintf(stderr, "Digest: %s\nStatus: %s for %s\n", res.digest,
                res.downloaded ? "Downloaded newer image" : "Image is up to date", res.name ? res.name : res.repository);
        return 0;
}

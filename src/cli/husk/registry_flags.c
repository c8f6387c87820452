/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "cli/husk/progress.h"
#include "cli/husk/registry_flags.h"

int registry_flags_apply(struct husk_ctx *ctx, const struct registry_flags *f, struct husk_registry_opts *opts,
                         struct husk_credentials *creds)
{
        *opts = (struct husk_registry_opts) { .authfile = f->authfile, .tls_verify = -1 };
        if (f->tls_verify) {
                bool b;

                if (args_parse_bool(f->tls_verify, &b) < 0)
                        return husk_usage_error(ctx, "invalid boolean value \"%s\" for flag --tls-verify", f->tls_verify);
                opts->tls_verify = b;
        }
        if (f->creds) {
                const char *colon = strchr(f->creds, ':');

                if (colon == f->creds || !f->creds[0])
                        return husk_usage_error(ctx, "--creds: a username is needed (USERNAME[:PASSWORD])");
                creds->username = colon ? strndup(f->creds, (size_t) (colon - f->creds)) : strdup(f->creds);
                creds->password = strdup(colon ? colon + 1 : "");
                if (!creds->username || !creds->password)
                        return husk_failf(ctx, "out of memory");
                opts->creds = creds;
        }
        return 0;
}

int registry_cmd_begin(struct husk_ctx *ctx, const struct registry_flags *f, bool quiet, bool read_only,
                       struct registry_cmd *c, struct husk_registry_opts *opts)
{
        struct husk_store_opts so = { .root = ctx->storage_root, .read_only = read_only };
        struct husk_error err = { 0 };
        int r;

        *c = (struct registry_cmd) { 0 };
        r = registry_flags_apply(ctx, f, opts, &c->creds);
        if (r)
                return r;
        c->display = husk_progress_display_new(stderr, quiet ? HUSK_PROGRESS_QUIET : HUSK_PROGRESS_AUTO);
        if (!c->display)
                return husk_failf(ctx, "out of memory");
        c->cb = husk_progress_display_callbacks(c->display);
        opts->progress = &c->cb;
        if (husk_store_open(&so, &c->store, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

void registry_cmd_finish(struct registry_cmd *c, bool ok)
{
        if (c->display)
                husk_progress_display_finish(c->display, ok);
}

void registry_cmd_done(struct registry_cmd *c)
{
        if (c->store)
                husk_store_close(c->store);
        if (c->display)
                husk_progress_display_free(c->display);
        husk_credentials_free(&c->creds);
        *c = (struct registry_cmd) { 0 };
}

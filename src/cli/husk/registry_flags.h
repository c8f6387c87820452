/* SPDX-License-Identifier: Apache-2.0 */
/* The options pull, push and login share (podman's names): --tls-verify, --authfile, --creds. */
#pragma once

#include "cli/husk/husk.h"
#include "registry/registry.h"

struct registry_flags {
        const char *tls_verify;         /* a boolean as text: its absence must be seen */
        const char *authfile;
        const char *creds;              /* USER[:PASSWORD] */
};

#define REGISTRY_FLAG_OPTS(S)                                                                                   \
        ARG_OPT("tls-verify", NULL, ARG_STRING, S, reg.tls_verify,                                             \
                "Require HTTPS and verify certificates (default true; false for insecure registries)"),       \
        ARG_OPT("authfile", NULL, ARG_STRING, S, reg.authfile,                                                 \
                "Path of the authentication file (default ~/.config/husk/auth.json, $HUSK_AUTH_FILE)"),       \
        ARG_OPT("creds", NULL, ARG_STRING, S, reg.creds, "Use USERNAME[:PASSWORD] for the registry")

/*
 * Fill opts (and creds, which opts may point to) from the flags; a usage error is reported and
 * HUSK_EXIT_ERROR returned, else 0.
 */
int registry_flags_apply(struct husk_ctx *ctx, const struct registry_flags *f, struct husk_registry_opts *opts,
                         struct husk_credentials *creds);

/* What pull and push hold while they run: the store, the progress display, --creds. */
struct registry_cmd {
        struct husk_store *store;
        struct husk_progress_display *display;
        struct husk_progress cb;
        struct husk_credentials creds;
};

/* Apply the flags into opts (progress included) and open the store; 0 or the exit code to return. */
int registry_cmd_begin(struct husk_ctx *ctx, const struct registry_flags *f, bool quiet, bool read_only,
                       struct registry_cmd *c, struct husk_registry_opts *opts);
/* The operation ended (ok or not): the display's last frame. */
void registry_cmd_finish(struct registry_cmd *c, bool ok);
void registry_cmd_done(struct registry_cmd *c);

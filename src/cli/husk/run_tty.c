/* SPDX-License-Identifier: Apache-2.0 */
/* run/create -i, -t, --detach-keys (run_tty.h). */
#include "cli/husk/run_tty.h"

#include <jansson.h>
#include <unistd.h>

#include "cli/husk/attach_session.h"
#include "cli/husk/containers.h"
#include "cli/husk/term.h"
#include "util/cleanup.h"

int husk_cli_run_tty_config(const struct husk_ctx *ctx, const struct run_tty_flags *t, bool detach,
                            struct husk_ctr_config *cfg)
{
        struct husk_detach_keys keys;
        struct husk_error err = { 0 };
        if (husk_detach_keys_parse(t->detach_keys, &keys, &err) < 0)
                return husk_usage_error(ctx, "%s", err.msg);
        /* docker inspect's Config: a foreground -i attaches stdin and closes it when the caller's ends
         * (StdinOnce); a -d -i keeps it open for whoever attaches later. */
        bool attach_in = t->interactive && !detach;
        struct {
                const char *key;
                bool v;
        } keys_[] = { { "Tty", t->tty },          { "OpenStdin", t->interactive }, { "StdinOnce", attach_in },
                      { "AttachStdin", attach_in }, { "AttachStdout", !detach },     { "AttachStderr", !detach } };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(keys_); i++)
                if (json_object_set_new(cfg->ctr_config, keys_[i].key, json_boolean(keys_[i].v)) < 0)
                        return husk_failf(ctx, "out of memory");
        return 0;
}

int husk_cli_run_attached(const struct husk_ctx *ctx, struct husk_engine *e, const char *id,
                          const struct run_tty_flags *t)
{
        if (!t->interactive && !t->tty)
                return husk_cli_start_attached(ctx, e, id);
        if (t->interactive && t->tty && !isatty(STDIN_FILENO)) {
                /* Docker refuses before creating; here the record exists already and goes again. */
                struct husk_error ignored = { 0 };
                (void) husk_engine_remove(e, id, true, &ignored);
                return husk_failf(ctx, "the input device is not a TTY");
        }
        struct husk_cli_attach_opts o = { .start = true, .stdin = t->interactive, .detach_keys = t->detach_keys };
        return husk_cli_attach_session(ctx, e, id, &o);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* -t in config.json: process.terminal (the runtime makes the pty inside the container and hands its
 * master to the monitor), and TERM=xterm when the environment has no TERM, as Docker sets it. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "engine/spec.h"

int husk_spec_apply_tty(const struct husk_engine_spec_in *in, struct json_t *doc, struct husk_error *err)
{
        if (!json_is_true(json_object_get(in->ctr->cfg.ctr_config, "Tty")))
                return 0;
        json_t *process = json_object_get(doc, "process");
        json_t *env = json_object_get(process, "env");
        if (!json_is_object(process) || !json_is_array(env))
                return husk_error_set(err, EINVAL, "config.json: process.env: missing");
        if (json_object_set_new(process, "terminal", json_true()) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: process.terminal");
        size_t i;
        json_t *v;
        json_array_foreach(env, i, v) {
                const char *kv = json_string_value(v);
                if (kv && strncmp(kv, "TERM=", 5) == 0)
                        return 0;
        }
        if (json_array_append_new(env, json_string("TERM=xterm")) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: process.env");
        return 0;
}

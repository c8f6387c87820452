/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp written as config.json's JSON (config-linux.md "Seccomp"), for the engine to put a
 * resolved profile into a container's config. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "oci/seccomp_profile.h"
#include "util/cleanup.h"

/* jansson's own cleanup helper (json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* json_object_set_new / json_array_append_new that report allocation failure once, at the end. */
static void set(json_t *obj, const char *key, json_t *v, bool *oom)
{
        if (!obj) {
                json_decref(v);
                *oom = true;
        } else if (!v || json_object_set_new(obj, key, v) < 0) { /* which releases v on failure */
                *oom = true;
        }
}

static void append(json_t *arr, json_t *v, bool *oom)
{
        if (!arr) {
                json_decref(v);
                *oom = true;
        } else if (!v || json_array_append_new(arr, v) < 0) {
                *oom = true;
        }
}

static json_t *strv_json(char *const *v, bool *oom)
{
        json_t *a = json_array();
        for (; a && v && *v; v++)
                append(a, json_string(*v), oom);
        if (!a)
                *oom = true;
        return a;
}

/* jansson integers are signed 64-bit: a larger value would come out negative. */
static bool fits(uint64_t v)
{
        return v <= INT64_MAX;
}

static int arg_json(const struct husk_seccomp_arg *a, size_t rule, size_t idx, json_t *args, bool *oom,
                    struct husk_error *err)
{
        if (!fits(a->value) || !fits(a->value_two))
                return husk_error_set(err, ERANGE,
                                      "linux.seccomp.syscalls[%zu].args[%zu]: values above %" PRIi64
                                      " cannot be written as JSON integers here",
                                      rule, idx, INT64_MAX);
        json_t *o = json_object();
        set(o, "index", json_integer(a->index), oom);
        set(o, "value", json_integer((json_int_t) a->value), oom);
        if (a->value_two)
                set(o, "valueTwo", json_integer((json_int_t) a->value_two), oom);
        set(o, "op", json_string(a->op ? a->op : ""), oom);
        append(args, o, oom);
        return 0;
}

static int syscall_json(const struct husk_seccomp_syscall *sc, size_t rule, json_t *rules, bool *oom,
                        struct husk_error *err)
{
        json_t *o = json_object();
        set(o, "names", strv_json(sc->names, oom), oom);
        set(o, "action", json_string(sc->action ? sc->action : ""), oom);
        if (sc->has_errno_ret)
                set(o, "errnoRet", json_integer(sc->errno_ret), oom);
        if (sc->n_args > 0) {
                json_t *args = json_array();
                set(o, "args", args, oom);
                for (size_t j = 0; j < sc->n_args; j++) {
                        int r = arg_json(&sc->args[j], rule, j, args, oom, err);
                        if (r < 0) {
                                json_decref(o);
                                return r;
                        }
                }
        }
        append(rules, o, oom);
        return 0;
}

int husk_seccomp_to_json(const struct husk_seccomp *s, json_t **ret, struct husk_error *err)
{
        _cleanup_json_ json_t *o = json_object();
        bool oom = false;
        /* Field order as config-linux.md lists them. */
        set(o, "defaultAction", json_string(s->default_action ? s->default_action : ""), &oom);
        if (s->has_default_errno_ret)
                set(o, "defaultErrnoRet", json_integer(s->default_errno_ret), &oom);
        if (s->architectures)
                set(o, "architectures", strv_json(s->architectures, &oom), &oom);
        if (s->flags)
                set(o, "flags", strv_json(s->flags, &oom), &oom);
        if (s->listener_path)
                set(o, "listenerPath", json_string(s->listener_path), &oom);
        if (s->listener_metadata)
                set(o, "listenerMetadata", json_string(s->listener_metadata), &oom);
        json_t *rules = json_array();
        set(o, "syscalls", rules, &oom);
        for (size_t i = 0; !oom && i < s->n_syscalls; i++) {
                int r = syscall_json(&s->syscalls[i], i, rules, &oom, err);
                if (r < 0)
                        return r;
        }
        /* json_string() returns NULL on invalid UTF-8 as well as on ENOMEM. */
        if (oom)
                return husk_error_set(err, EINVAL, "write linux.seccomp: out of memory or invalid UTF-8");
        *ret = steal_ptr(o);
        return 0;
}

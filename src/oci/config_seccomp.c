/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "linux.seccomp" (config-linux.md "Seccomp"). Names are checked against the lists of
 * the runtime-spec here; turning them into a filter is the seccomp layer's job. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_json.h"
#include "util/cleanup.h"

static const char *const seccomp_actions[] = {
        "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL,
};

static const char *const seccomp_archs[] = {
        "SCMP_ARCH_X86",       "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",      "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64",   "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",     "SCMP_ARCH_MIPS",
        "SCMP_ARCH_MIPS64",    "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",       "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",
        "SCMP_ARCH_S390",      "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
        "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64",  NULL,
};

static const char *const seccomp_flags[] = {
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
        NULL,
};

static const char *const seccomp_ops[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static int parse_action(struct husk_jctx *c, json_t *v, const char *key, char **ret)
{
        int r = husk_jstring(c, v, key, true, ret);
        if (r < 0)
                return r;
        if (husk_name_index(seccomp_actions, *ret) < 0)
                return husk_jfail_key(c, key, "unknown seccomp action \"%s\"", *ret);
        return 0;
}

static int parse_arg(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_seccomp_arg *a = elem;
        uint32_t index;
        int r;
        /* Syscalls take at most six arguments. */
        if ((r = husk_juint32(c, e, "index", true, &index, NULL)) < 0)
                return r;
        if (index > 5)
                return husk_jfail_key(c, "index", "must be an integer between 0 and 5");
        a->index = index;
        if ((r = husk_juint64(c, e, "value", true, &a->value, NULL)) < 0 ||
            (r = husk_juint64(c, e, "valueTwo", false, &a->value_two, NULL)) < 0 ||
            (r = husk_jstring(c, e, "op", true, &a->op)) < 0)
                return r;
        if (husk_name_index(seccomp_ops, a->op) < 0)
                return husk_jfail_key(c, "op", "unknown seccomp operator \"%s\"", a->op);
        return 0;
}

static int parse_syscall(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_seccomp_syscall *s = elem;
        json_t *names = husk_jget(e, "names");
        if (!json_is_array(names) || json_array_size(names) == 0)
                return husk_jfail_key(c, "names", "must be a non-empty array of strings");
        int r;
        if ((r = husk_jstrv(c, e, "names", NULL, &s->names, &s->n_names)) < 0 ||
            (r = parse_action(c, e, "action", &s->action)) < 0 ||
            (r = husk_juint32(c, e, "errnoRet", false, &s->errno_ret, &s->has_errno_ret)) < 0)
                return r;
        return husk_jobject_array(c, e, "args", sizeof(*s->args), &s->args, &s->n_args, parse_arg, NULL);
}

int husk_parse_seccomp(struct husk_jctx *c, json_t *v, struct husk_seccomp *s)
{
        int r;
        if ((r = parse_action(c, v, "defaultAction", &s->default_action)) < 0 ||
            (r = husk_juint32(c, v, "defaultErrnoRet", false, &s->default_errno_ret, &s->has_default_errno_ret)) < 0 ||
            (r = husk_jstrv(c, v, "architectures", seccomp_archs, &s->architectures, NULL)) < 0 ||
            (r = husk_jstrv(c, v, "flags", seccomp_flags, &s->flags, NULL)) < 0 ||
            (r = husk_jstring(c, v, "listenerPath", false, &s->listener_path)) < 0 ||
            (r = husk_jstring(c, v, "listenerMetadata", false, &s->listener_metadata)) < 0)
                return r;
        return husk_jobject_array(c, v, "syscalls", sizeof(*s->syscalls), &s->syscalls, &s->n_syscalls, parse_syscall,
                                  NULL);
}

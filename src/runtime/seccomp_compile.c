/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp -> classic BPF, with libseccomp. The library is dlopen()ed for the call and closed
 * after: a cache hit (and every other husk-runtime command) never maps it. The rules follow runc:
 * a rule whose action is the default action is skipped (libseccomp refuses it), a name libseccomp does
 * not know is skipped for SCMP_ACT_ALLOW and an error otherwise, and the conditions of a rule that
 * tests one argument twice become one rule per condition (libseccomp would AND them to nothing).
 */
#include <dlfcn.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "util/cleanup.h"

/* The classic BPF limit of the kernel (BPF_MAXINSNS). */
#define MAX_INSNS 4096

struct scmp_lib {
        void *handle;
        __typeof__(seccomp_init) *init;
        __typeof__(seccomp_release) *release;
        __typeof__(seccomp_arch_add) *arch_add;
        __typeof__(seccomp_syscall_resolve_name) *resolve_name;
        __typeof__(seccomp_rule_add_array) *rule_add_array;
        __typeof__(seccomp_export_bpf) *export_bpf;
        __typeof__(seccomp_version) *version;
};

static void scmp_lib_close(struct scmp_lib *l)
{
        if (l->handle)
                (void) dlclose(l->handle);
}

static int sym(struct scmp_lib *l, const char *name, void **ret, struct husk_error *err)
{
        *ret = dlsym(l->handle, name);
        if (!*ret)
                return husk_error_set(err, ENOSYS, "libseccomp (%s): no symbol %s", HUSK_LIBSECCOMP_PATH, name);
        return 0;
}

static int scmp_lib_open(struct scmp_lib *l, struct husk_error *err)
{
        /* RTLD_LOCAL: nothing else resolves against it; RTLD_NOW: a missing symbol fails here. */
        l->handle = dlopen(HUSK_LIBSECCOMP_PATH, RTLD_NOW | RTLD_LOCAL);
        if (!l->handle) {
                const char *why = dlerror();
                return husk_error_set(err, ENOENT, "seccomp: cannot load libseccomp: %s", why ? why : HUSK_LIBSECCOMP_PATH);
        }
        int r;
        if ((r = sym(l, "seccomp_init", (void **) &l->init, err)) < 0 ||
            (r = sym(l, "seccomp_release", (void **) &l->release, err)) < 0 ||
            (r = sym(l, "seccomp_arch_add", (void **) &l->arch_add, err)) < 0 ||
            (r = sym(l, "seccomp_syscall_resolve_name", (void **) &l->resolve_name, err)) < 0 ||
            (r = sym(l, "seccomp_rule_add_array", (void **) &l->rule_add_array, err)) < 0 ||
            (r = sym(l, "seccomp_export_bpf", (void **) &l->export_bpf, err)) < 0 ||
            (r = sym(l, "seccomp_version", (void **) &l->version, err)) < 0)
                return r;
        return 0;
}

int husk_seccomp_lib_version(char *buf, size_t size, struct husk_error *err)
{
        _cleanup_(scmp_lib_close) struct scmp_lib l = { 0 };
        int r = scmp_lib_open(&l, err);
        if (r < 0)
                return r;
        const struct scmp_version *v = l.version();
        (void) snprintf(buf, size, "%u.%u.%u", v->major, v->minor, v->micro);
        return 0;
}

struct filter {
        const struct scmp_lib *lib;
        scmp_filter_ctx ctx;
};

static void filter_release(struct filter *f)
{
        if (f->ctx)
                f->lib->release(f->ctx);
}

static int add_archs(const struct scmp_lib *l, scmp_filter_ctx ctx, char **names, struct husk_error *err)
{
        for (size_t i = 0; names && names[i]; i++) {
                uint32_t arch;
                int r = husk_seccomp_arch(names[i], &arch);
                if (r == -EOPNOTSUPP)
                        return husk_error_set(err, EOPNOTSUPP,
                                              "config.json: linux.seccomp.architectures[%zu]: %s is not known to the libseccomp "
                                              "husk was built with (%d.%d.%d)",
                                              i, names[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
                if (r < 0)
                        return husk_error_set(err, EINVAL, "config.json: linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
                                              i, names[i]);
                /* The native architecture is in every new filter already. */
                r = l->arch_add(ctx, arch);
                if (r < 0 && r != -EEXIST)
                        return husk_error_errno(err, -r, "config.json: linux.seccomp.architectures[%zu]: add %s", i, names[i]);
        }
        return 0;
}

/* The conditions of rule i, checked; *ret_split when one argument is tested more than once. */
static int make_conditions(const struct husk_seccomp_syscall *sc, size_t i, struct scmp_arg_cmp *ret,
                           bool *ret_split, struct husk_error *err)
{
        unsigned int seen = 0;
        *ret_split = false;
        for (size_t j = 0; j < sc->n_args; j++) {
                const struct husk_seccomp_arg *a = &sc->args[j];
                int op = husk_seccomp_operator(a->op);
                if (op < 0)
                        return husk_error_set(err, EINVAL, "config.json: linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"",
                                              i, j, a->op ? a->op : "");
                if (a->index > 5)
                        return husk_error_set(err, EINVAL,
                                              "config.json: linux.seccomp.syscalls[%zu].args[%zu].index: %u is not an argument (0-5)",
                                              i, j, a->index);
                /* valueTwo is the compared value of MASKED_EQ (value is the mask); any other operator
                 * would silently ignore it, which hides a mistaken range test. */
                if (op != SCMP_CMP_MASKED_EQ && a->value_two != 0)
                        return husk_error_set(err, EINVAL,
                                              "config.json: linux.seccomp.syscalls[%zu].args[%zu].valueTwo: only SCMP_CMP_MASKED_EQ "
                                              "uses it (%s compares with value)",
                                              i, j, a->op);
                if (seen & (1U << a->index))
                        *ret_split = true;
                seen |= 1U << a->index;
                ret[j] = (struct scmp_arg_cmp){
                        .arg = a->index,
                        .op = (enum scmp_compare) op,
                        .datum_a = a->value,
                        .datum_b = a->value_two,
                };
        }
        return 0;
}

static int add_rule(const struct scmp_lib *l, scmp_filter_ctx ctx, const struct husk_seccomp_syscall *sc, size_t i,
                    uint32_t default_action, struct husk_error *err)
{
        char what[64];
        (void) snprintf(what, sizeof(what), "config.json: linux.seccomp.syscalls[%zu]", i);
        uint32_t action;
        int r = husk_seccomp_action(sc->action, sc->has_errno_ret, sc->errno_ret, what, &action, err);
        if (r < 0)
                return r;

        _cleanup_free_ struct scmp_arg_cmp *conds = calloc(sc->n_args ? sc->n_args : 1, sizeof(*conds));
        if (!conds)
                return husk_error_errno(err, ENOMEM, "%s", what);
        bool split;
        r = make_conditions(sc, i, conds, &split, err);
        if (r < 0)
                return r;
        /* Checked before the skip below, so that a profile is valid or not whatever its default. */
        if (action == SCMP_ACT_NOTIFY) {
                for (size_t j = 0; j < sc->n_names; j++)
                        if (strcmp(sc->names[j], "sendmsg") == 0)
                                return husk_error_set(err, EINVAL,
                                                      "%s: SCMP_ACT_NOTIFY cannot be used for sendmsg: the runtime "
                                                      "hands the listener over with it",
                                                      what);
        }
        /* Redundant, and libseccomp refuses a rule with the default action (as runc: skipped). */
        if (action == default_action)
                return 0;

        for (size_t j = 0; j < sc->n_names; j++) {
                const char *name = sc->names[j];
                if (!name[0])
                        return husk_error_set(err, EINVAL, "%s.names[%zu]: empty syscall name", what, j);
                int nr = l->resolve_name(name);
                if (nr == __NR_SCMP_ERROR) {
                        /* A name from a newer kernel: allowing what does not exist changes nothing, but
                         * silently dropping an ERRNO or KILL rule would open what the profile closes. */
                        if (action == SCMP_ACT_ALLOW)
                                continue;
                        const struct scmp_version *v = l->version();
                        return husk_error_set(err, EINVAL, "%s: unknown syscall \"%s\" (libseccomp %u.%u.%u) in a rule "
                                              "with action %s",
                                              what, name, v->major, v->minor, v->micro, sc->action);
                }
                if (!split) {
                        r = l->rule_add_array(ctx, action, nr, (unsigned int) sc->n_args, conds);
                        if (r < 0)
                                return husk_error_errno(err, -r, "%s: add rule for %s", what, name);
                        continue;
                }
                for (size_t k = 0; k < sc->n_args; k++) {
                        r = l->rule_add_array(ctx, action, nr, 1, &conds[k]);
                        if (r < 0)
                                return husk_error_errno(err, -r, "%s.args[%zu]: add rule for %s", what, k, name);
                }
        }
        return 0;
}

/* The program libseccomp writes to a memfd, read back. */
static int export_bpf(const struct scmp_lib *l, scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_n,
                      struct husk_error *err)
{
        _cleanup_close_ int fd = memfd_create("husk-seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "seccomp: memfd_create");
        int r = l->export_bpf(ctx, fd);
        if (r < 0)
                return husk_error_errno(err, -r, "seccomp: export the BPF program");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return husk_error_errno(err, errno, "seccomp: stat the BPF program");
        size_t size = (size_t) st.st_size;
        if (size == 0 || size % sizeof(struct sock_filter) != 0)
                return husk_error_set(err, EINVAL, "seccomp: libseccomp produced a program of %zu bytes", size);
        size_t n = size / sizeof(struct sock_filter);
        if (n > MAX_INSNS)
                return husk_error_set(err, E2BIG, "config.json: linux.seccomp: the filter needs %zu BPF instructions, the kernel "
                                      "takes at most %d",
                                      n, MAX_INSNS);
        _cleanup_free_ struct sock_filter *insns = malloc(size);
        if (!insns)
                return husk_error_errno(err, ENOMEM, "seccomp: BPF program");
        ssize_t got = pread(fd, insns, size, 0);
        if (got != (ssize_t) size)
                return husk_error_errno(err, got < 0 ? errno : EIO, "seccomp: read the BPF program");
        *ret = steal_ptr(insns);
        *ret_n = n;
        return 0;
}

int husk_seccomp_compile(const struct husk_seccomp *s, struct sock_filter **ret, size_t *ret_n, struct husk_error *err)
{
        uint32_t default_action;
        int r = husk_seccomp_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
                                    "config.json: linux.seccomp.defaultAction", &default_action, err);
        if (r < 0)
                return r;

        _cleanup_(scmp_lib_close) struct scmp_lib l = { 0 };
        r = scmp_lib_open(&l, err);
        if (r < 0)
                return r;
        _cleanup_(filter_release) struct filter f = { .lib = &l, .ctx = l.init(default_action) };
        if (!f.ctx)
                return husk_error_set(err, EINVAL, "config.json: linux.seccomp.defaultAction: libseccomp refuses %s", s->default_action);
        r = add_archs(&l, f.ctx, s->architectures, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_syscalls; i++) {
                r = add_rule(&l, f.ctx, &s->syscalls[i], i, default_action, err);
                if (r < 0)
                        return r;
        }
        return export_bpf(&l, f.ctx, ret, ret_n, err);
}

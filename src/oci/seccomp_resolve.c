/* SPDX-License-Identifier: Apache-2.0 */
/* Resolution of a Docker-format seccomp profile for one container: its bounding capabilities, the
 * architecture and the kernel, giving the linux.seccomp that a runtime loads (moby/profiles'
 * setupSeccomp, whose semantics a profile written for Docker expects). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "oci/seccomp_profile.h"
#include "util/cleanup.h"

/* Only the first two numbers count: "3.12.25-gentoo" and "3.12-1-amd64" are both 3.12. */
static bool release_parse(const char *p, unsigned int *ret_major, unsigned int *ret_minor)
{
        char *end;
        if (!p || *p < '0' || *p > '9')
                return false;
        errno = 0;
        unsigned long major = strtoul(p, &end, 10);
        if (errno || *end != '.' || end[1] < '0' || end[1] > '9' || major > 0xffff)
                return false;
        unsigned long minor = strtoul(end + 1, &end, 10);
        if (errno || minor > 0xffff)
                return false;
        *ret_major = (unsigned int) major;
        *ret_minor = (unsigned int) minor;
        return true;
}

int husk_kernel_release_parse(const char *release, unsigned int *ret_major, unsigned int *ret_minor,
                              struct husk_error *err)
{
        if (!release_parse(release, ret_major, ret_minor))
                return husk_error_set(err, EINVAL, "kernel release \"%s\": expected <kernel>.<major>[...]",
                                      release ? release : "");
        return 0;
}

struct resolve_ctx {
        const char *arch; /* canonical */
        uint64_t caps;
        unsigned int kernel_major, kernel_minor;
};

static bool strv_contains(char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

static bool kernel_at_least(const struct resolve_ctx *x, const struct husk_seccomp_filter *f)
{
        return x->kernel_major > f->min_kernel_major ||
               (x->kernel_major == f->min_kernel_major && x->kernel_minor >= f->min_kernel_minor);
}

static bool rule_applies(const struct resolve_ctx *x, const struct husk_seccomp_rule_filters *rf)
{
        const struct husk_seccomp_filter *ex = &rf->excludes, *in = &rf->includes;
        if (ex->arches && strv_contains(ex->arches, x->arch))
                return false;
        if (ex->caps & x->caps) /* any excluded capability held */
                return false;
        if (ex->has_min_kernel && kernel_at_least(x, ex))
                return false;
        if (in->arches && in->arches[0] && !strv_contains(in->arches, x->arch))
                return false;
        if ((in->caps & x->caps) != in->caps) /* every included capability held */
                return false;
        if (in->has_min_kernel && !kernel_at_least(x, in))
                return false;
        return true;
}

static int strv_copy(char *const *v, char ***ret)
{
        size_t n = 0;
        if (!v) {
                *ret = NULL;
                return 0;
        }
        while (v[n])
                n++;
        _cleanup_strv_ char **out = calloc(n + 1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(out[i] = strdup(v[i])))
                        return -ENOMEM;
        *ret = steal_ptr(out);
        return 0;
}

static int strdup_opt(const char *s, char **ret)
{
        *ret = NULL;
        if (s && !(*ret = strdup(s)))
                return -ENOMEM;
        return 0;
}

/* Copies into *out, which the caller frees (with everything copied so far) on failure. */
static int syscall_copy(const struct husk_seccomp_syscall *in, struct husk_seccomp_syscall *out)
{
        out->has_errno_ret = in->has_errno_ret;
        out->errno_ret = in->errno_ret;
        out->n_names = in->n_names;
        if (strv_copy(in->names, &out->names) < 0 || strdup_opt(in->action, &out->action) < 0)
                return -ENOMEM;
        if (in->n_args == 0)
                return 0;
        if (!(out->args = calloc(in->n_args, sizeof(*out->args))))
                return -ENOMEM;
        for (size_t j = 0; j < in->n_args; j++) {
                out->args[j] = in->args[j];
                out->args[j].op = NULL;
                out->n_args = j + 1;
                if (strdup_opt(in->args[j].op, &out->args[j].op) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* linux.seccomp.architectures: the profile's own list, or its archMap entry of the architecture
 * (the architecture first, then its companions: x86 and x32 for amd64...). No entry: NULL, which
 * means the native architecture only. */
static int resolve_arches(const struct husk_seccomp_profile *p, const char *arch, char ***ret)
{
        if (p->base.architectures)
                return strv_copy(p->base.architectures, ret);
        const char *scmp = husk_seccomp_arch_scmp(arch);
        for (size_t i = 0; i < p->n_arch_map; i++) {
                const struct husk_seccomp_arch_map *m = &p->arch_map[i];
                if (strcmp(m->arch, scmp) != 0)
                        continue;
                size_t n = 0;
                while (m->sub_arches && m->sub_arches[n])
                        n++;
                _cleanup_strv_ char **out = calloc(n + 2, sizeof(*out));
                if (!out || !(out[0] = strdup(m->arch)))
                        return -ENOMEM;
                for (size_t j = 0; j < n; j++)
                        if (!(out[j + 1] = strdup(m->sub_arches[j])))
                                return -ENOMEM;
                *ret = steal_ptr(out);
                return 0;
        }
        *ret = NULL;
        return 0;
}

static int resolve_ctx_init(const struct husk_seccomp_target *t, struct resolve_ctx *x, struct husk_error *err)
{
        x->caps = t->caps;
        if (t->arch) {
                if (!(x->arch = husk_seccomp_arch_canonical(t->arch)))
                        return husk_error_set(err, EINVAL, "seccomp profile: unknown architecture \"%s\"", t->arch);
        } else if (!(x->arch = husk_seccomp_arch_native())) {
                return husk_error_set(err, EINVAL, "seccomp profile: husk does not know the architecture it runs on");
        }
        struct utsname u;
        const char *release = t->kernel_release;
        if (!release) {
                if (uname(&u) < 0)
                        return husk_error_errno(err, errno, "uname");
                release = u.release;
        }
        return husk_kernel_release_parse(release, &x->kernel_major, &x->kernel_minor, err);
}

static int resolve(const struct husk_seccomp_profile *p, const struct resolve_ctx *x, struct husk_seccomp *out)
{
        const struct husk_seccomp *b = &p->base;
        out->has_default_errno_ret = b->has_default_errno_ret;
        out->default_errno_ret = b->default_errno_ret;
        if (strdup_opt(b->default_action, &out->default_action) < 0 || strv_copy(b->flags, &out->flags) < 0 ||
            strdup_opt(b->listener_path, &out->listener_path) < 0 ||
            strdup_opt(b->listener_metadata, &out->listener_metadata) < 0 ||
            resolve_arches(p, x->arch, &out->architectures) < 0)
                return -ENOMEM;
        if (b->n_syscalls == 0)
                return 0;
        if (!(out->syscalls = calloc(b->n_syscalls, sizeof(*out->syscalls))))
                return -ENOMEM;
        for (size_t i = 0; i < b->n_syscalls; i++) {
                /* A profile parsed by husk_seccomp_profile_parse() has a filter per rule. */
                if (i < p->n_filters && !rule_applies(x, &p->filters[i]))
                        continue;
                int r = syscall_copy(&b->syscalls[i], &out->syscalls[out->n_syscalls++]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int husk_seccomp_profile_resolve(const struct husk_seccomp_profile *p, const struct husk_seccomp_target *t,
                                 struct husk_seccomp *ret, struct husk_error *err)
{
        struct resolve_ctx x;
        int r = resolve_ctx_init(t, &x, err);
        if (r < 0)
                return r;
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp out = { 0 };
        if ((r = resolve(p, &x, &out)) < 0)
                return husk_error_errno(err, -r, "resolve seccomp profile");
        *ret = out;
        memset(&out, 0, sizeof(out));
        return 0;
}

int husk_spec_set_seccomp_profile(struct husk_spec *spec, const struct husk_seccomp_profile *p,
                                  struct husk_error *err)
{
        const struct husk_capabilities *c = &spec->process.capabilities;
        struct husk_seccomp_target t = {
                .caps = spec->has_process && spec->process.has_capabilities && c->has_bounding ? c->bounding : 0,
        };
        struct husk_seccomp s;
        int r = husk_seccomp_profile_resolve(p, &t, &s, err);
        if (r < 0)
                return r;
        husk_seccomp_free_contents(&spec->linux_.seccomp);
        spec->linux_.seccomp = s;
        spec->linux_.has_seccomp = true;
        spec->has_linux = true;
        return 0;
}

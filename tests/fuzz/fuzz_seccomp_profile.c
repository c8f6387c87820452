/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a Docker-format seccomp profile is parsed, resolved for a few targets and
 * written as linux.seccomp; nothing may crash, leak or read out of bounds; a failure sets the error,
 * and a resolved profile keeps no more rules than the profile has. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/seccomp_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void resolve_and_write(const struct husk_seccomp_profile *p, uint64_t caps, const char *arch,
                              const char *kernel)
{
        struct husk_seccomp_target t = { .caps = caps, .arch = arch, .kernel_release = kernel };
        struct husk_error err = { 0 };
        struct husk_seccomp s = { 0 };
        if (husk_seccomp_profile_resolve(p, &t, &s, &err) < 0)
                abort(); /* the targets are valid: resolving cannot fail but for ENOMEM */
        if (s.n_syscalls > p->base.n_syscalls || !s.default_action)
                abort();
        json_t *j = NULL;
        if (husk_seccomp_to_json(&s, &j, &err) == 0)
                json_decref(j);
        else if (err.code == 0)
                abort();
        husk_seccomp_free_contents(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct husk_error err = { 0 };
        struct husk_seccomp_profile *p = NULL;
        int r = husk_seccomp_profile_parse((const char *) data, size, "profile.json", &p, &err);
        if (r < 0) {
                if (p || err.code == 0 || strlen(err.msg) == 0)
                        abort();
                return 0;
        }
        resolve_and_write(p, 0, "amd64", "4.4.0");
        resolve_and_write(p, UINT64_MAX, "s390x", "6.18.0-rc1");
        resolve_and_write(p, UINT64_C(1) << 21, "arm64", "5.10");
        husk_seccomp_profile_free(p);
        return 0;
}

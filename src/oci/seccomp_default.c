/* SPDX-License-Identifier: Apache-2.0 */
/* husk's default seccomp profile, data/seccomp/default.json compiled into the library (by
 * embed_json.py at build time). Compiled in rather than read from datadir so that the engine never
 * runs a container unconfined, or fails, because a data file is missing, stale or was edited: the
 * profile is part of the code's security contract and is versioned with it. The installed copy
 * (datadir/husk/seccomp/default.json) is the same text, for users to read and adapt. Only binaries
 * that call husk_seccomp_profile_default() link it: husk-runtime does not. */
#include <stddef.h>

#include "oci/seccomp_profile.h"

extern const char husk_seccomp_default_json[];
extern const size_t husk_seccomp_default_json_len;

const char *husk_seccomp_default_profile_json(size_t *ret_len)
{
        if (ret_len)
                *ret_len = husk_seccomp_default_json_len;
        return husk_seccomp_default_json;
}

int husk_seccomp_profile_default(struct husk_seccomp_profile **ret, struct husk_error *err)
{
        return husk_seccomp_profile_parse(husk_seccomp_default_json, husk_seccomp_default_json_len,
                                          "husk default seccomp profile", ret, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: config.json parsing must never crash, leak or read out of bounds, whatever the
 * input; on success the result must be freeable, on failure the error must be set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct husk_error err = { 0 };
        struct husk_spec *spec = NULL;
        int r = husk_config_parse((const char *) data, size, "config.json", &spec, &err);
        if (r == 0) {
                if (!spec || !spec->oci_version || !spec->root.path)
                        abort();
                if (spec->has_process && (!spec->process.args || !spec->process.args[0] || spec->process.cwd[0] != '/'))
                        abort();
                for (size_t i = 0; i < spec->n_mounts; i++)
                        if (spec->mounts[i].destination[0] != '/')
                                abort();
                husk_spec_free(spec);
        } else if (spec || err.code == 0 || strlen(err.msg) == 0) {
                abort();
        }
        return 0;
}

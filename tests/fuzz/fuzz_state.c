/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: state.json parsing, and a round trip of whatever parsed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct husk_error err = { 0 };
        struct husk_state *s = NULL;
        if (husk_state_from_json((const char *) data, size, "state.json", &s, &err) < 0)
                return 0;
        char *text = NULL;
        if (husk_state_to_json(s, true, &text, &err) == 0) {
                struct husk_state *b = NULL;
                if (husk_state_from_json(text, strlen(text), "state.json", &b, &err) < 0)
                        abort();
                if (strcmp(b->id, s->id) != 0 || b->status != s->status || b->pid != s->pid)
                        abort();
                husk_state_free(b);
                free(text);
        }
        husk_state_free(s);
        return 0;
}

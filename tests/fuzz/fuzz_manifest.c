/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: untrusted image metadata (manifests, indexes, image configs, references). Every
 * parser sees every input; whatever parses must be internally consistent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/manifest.h"
#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *json = (const char *) data;
        struct husk_error err = { 0 };
        enum husk_doc_kind kind;

        (void) husk_doc_kind(json, size, "doc", &kind, &err);

        struct husk_manifest m = { 0 };
        if (husk_manifest_parse(json, size, "manifest", &m, &err) == 0) {
                if (!husk_digest_is_valid(m.config.digest) || (m.n_layers && !m.layers))
                        abort();
                for (size_t i = 0; i < m.n_layers; i++)
                        if (!husk_digest_is_valid(m.layers[i].digest) || m.layers[i].size < 0)
                                abort();
        }
        husk_manifest_free(&m);

        struct husk_index idx = { 0 };
        if (husk_index_parse(json, size, "index", &idx, &err) == 0) {
                const struct husk_descriptor *d = NULL;
                if (husk_index_select(&idx, NULL, NULL, NULL, "index", &d, &err) == 0 &&
                    (d < idx.manifests || d >= idx.manifests + idx.n_manifests))
                        abort();
                (void) husk_index_select(&idx, "linux", "arm64", "v8", "index", &d, &err);
        }
        husk_index_free(&idx);

        struct husk_image_config c = { 0 };
        if (husk_image_config_parse(json, size, "config", &c, &err) == 0)
                for (size_t i = 0; i < c.n_diff_ids; i++)
                        if (!husk_digest_is_valid(c.diff_ids[i]))
                                abort();
        husk_image_config_free(&c);

        /* references are short strings: the input up to its first NUL */
        char *s = strndup(json, size < 512 ? size : 512);
        struct husk_reference r = { 0 };
        if (s && husk_reference_parse(s, &r, &err) == 0) {
                char *full = husk_reference_string(&r);
                struct husk_reference again = { 0 };
                /* a normalised reference is a fixed point */
                if (!full || husk_reference_parse(full, &again, &err) < 0)
                        abort();
                char *full2 = husk_reference_string(&again);
                if (!full2 || strcmp(full, full2) != 0)
                        abort();
                free(full2);
                husk_reference_free(&again);
                free(full);
        }
        husk_reference_free(&r);
        free(s);
        return 0;
}

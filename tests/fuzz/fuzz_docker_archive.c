/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a Docker archive's manifest.json (src/image/docker_archive.c). Whatever parses must
 * name only canonical paths inside the archive: no "..", no leading "/", no empty or "." component.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/transfer_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p)
{
        if (!p || !*p || p[0] == '/' || p[strlen(p) - 1] == '/' || strstr(p, "//"))
                abort();
        for (const char *c = p; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL) {
                size_t n = strcspn(c, "/");
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct husk_docker_archive a = { 0 };
        struct husk_error err = { 0 };

        if (husk_docker_archive_parse((const char *) data, size, "manifest.json", &a, &err) == 0) {
                if (a.n_images == 0)
                        abort();
                for (size_t i = 0; i < a.n_images; i++) {
                        check_path(a.images[i].config);
                        for (size_t j = 0; j < a.images[i].n_layers; j++)
                                check_path(a.images[i].layers[j]);
                        if (a.images[i].layers[a.images[i].n_layers] || !a.images[i].repo_tags)
                                abort();
                }
                husk_docker_archive_free(&a);
        } else if (!err.msg[0] || a.images) {
                abort();
        }

        /* The same bytes as a member name. */
        char *s = strndup((const char *) data, size), *clean = NULL;
        if (s && husk_archive_path_clean(s, &clean) == 0)
                check_path(clean);
        free(clean);
        free(s);
        return 0;
}

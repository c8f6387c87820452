/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/husk/image_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/container.h"
#include "util/cleanup.h"

int husk_cli_store_open(const struct husk_ctx *ctx, bool read_only, struct husk_store **ret, struct husk_error *err)
{
        struct husk_store_opts opts = { .root = ctx->storage_root, .read_only = read_only };
        return husk_store_open(&opts, ret, err);
}

void husk_cli_image_id(const char *id, bool no_trunc, char *buf, size_t size)
{
        if (no_trunc)
                (void) snprintf(buf, size, "%s", id);
        else
                (void) snprintf(buf, size, "%.12s", strncmp(id, "sha256:", 7) == 0 ? id + 7 : id);
}

int husk_cli_images_in_use(struct husk_store *s, char ***ret, struct husk_error *err)
{
        _cleanup_(husk_ctr_store_closep) struct husk_ctr_store *cs = NULL;
        int r = husk_ctr_store_open(husk_store_root(s), false, &cs, err);
        /* Only a missing containers/ means no container uses anything: any other failure must not let an
           image in use be removed. */
        if (r < 0 && r != -ENOENT)
                return r;
        if (r < 0) {
                husk_error_clear(err);
                char **none = calloc(1, sizeof(char *));
                if (!none)
                        return husk_error_errno(err, ENOMEM, "images in use");
                *ret = none;
                return 0;
        }
        return husk_ctr_images_in_use(cs, ret, err);
}

int husk_cli_store_open_in_use(const struct husk_ctx *ctx, bool read_only, struct husk_store **ret,
                               char ***ret_in_use, struct husk_error *err)
{
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        int r = husk_cli_store_open(ctx, read_only, &s, err);
        if (r < 0)
                return r;
        r = husk_cli_images_in_use(s, ret_in_use, err);
        if (r < 0)
                return r;
        *ret = steal_ptr(s);
        return 0;
}

bool husk_cli_strv_contains(char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

int husk_cli_image_config_json(struct husk_store *s, const char *id, json_t **ret, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = husk_blob_read(s, id, 4 << 20, &data, &len, err);
        if (r < 0)
                return r;
        json_error_t je;
        json_t *j = json_loadb(data, len, 0, &je);
        if (!j || !json_is_object(j)) {
                json_decref(j);
                return husk_error_set(err, EINVAL, "image config %s: %s", id, j ? "not a JSON object" : je.text);
        }
        *ret = j;
        return 0;
}

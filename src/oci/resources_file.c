/* SPDX-License-Identifier: Apache-2.0 */
/* A linux.resources object on its own: what `update -r FILE` reads (runc's format). */
#include "oci/config.h"

#include <errno.h>
#include <string.h>

#include "oci/config_json.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static void resources_done(struct husk_resources **r)
{
        if (*r)
                husk_resources_free_contents(*r);
}

int husk_resources_parse(const char *data, size_t len, const char *name, struct husk_resources *ret,
                         struct husk_error *err)
{
        struct husk_jctx c = { .name = name ? name : "resources", .err = err };
        json_error_t je;

        if (!data)
                return husk_error_set(err, EINVAL, "%s: no data", c.name);
        _cleanup_json_ json_t *doc = json_loadb(data, len, 0, &je);
        /* As config.c: uint64 values past INT64_MAX are only decodable as doubles. */
        if (!doc && strstr(je.text, "too big")) {
                doc = json_loadb(data, len, JSON_DECODE_INT_AS_REAL, &je);
                c.int_as_real = true;
        }
        if (!doc)
                return husk_error_set(err, EINVAL, "%s: line %d column %d: %s", c.name, je.line, je.column, je.text);
        if (!json_is_object(doc))
                return husk_error_set(err, EINVAL, "%s: must be a JSON object", c.name);

        struct husk_resources res = { 0 };
        _cleanup_(resources_done) struct husk_resources *owned = &res;
        /* The parser fills fields as it goes: on error, what it filled is freed with the rest. */
        int r = husk_parse_resources(&c, doc, &res);
        if (r < 0)
                return r;
        owned = NULL;
        *ret = res;
        return 0;
}

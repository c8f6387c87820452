/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where `husk cp` puts what it copies: Docker's rules (docs/reference/commandline/container_cp.md,
 * moby pkg/archive/copy.go), the same both ways. Pure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ctr_cp.h"

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);
        return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool husk_cp_wants_contents(const char *src)
{
        return ends_with(src, "/.") || strcmp(src, ".") == 0 || strcmp(src, "/") == 0;
}

bool husk_cp_wants_dir(const char *src)
{
        return ends_with(src, "/") || husk_cp_wants_contents(src);
}

void husk_cp_base_name(const char *path, char *out, size_t size)
{
        size_t n = strlen(path);

        while (n > 0 && (path[n - 1] == '/' || (path[n - 1] == '.' && (n == 1 || path[n - 2] == '/'))))
                n--;
        size_t start = n;
        while (start > 0 && path[start - 1] != '/')
                start--;
        (void) snprintf(out, size, "%.*s", (int) (n - start), path + start);
}

int husk_cp_plan(const struct husk_cp_plan_in *in, struct husk_cp_plan *ret, struct husk_error *err)
{
        char base[256];

        *ret = (struct husk_cp_plan) { 0 };
        if (husk_cp_wants_dir(in->src) && !in->src_is_dir)
                return husk_error_set(err, ENOTDIR, "%s: not a directory", in->src);
        husk_cp_base_name(in->src, base, sizeof(base));
        bool dest_slash = ends_with(in->dest, "/") || ends_with(in->dest, "/.");
        const char *top = in->dest;
        char *joined = NULL;

        if (!in->dest_exists) {
                /* A new file or directory named dest; its directory must exist (the caller checks). */
                if (dest_slash && !in->src_is_dir)
                        return husk_error_set(err, ENOENT, "%s: no such directory", in->dest);
        } else if (!in->dest_is_dir) {
                if (in->src_is_dir)
                        return husk_error_set(err, EISDIR, "%s: cannot copy a directory to a file", in->dest);
                if (dest_slash)
                        return husk_error_set(err, ENOTDIR, "%s: not a directory", in->dest);
        } else if (in->src_is_dir && husk_cp_wants_contents(in->src)) {
                ret->contents = true; /* into dest itself; dest keeps its own attributes */
        } else if (base[0]) {
                if (asprintf(&joined, "%s%s%s", in->dest, ends_with(in->dest, "/") ? "" : "/", base) < 0)
                        return husk_error_errno(err, ENOMEM, "cp");
                top = joined;
        } else {
                ret->contents = true;
        }
        ret->top = joined ? joined : strdup(top);
        if (!ret->top)
                return husk_error_errno(err, ENOMEM, "cp");
        return 0;
}

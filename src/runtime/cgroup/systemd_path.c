/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd driver's cgroupsPath ("slice:prefix:name") to a unit name and its cgroup path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/systemd_internal.h"
#include "util/cleanup.h"

#define SLICE_SUFFIX ".slice"
/* systemd's UNIT_NAME_MAX, with its NUL. */
#define UNIT_NAME_MAX 256

void husk_sd_unit_done(struct husk_sd_unit *u)
{
        free(u->slice);
        free(u->unit);
        free(u->path);
        *u = (struct husk_sd_unit){ 0 };
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

int husk_sd_expand_slice(const char *slice, char **ret)
{
        size_t len = strlen(slice), sl = strlen(SLICE_SUFFIX);
        if (len <= sl || !ends_with(slice, SLICE_SUFFIX) || strchr(slice, '/'))
                return -EINVAL;
        if (strcmp(slice, "-" SLICE_SUFFIX) == 0) {
                char *root = strdup("/");
                if (!root)
                        return -ENOMEM;
                *ret = root;
                return 0;
        }
        size_t base = len - sl;
        /* "a-b-c" gives /a.slice/a-b.slice/a-b-c.slice: each component repeats the prefix before it. */
        size_t n_comp = 1;
        for (size_t i = 0; i < base; i++)
                if (slice[i] == '-')
                        n_comp++;
        size_t cap = n_comp * (len + 2) + 1;
        _cleanup_free_ char *path = malloc(cap);
        if (!path)
                return -ENOMEM;
        size_t at = 0, start = 0;
        for (size_t i = 0; i <= base; i++) {
                if (i < base && slice[i] != '-')
                        continue;
                /* An empty component: "-a.slice", "a--b.slice", "a-.slice". */
                if (i == start)
                        return -EINVAL;
                at += (size_t) snprintf(path + at, cap - at, "/%.*s" SLICE_SUFFIX, (int) i, slice);
                start = i + 1;
        }
        *ret = steal_ptr(path);
        return 0;
}

/* The characters systemd accepts in a unit name (unit-name.c: VALID_CHARS plus '@'). */
static bool valid_unit_chars(const char *s)
{
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      strchr(":-_.\\@", *s)))
                        return false;
        return true;
}

static int bad(struct husk_error *err, const char *cgroups_path, const char *what)
{
        return husk_error_set(err, EINVAL, "--systemd-cgroup: linux.cgroupsPath \"%s\": %s", cgroups_path, what);
}

int husk_sd_parse_path(const char *id, const char *cgroups_path, struct husk_sd_unit *ret, struct husk_error *err)
{
        _cleanup_free_ char *dflt = NULL;
        if (!cgroups_path || !cgroups_path[0]) {
                if (asprintf(&dflt, "system.slice:husk:%s", id) < 0)
                        return husk_error_errno(err, ENOMEM, "cgroup path");
                cgroups_path = dflt;
        }
        const char *c1 = strchr(cgroups_path, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || strchr(c2 + 1, ':'))
                return bad(err, cgroups_path, "expected the systemd form \"slice:prefix:name\"");
        _cleanup_free_ char *slice = strndup(cgroups_path, (size_t) (c1 - cgroups_path));
        _cleanup_free_ char *prefix = strndup(c1 + 1, (size_t) (c2 - c1 - 1));
        const char *name = c2 + 1;
        if (!slice || !prefix)
                return husk_error_errno(err, ENOMEM, "cgroup path");
        if (!slice[0]) {
                free(slice);
                if (!(slice = strdup("system.slice")))
                        return husk_error_errno(err, ENOMEM, "cgroup path");
        }
        if (!name[0])
                return bad(err, cgroups_path, "the name (the third field) is empty");
        if (!valid_unit_chars(prefix) || !valid_unit_chars(name))
                return bad(err, cgroups_path, "prefix and name may only hold letters, digits and \"-_.\\@\"");

        _cleanup_free_ char *slice_path = NULL;
        int r = husk_sd_expand_slice(slice, &slice_path);
        if (r == -ENOMEM)
                return husk_error_errno(err, ENOMEM, "cgroup path");
        if (r < 0)
                return bad(err, cgroups_path, "the slice (the first field) is not a valid slice name "
                                              "(\"name.slice\", dash-separated parts, none empty)");

        struct husk_sd_unit u = { .is_slice = ends_with(name, SLICE_SUFFIX) };
        _cleanup_free_ char *unit = NULL, *path = NULL;
        if (u.is_slice) {
                /* A slice unit is where its name puts it, whatever the first field says (that one
                 * becomes its Wants=, as runc). */
                unit = strdup(name);
                r = unit ? husk_sd_expand_slice(name, &path) : -ENOMEM;
                if (r == -EINVAL || (r == 0 && strcmp(path, "/") == 0))
                        return bad(err, cgroups_path, "the name (the third field) is not a valid slice name");
                if (r < 0)
                        return husk_error_errno(err, ENOMEM, "cgroup path");
        } else {
                if (prefix[0] ? asprintf(&unit, "%s-%s.scope", prefix, name) < 0 : asprintf(&unit, "%s.scope", name) < 0) {
                        unit = NULL;
                        return husk_error_errno(err, ENOMEM, "cgroup path");
                }
                if (asprintf(&path, "%s/%s", strcmp(slice_path, "/") == 0 ? "" : slice_path, unit) < 0) {
                        path = NULL;
                        return husk_error_errno(err, ENOMEM, "cgroup path");
                }
        }
        if (strlen(unit) >= UNIT_NAME_MAX)
                return bad(err, cgroups_path, "the unit name is longer than systemd allows (255)");
        u.slice = steal_ptr(slice);
        u.unit = steal_ptr(unit);
        u.path = steal_ptr(path);
        *ret = u;
        return 0;
}

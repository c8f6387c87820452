/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the engine's cp (ctr_cp.c, ctr_cp_in.c, ctr_cp_plan.c); the plan is pure, for unit tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine/ctr_fs.h"
#include "util/error.h"

/* The source names a directory's content ("DIR/.", ".", "/"), or must be a directory (also "DIR/"). */
bool husk_cp_wants_contents(const char *src);
bool husk_cp_wants_dir(const char *src);

struct husk_cp_plan_in {
        const char *src;        /* as given: a trailing "/" or "/." matters */
        bool src_is_dir;
        const char *dest;       /* as given */
        bool dest_exists, dest_is_dir;
};

struct husk_cp_plan {
        char *top;              /* the path the source's top gets: dest, or dest/BASENAME (caller frees) */
        bool contents;          /* a directory's content copied into the existing dest: no entry for the
                                   top itself (dest keeps its attributes) */
};

/* Docker's table: a file to an existing directory goes into it, to anything else becomes dest; a
 * directory to a missing dest becomes it, into an existing directory goes into it (its content only
 * for "SRC/."), onto a file is an error; "DEST/" must be a directory. Errors name the path and say
 * Docker's words ("no such directory", "not a directory", "cannot copy a directory to a file"). */
int husk_cp_plan(const struct husk_cp_plan_in *in, struct husk_cp_plan *ret, struct husk_error *err);

/* The last component of a path ("a/b/" and "a/b/." give "b"); "" for "/". */
void husk_cp_base_name(const char *path, char *out, size_t size);

/* The archive entries read from a (a tar stream, or with disk a host tree through archive_read_disk)
 * written into the container's root: names are rebased from strip (the host source as given) onto top
 * (a path in the container), or, strip NULL, a tar's names cleaned in-root and put below top; skip_top:
 * the source's top itself is not written (plan.contents: top keeps its own attributes). Every
 * path is resolved in the root (util/path.h) and every last component acted on without following it.
 * ctr_cp_in.c. */
struct archive;
int husk_cp_extract_in_root(struct archive *a, bool disk, int root_fd, const char *top, const char *strip,
                            bool skip_top, const struct husk_cp_opts *o, struct husk_error *err);

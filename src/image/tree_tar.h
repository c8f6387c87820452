/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A directory tree (or one file) written as entries to a libarchive writer: a tar stream (export, cp to
 * '-', commit's layer) or archive_write_disk (cp out to a host directory). The tree is someone else's
 * (a container's root, its upper layer): it is walked by fds only, every child opened beneath its
 * directory's fd without following a symlink or crossing a mount, so a symlink or a rename in the tree
 * can never make the walk read a file of the host.
 */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#include <archive.h>

#include "util/error.h"

struct husk_tree_tar_opts {
        /* An overlay upper layer as an OCI layer (layer.md): a 0:0 character device NAME becomes an empty
         * file ".wh.NAME", a directory with trusted.overlay.opaque=y gets a ".wh..wh..opq" entry. */
        bool oci_whiteouts;
        /* Extended attributes in the entries (overlay's own, trusted.overlay.* and user.overlay.*, never). */
        bool xattrs;
        /* Set-user/group-ID bits dropped: files handed to someone other than their owner (cp out of a
         * container without -a) must not carry the container's choice of privilege. */
        bool no_setid;
        /* No entry for the top directory itself, its children still named below `name`: a directory's
         * content copied into an existing one, which keeps its own attributes. */
        bool no_top;
        /* Called with each path below the top ("etc/hosts", no leading '/') before it is written; true
         * leaves it (and, for a directory, all below it) out. NULL: nothing left out. */
        bool (*skip)(void *ctx, const char *path, const struct stat *st);
        void *skip_ctx;
};

/*
 * Write the tree at fd (any fd of a directory, file or symlink, O_PATH included; not followed if a
 * symlink) to a, the top named `name` ("" : the top directory itself has no entry and its children are
 * named from the top, as a layer or an export; else "name", "name/child"...). Directories are named
 * with a trailing '/'. Hard links within the tree become tar hard links. Owners, modes and
 * modification times (ns) are kept. a's own errors are quoted with `what`.
 */
int husk_tree_tar_write(struct archive *a, int fd, const char *name, const struct husk_tree_tar_opts *opts,
                        const char *what, struct husk_error *err);

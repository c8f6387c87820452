/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the engine's diff and commit: a container's upper layer and the layers below it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "engine/ctr_fs.h"

struct ctr_upper {
        int upper_fd;           /* <dir>/upper, O_RDONLY|O_DIRECTORY */
        int *lower_fds;         /* the image's layers, top first (O_PATH) */
        size_t n_lower;
        char **mounts;          /* the last start's mount destinations, relative ("etc/hosts"), NULL-terminated */
};

/* The upper layer of a container held by root (ctr_fs.h). -ENOTSUP for the copy driver and --rootfs
 * containers, with words; a container never started has an empty upper (ret->upper_fd -1). */
int ctr_upper_open(struct husk_engine *e, const struct husk_ctr_root *root, const char *cmd, struct ctr_upper *ret,
                   struct husk_error *err);
void ctr_upper_close(struct ctr_upper *u);

/* path ("etc/x", relative) exists in the layers below (a whiteout there counts as absent); *ret_st gets
 * its stat when it does (may be NULL). */
bool ctr_upper_in_lower(const struct ctr_upper *u, const char *path, struct stat *ret_st);

/* A mount point a start made (an empty file or directory at a mount's destination, absent below): not
 * the container's change. For husk_tree_tar_opts.skip (ctx: the struct ctr_upper). */
bool ctr_upper_skip(void *ctx, const char *path, const struct stat *st);

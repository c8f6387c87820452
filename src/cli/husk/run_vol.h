/* SPDX-License-Identifier: Apache-2.0 */
/* run/create's mount options (vol): -v/--volume, --mount, --tmpfs, --volumes-from (run_vol.c). */
#pragma once

#include "cli/husk/husk.h"
#include "engine/container.h"

struct run_vol_flags {
        struct arg_strings volume, mount, tmpfs, volumes_from;
};

/* ARG_OPT lines for RUN_OPTS (field: the struct run_flags member holding a struct run_vol_flags). */
#define RUN_VOL_OPTS(S, field)                                                                                   \
        ARG_OPT("volume", "v", ARG_STRINGS, S, field.volume, "Bind mount a volume (SRC:DST[:OPTS], or DST)"),    \
        ARG_OPT("mount", NULL, ARG_STRINGS, S, field.mount, "Attach a filesystem mount to the container"),        \
        ARG_OPT("tmpfs", NULL, ARG_STRINGS, S, field.tmpfs, "Mount a tmpfs directory (DST[:OPTS])"),             \
        ARG_OPT("volumes-from", NULL, ARG_STRINGS, S, field.volumes_from,                                        \
                "Mount volumes from the specified container(s) (CONTAINER[:ro|rw])")

/* Check the options (Docker's messages, usage errors: 125, nothing made) and keep them in cfg:
 * HostConfig.Binds, Config.Volumes, HostConfig.Mounts, HostConfig.Tmpfs, HostConfig.VolumesFrom. */
int husk_run_vol_flags(const struct husk_ctx *ctx, const struct run_vol_flags *f, struct husk_ctr_config *cfg);

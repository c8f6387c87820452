/* SPDX-License-Identifier: Apache-2.0 */
/*
 * checkpoint/restore through the `criu` binary (checkpoint_criu.c): Debian packages no libcriu, so
 * husk runs `criu dump`/`criu restore` with the options runc passes over its RPC. Internal to
 * checkpoint.c and checkpoint_restore.c.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

/* The init's stdio at dump time, beside the images (checkpoint.c). */
#define HUSK_CKPT_STDIO "husk-stdio"

struct husk_cgroup;
struct husk_checkpoint_opts;

/* A growing NULL-terminated argv; every string owned. */
struct criu_argv {
        char **v;
        size_t n, cap;
};

void criu_argv_done(struct criu_argv *a);
/* Append one formatted argument. -ENOMEM (err filled) on failure. */
int criu_argv_add(struct criu_argv *a, struct husk_error *err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The options dump and restore share: images, work dir, log, root, cgroup mode and the flags. */
int criu_argv_common(struct criu_argv *a, const char *action, const struct husk_checkpoint_opts *o,
                     const char *rootfs, struct husk_error *err);

/*
 * The container's bind mounts, which CRIU must treat as external (their sources live outside the
 * container's mount namespace): on dump the key is the destination; on restore (restore=true) the
 * value is the source to bind again. Masked paths are not among them: husk binds the container's own
 * /dev/null (and a tmpfs) over them, which CRIU dumps and restores itself.
 */
int criu_argv_external_mounts(struct criu_argv *a, const struct husk_spec *spec, bool restore,
                              struct husk_error *err);

/*
 * Run criu with argv. With cg, the child is moved into that cgroup before it execs, so what it
 * restores lands there. Fails with EIO and CRIU's own error lines from work_dir/log_name when criu
 * exits non-zero, said as a kernel limitation when CRIU could not even start (its kernel feature
 * detection failed, as `criu check` would show).
 */
int criu_run(const struct criu_argv *a, struct husk_cgroup *cg, const char *work_dir, const char *log_name,
             struct husk_error *err);

/* mkdir -p a checkpoint directory (0700) and return its absolute path. `what` names it in errors. */
int criu_prepare_dir(const char *path, const char *what, char **ret, struct husk_error *err);

/* restore: --inherit-fd for each of fds 0-2 that was a pipe at dump time (HUSK_CKPT_STDIO). */
int criu_argv_inherit_stdio(struct criu_argv *a, const char *image_dir, struct husk_error *err);

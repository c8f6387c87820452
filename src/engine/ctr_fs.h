/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's filesystem from the outside: `husk cp`, `diff`, `commit`, `export` (the "fs" part of the
 * engine). Nothing here executes or loads anything from the container's filesystem (docker cp's
 * CVE-2019-14271 loaded the container's libnss), and every path inside it is resolved beneath its root
 * (openat2 RESOLVE_IN_ROOT, util/path.h): a symlink in the container never reaches a host file.
 *
 * Which root: the container's own root filesystem as mounted for the runtime (<dir>/merged), never
 * /proc/PID/root. merged/ lives in the host's mount namespace, owned by husk; /proc/PID/root is the
 * container's mount namespace, where the container (and a privileged one's mounts) decide what a path
 * is: procfs, sysfs and cgroupfs are there, so a symlink in the container to /proc/sys/... would make a
 * root `husk cp` write a host-wide sysctl. The price: what is mounted inside the container (volumes,
 * the /etc/hosts, /etc/hostname and /etc/resolv.conf bound in, tmpfs) is not seen, only the mount
 * points below them.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "engine/engine.h"
#include "util/error.h"

/* A container's root held for reading or writing from outside. */
struct husk_ctr_root {
        struct husk_ctr c;      /* its record, read under the lock */
        int lock_fd;            /* the container's lock, held meanwhile: no start, cleanup or rm between */
        int dirfd;              /* the container's directory */
        int root_fd;            /* O_PATH|O_DIRECTORY of the root */
        bool mounted;           /* mounted by us (a stopped container): unmounted by close */
};

/*
 * Open the root of a container, running or not. A running container's root is its mounted merged/; a
 * stopped one's overlay is mounted for the time being in a mount namespace of this process's own (the
 * calling process must be single-threaded: unshare(CLONE_NEWNS)), read-only unless writable, so that
 * nothing is left mounted on the host whatever happens to us. --rootfs containers: that directory.
 */
int husk_ctr_root_open(struct husk_engine *e, const char *id, bool writable, struct husk_ctr_root *ret,
                       struct husk_error *err);
void husk_ctr_root_close(struct husk_ctr_root *r);
/* Only the lock, the record and the directory (root_fd -1, nothing mounted): for diff and commit. */
int husk_ctr_root_hold(struct husk_engine *e, const char *id, struct husk_ctr_root *ret, struct husk_error *err);

/* `husk export`: the whole root as a tar on out_fd. */
int husk_engine_export(struct husk_engine *e, const char *id, int out_fd, struct husk_error *err);

/* ---- diff and commit (ctr_changes.c, ctr_commit.c) ---- */
enum husk_change_kind { HUSK_CHANGE_MODIFY = 0, HUSK_CHANGE_ADD = 1, HUSK_CHANGE_DELETE = 2 };  /* Docker's Kind */
struct husk_change {
        char *path;             /* "/etc/passwd" */
        enum husk_change_kind kind;
};
void husk_changes_free(struct husk_change *v, size_t n);

/* `husk diff`: what the container changed in its image, sorted by path, as Docker's overlay driver
 * reports it. The copy driver keeps no upper layer: -ENOTSUP with a message saying so. */
int husk_engine_diff(struct husk_engine *e, const char *id, struct husk_change **ret, size_t *ret_n,
                     struct husk_error *err);

struct husk_engine_commit_opts {
        const char *name;               /* REPOSITORY[:TAG], NULL: untagged */
        const char *author, *message;
        const char *const *changes;     /* -c, NULL-terminated (NULL: none) */
        bool pause;                     /* freeze a running container meanwhile (docker's default) */
};
/* `husk commit`: the container's upper layer as a new image over its image. */
int husk_engine_commit(struct husk_engine *e, const char *id, const struct husk_engine_commit_opts *o,
                       char ret_id[static HUSK_DIGEST_LEN], struct husk_error *err);
/* ---- cp (ctr_cp.c, ctr_cp_in.c) ---- */
struct husk_cp_opts {
        bool archive;           /* -a: keep the source's owners */
        bool follow;            /* -L: follow a symlink named as the source */
};
/* Out of the container: src (a path in it, "/." at its end: the content of the directory) to dest, a
 * host path, or "-": a tar on out_fd. */
int husk_engine_cp_out(struct husk_engine *e, const char *id, const char *src, const char *dest, int out_fd,
                       const struct husk_cp_opts *o, struct husk_error *err);
/* Into the container: src, a host path, or "-": a tar read from in_fd extracted into dest (a
 * directory), to dest, a path in it. */
int husk_engine_cp_in(struct husk_engine *e, const char *id, const char *src, int in_fd, const char *dest,
                      const struct husk_cp_opts *o, struct husk_error *err);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's seccomp filter (config-linux.md "Seccomp"), internal to libhusk. The runtime turns
 * linux.seccomp into a classic BPF program before it forks (seccomp.c): from the cache
 * (seccomp_cache.c) when the same profile was compiled before, otherwise with libseccomp, which is
 * dlopen()ed only then (seccomp_compile.c). The init inherits the program and loads it with the raw
 * seccomp(2) call; with SCMP_ACT_NOTIFY the listener fd goes back to the runtime, which hands it to
 * listenerPath with the container process state (seccomp_notify.c). docs/seccomp.md has the order.
 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "oci/state.h"
#include "util/error.h"

/* ---- names of the runtime-spec -> values (seccomp_tables.c), pure ---- */

/* The value of action `name` (SCMP_ACT_*), errnoRet folded in for ERRNO and TRACE (EPERM when not
 * given, as runc). what names the field for errors ("linux.seccomp.syscalls[3]"). */
int husk_seccomp_action(const char *name, bool has_errno_ret, uint32_t errno_ret, const char *what, uint32_t *ret,
                        struct husk_error *err);
/* enum scmp_compare of `name`, or -EINVAL. */
int husk_seccomp_operator(const char *name);
/* SCMP_ARCH_* of `name`: -EINVAL unknown, -EOPNOTSUPP when the libseccomp we build against lacks it. */
int husk_seccomp_arch(const char *name, uint32_t *ret);
/* SECCOMP_FILTER_FLAG_* of `name`, or 0 when unknown. */
unsigned int husk_seccomp_flag(const char *name);

/* What `features` lists: every name above, NULL-terminated. */
extern const char *const husk_seccomp_action_names[];
extern const char *const husk_seccomp_operator_names[];
extern const char *const husk_seccomp_arch_names[];
extern const char *const husk_seccomp_flag_names[];

/* ---- the kernel (seccomp_load.c) ---- */

/* Whether the running kernel supports action `action` (SECCOMP_GET_ACTION_AVAIL) and filter flag
 * `flag` (probed with a NULL program: EFAULT means known). */
bool husk_seccomp_kernel_has_action(uint32_t action);
bool husk_seccomp_kernel_has_flag(unsigned int flag);

/* A compiled filter, ready for seccomp(2). */
struct husk_seccomp_prog {
        struct sock_filter *insns;
        size_t n_insns;
        unsigned int flags; /* SECCOMP_FILTER_FLAG_*, NEW_LISTENER included when notify */
        bool notify;        /* a rule uses SCMP_ACT_NOTIFY: loading returns a listener fd */
        bool from_cache;
};

void husk_seccomp_prog_free(struct husk_seccomp_prog *p);

/* Install p on the calling thread. With p->notify, *ret_listener is the listener fd (O_CLOEXEC),
 * otherwise -1. Needs no_new_privs or CAP_SYS_ADMIN in the current user namespace. */
int husk_seccomp_load(const struct husk_seccomp_prog *p, int *ret_listener, struct husk_error *err);

/* ---- compile (seccomp_compile.c): libseccomp, dlopen()ed for the call ---- */

/* Where libseccomp is, fixed at build time (meson): the file the cache key identifies. */
#ifndef HUSK_LIBSECCOMP_PATH
#define HUSK_LIBSECCOMP_PATH "libseccomp.so.2"
#endif

int husk_seccomp_compile(const struct husk_seccomp *s, struct sock_filter **ret, size_t *ret_n,
                         struct husk_error *err);

/* The libseccomp version as "2.5.4" (dlopen()s it), for features. */
int husk_seccomp_lib_version(char *buf, size_t size, struct husk_error *err);

/* ---- the cache (seccomp_cache.c) ---- */

#define HUSK_SECCOMP_CACHE_DIR "~seccomp-cache" /* under the state root: '~' is no id character */
#define HUSK_SECCOMP_KEY_SIZE  65               /* hex sha256 + NUL */

/* The identity of the libseccomp file that would compile a miss: a new version is a new file. */
struct husk_seccomp_lib_id {
        uint64_t dev, ino, size;
        int64_t mtime_sec, mtime_nsec;
};

int husk_seccomp_lib_id_get(const char *path, struct husk_seccomp_lib_id *ret, struct husk_error *err);

/* sha256 over everything that determines the program: the whole profile but listenerPath and
 * listenerMetadata (not in the program, and per container), the native architecture of this build,
 * the libseccomp headers' version and the library file's identity, and the cache format. */
void husk_seccomp_cache_key(const struct husk_seccomp *s, const struct husk_seccomp_lib_id *lib,
                            char ret[HUSK_SECCOMP_KEY_SIZE]);

/* The cache directory under the state root (created 0700), refused unless owned by us and closed
 * to others. Returns the fd. */
int husk_seccomp_cache_open(int root_fd, struct husk_error *err);

/* 0 and the program on a hit; -ENOENT on a miss (absent, or not a valid entry). */
int husk_seccomp_cache_read(int dirfd, const char *key, struct sock_filter **ret, size_t *ret_n);

/* Store atomically (temp file, rename), 0600. */
int husk_seccomp_cache_write(int dirfd, const char *key, const struct sock_filter *insns, size_t n,
                             struct husk_error *err);

/* ---- the whole step (seccomp.c) ---- */

/* Validate s against this kernel and produce its program: from the cache under root_fd (-1: no
 * cache) or compiled and then cached. Errors name the linux.seccomp field. */
int husk_seccomp_prepare(const struct husk_seccomp *s, int root_fd, struct husk_seccomp_prog *ret,
                         struct husk_error *err);

/* ---- notify (seccomp_notify.c) ---- */

/* Connect to s->listener_path and send the container process state (config-linux.md) with
 * listener_fd as "seccompFd". */
int husk_seccomp_notify_send(const struct husk_seccomp *s, const struct husk_state *state, int listener_fd,
                             struct husk_error *err);

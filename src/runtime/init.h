/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's init: the process that becomes the container (pid 1 of a new pid namespace).
 * Forked by container_create.c, already in the container's namespaces; it builds the rootfs, waits
 * on exec.fifo for `start` and execs the user's program. Internal to libhusk.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "runtime/namespaces.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"

struct husk_init_args {
        const struct husk_spec *spec;      /* the parent's parsed config (a fork: no re-parsing) */
        const struct husk_create_opts *opts;
        const struct husk_ns_plan *plan;
        const char *bundle;                /* absolute */
        const char *rootfs;                /* absolute */
        int sync_fd;                       /* the init's end of its handshake socket */
        int intermediate_sync_fd;          /* the intermediate's end of its own handshake socket: the
                                            * init closes it first. Two sockets, because the init may
                                            * speak before the intermediate has sent its pid. */
        int fifo_fd;                       /* O_PATH fd of <state>/exec.fifo */
        int console_fd;                    /* connected console socket, or -1 */
        bool pdeathsig;                    /* the init is the runtime's direct child and set PR_SET_PDEATHSIG */
        const struct husk_seccomp_prog *seccomp; /* linux.seccomp compiled by the parent, or NULL */
};

/* Whether the init stops for the parent's prestart/createRuntime hooks (and learns its pid then). */
bool husk_init_needs_hook_sync(const struct husk_spec *spec);

/* Run the init sequence. Never returns: it execs the container's process or exits non-zero, after
 * sending the error to the parent while the parent still listens. */
_Noreturn void husk_init_main(const struct husk_init_args *a);

/* The OCI state handed to hooks (and, with CREATED, written by the parent): fields borrowed from the
 * arguments, so it must not be freed with husk_state_free(). */
void husk_init_hook_state(const struct husk_spec *spec, const char *id, const char *bundle, const char *rootfs,
                          pid_t pid, enum husk_status status, struct husk_state *ret);

/* Load the container's seccomp program (NULL: none); with SCMP_ACT_NOTIFY send its listener over
 * sync_fd (SECCOMP) and wait for SECCOMP_DONE. Used by the init and by exec's process. */
int husk_init_load_seccomp(const struct husk_seccomp_prog *prog, int sync_fd, struct husk_error *err);

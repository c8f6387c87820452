/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The children of `exec` (exec_child.c): the joiner, forked by the runtime into the container's
 * cgroup, joins the init's namespaces through its pidfd and clones the exec'd process as the
 * runtime's own child (CLONE_PARENT), which then becomes the container's process. Internal to libhusk.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/seccomp.h"

struct husk_exec_child_args {
        const struct husk_spec *spec;        /* the container's config (linux.*) */
        const struct husk_process *process;  /* what to run */
        pid_t parent;                        /* the runtime */
        int init_pidfd;                      /* the container's init */
        int ns_flags;                        /* CLONE_NEW* to join through init_pidfd, all at once */
        const struct husk_cgroup *cg;        /* NULL: no cgroup */
        bool born_inside;                    /* cloned into cg's v2 cgroup already */
        char *const *cgroups;                /* --cgroup sub-cgroups to move on into, or NULL */
        int joiner_sync_fd;                  /* the joiner's end: it sends the process's pid */
        int sync_fd;                         /* the process's end: errors, the seccomp listener; EOF at exec */
        int console_fd;                      /* connected console socket (terminal), or -1 */
        int proc_fd;                         /* the host's procfs (LSM labels), or -1 */
        int preserve_fds;
        const struct husk_seccomp_prog *seccomp; /* the container's filter, or NULL */
};

/* The joiner: never returns. */
_Noreturn void husk_exec_joiner_main(const struct husk_exec_child_args *a);

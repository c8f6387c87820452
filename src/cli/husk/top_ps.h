/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk top`'s ps: the columns of procps' ps for a container's processes, computed from the host's
 * /proc texts (never by running ps, in the container or on the host). Pure: the caller reads the
 * files; unit-tested (tests/unit/husk/test_husk_top.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

enum husk_top_field {
        TOP_PID, TOP_PPID, TOP_PGID, TOP_SID, TOP_UID, TOP_USER, TOP_GID, TOP_GROUP, TOP_COMM, TOP_ARGS,
        TOP_STAT, TOP_S, TOP_TTY, TOP_TIME, TOP_ETIME, TOP_STIME, TOP_C, TOP_PCPU, TOP_PMEM, TOP_RSS, TOP_VSZ,
        TOP_NLWP, TOP_NI, TOP_PRI,
};

#define HUSK_TOP_MAX_COLS 32

struct husk_top_col {
        enum husk_top_field field;
        char header[32];
};

/* ps's options as `docker top CONTAINER [ps OPTIONS]` passes them: none (= -ef), -e/-A (all: every
 * process of the container is listed anyway), -f, -o/-eo LIST (comma or blank separated, NAME=HEADER
 * renames; repeatable), BSD "aux"/"ux"/"u". Anything else: EINVAL naming the option, and the list of
 * what is supported. */
int husk_top_parse_args(int argc, char *const *argv, struct husk_top_col *ret, size_t *ret_n, struct husk_error *err);

struct husk_top_proc {
        pid_t pid, ppid, pgid, sid, tpgid;
        char state;
        int tty_nr;
        uint64_t utime, stime, starttime;       /* clock ticks; starttime: after boot */
        long priority, nice, nlwp;
        uint64_t vsize;                         /* bytes */
        int64_t rss;                            /* pages */
        uid_t ruid, euid;
        gid_t rgid, egid;
        char comm[64];
        char args[4096];                        /* cmdline, NUL separators as blanks; "" for a kernel thread */
};

/* /proc/PID/stat's text (and /proc/PID/status's for the ids; may be NULL) into *ret. -EINVAL when
 * malformed. */
int husk_top_parse_stat(const char *stat, const char *status, struct husk_top_proc *ret);
/* cmdline's bytes (NUL-separated) into p->args. */
void husk_top_set_args(struct husk_top_proc *p, const char *cmdline, size_t len);

/* What formatting needs of the host. */
struct husk_top_host {
        long hz;                /* sysconf(_SC_CLK_TCK) */
        int64_t boot_time;      /* /proc/stat btime (s since the epoch) */
        int64_t now;            /* s since the epoch */
        long page_size;
        uint64_t mem_total;     /* bytes (/proc/meminfo MemTotal) */
        /* uid/gid to name (NULL: show the number). */
        const char *(*user_name)(uid_t uid, void *ud);
        const char *(*group_name)(gid_t gid, void *ud);
        void *ud;
};

/* One cell as ps writes it. */
void husk_top_format(enum husk_top_field f, const struct husk_top_proc *p, const struct husk_top_host *h, char *buf,
                     size_t size);

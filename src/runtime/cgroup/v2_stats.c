/* SPDX-License-Identifier: Apache-2.0 */
/* Stats on cgroup v2, under runc's names. A controller that is not enabled leaves its fields 0. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup/v2_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Read a file that may be missing (controller not enabled): *ret NULL then. */
static int read_opt(struct husk_cg2 *cg, const char *file, char **ret, struct husk_error *err)
{
        *ret = NULL;
        int rc = husk_read_file_at(cg->dirfd, file, ret, NULL, err);
        if (rc == -ENOENT) {
                husk_error_clear(err);
                return 0;
        }
        return rc < 0 ? husk_error_prefix(err, "%s: ", cg->dir) : 0;
}

/* "key value" lines (cpu.stat, memory.events): the value of key, or 0. */
static uint64_t keyed(const char *text, const char *key)
{
        size_t kl = strlen(key);
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
                        return strtoull(p + kl + 1, NULL, 10);
        return 0;
}

/* A single value; "max" is UINT64_MAX unless max_as is given. */
static int single(struct husk_cg2 *cg, const char *file, uint64_t max_as, uint64_t *ret, struct husk_error *err)
{
        _cleanup_free_ char *v = NULL;
        int rc = read_opt(cg, file, &v, err);
        if (rc < 0 || !v)
                return rc;
        *ret = strncmp(v, "max", 3) == 0 ? max_as : strtoull(v, NULL, 10);
        return 0;
}

static void io_stat(const char *text, struct husk_cgroup_stats *s)
{
        /* "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0", one line per device. */
        for (const char *p = text; p && *p;) {
                const char *eol = strchrnul(p, '\n');
                for (const char *f = strchr(p, ' '); f && f < eol; f = strchr(f, ' ')) {
                        f++;
                        uint64_t v;
                        char key[16];
                        if (sscanf(f, "%15[a-z]=%" SCNu64, key, &v) != 2)
                                continue;
                        if (strcmp(key, "rbytes") == 0)
                                s->io_read_bytes += v;
                        else if (strcmp(key, "wbytes") == 0)
                                s->io_write_bytes += v;
                        else if (strcmp(key, "rios") == 0)
                                s->io_read_ops += v;
                        else if (strcmp(key, "wios") == 0)
                                s->io_write_ops += v;
                }
                p = *eol ? eol + 1 : eol;
        }
}

static int hugetlb_usage(struct husk_cg2 *cg, uint64_t *ret, struct husk_error *err)
{
        int fd = openat(cg->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", cg->dir);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                int rc = husk_error_errno(err, errno, "open %s", cg->dir);
                close(fd);
                return rc;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                /* hugetlb.<size>.current, not hugetlb.<size>.rsvd.current */
                if (strncmp(de->d_name, "hugetlb.", 8) != 0 || len < 16 || strcmp(de->d_name + len - 8, ".current") != 0 ||
                    (len >= 13 && strncmp(de->d_name + len - 13, ".rsvd", 5) == 0))
                        continue;
                uint64_t v = 0;
                int rc = single(cg, de->d_name, 0, &v, err);
                if (rc < 0)
                        return rc;
                *ret += v;
        }
        return 0;
}

int husk_cg2_stats(struct husk_cg2 *cg, struct husk_cgroup_stats *ret, struct husk_error *err)
{
        struct husk_cgroup_stats s = { 0 };
        _cleanup_free_ char *cpu = NULL, *events = NULL, *io = NULL;
        int rc;
        if ((rc = read_opt(cg, "cpu.stat", &cpu, err)) < 0)
                return rc;
        if (cpu) {
                s.cpu_usage_ns = keyed(cpu, "usage_usec") * 1000;
                s.cpu_user_ns = keyed(cpu, "user_usec") * 1000;
                s.cpu_system_ns = keyed(cpu, "system_usec") * 1000;
                s.cpu_throttled_periods = keyed(cpu, "nr_throttled");
                s.cpu_throttled_ns = keyed(cpu, "throttled_usec") * 1000;
        }
        if ((rc = single(cg, "memory.current", UINT64_MAX, &s.memory_usage, err)) < 0 ||
            (rc = single(cg, "memory.peak", UINT64_MAX, &s.memory_max_usage, err)) < 0 ||
            (rc = single(cg, "memory.max", UINT64_MAX, &s.memory_limit, err)) < 0 ||
            (rc = single(cg, "memory.swap.current", UINT64_MAX, &s.memory_swap_usage, err)) < 0 ||
            (rc = single(cg, "pids.current", 0, &s.pids_current, err)) < 0 ||
            (rc = single(cg, "pids.max", 0, &s.pids_limit, err)) < 0)
                return rc;
        if ((rc = read_opt(cg, "memory.events", &events, err)) < 0)
                return rc;
        if (events)
                s.memory_oom_events = keyed(events, "oom_kill");
        if ((rc = read_opt(cg, "io.stat", &io, err)) < 0)
                return rc;
        if (io)
                io_stat(io, &s);
        if ((rc = hugetlb_usage(cg, &s.hugetlb_usage, err)) < 0)
                return rc;
        *ret = s;
        return 0;
}

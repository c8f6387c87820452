/* SPDX-License-Identifier: Apache-2.0 */
/* The container process's limits (rlimits, OOM score, scheduler, I/O priority, personality, umask)
 * and the fd hygiene done just before exec. Privileges are in privileges.c, exec in exec.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/process.h"
#include "util/cleanup.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* Our own copy of the kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1): glibc before 2.41 has no
 * wrapper, and linux/sched/types.h clashes with <sched.h> on older toolchains. */
struct husk_sched_attr {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
        uint32_t sched_util_min;
        uint32_t sched_util_max;
};

struct sched_flag_name {
        const char *name;
        uint64_t value;
};

static const struct sched_flag_name sched_flag_names[] = {
        { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
        { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
        { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
        { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static int write_proc_self(const char *path, const char *value, struct husk_error *err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        size_t len = strlen(value);
        ssize_t n = write(fd, value, len);
        if (n < 0)
                return husk_error_errno(err, errno, "write %s to %s", value, path);
        if ((size_t) n != len)
                return husk_error_set(err, EIO, "write %s to %s: short write", value, path);
        return 0;
}

static int apply_rlimits(const struct husk_process *p, struct husk_error *err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const struct husk_rlimit *rl = &p->rlimits[i];
                /* rlim_t is 64-bit on every Linux ABI glibc supports; UINT64_MAX is RLIM_INFINITY. */
                struct rlimit lim = { .rlim_cur = (rlim_t) rl->soft, .rlim_max = (rlim_t) rl->hard };
                if (setrlimit((__rlimit_resource_t) rl->resource, &lim) < 0) {
                        if (rl->type)
                                return husk_error_errno(err, errno, "setrlimit %s", rl->type);
                        return husk_error_errno(err, errno, "setrlimit resource %d", rl->resource);
                }
        }
        return 0;
}

static int apply_scheduler(const struct husk_scheduler *s, struct husk_error *err)
{
        struct husk_sched_attr attr = {
                .size = sizeof(attr),
                .sched_policy = (uint32_t) s->policy_num,
        };
        if (s->has_nice)
                attr.sched_nice = s->nice;
        if (s->has_priority)
                attr.sched_priority = (uint32_t) s->priority;
        if (s->has_runtime)
                attr.sched_runtime = s->runtime;
        if (s->has_deadline)
                attr.sched_deadline = s->deadline;
        if (s->has_period)
                attr.sched_period = s->period;
        for (char **f = s->flags; f && *f; f++) {
                size_t k = 0;
                while (k < HUSK_ARRAY_SIZE(sched_flag_names) && strcmp(sched_flag_names[k].name, *f) != 0)
                        k++;
                if (k == HUSK_ARRAY_SIZE(sched_flag_names))
                        return husk_error_set(err, EINVAL, "process.scheduler.flags: unknown flag %s", *f);
                attr.sched_flags |= sched_flag_names[k].value;
        }
        /* The util-clamp flags need a value the spec does not carry: ask for "no clamp" (max 1024). */
        if (attr.sched_flags & 0x40)
                attr.sched_util_max = 1024;
        /* pid 0 is the calling thread: the init is single-threaded here and exec keeps the policy. */
        if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
                return husk_error_errno(err, errno, "sched_setattr %s", s->policy ? s->policy : "policy");
        return 0;
}

static int apply_io_priority(const struct husk_io_priority *io, struct husk_error *err)
{
        if (io->priority < 0 || io->priority > 7)
                return husk_error_set(err, EINVAL, "process.ioPriority.priority: %" PRIi32 " is not in 0..7",
                                      io->priority);
        int value = (io->class_num << IOPRIO_CLASS_SHIFT) | io->priority;
        if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
                return husk_error_errno(err, errno, "ioprio_set %s %" PRIi32,
                                        io->class_name ? io->class_name : "class", io->priority);
        return 0;
}

int husk_process_apply_limits(const struct husk_process *p, const struct husk_linux *lx, struct husk_error *err)
{
        int r;

        /* rlimits first, while we still hold CAP_SYS_RESOURCE: raising a hard limit needs it. */
        r = apply_rlimits(p, err);
        if (r < 0)
                return r;

        if (p->has_oom_score_adj) {
                char buf[32];
                snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
                /* Lowering the score below the current one needs CAP_SYS_RESOURCE: do it now. */
                r = write_proc_self("/proc/self/oom_score_adj", buf, err);
                if (r < 0)
                        return r;
        }

        if (p->has_scheduler) {
                r = apply_scheduler(&p->scheduler, err);
                if (r < 0)
                        return r;
        }

        if (p->has_io_priority) {
                r = apply_io_priority(&p->io_priority, err);
                if (r < 0)
                        return r;
        }

        if (lx && lx->has_personality) {
                /* personality() returns the previous persona, or -1 with errno on failure. */
                if (personality(lx->personality.domain_num) < 0)
                        return husk_error_errno(err, errno, "personality %s",
                                                lx->personality.domain ? lx->personality.domain : "domain");
        }

        /* runc's default: a container process gets 0022 whatever the runtime's own umask is. */
        umask(p->user.has_umask ? p->user.umask : 0022);
        return 0;
}

static int cloexec_from_proc(unsigned int first, struct husk_error *err)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        if (!d)
                return husk_error_errno(err, errno, "open /proc/self/fd");
        struct dirent *de;
        errno = 0;
        while ((de = readdir(d))) {
                char *end;
                errno = 0;
                unsigned long fd = strtoul(de->d_name, &end, 10);
                if (errno != 0 || *end != '\0' || end == de->d_name)
                        continue;
                if (fd < first || fd > INT32_MAX || (int) fd == dirfd(d))
                        continue;
                int flags = fcntl((int) fd, F_GETFD);
                if (flags < 0) {
                        if (errno == EBADF)
                                continue;
                        return husk_error_errno(err, errno, "fcntl F_GETFD on fd %lu", fd);
                }
                if (!(flags & FD_CLOEXEC) && fcntl((int) fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                        return husk_error_errno(err, errno, "fcntl F_SETFD on fd %lu", fd);
                errno = 0;
        }
        if (errno != 0)
                return husk_error_errno(err, errno, "read /proc/self/fd");
        return 0;
}

int husk_process_close_fds(int preserve_fds, struct husk_error *err)
{
        if (preserve_fds < 0)
                return husk_error_set(err, EINVAL, "preserve-fds: %d is negative", preserve_fds);
        unsigned int first = 3U + (unsigned int) preserve_fds;

        /* Marking close-on-exec rather than closing: fds the init still needs (the exec fifo, the
         * sync socket) stay usable until the execve itself, and nothing leaks past it. */
        if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        if (errno != ENOSYS && errno != EINVAL)
                return husk_error_errno(err, errno, "close_range %u", first);
        /* Kernels before 5.11 (no CLOSE_RANGE_CLOEXEC, EINVAL) or before 5.9 (ENOSYS). */
        return cloexec_from_proc(first, err);
}

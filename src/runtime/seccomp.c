/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp step of create, on the runtime's side: linux.seccomp checked against this kernel and
 * turned into a program, from the cache or compiled (and then cached). Runs before the first fork,
 * so a bad profile fails create before anything exists, and the init only has to load the result. */
#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "util/cleanup.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static bool uses_notify(const struct husk_seccomp *s)
{
        for (size_t i = 0; i < s->n_syscalls; i++)
                if (s->syscalls[i].action && strcmp(s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
                        return true;
        return false;
}

/* The flags for seccomp(2); each one the profile asks for must be known to this kernel. */
static int filter_flags(const struct husk_seccomp *s, bool notify, unsigned int *ret, struct husk_error *err)
{
        unsigned int flags = 0;
        for (size_t i = 0; s->flags && s->flags[i]; i++) {
                unsigned int f = husk_seccomp_flag(s->flags[i]);
                if (!f)
                        return husk_error_set(err, EINVAL, "config.json: linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, s->flags[i]);
                if (!husk_seccomp_kernel_has_flag(f))
                        return husk_error_set(err, EOPNOTSUPP, "config.json: linux.seccomp.flags[%zu]: %s is not supported by this kernel",
                                              i, s->flags[i]);
                flags |= f;
        }
        /* As libseccomp: waiting killably is about receiving notifications, so it only goes with a
         * listener (the kernel refuses it alone). */
        if (!notify)
                flags &= ~(unsigned int) SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        if (notify) {
                flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
                /* TSYNC reports a failed thread by its tid, which collides with returning the listener
                 * fd: the kernel takes both only with TSYNC_ESRCH (5.7). */
                if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
                        if (!husk_seccomp_kernel_has_flag(SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
                                return husk_error_set(err, EOPNOTSUPP, "config.json: linux.seccomp.flags: SECCOMP_FILTER_FLAG_TSYNC "
                                                      "with SCMP_ACT_NOTIFY needs Linux 5.7");
                        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
                }
        }
        *ret = flags;
        return 0;
}

/* What only makes sense against the whole profile; the rules themselves are checked as compiled. */
static int check_profile(const struct husk_seccomp *s, bool notify, struct husk_error *err)
{
        uint32_t action;
        int r = husk_seccomp_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
                                    "config.json: linux.seccomp.defaultAction", &action, err);
        if (r < 0)
                return r;
        /* Every syscall of the init between the load and the handover (sendmsg) would wait for a
         * listener that cannot have the fd yet. runc refuses it too. */
        if (action == SECCOMP_RET_USER_NOTIF)
                return husk_error_set(err, EINVAL, "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
        if (s->listener_metadata && !s->listener_path)
                return husk_error_set(err, EINVAL, "config.json: linux.seccomp.listenerMetadata: set without listenerPath");
        if (notify && (!s->listener_path || !s->listener_path[0]))
                return husk_error_set(err, EINVAL, "config.json: linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not "
                                      "set (nobody would answer the notifications)");
        if (notify && !husk_seccomp_kernel_has_action(SECCOMP_RET_USER_NOTIF))
                return husk_error_set(err, EOPNOTSUPP, "config.json: linux.seccomp: SCMP_ACT_NOTIFY is not supported by this kernel");
        return 0;
}

int husk_seccomp_prepare(const struct husk_seccomp *s, int root_fd, struct husk_seccomp_prog *ret,
                         struct husk_error *err)
{
        bool notify = uses_notify(s);
        int r = check_profile(s, notify, err);
        if (r < 0)
                return r;
        struct husk_seccomp_prog p = { .notify = notify };
        r = filter_flags(s, notify, &p.flags, err);
        if (r < 0)
                return r;

        _cleanup_close_ int cache_fd = -1;
        char key[HUSK_SECCOMP_KEY_SIZE];
        if (root_fd >= 0) {
                struct husk_seccomp_lib_id lib;
                r = husk_seccomp_lib_id_get(HUSK_LIBSECCOMP_PATH, &lib, err);
                if (r < 0)
                        return r;
                husk_seccomp_cache_key(s, &lib, key);
                cache_fd = husk_seccomp_cache_open(root_fd, err);
                if (cache_fd < 0)
                        return cache_fd;
                if (husk_seccomp_cache_read(cache_fd, key, &p.insns, &p.n_insns) == 0) {
                        p.from_cache = true;
                        *ret = p;
                        return 0;
                }
        }
        r = husk_seccomp_compile(s, &p.insns, &p.n_insns, err);
        if (r < 0)
                return r;
        /* Best effort: a cache that cannot be written (a full disk) costs the next create a compile,
         * never this one its container. */
        if (cache_fd >= 0)
                (void) husk_seccomp_cache_write(cache_fd, key, p.insns, p.n_insns, NULL);
        *ret = p;
        return 0;
}

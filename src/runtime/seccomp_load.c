/* SPDX-License-Identifier: Apache-2.0 */
/* Installing a compiled filter with the raw seccomp(2) call, and probing what the kernel supports.
 * No libseccomp here: the init never loads it, whether the program came from the cache or not. */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/seccomp.h"

static long sys_seccomp(unsigned int op, unsigned int flags, void *args)
{
        return syscall(SYS_seccomp, op, flags, args);
}

bool husk_seccomp_kernel_has_action(uint32_t action)
{
        /* The kernel knows actions without their data (an errno, a trace message). */
        action &= SECCOMP_RET_ACTION_FULL;
        return sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

bool husk_seccomp_kernel_has_flag(unsigned int flag)
{
        /* WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER. With a NULL program a known
         * combination fails with EFAULT (the copy), an unknown one with EINVAL. */
        unsigned int probe = flag;
        if (flag & (1U << 5))
                probe |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        return sys_seccomp(SECCOMP_SET_MODE_FILTER, probe, NULL) < 0 && errno == EFAULT;
}

void husk_seccomp_prog_free(struct husk_seccomp_prog *p)
{
        free(p->insns);
        p->insns = NULL;
        p->n_insns = 0;
}

int husk_seccomp_load(const struct husk_seccomp_prog *p, int *ret_listener, struct husk_error *err)
{
        struct sock_fprog fprog = { .len = (unsigned short) p->n_insns, .filter = p->insns };
        long r = sys_seccomp(SECCOMP_SET_MODE_FILTER, p->flags, &fprog);
        if (r < 0) {
                if (errno == EACCES)
                        return husk_error_errno(err, errno, "load the seccomp filter (without "
                                                "process.noNewPrivileges it needs CAP_SYS_ADMIN)");
                return husk_error_errno(err, errno, "load the seccomp filter (flags %#x, %zu instructions)",
                                        p->flags, p->n_insns);
        }
        /* With TSYNC alone, a positive value is the thread that could not be synchronised. */
        if (!p->notify && r > 0)
                return husk_error_set(err, ESRCH, "load the seccomp filter: thread %ld could not be synchronised", r);
        *ret_listener = p->notify ? (int) r : -1;
        return 0;
}

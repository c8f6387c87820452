/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LD_PRELOAD shim for the tests: openat2 "does not exist" (ENOSYS), as on kernels before 5.6, so
 * that the component-by-component fallback of src/util/path.c is what resolves paths in the
 * container root. husk calls syscall(SYS_openat2, ...), so syscall() itself is interposed; the libc
 * wrapper openat2() too, for a glibc that has one. With HUSK_NO_OPENAT2_LOG set, every refused call
 * appends a line to that file: the tests check the shim was really in the way.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef long (*syscall_fn)(long, long, long, long, long, long, long);

static void note_refusal(void)
{
        const char *log = getenv("HUSK_NO_OPENAT2_LOG");
        if (!log || !*log)
                return;
        int saved = errno;
        /* Plain async-signal-safe calls: it also runs in the runtime's forked children. */
        int fd = (int) openat(AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
                static const char line[] = "openat2 refused\n";
                (void) !write(fd, line, sizeof(line) - 1);
                (void) close(fd);
        }
        errno = saved;
}

long syscall(long number, ...)
{
        va_list ap;
        long a[6];
        va_start(ap, number);
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);
        if (number == SYS_openat2) {
                note_refusal();
                errno = ENOSYS;
                return -1;
        }
        /* The kernel ABI takes six register arguments; passing all six is harmless for shorter calls. */
        static syscall_fn real;
        if (!real)
                real = (syscall_fn) dlsym(RTLD_NEXT, "syscall");
        return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int openat2(int dirfd, const char *path, void *how, size_t size);
int openat2(int dirfd, const char *path, void *how, size_t size)
{
        (void) dirfd;
        (void) path;
        (void) how;
        (void) size;
        note_refusal();
        errno = ENOSYS;
        return -1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscall-probe PROBE...: makes the named system calls directly and prints one line per probe,
 * "NAME ok" or "NAME ERRNO" ("mount EPERM"), for the seccomp tests. Built static, to be copied
 * into a busybox bundle.
 *
 * Every probe runs in a child process of its own, so that one that succeeds (an unshare, a
 * personality change) does not change what the next one sees. The arguments are chosen so that a
 * call the kernel lets through does nothing to the host: a path that does not exist, a bad magic
 * number, an invalid time, a NULL buffer. So without seccomp (and with the capability) each probe
 * answers "ok" or an errno other than EPERM, and with a filter refusing the call, EPERM
 * (Docker's defaultErrnoRet). The socket probes of unusual families are the exception: the kernel
 * loads a family's module on socket(), so run them only where a filter is expected to refuse them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOWHERE "/husk-probe-does-not-exist"

/* clone/clone3 children exit at once; the result is the parent's. */
static long reap(long pid)
{
        if (pid == 0)
                _exit(0);
        if (pid > 0)
                (void) waitpid((pid_t) pid, NULL, 0);
        return pid < 0 ? -1 : 0;
}

static long p_clone_newuser(void)
{
        return reap(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0));
}

static long p_clone3(void)
{
        struct clone_args a = { .exit_signal = SIGCHLD };
        return reap(syscall(SYS_clone3, &a, sizeof(a)));
}

static long p_settimeofday(void)
{
        struct timeval tv = { .tv_sec = 0, .tv_usec = 2000000 }; /* invalid: EINVAL before any change */
        return syscall(SYS_settimeofday, &tv, NULL);
}

static long p_clock_settime(void)
{
        struct timespec ts = { .tv_sec = 0, .tv_nsec = -1 }; /* invalid: EINVAL before any change */
        return syscall(SYS_clock_settime, CLOCK_REALTIME, &ts);
}

static long p_modify_ldt(void)
{
#ifdef SYS_modify_ldt
        char buf[16];
        return syscall(SYS_modify_ldt, 0, buf, sizeof(buf)); /* read */
#else
        errno = ENOSYS;
        return -1;
#endif
}

static long p_socket(int family)
{
        long fd = syscall(SYS_socket, family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 && (errno == ESOCKTNOSUPPORT || errno == EPROTONOSUPPORT || errno == EPROTOTYPE))
                fd = syscall(SYS_socket, family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 && (errno == ESOCKTNOSUPPORT || errno == EPROTONOSUPPORT || errno == EPROTOTYPE))
                fd = syscall(SYS_socket, family, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        return fd < 0 ? -1 : 0;
}

static long probe(const char *n)
{
        if (!strcmp(n, "getpid"))
                return syscall(SYS_getpid) > 0 ? 0 : -1;
        if (!strcmp(n, "fork"))
                return reap(fork());
        if (!strcmp(n, "mount"))
                return mount("none", NOWHERE, "tmpfs", 0, NULL);
        if (!strcmp(n, "umount2"))
                return umount2(NOWHERE, 0);
        if (!strcmp(n, "pivot_root"))
                return syscall(SYS_pivot_root, NOWHERE, NOWHERE);
        if (!strcmp(n, "chroot"))
                return chroot(NOWHERE);
        if (!strcmp(n, "setns"))
                return setns(-1, 0);
        if (!strcmp(n, "unshare-user"))
                return unshare(CLONE_NEWUSER);
        if (!strcmp(n, "unshare-mnt"))
                return unshare(CLONE_NEWNS);
        if (!strcmp(n, "unshare-net"))
                return unshare(CLONE_NEWNET);
        if (!strcmp(n, "unshare-pid"))
                return unshare(CLONE_NEWPID);
        if (!strcmp(n, "unshare-ipc"))
                return unshare(CLONE_NEWIPC);
        if (!strcmp(n, "unshare-uts"))
                return unshare(CLONE_NEWUTS);
        if (!strcmp(n, "unshare-cgroup"))
                return unshare(CLONE_NEWCGROUP);
        if (!strcmp(n, "clone-newuser"))
                return p_clone_newuser();
        if (!strcmp(n, "clone3"))
                return p_clone3();
        if (!strcmp(n, "keyctl"))
                return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) < 0 ? -1 : 0;
        if (!strcmp(n, "add_key"))
                return syscall(SYS_add_key, "husk-no-such-type", "d", "x", 1, KEY_SPEC_PROCESS_KEYRING);
        if (!strcmp(n, "request_key"))
                return syscall(SYS_request_key, "husk-no-such-type", "d", NULL, 0);
        if (!strcmp(n, "kexec_load"))
                return syscall(SYS_kexec_load, 0, 1000, NULL, 0); /* more segments than allowed: EINVAL */
        if (!strcmp(n, "bpf"))
                return syscall(SYS_bpf, 1000, NULL, 0); /* no such command */
        if (!strcmp(n, "reboot"))
                return syscall(SYS_reboot, 0xdead, 0, 0, NULL); /* bad magic: EINVAL */
        if (!strcmp(n, "io_uring_setup"))
                return syscall(SYS_io_uring_setup, 0, NULL);
        if (!strcmp(n, "open_by_handle_at"))
                return syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, O_RDONLY);
        if (!strcmp(n, "perf_event_open"))
                return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
        if (!strcmp(n, "ptrace"))
                return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        if (!strcmp(n, "swapon"))
                return swapon(NOWHERE, 0);
        if (!strcmp(n, "swapoff"))
                return swapoff(NOWHERE);
        if (!strcmp(n, "init_module"))
                return syscall(SYS_init_module, NULL, 0, "");
        if (!strcmp(n, "finit_module"))
                return syscall(SYS_finit_module, -1, "", 0);
        if (!strcmp(n, "delete_module"))
                return syscall(SYS_delete_module, "husk_no_such_module", 0);
        if (!strcmp(n, "settimeofday"))
                return p_settimeofday();
        if (!strcmp(n, "clock_settime"))
                return p_clock_settime();
        if (!strcmp(n, "userfaultfd"))
                return syscall(SYS_userfaultfd, O_CLOEXEC) < 0 ? -1 : 0;
        if (!strcmp(n, "syslog"))
                return syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0) < 0 ? -1 : 0;
        if (!strcmp(n, "modify_ldt"))
                return p_modify_ldt();
        if (!strcmp(n, "personality-linux"))
                return personality(PER_LINUX) < 0 ? -1 : 0;
        if (!strcmp(n, "personality-query"))
                return personality(0xffffffff) < 0 ? -1 : 0;
        if (!strcmp(n, "personality-norandom"))
                return personality(PER_LINUX | ADDR_NO_RANDOMIZE) < 0 ? -1 : 0;
        if (!strcmp(n, "personality-exec"))
                return personality(PER_LINUX | READ_IMPLIES_EXEC) < 0 ? -1 : 0;
        static const struct {
                const char *name;
                int family;
        } families[] = {
                { "socket-unix", AF_UNIX },   { "socket-inet", AF_INET }, { "socket-inet6", AF_INET6 },
                { "socket-netlink", AF_NETLINK }, { "socket-rds", AF_RDS },   { "socket-tipc", AF_TIPC },
                { "socket-alg", AF_ALG },     { "socket-nfc", AF_NFC },   { "socket-vsock", AF_VSOCK },
                { "socket-kcm", AF_KCM },
        };
        for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
                if (!strcmp(n, families[i].name))
                        return p_socket(families[i].family);
        errno = 0;
        return -2;
}

int main(int argc, char **argv)
{
        int bad = 0;
        for (int i = 1; i < argc; i++) {
                fflush(stdout);
                pid_t pid = fork();
                if (pid < 0) {
                        printf("%s fork-failed-%s\n", argv[i], strerrorname_np(errno));
                        bad = 1;
                        continue;
                }
                if (pid == 0) {
                        errno = 0;
                        long r = probe(argv[i]);
                        if (r == -2) {
                                printf("%s unknown-probe\n", argv[i]);
                                fflush(stdout);
                                _exit(1);
                        }
                        const char *e = strerrorname_np(errno);
                        printf("%s %s\n", argv[i], r >= 0 ? "ok" : e ? e : "unknown-errno");
                        fflush(stdout);
                        _exit(0);
                }
                int st = 0;
                if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                        printf("%s died-%d\n", argv[i], st);
                        bad = 1;
                }
        }
        return bad;
}

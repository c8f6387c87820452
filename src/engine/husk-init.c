/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk-init: the minimal init of `husk run --init` (docker-init/tini's role), bound read-only into the
 * container at /dev/init and run as its PID 1:
 *
 *   /dev/init -- COMMAND [ARG...]
 *
 * A command not written to be PID 1 gets the two things the kernel asks of PID 1: orphans reparented
 * to it are reaped (no zombies pile up), and signals reach the command (the kernel drops signals to a
 * PID 1 that has no handler for them, so a plain `sleep` as PID 1 ignores SIGTERM). husk-init forwards
 * every catchable signal to its child and exits with the child's code (128+N when a signal N killed
 * it, as a shell reports it).
 *
 * Linked statically against libc only: it runs inside images whose libc may differ or be missing. It
 * never reads the container's files beyond the exec of the command (PATH lookup as execvp does).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals that are the child's business, not ours: the job control stops a terminal sends are
 * forwarded too (the child decides), SIGCHLD is our reaping cue. */
static bool forwarded(int sig)
{
        return sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP;
}

static int exit_code(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 1;
}

int main(int argc, char **argv)
{
        int first = 1;
        if (argc > 1 && strcmp(argv[1], "--") == 0)
                first = 2;
        if (first >= argc) {
                fprintf(stderr, "usage: husk-init [--] COMMAND [ARG...]\n");
                return 2;
        }
        /* Every signal is taken by sigwaitinfo below; blocked before the fork so none is lost between
         * the fork and the wait. The child gets the mask it would have had without us. */
        sigset_t all, old;
        (void) sigfillset(&all);
        if (sigprocmask(SIG_SETMASK, &all, &old) < 0) {
                perror("husk-init: sigprocmask");
                return 1;
        }
        pid_t child = fork();
        if (child < 0) {
                perror("husk-init: fork");
                return 1;
        }
        if (child == 0) {
                (void) sigprocmask(SIG_SETMASK, &old, NULL);
                execvp(argv[first], argv + first);
                int e = errno;
                fprintf(stderr, "husk-init: exec %s: %s\n", argv[first], strerror(e));
                _exit(e == ENOENT ? 127 : 126);
        }
        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("husk-init: sigwaitinfo");
                        return 1;
                }
                if (forwarded(sig)) {
                        /* The child may be gone already: its exit is reaped below. */
                        (void) kill(child, sig);
                        continue;
                }
                /* SIGCHLD: reap every child that ended; ours ends the container. Orphans reparented to
                 * us are reaped and forgotten. */
                for (;;) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p == child)
                                return exit_code(status);
                }
        }
}

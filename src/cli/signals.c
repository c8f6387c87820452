/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/signals.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
        const char *name; /* without "SIG" */
        int sig;
} signal_table[] = {
        { "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },     { "ILL", SIGILL },
        { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },     { "IOT", SIGIOT },       { "BUS", SIGBUS },
        { "FPE", SIGFPE },       { "KILL", SIGKILL },     { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },     { "TERM", SIGTERM },
        { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },     { "CLD", SIGCHLD },      { "CONT", SIGCONT },
        { "STOP", SIGSTOP },     { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },
        { "URG", SIGURG },       { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM },
        { "PROF", SIGPROF },     { "WINCH", SIGWINCH },   { "IO", SIGIO },         { "POLL", SIGPOLL },
        { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

/* glibc's numbering (SIGRTMIN is 34: NPTL reserves 32 and 33), as moby's signal table and so
 * podman/docker: what a program in the container calls SIGRTMIN+3 (systemd's halt signal) is 37. */
enum { USER_SIGRTMIN = 34, KERNEL_SIGRTMAX = 64 };

static int parse_num(const char *s, int *ret)
{
        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno != 0 || *end != '\0' || v > KERNEL_SIGRTMAX)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

int cli_signal_parse(const char *s)
{
        int n;
        if (parse_num(s, &n) == 0)
                return n >= 1 ? n : -EINVAL;

        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < sizeof(signal_table) / sizeof(signal_table[0]); i++)
                if (strcasecmp(s, signal_table[i].name) == 0)
                        return signal_table[i].sig;

        int base, dir;
        if (strncasecmp(s, "RTMIN", 5) == 0) {
                base = USER_SIGRTMIN;
                dir = 1;
        } else if (strncasecmp(s, "RTMAX", 5) == 0) {
                base = KERNEL_SIGRTMAX;
                dir = -1;
        } else {
                return -EINVAL;
        }
        s += 5;
        if (*s == '\0')
                return base;
        if (*s != (dir > 0 ? '+' : '-') || parse_num(s + 1, &n) < 0)
                return -EINVAL;
        int sig = base + dir * n;
        return sig >= USER_SIGRTMIN && sig <= KERNEL_SIGRTMAX ? sig : -EINVAL;
}

const char *cli_signal_name(int sig)
{
        static const char *const names[] = {
                [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
                [SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
                [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
                [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
                [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
                [SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",
                [SIGSTOP] = "SIGSTOP",     [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
                [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
                [SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
                [SIGWINCH] = "SIGWINCH",   [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",
                [SIGSYS] = "SIGSYS",
        };
        if (sig <= 0 || (size_t) sig >= sizeof(names) / sizeof(names[0]))
                return NULL;
        return names[sig];
}

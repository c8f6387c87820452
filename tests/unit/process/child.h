/* SPDX-License-Identifier: Apache-2.0 */
/* Run a test body in a forked child, so what it changes (uid, capabilities, limits, session) dies
 * with it. The body writes a failure description into msg; the parent gets it back. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef void (*child_fn)(void *arg, char *msg, size_t len);

/* true when the child ran fn to the end without writing a message and exited 0. */
static inline bool run_in_child(child_fn fn, void *arg, char *msg, size_t len)
{
        int p[2];
        msg[0] = '\0';
        if (pipe2(p, O_CLOEXEC) < 0) {
                snprintf(msg, len, "pipe: %s", strerror(errno));
                return false;
        }
        pid_t pid = fork();
        if (pid < 0) {
                snprintf(msg, len, "fork: %s", strerror(errno));
                close(p[0]);
                close(p[1]);
                return false;
        }
        if (pid == 0) {
                char buf[1024] = "";
                close(p[0]);
                fn(arg, buf, sizeof(buf));
                (void) !write(p[1], buf, strlen(buf));
                _exit(buf[0] ? 1 : 0);
        }
        close(p[1]);
        size_t got = 0;
        ssize_t n;
        while (got + 1 < len && (n = read(p[0], msg + got, len - 1 - got)) > 0)
                got += (size_t) n;
        msg[got] = '\0';
        close(p[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (!msg[0])
                        snprintf(msg, len, "child wait status %#x", (unsigned) status);
                return false;
        }
        return msg[0] == '\0';
}

#define CHILD_FAIL(msg, len, ...)                       \
        do {                                            \
                snprintf(msg, len, __VA_ARGS__);        \
                return;                                 \
        } while (0)

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structured errors. A library function returns 0 or a negative errno and, when it fails, fills a
 * struct husk_error with the errno and a message that names what failed and on what. Only the CLI
 * prints errors and picks exit codes; library code never logs.
 */
#pragma once

#include <stddef.h>

#define HUSK_ERROR_MSG_MAX 1024

struct husk_error {
        int code;                      /* positive errno, 0 when no error was set */
        char msg[HUSK_ERROR_MSG_MAX];  /* "mount proc on /proc: Permission denied" */
};

/* Set the message, with no strerror suffix. Returns -code (code is a positive errno). err may be NULL. */
int husk_error_set(struct husk_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Set the message and append ": strerror(code)". Returns -code. err may be NULL. */
int husk_error_errno(struct husk_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepend context to an already-set message ("create container foo: " + msg). Returns -err->code. */
int husk_error_prefix(struct husk_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void husk_error_clear(struct husk_error *err)
{
        if (err) {
                err->code = 0;
                err->msg[0] = '\0';
        }
}

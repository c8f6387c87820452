/* SPDX-License-Identifier: Apache-2.0 */
#include "util/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A caller that passes 0 (or a negative errno) still gets a failure: -EIO, or the positive code. */
static int normalise(int code)
{
        if (code < 0)
                code = -code;
        return code == 0 ? EIO : code;
}

int husk_error_set(struct husk_error *err, int code, const char *fmt, ...)
{
        code = normalise(code);
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                (void) vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
                err->code = code;
        }
        return -code;
}

int husk_error_errno(struct husk_error *err, int code, const char *fmt, ...)
{
        code = normalise(code);
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
                if (n >= 0 && (size_t) n < sizeof(err->msg))
                        (void) snprintf(err->msg + n, sizeof(err->msg) - (size_t) n, ": %s", strerror(code));
                err->code = code;
        }
        return -code;
}

int husk_error_prefix(struct husk_error *err, const char *fmt, ...)
{
        if (!err)
                return -EIO;
        char prefix[HUSK_ERROR_MSG_MAX];
        char old[HUSK_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        (void) vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        size_t np = strnlen(prefix, sizeof(err->msg) - 1);
        memcpy(err->msg, prefix, np);
        size_t nold = strnlen(old, sizeof(old));
        if (nold > sizeof(err->msg) - 1 - np)
                nold = sizeof(err->msg) - 1 - np;
        memcpy(err->msg + np, old, nold);
        err->msg[np + nold] = '\0';
        err->code = normalise(err->code);
        return -err->code;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/ps_filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

static const char *const blanks = " \t";

/* The whitespace-separated field number idx of the line [s, end), or NULL; *ret_len its length. */
static const char *field(const char *s, const char *end, size_t idx, size_t *ret_len)
{
        for (size_t i = 0;; i++) {
                while (s < end && strchr(blanks, *s))
                        s++;
                if (s == end)
                        return NULL;
                const char *f = s;
                while (s < end && !strchr(blanks, *s))
                        s++;
                if (i == idx) {
                        *ret_len = (size_t) (s - f);
                        return f;
                }
        }
}

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return (x > y) - (x < y);
}

int cli_ps_filter(const char *out, const pid_t *pids, size_t n, char **ret, struct husk_error *err)
{
        const char *hdr_end = strchrnul(out, '\n');
        size_t pid_idx = 0, flen = 0;
        const char *f;
        while ((f = field(out, hdr_end, pid_idx, &flen)) && !(flen == 3 && memcmp(f, "PID", 3) == 0))
                pid_idx++;
        if (!f)
                return husk_error_set(err, EINVAL, "couldn't find PID field in ps output");

        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        _cleanup_fclose_ FILE *m = open_memstream(&buf, &size);
        if (!m)
                return husk_error_errno(err, errno, "ps output");
        fprintf(m, "%.*s\n", (int) (hdr_end - out), out);
        for (const char *line = *hdr_end ? hdr_end + 1 : hdr_end; *line;) {
                const char *end = strchrnul(line, '\n');
                const char *next = *end ? end + 1 : end;
                if (end == line || !field(line, end, 0, &flen)) {
                        line = next;
                        continue;
                }
                f = field(line, end, pid_idx, &flen);
                char num[24];
                char *e;
                if (!f || flen >= sizeof(num))
                        return husk_error_set(err, EINVAL, "unable to parse pid: %.*s", (int) (end - line), line);
                memcpy(num, f, flen);
                num[flen] = '\0';
                long v = strtol(num, &e, 10);
                if (*e != '\0' || e == num)
                        return husk_error_set(err, EINVAL, "unable to parse pid: \"%s\"", num);
                pid_t p = (pid_t) v;
                if (n > 0 && bsearch(&p, pids, n, sizeof(*pids), cmp_pid))
                        fprintf(m, "%.*s\n", (int) (end - line), line);
                line = next;
        }
        if (fflush(m) != 0 || ferror(m))
                return husk_error_errno(err, ENOMEM, "ps output");
        fclose(steal_ptr(m));
        *ret = steal_ptr(buf);
        return 0;
}

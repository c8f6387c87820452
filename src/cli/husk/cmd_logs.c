/* SPDX-License-Identifier: Apache-2.0 */
/* `husk logs [-f] CONTAINER`: the json-file log, each entry to our stdout or stderr as it was written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/husk/containers.h"
#include "engine/logfile.h"
#include "util/cleanup.h"

struct logs_flags {
        bool follow;
};

static const struct arg_opt logs_opts[] = {
        ARG_OPT("follow", "f", ARG_BOOL, struct logs_flags, follow, "Follow log output"),
};

/* Print the complete lines of buf[0..*len); what is left (a line still being written) stays. */
static int print_lines(char *buf, size_t *len)
{
        size_t off = 0;
        for (;;) {
                char *nl = memchr(buf + off, '\n', *len - off);
                if (!nl)
                        break;
                size_t l = (size_t) (nl - (buf + off));
                enum husk_log_stream stream;
                _cleanup_free_ char *text = NULL;
                size_t tlen = 0;
                if (husk_log_parse_line(buf + off, l, &stream, &text, &tlen, NULL) == 0) {
                        FILE *out = stream == HUSK_LOG_STDERR ? stderr : stdout;
                        if (fwrite(text, 1, tlen, out) != tlen)
                                return -EIO;
                        (void) fflush(out);
                }
                off += l + 1;
        }
        memmove(buf, buf + off, *len - off);
        *len -= off;
        return 0;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        const struct logs_flags *f = flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[0], id, &err) < 0)
                return husk_fail(ctx, &err);
        _cleanup_close_ int dfd = husk_ctr_dir_open(e.ctrs, id, &err);
        if (dfd < 0)
                return husk_fail(ctx, &err);
        _cleanup_close_ int fd = openat(dfd, HUSK_LOG_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno != ENOENT)
                return husk_failf(ctx, "open the log of %s: %s", argv[0], strerror(errno));
        /* An entry is at most 16 KiB of text, escaped at most 6 times: the buffer holds any line. */
        size_t cap = 6 * HUSK_LOG_LINE_MAX + 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return husk_failf(ctx, "out of memory");
        for (;;) {
                ssize_t n = fd >= 0 ? read(fd, buf + len, cap - len) : 0;
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return husk_failf(ctx, "read the log of %s: %s", argv[0], strerror(errno));
                if (n > 0) {
                        len += (size_t) n;
                        if (print_lines(buf, &len) < 0)
                                return HUSK_EXIT_ERROR;
                        if (len == cap)
                                len = 0; /* not a log line: skipped */
                        continue;
                }
                /* At the end: done, unless following a container whose monitor still writes. One more
                 * pass after the monitor ended reads what it wrote last. */
                if (!f->follow)
                        break;
                bool alive = husk_ctr_monitor_alive(e.ctrs, id);
                if (fd < 0)
                        fd = openat(dfd, HUSK_LOG_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (!alive) {
                        while (fd >= 0 && (n = read(fd, buf + len, cap - len)) > 0) {
                                len += (size_t) n;
                                if (print_lines(buf, &len) < 0)
                                        return HUSK_EXIT_ERROR;
                        }
                        break;
                }
                struct timespec ts = { 0, 50 * 1000 * 1000 };
                (void) nanosleep(&ts, NULL);
        }
        return 0;
}

const struct husk_cmd husk_cmd_logs = {
        .names = { "logs", "container logs" },
        .summary = "Fetch the logs of a container",
        .usage = "[OPTIONS] CONTAINER",
        .opts = logs_opts,
        .n_opts = HUSK_ARRAY_SIZE(logs_opts),
        .flags_size = sizeof(struct logs_flags),
        .min_args = 1,
        .max_args = 1,
        .run = run,
};

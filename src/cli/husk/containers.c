/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the engine's container commands. */
#include "cli/husk/containers.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/signals.h"
#include "util/cleanup.h"

int husk_cli_engine_open(const struct husk_ctx *ctx, struct husk_engine *e, bool create, struct husk_error *err)
{
        return husk_engine_open(e, ctx->storage_root, ctx->root, create, err);
}

int husk_cli_start_exit_code(const struct husk_error *err)
{
        /* The runtime resolves the command before the container starts; its words say which case. */
        if (strstr(err->msg, "exec: \"")) {
                if (err->code == ENOENT || err->code == ENOTDIR)
                        return 127;
                if (err->code == EACCES)
                        return 126;
        }
        return HUSK_EXIT_ERROR;
}

int husk_cli_stop_signal(const struct husk_ctr *c, struct husk_error *err)
{
        if (!c->cfg.stop_signal)
                return SIGTERM;
        int sig = cli_signal_parse(c->cfg.stop_signal);
        if (sig < 0)
                return husk_error_set(err, EINVAL, "container %s: invalid stop signal \"%s\"", c->name,
                                      c->cfg.stop_signal);
        return sig;
}

int husk_cli_each(const struct husk_ctx *ctx, struct husk_engine *e, int argc, char **argv,
                  int (*fn)(struct husk_engine *e, const char *id, void *ud, struct husk_error *err), void *ud)
{
        int ret = 0;
        for (int i = 0; i < argc; i++) {
                struct husk_error err = { 0 };
                char id[HUSK_CTR_ID_LEN + 1];
                int r = husk_ctr_lookup(e->ctrs, argv[i], id, &err);
                if (r >= 0)
                        r = fn(e, id, ud, &err);
                if (r < 0) {
                        (void) husk_fail(ctx, &err);
                        ret = 1;
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return ret;
}

int husk_cli_start_attached(const struct husk_ctx *ctx, struct husk_engine *e, const char *id)
{
        /* The forwarded signals are blocked before the container exists, so that none is lost before
         * the loop runs; the monitor and the container's init reset the mask. */
        sigset_t set, old;
        sigemptyset(&set);
        const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(fwd); i++)
                sigaddset(&set, fwd[i]);
        if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
                return husk_failf(ctx, "sigprocmask: %s", strerror(errno));
        _cleanup_close_ int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
        _cleanup_close_ int report = -1;
        struct husk_start_opts o = { .attach = true, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO };
        struct husk_error err = { 0 };
        (void) fflush(stdout);
        int code;
        if (husk_engine_start(e, id, &o, &report, &err) < 0) {
                (void) husk_fail(ctx, &err);
                code = husk_cli_start_exit_code(&err);
        } else {
                code = husk_engine_attach_wait(e, id, report, sigfd, &err);
                if (code < 0)
                        code = husk_fail(ctx, &err);
        }
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return code;
}

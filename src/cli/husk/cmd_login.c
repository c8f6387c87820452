/* SPDX-License-Identifier: Apache-2.0 */
/* `husk login [SERVER]` and `husk logout [SERVER]` (Docker's flags; SERVER defaults to Docker Hub). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/husk/husk.h"
#include "cli/husk/registry_flags.h"
#include "registry/registry.h"
#include "util/cleanup.h"

struct login_flags {
        const char *username, *password;
        bool password_stdin;
        struct registry_flags reg;
};

static const struct arg_opt login_opts[] = {
        ARG_OPT("username", "u", ARG_STRING, struct login_flags, username, "Username"),
        ARG_OPT("password", "p", ARG_STRING, struct login_flags, password, "Password"),
        ARG_OPT("password-stdin", NULL, ARG_BOOL, struct login_flags, password_stdin, "Take the password from stdin"),
        ARG_OPT("tls-verify", NULL, ARG_STRING, struct login_flags, reg.tls_verify,
                "Require HTTPS and verify certificates (default true; false for insecure registries)"),
        ARG_OPT("authfile", NULL, ARG_STRING, struct login_flags, reg.authfile,
                "Path of the authentication file (default ~/.config/husk/auth.json, $HUSK_AUTH_FILE)"),
};

/* One line from f, without its newline; echo off on a terminal. NULL at EOF or on ENOMEM. */
static char *read_line(FILE *f, bool hide)
{
        struct termios old, t;
        bool restore = false;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        if (hide && isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0) {
                t = old;
                t.c_lflag &= ~(tcflag_t) ECHO;
                restore = tcsetattr(fileno(f), TCSAFLUSH, &t) == 0;
        }
        n = getline(&line, &cap, f);
        if (restore) {
                (void) tcsetattr(fileno(f), TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        if (n < 0) {
                free(line);
                return NULL;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
        return line;
}

static int login(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct login_flags *f = flags;
        _cleanup_free_ char *user = NULL, *pass = NULL, *key = NULL;
        struct husk_registry_opts o;
        struct husk_credentials creds = { 0 }, unused = { 0 };
        struct husk_error err = { 0 };
        int r;

        r = registry_flags_apply(ctx, &f->reg, &o, &unused);
        if (r)
                return r;
        if (f->password && f->password_stdin)
                return husk_usage_error(ctx, "--password and --password-stdin are mutually exclusive");
        if (f->password_stdin && !f->username)
                return husk_usage_error(ctx, "Must provide --username with --password-stdin");
        if (f->username) {
                user = strdup(f->username);
        } else {
                fputs("Username: ", stderr);
                user = read_line(stdin, false);
        }
        if (f->password) {
                fputs("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n", stderr);
                pass = strdup(f->password);
        } else {
                if (!f->password_stdin)
                        fputs("Password: ", stderr);
                pass = read_line(stdin, !f->password_stdin);
        }
        if (!user || !user[0])
                return husk_failf(ctx, "login: a username is needed");
        if (!pass)
                return husk_failf(ctx, "login: no password given");
        creds.username = user;
        creds.password = pass;
        r = husk_registry_login(argc > 0 ? argv[0] : NULL, &creds, &o, &key, &err);
        explicit_bzero(pass, strlen(pass));
        if (r < 0)
                return husk_fail(ctx, &err);
        printf("Login Succeeded\n");
        return 0;
}

const struct husk_cmd husk_cmd_login = {
        .names = { "login" },
        .summary = "Log in to a registry",
        .usage = "[OPTIONS] [SERVER]",
        .description = "Log in to a registry (Docker Hub when no SERVER is given). The credentials are checked, then "
                       "kept in ~/.config/husk/auth.json (mode 0600; --authfile or $HUSK_AUTH_FILE name another); "
                       "Docker's ~/.docker/config.json and containers' auth.json are read too.",
        .opts = login_opts,
        .n_opts = HUSK_ARRAY_SIZE(login_opts),
        .flags_size = sizeof(struct login_flags),
        .min_args = 0,
        .max_args = 1,
        .run = login,
};

struct logout_flags {
        const char *authfile;
};

static const struct arg_opt logout_opts[] = {
        ARG_OPT("authfile", NULL, ARG_STRING, struct logout_flags, authfile,
                "Path of the authentication file (default ~/.config/husk/auth.json, $HUSK_AUTH_FILE)"),
};

static int logout(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        struct logout_flags *f = flags;
        _cleanup_free_ char *key = NULL;
        struct husk_error err = { 0 };

        if (husk_registry_logout(argc > 0 ? argv[0] : NULL, f->authfile, &key, &err) < 0)
                return husk_fail(ctx, &err);
        printf("Removing login credentials for %s\n", key);
        return 0;
}

const struct husk_cmd husk_cmd_logout = {
        .names = { "logout" },
        .summary = "Log out from a registry",
        .usage = "[OPTIONS] [SERVER]",
        .opts = logout_opts,
        .n_opts = HUSK_ARRAY_SIZE(logout_opts),
        .flags_size = sizeof(struct logout_flags),
        .min_args = 0,
        .max_args = 1,
        .run = logout,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk: the engine a person types, with Docker's command line. No daemon: each command opens the
 * image store and the runtime state itself. Start-up is argv parsing only; the store (and the
 * libraries behind it) is touched only by the commands that need it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/husk/husk.h"
#include "cli/state_root.h"
#include "runtime/exeseal.h"
#include "util/cleanup.h"

struct global_flags {
        const char *storage_root, *root, *log_level;
        bool debug, version;
};

const struct arg_opt husk_global_opts[] = {
        ARG_OPT("storage-root", NULL, ARG_STRING, struct global_flags, storage_root,
                "Root of the image store (default \"/var/lib/husk\", or $HUSK_STORAGE_ROOT)"),
        ARG_OPT("root", NULL, ARG_STRING, struct global_flags, root,
                "Root of the containers' runtime state (default \"/run/husk\", or $HUSK_ROOT)"),
        ARG_OPT("log-level", "l", ARG_STRING, struct global_flags, log_level,
                "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\") (default \"warn\")"),
        ARG_OPT("debug", "D", ARG_BOOL, struct global_flags, debug, "Enable debug mode (--log-level debug)"),
        ARG_OPT("version", "v", ARG_BOOL, struct global_flags, version, "Print version information and quit"),
};
const size_t husk_n_global_opts = HUSK_ARRAY_SIZE(husk_global_opts);

static int parse_log_level(const char *s, enum husk_log_level *ret)
{
        static const char *const names[] = { "debug", "info", "warn", "error", "fatal" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(names); i++) {
                if (strcmp(s, names[i]) == 0) {
                        *ret = (enum husk_log_level) i;
                        return 0;
                }
        }
        return -1;
}

/* `husk help [COMMAND...]`: the same text as `husk COMMAND --help`. */
static int help(struct husk_ctx *ctx, int argc, char **argv)
{
        if (argc == 0) {
                husk_print_help(stdout);
                return 0;
        }
        int words;
        const struct husk_cmd *cmd = husk_find_command(argc, argv, &words);
        if (cmd && words == argc) {
                husk_print_command_help(stdout, cmd);
                return 0;
        }
        const struct husk_group *g = husk_find_group(argv[0]);
        if (g && argc == 1) {
                husk_print_group_help(stdout, g);
                return 0;
        }
        ctx->cmd = NULL;
        return husk_usage_error(ctx, "unknown help topic: %s%s%s", argv[0], argc > 1 ? " " : "",
                                argc > 1 ? argv[1] : "");
}

static void free_strings(const struct husk_cmd *cmd, void *flags)
{
        for (size_t i = 0; i < cmd->n_opts; i++)
                if (cmd->opts[i].type == ARG_STRINGS)
                        arg_strings_done((struct arg_strings *) (void *) ((char *) flags + cmd->opts[i].offset));
}

/* Docker's words and layout for a wrong number of arguments. */
static int arg_count_error(const struct husk_ctx *ctx, const struct husk_cmd *cmd, int n_pos)
{
        char want[64];
        if (cmd->max_args == 0) {
                (void) snprintf(want, sizeof(want), "accepts no arguments");
        } else {
                const char *how = cmd->min_args == cmd->max_args ? "exactly" : n_pos < cmd->min_args ? "at least" : "at most";
                int n = n_pos < cmd->min_args ? cmd->min_args : cmd->max_args;
                (void) snprintf(want, sizeof(want), "requires %s %d argument%s", how, n, n == 1 ? "" : "s");
        }
        fprintf(stderr, HUSK_CLI_NAME ": \"" HUSK_CLI_NAME " %s\" %s.\nSee '" HUSK_CLI_NAME " %s --help'.\n\nUsage:  " HUSK_CLI_NAME
                        " %s%s%s\n\n%s\n", ctx->cmd, want, ctx->cmd, ctx->cmd, *cmd->usage ? " " : "", cmd->usage, cmd->summary);
        return HUSK_EXIT_ERROR;
}

static int run_command(struct husk_ctx *ctx, const struct husk_cmd *cmd, int argc, char **argv)
{
        _cleanup_free_ void *flags = calloc(1, cmd->flags_size ? cmd->flags_size : 1);
        if (!flags)
                return husk_failf(ctx, "out of memory");
        struct husk_error err = { 0 };
        struct args_result res = { 0 };
        if (args_parse(cmd->opts, cmd->n_opts, ARGS_POSIX | cmd->args_flags, argc, argv, flags, &res, &err) < 0) {
                free_strings(cmd, flags);
                return husk_usage_error(ctx, "%s", err.msg);
        }
        _cleanup_free_ char **pos = res.pos;
        int ret;
        if (res.help) {
                husk_print_command_help(stdout, cmd);
                ret = 0;
        } else if (res.n_pos < cmd->min_args || (cmd->max_args >= 0 && res.n_pos > cmd->max_args)) {
                ret = arg_count_error(ctx, cmd, res.n_pos);
        } else {
                ret = cmd->run(ctx, flags, res.n_pos, pos);
        }
        free_strings(cmd, flags);
        return ret;
}

int main(int argc, char **argv)
{
        char root_buf[4096], cmd_buf[128];
        struct global_flags g = { 0 };
        struct husk_ctx ctx = { .log_level = HUSK_LOG_WARN };
        struct husk_error err = { 0 };
        struct args_result res = { 0 };

        if (argc < 1)
                return HUSK_EXIT_ERROR;
        if (args_parse(husk_global_opts, husk_n_global_opts, ARGS_POSIX | ARGS_STOP_AT_POSITIONAL, argc - 1, argv + 1,
                       &g, &res, &err) < 0)
                return husk_usage_error(&ctx, "%s", err.msg);
        _cleanup_free_ char **pos = res.pos;

        if (g.log_level && parse_log_level(g.log_level, &ctx.log_level) < 0)
                return husk_usage_error(&ctx, "invalid --log-level \"%s\" (debug, info, warn, error or fatal)",
                                        g.log_level);
        if (g.debug)
                ctx.log_level = HUSK_LOG_DEBUG;
        /* The flag wins over the environment, which wins over the default (Docker's DOCKER_HOST rule). */
        ctx.storage_root = g.storage_root ? g.storage_root : getenv("HUSK_STORAGE_ROOT");
        if (ctx.storage_root && !*ctx.storage_root)
                ctx.storage_root = NULL;
        ctx.root = g.root ? g.root : getenv("HUSK_ROOT");
        if (!ctx.root || !*ctx.root)
                ctx.root = cli_default_state_root(root_buf, sizeof(root_buf));
        if (g.version) {
                printf(HUSK_CLI_NAME " version " HUSK_VERSION "\n");
                return 0;
        }
        if (res.help || res.n_pos == 0) {
                husk_print_help(stdout);
                return 0;
        }
        if (strcmp(pos[0], "help") == 0)
                return help(&ctx, res.n_pos - 1, pos + 1);

        int words = 0;
        const struct husk_cmd *cmd = husk_find_command(res.n_pos, pos, &words);
        if (!cmd) {
                const struct husk_group *grp = husk_find_group(pos[0]);
                if (grp && (res.n_pos == 1 || pos[1][0] == '-')) {
                        /* `husk image` and `husk image --help`: the group's commands. */
                        husk_print_group_help(stdout, grp);
                        return 0;
                }
                if (grp) {
                        ctx.cmd = grp->name;
                        return husk_usage_error(&ctx, "'%s %s' is not a husk command.", pos[0], pos[1]);
                }
                return husk_usage_error(&ctx, "'%s' is not a husk command.", pos[0]);
        }
        (void) snprintf(cmd_buf, sizeof(cmd_buf), "%s%s%s", pos[0], words > 1 ? " " : "", words > 1 ? pos[1] : "");
        ctx.cmd = cmd_buf;
        /* CVE-2019-5736: a command whose forks become container processes runs from a copy of husk
         * that nobody can write, as husk-runtime's create and run do. */
        if (cmd->seal_exe && husk_exe_ensure_sealed(argv, &err) < 0)
                return husk_fail(&ctx, &err);
        husk_log(&ctx, HUSK_LOG_DEBUG, "%s: storage-root=%s root=%s", ctx.cmd,
                 ctx.storage_root ? ctx.storage_root : "(default)", ctx.root);
        return run_command(&ctx, cmd, res.n_pos - words, pos + words);
}

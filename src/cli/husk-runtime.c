/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk-runtime: an OCI runtime with runc's command line. Every container start pays for what
 * happens here, so start-up is argv parsing only: no setlocale, no configuration files, no
 * dynamic loading; the log file is opened only when a line is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/state_root.h"
#include "runtime/exeseal.h"
#include "util/cleanup.h"

struct global_flags {
        const char *root, *log, *log_format, *criu, *rootless;
        bool debug, systemd_cgroup, version;
};

static const struct arg_opt global_opts[] = {
        ARG_OPT("debug", NULL, ARG_BOOL, struct global_flags, debug, "enable debug logging"),
        ARG_OPT("log", NULL, ARG_STRING, struct global_flags, log,
                "set the log file to write " CLI_NAME " logs to (default is '/dev/stderr')"),
        ARG_OPT("log-format", NULL, ARG_STRING, struct global_flags, log_format,
                "set the log format ('text' (default), or 'json') (default: \"text\")"),
        ARG_OPT("root", NULL, ARG_STRING, struct global_flags, root,
                "root directory for storage of container state (this should be located in tmpfs) (default: \"/run/husk\")"),
        ARG_OPT("criu", NULL, ARG_STRING, struct global_flags, criu,
                "path to the criu binary used for checkpoint and restore (default: \"criu\")"),
        ARG_OPT("systemd-cgroup", NULL, ARG_BOOL, struct global_flags, systemd_cgroup,
                "enable systemd cgroup support, expects cgroupsPath to be of form \"slice:prefix:name\" for e.g. \"system.slice:husk:434234\""),
        ARG_OPT("rootless", NULL, ARG_STRING, struct global_flags, rootless,
                "ignore cgroup permission errors ('true', 'false', or 'auto') (default: \"auto\")"),
        ARG_OPT("version", "v", ARG_BOOL, struct global_flags, version, "print the version"),
};

static const struct cli_command *const commands[] = {
        &cli_cmd_checkpoint, &cli_cmd_create, &cli_cmd_delete, &cli_cmd_events, &cli_cmd_exec,
        &cli_cmd_features,   &cli_cmd_kill,   &cli_cmd_list,   &cli_cmd_pause,  &cli_cmd_ps,
        &cli_cmd_restore,    &cli_cmd_resume, &cli_cmd_run,    &cli_cmd_spec,   &cli_cmd_start,
        &cli_cmd_state,      &cli_cmd_update,
};

static const struct cli_command *find_command(const char *name)
{
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(commands); i++)
                if (strcmp(commands[i]->name, name) == 0)
                        return commands[i];
        return NULL;
}

static void print_version(void)
{
        printf(CLI_NAME " version " HUSK_VERSION "\nspec: " CLI_OCI_VERSION_MAX "\n");
}

static void print_help(void)
{
        printf("NAME:\n   " CLI_NAME " - Open Container Initiative runtime\n\n"
               CLI_NAME " is a command line client for running applications packaged according to\n"
               "the Open Container Initiative (OCI) format, with the command line of runc, so that\n"
               "podman, containerd and CRI-O can drive it.\n\n"
               "To start a new instance of a container:\n\n"
               "    # " CLI_NAME " run [ -b bundle ] <container-id>\n\n"
               "Providing the bundle directory using \"-b\" is optional. The default value for\n"
               "\"bundle\" is the current directory.\n\n"
               "USAGE:\n   " CLI_NAME " [global options] command [command options] [arguments...]\n\n"
               "VERSION:\n   " HUSK_VERSION "\nspec: " CLI_OCI_VERSION_MAX "\n\nCOMMANDS:\n");

        /* runc's order: alphabetical, features last. */
        const char *order[] = { "checkpoint", "create", "delete", "events", "exec", "kill", "list", "pause", "ps",
                                "restore", "resume", "run", "spec", "start", "state", "update", "features" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(order); i++) {
                const struct cli_command *cmd = find_command(order[i]);
                printf("   %-10s  %s\n", order[i], cmd ? cmd->summary : "");
        }
        printf("   %-10s  %s\n\nGLOBAL OPTIONS:\n", "help, h", "Shows a list of commands or help for one command");

        int width = 0;
        char col[128];
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(global_opts); i++) {
                int n = args_format_flag(&global_opts[i], col, sizeof(col));
                if (n > width)
                        width = n;
        }
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(global_opts); i++) {
                if (strcmp(global_opts[i].name, "version") == 0)
                        printf("   %-*s  %s\n", width, "--help, -h", "show help");
                (void) args_format_flag(&global_opts[i], col, sizeof(col));
                printf("   %-*s  %s\n", width, col, global_opts[i].usage);
        }
}

static int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
        if (argc == 0) {
                print_help();
                return 0;
        }
        const struct cli_command *cmd = find_command(argv[0]);
        if (!cmd) {
                cli_error(ctx, "No help topic for '%s'", argv[0]);
                return 1;
        }
        cli_print_command_help(cmd);
        return 0;
}

int main(int argc, char **argv)
{
        char root_buf[4096];
        struct global_flags g = { .log_format = "text", .rootless = "auto" };
        struct cli_ctx ctx = { .log = { .fd = -1 } };
        struct husk_error err = { 0 };
        struct args_result res = { 0 };

        g.root = cli_default_state_root(root_buf, sizeof(root_buf));
        if (argc < 1)
                return 1;
        if (args_parse(global_opts, HUSK_ARRAY_SIZE(global_opts), ARGS_STOP_AT_POSITIONAL, argc - 1, argv + 1, &g,
                       &res, &err) < 0) {
                cli_error(&ctx, "%s", err.msg);
                fprintf(stderr, "See '" CLI_NAME " --help'.\n");
                return 1;
        }
        _cleanup_free_ char **pos = res.pos;

        if (cli_log_format_from_string(g.log_format, &ctx.log.format) < 0) {
                cli_error(&ctx, "invalid log-format: %s", g.log_format);
                return 1;
        }
        ctx.log.path = g.log;
        ctx.log.debug = g.debug;
        if (strcmp(g.rootless, "true") == 0) {
                ctx.rt.rootless = HUSK_ROOTLESS_TRUE;
        } else if (strcmp(g.rootless, "false") == 0) {
                ctx.rt.rootless = HUSK_ROOTLESS_FALSE;
        } else if (strcmp(g.rootless, "auto") != 0) {
                cli_error(&ctx, "invalid value for --rootless: %s (expected 'true', 'false' or 'auto')", g.rootless);
                return 1;
        }
        if (g.version) {
                print_version();
                return 0;
        }
        if (res.help || res.n_pos == 0) {
                print_help();
                return 0;
        }

        ctx.rt.root = g.root;
        ctx.rt.systemd_cgroup = g.systemd_cgroup;
        ctx.rt.debug = g.debug;
        ctx.criu = g.criu;
        ctx.cmd = pos[0];

        int ret;
        const struct cli_command *cmd = find_command(pos[0]);
        if (cmd && cmd->seal_exe && husk_exe_ensure_sealed(argv, &err) < 0) {
                ret = cli_fail(&ctx, &err);
        } else if (cmd) {
                cli_debug(&ctx, "%s: root=%s", cmd->name, g.root);
                ret = cmd->run(&ctx, res.n_pos - 1, pos + 1);
        } else if (strcmp(pos[0], "help") == 0 || strcmp(pos[0], "h") == 0) {
                ret = cmd_help(&ctx, res.n_pos - 1, pos + 1);
        } else {
                cli_error(&ctx, "unknown command '%s'", pos[0]);
                fprintf(stderr, "See '" CLI_NAME " --help'.\n");
                ret = 1;
        }
        cli_log_close(&ctx.log);
        return ret;
}

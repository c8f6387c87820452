/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/update_flags.h"
#include "oci/config.h"
#include "util/cleanup.h"
#include "util/fs.h"

static void resources_done(struct husk_resources *r)
{
        husk_resources_free_contents(r);
}

/* -r FILE, or "-": all of stdin (a pipe has no size to read up front). */
static int read_resources_file(const char *path, char **ret, size_t *ret_len, struct husk_error *err)
{
        if (strcmp(path, "-") != 0)
                return husk_read_file_at(AT_FDCWD, path, ret, ret_len, err);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (cap - len < 4096) {
                        cap = cap ? cap * 2 : 8192;
                        char *b = realloc(buf, cap);
                        if (!b)
                                return husk_error_errno(err, ENOMEM, "read resources from stdin");
                        buf = b;
                }
                ssize_t n = read(STDIN_FILENO, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return husk_error_errno(err, errno, "read resources from stdin");
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = steal_ptr(buf);
        *ret_len = len;
        return 0;
}

static int run_update(struct cli_ctx *ctx, int argc, char **argv)
{
        struct cli_update_flags f = { 0 };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_update, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        _cleanup_free_ char **pos = res.pos;

        struct husk_error err = { 0 };
        _cleanup_(resources_done) struct husk_resources rs = { 0 };
        if (f.resources) {
                _cleanup_free_ char *data = NULL;
                size_t len = 0;
                if (read_resources_file(f.resources, &data, &len, &err) < 0)
                        return cli_fail(ctx, &err);
                const char *name = strcmp(f.resources, "-") == 0 ? "stdin" : f.resources;
                if (husk_resources_parse(data, len, name, &rs, &err) < 0)
                        return cli_fail(ctx, &err);
                cli_update_zero_is_unchanged(&rs);
        } else if (cli_update_resources_from_flags(&f, &rs, &err) < 0) {
                return cli_fail(ctx, &err);
        }
        if (husk_container_update(&ctx->rt, pos[0], &rs, &err) < 0)
                return cli_fail(ctx, &err);
        return 0;
}

const struct cli_command cli_cmd_update = {
        .name = "update",
        .summary = "update container resource constraints",
        .args_usage = "<container-id>",
        .description = "The data can be read from a file or the standard input, the\n"
                       "accepted format is as follow (unchanged values can be omitted):\n\n"
                       "{\n"
                       "  \"memory\": {\n"
                       "    \"limit\": 0,\n"
                       "    \"reservation\": 0,\n"
                       "    \"swap\": 0,\n"
                       "    \"checkBeforeUpdate\": true\n"
                       "  },\n"
                       "  \"cpu\": {\n"
                       "    \"shares\": 0,\n"
                       "    \"quota\": 0,\n"
                       "    \"burst\": 0,\n"
                       "    \"period\": 0,\n"
                       "    \"realtimeRuntime\": 0,\n"
                       "    \"realtimePeriod\": 0,\n"
                       "    \"cpus\": \"\",\n"
                       "    \"mems\": \"\",\n"
                       "    \"idle\": 0\n"
                       "  },\n"
                       "  \"blockIO\": {\n"
                       "    \"weight\": 0\n"
                       "  },\n"
                       "  \"pids\": {\n"
                       "    \"limit\": 0\n"
                       "  }\n"
                       "}\n\n"
                       "Note: if data is to be read from a file or the standard input, all\n"
                       "other options are ignored. Sizes (--memory...) take a unit: 100m, 1g, 512k.",
        .opts = cli_update_opts,
        .n_opts = CLI_UPDATE_N_OPTS,
        .min_args = 1,
        .max_args = 1,
        .run = run_update,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* `husk update`: Docker's update of a container's resources (memory, CPU, pids, block I/O weight),
 * at once in the cgroup of a running one and in the record for its later starts. */
#include <errno.h>
#include <stdio.h>

#include "cli/husk/containers.h"
#include "cli/husk/run_res.h"
#include "engine/resources.h"
#include "util/cleanup.h"

struct update_flags {
        struct run_res_flags res;
};

static const struct arg_opt update_opts[] = { RES_UPDATE_OPTS(struct update_flags, res) };

struct edit_ctx {
        const struct husk_ctx *ctx;
        const struct run_res_flags *f;
        int code; /* the exit code of a refused edit */
};

static int edit(json_t *hc, void *ud)
{
        struct edit_ctx *x = ud;
        x->code = husk_run_res_to_config(x->ctx, x->f, true, hc);
        return x->code;
}

static int run(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        const struct update_flags *f = flags;
        if (!husk_run_res_any(&f->res))
                return husk_usage_error(ctx, "you must provide one or more flags when using this command");
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0)
                return husk_fail(ctx, &err);
        /* --pids-limit 0 or -1 is recorded as null (unlimited) and must reach a running cgroup as such. */
        int64_t pids = 1;
        bool pids_unlimited = f->res.pids_limit && husk_res_parse_i64(f->res.pids_limit, &pids) == 0 && pids <= 0;
        int ret = 0;
        for (int i = 0; i < argc; i++) {
                char id[HUSK_CTR_ID_LEN + 1];
                struct edit_ctx x = { .ctx = ctx, .f = &f->res };
                husk_error_clear(&err);
                int r = husk_ctr_lookup(e.ctrs, argv[i], id, &err);
                if (r == 0)
                        r = husk_engine_update_res(&e, id, edit, &x, pids_unlimited, &err);
                if (r == -ECANCELED) {
                        /* The options were refused (and said so): the same for every container. */
                        return x.code;
                }
                if (r < 0) {
                        (void) husk_fail(ctx, &err);
                        ret = 1;
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return ret;
}

const struct husk_cmd husk_cmd_update = {
        .names = { "update", "container update" },
        .summary = "Update configuration of one or more containers",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .description = "Update configuration of one or more containers.\n\n"
                       "A running container gets the new limits in its cgroup at once; every container keeps\n"
                       "them for its later starts.",
        .opts = update_opts,
        .n_opts = HUSK_ARRAY_SIZE(update_opts),
        .flags_size = sizeof(struct update_flags),
        .min_args = 1,
        .max_args = -1,
        .run = run,
};

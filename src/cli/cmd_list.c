/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/list_table.h"
#include "util/cleanup.h"

struct list_flags {
        const char *format;
        bool quiet;
};

static const struct arg_opt list_opts[] = {
        ARG_OPT("format", "f", ARG_STRING, struct list_flags, format, "select one of: table or json (default: \"table\")"),
        ARG_OPT("quiet", "q", ARG_BOOL, struct list_flags, quiet, "display only container IDs"),
};

/* Owner names from /etc/passwd itself, as runc's libcontainer/user does: getpwuid() would load the
 * NSS modules (dlopen) and may ask the network. Unknown uids print as "#uid", as runc. */
static const char *owner_name(const char *passwd, uid_t uid, char *buf, size_t size)
{
        for (const char *line = passwd; line && *line;) {
                const char *end = strchrnul(line, '\n');
                const char *c1 = memchr(line, ':', (size_t) (end - line));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t) (end - c1 - 1)) : NULL;
                if (c1 && c2) {
                        char *num_end;
                        unsigned long v = strtoul(c2 + 1, &num_end, 10);
                        if (num_end != c2 + 1 && *num_end == ':' && v == uid && (size_t) (c1 - line) < size) {
                                memcpy(buf, line, (size_t) (c1 - line));
                                buf[c1 - line] = '\0';
                                return buf;
                        }
                }
                line = *end ? end + 1 : end;
        }
        (void) snprintf(buf, size, "#%u", (unsigned) uid);
        return buf;
}

static char *read_passwd(void)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
        if (!f)
                return NULL;
        char *buf = NULL;
        size_t cap = 0;
        ssize_t n = getdelim(&buf, &cap, '\0', f);
        if (n < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static int print_json(struct cli_ctx *ctx, struct husk_state **list, size_t n, const char *passwd)
{
        /* runc prints a nil slice: `null`, not `[]`, when there is no container. */
        if (n == 0) {
                printf("null\n");
                return 0;
        }
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < n; i++) {
                const struct husk_state *s = list[i];
                char owner[256];
                json_t *o = json_object();
                if (!o) {
                        json_decref(arr);
                        arr = NULL;
                        break;
                }
                (void) json_object_set_new(o, "ociVersion", json_string(s->oci_version ? s->oci_version : ""));
                (void) json_object_set_new(o, "id", json_string(s->id ? s->id : ""));
                (void) json_object_set_new(o, "pid", json_integer(s->pid));
                (void) json_object_set_new(o, "status", json_string(husk_status_to_string(s->status)));
                (void) json_object_set_new(o, "bundle", json_string(s->bundle ? s->bundle : ""));
                (void) json_object_set_new(o, "rootfs", json_string(s->rootfs ? s->rootfs : ""));
                (void) json_object_set_new(o, "created", json_string(s->created ? s->created : ""));
                if (s->n_annotations > 0) {
                        json_t *a = json_object();
                        for (size_t j = 0; a && j < s->n_annotations; j++)
                                (void) json_object_set_new(a, s->annotations[j].key,
                                                           json_string(s->annotations[j].value));
                        (void) json_object_set_new(o, "annotations", a);
                }
                (void) json_object_set_new(o, "owner",
                                           json_string(owner_name(passwd, s->owner, owner, sizeof(owner))));
                (void) json_array_append_new(arr, o);
        }
        _cleanup_free_ char *text = arr ? json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(arr);
        if (!text) {
                cli_error(ctx, "list: format JSON: %s", strerror(ENOMEM));
                return 1;
        }
        printf("%s\n", text);
        return 0;
}

static int print_table(struct cli_ctx *ctx, struct husk_state **list, size_t n, const char *passwd)
{
        _cleanup_free_ struct cli_list_row *rows = calloc(n + 1, sizeof(*rows));
        _cleanup_free_ char(*owners)[256] = calloc(n + 1, sizeof(*owners));
        if (!rows || !owners) {
                cli_error(ctx, "list: %s", strerror(ENOMEM));
                return 1;
        }
        for (size_t i = 0; i < n; i++) {
                rows[i] = (struct cli_list_row) {
                        .id = list[i]->id,
                        .pid = list[i]->pid,
                        .status = husk_status_to_string(list[i]->status),
                        .bundle = list[i]->bundle,
                        .created = list[i]->created,
                        .owner = owner_name(passwd, list[i]->owner, owners[i], sizeof(owners[i])),
                };
        }
        _cleanup_free_ char *text = NULL;
        if (cli_list_table(rows, n, &text) < 0) {
                cli_error(ctx, "list: format table: %s", strerror(ENOMEM));
                return 1;
        }
        fputs(text, stdout);
        return 0;
}

static int run_list(struct cli_ctx *ctx, int argc, char **argv)
{
        struct list_flags f = { .format = "table" };
        struct args_result res = { 0 };
        int r = cli_parse(ctx, &cli_cmd_list, argc, argv, &f, &res);
        if (r != 0)
                return r > 0 ? 0 : 1;
        free(res.pos);

        bool json = strcmp(f.format, "json") == 0;
        if (!json && strcmp(f.format, "table") != 0) {
                cli_error(ctx, "invalid format option \"%s\": expected table or json", f.format);
                return 1;
        }

        struct husk_error err = { 0 };
        struct husk_state **list = NULL;
        size_t n = 0;
        if (husk_container_list(&ctx->rt, &list, &n, &err) < 0)
                return cli_fail(ctx, &err);

        int ret = 0;
        if (f.quiet) {
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", list[i]->id);
        } else {
                _cleanup_free_ char *passwd = n > 0 ? read_passwd() : NULL;
                ret = json ? print_json(ctx, list, n, passwd) : print_table(ctx, list, n, passwd);
        }
        husk_state_list_free(list, n);
        return ret;
}

const struct cli_command cli_cmd_list = {
        .name = "list",
        .summary = "lists containers started by " CLI_NAME " with the given root",
        .args_usage = "\n\n"
                      "Where the given root is specified via the global option \"--root\"\n"
                      "(default: \"/run/husk\").\n\n"
                      "EXAMPLE 1:\n"
                      "To list containers created via the default \"--root\":\n"
                      "       # " CLI_NAME " list\n\n"
                      "EXAMPLE 2:\n"
                      "To list containers created using a non-default value for \"--root\":\n"
                      "       # " CLI_NAME " --root value list",
        .opts = list_opts,
        .n_opts = HUSK_ARRAY_SIZE(list_opts),
        .min_args = 0,
        .max_args = 0,
        .run = run_list,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* husk_exec_build_process: the process exec runs, from the container's and a process.json or flags. */
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"
#include "runtime/exec_process.h"
#include "test.h"
#include "util/cleanup.h"

#define CONTAINER_JSON                                                                                      \
        "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"sleep\"], " \
        "\"cwd\": \"/\", \"env\": [\"PATH=/bin\"], \"noNewPrivileges\": true, \"user\": {\"uid\": 0, "     \
        "\"gid\": 0}, \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"], "     \
        "\"permitted\": [\"CAP_KILL\"], \"inheritable\": [\"CAP_KILL\"]}, \"rlimits\": [{\"type\": "      \
        "\"RLIMIT_NOFILE\", \"hard\": 10, \"soft\": 5}], \"apparmorProfile\": \"ctr\"}}"

static struct husk_spec *container(void)
{
        struct husk_spec *spec = NULL;
        struct husk_error err = { 0 };
        if (husk_config_parse(CONTAINER_JSON, strlen(CONTAINER_JSON), "config.json", &spec, &err) < 0)
                abort();
        return spec;
}

TEST(flags_override_and_append)
{
        _cleanup_(husk_spec_freep) struct husk_spec *spec = container();
        char *args[] = { "sh", "-c", "x", NULL };
        char *env[] = { "A=1", NULL };
        char *caps[] = { "CAP_CHOWN", NULL };
        gid_t gids[] = { 7 };
        struct husk_exec_opts o = { .args = args, .env = env, .cwd = "/w", .has_user = true, .uid = 5, .gid = 6,
                                    .additional_gids = gids, .n_additional_gids = 1, .caps = caps,
                                    .no_new_privs = 0, .apparmor = "other", .tty = true };
        struct husk_error err = { 0 };
        CHECK(husk_exec_build_process(&spec->process, NULL, &o, &err) == 0);
        struct husk_process *p = &spec->process;
        CHECK(p->n_args == 3 && strcmp(p->args[2], "x") == 0 && p->args[3] == NULL);
        CHECK(p->n_env == 2 && strcmp(p->env[0], "PATH=/bin") == 0 && strcmp(p->env[1], "A=1") == 0);
        CHECK_STR_EQ(p->cwd, "/w");
        CHECK(p->user.uid == 5 && p->user.gid == 6 && p->user.n_additional_gids == 1);
        /* CAP_CHOWN (0) added to bounding/effective/permitted, and ambient since inheritable is set. */
        CHECK(p->capabilities.bounding == ((1u << 0) | (1u << 5)));
        CHECK(p->capabilities.ambient == 1u);
        CHECK(!p->no_new_privileges);
        CHECK_STR_EQ(p->apparmor_profile, "other");
        CHECK(p->terminal);
        CHECK(p->n_rlimits == 1); /* the container's */
}

TEST(process_file_keeps_what_it_leaves_out)
{
        _cleanup_(husk_spec_freep) struct husk_spec *spec = container();
        const char *json = "{\"args\": [\"id\"], \"cwd\": \"/tmp\", \"user\": {\"uid\": 3, \"gid\": 4}}";
        struct husk_process file = { 0 };
        struct husk_error err = { 0 };
        CHECK(husk_process_parse(json, strlen(json), "process.json", &file, &err) == 0);
        struct husk_exec_opts o = { .no_new_privs = -1 };
        CHECK(husk_exec_build_process(&spec->process, &file, &o, &err) == 0);
        struct husk_process *p = &spec->process;
        CHECK_STR_EQ(p->args[0], "id");
        CHECK_STR_EQ(p->cwd, "/tmp");
        CHECK(p->user.uid == 3 && p->user.gid == 4);
        CHECK(p->env == NULL);
        CHECK(p->no_new_privileges);                              /* the container's */
        CHECK(p->n_rlimits == 1 && p->rlimits[0].hard == 10);      /* the container's */
        CHECK(p->capabilities.bounding == (1u << 5));             /* the container's */
        CHECK_STR_EQ(p->apparmor_profile, "ctr");
        husk_process_free_contents(&file);
}

TEST(env_replaces_a_key_and_gids_can_replace)
{
        _cleanup_(husk_spec_freep) struct husk_spec *spec = container();
        struct husk_process *p = &spec->process;
        gid_t old[] = { 1, 2 };
        p->user.additional_gids = malloc(sizeof(old));
        if (!p->user.additional_gids)
                abort();
        memcpy(p->user.additional_gids, old, sizeof(old));
        p->user.n_additional_gids = 2;
        char *args[] = { "env", NULL };
        /* PATH replaced where it is (getenv takes the first of a key twice), B added, then B again. */
        char *env[] = { "PATH=/usr/bin", "B=1", "B=2", "PATHX=y", NULL };
        gid_t gids[] = { 9 };
        struct husk_exec_opts o = { .args = args, .env = env, .additional_gids = gids, .n_additional_gids = 1,
                                    .replace_additional_gids = true, .no_new_privs = -1, .tty = true,
                                    .console_rows = 33, .console_cols = 77 };
        struct husk_error err = { 0 };
        CHECK(husk_exec_build_process(p, NULL, &o, &err) == 0);
        CHECK(p->n_env == 3 && p->env[3] == NULL);
        CHECK_STR_EQ(p->env[0], "PATH=/usr/bin");
        CHECK_STR_EQ(p->env[1], "B=2");
        CHECK_STR_EQ(p->env[2], "PATHX=y");
        CHECK(p->user.n_additional_gids == 1 && p->user.additional_gids[0] == 9);
        CHECK(p->has_console_size && p->console_height == 33 && p->console_width == 77);
}

TEST(errors_name_the_flag)
{
        _cleanup_(husk_spec_freep) struct husk_spec *spec = container();
        struct husk_error err = { 0 };
        struct husk_exec_opts none = { .no_new_privs = -1 };
        CHECK(husk_exec_build_process(&spec->process, NULL, &none, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "command");
        char *args[] = { "true", NULL };
        char *caps[] = { "CAP_BOGUS", NULL };
        struct husk_exec_opts bad_cap = { .args = args, .caps = caps, .no_new_privs = -1 };
        CHECK(husk_exec_build_process(&spec->process, NULL, &bad_cap, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "CAP_BOGUS");
        struct husk_exec_opts rel = { .args = args, .cwd = "rel", .no_new_privs = -1 };
        CHECK(husk_exec_build_process(&spec->process, NULL, &rel, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "rel");
        const char *bad = "{\"cwd\": \"/\", \"args\": []}";
        struct husk_process file = { 0 };
        CHECK(husk_process_parse(bad, strlen(bad), "p.json", &file, &err) < 0);
        CHECK_CONTAINS(err.msg, "p.json: args");
}

RUN_TESTS()

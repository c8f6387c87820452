/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle options' parsers: env/label files, restart policies, health durations; the
 * container filters of ps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/ctr_filter.h"
#include "cli/husk/life_parse.h"
#include "test.h"

static const char *lookup(const char *name)
{
        return strcmp(name, "FROM_CALLER") == 0 ? "yes" : NULL;
}

static void strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

TEST(kv_file)
{
        const char data[] = "# comment\n\n  A=1\r\nB= spaced 'quoted' \nFROM_CALLER\nUNSET_HERE\nC=x=y";
        char **env = NULL;
        size_t n = 0;
        struct husk_error err = { 0 };
        CHECK(husk_kv_file_parse(data, sizeof(data) - 1, "f", lookup, &env, &n, &err) == 0);
        CHECK(n == 4);
        CHECK_STR_EQ(env[0], "A=1");
        CHECK_STR_EQ(env[1], "B= spaced 'quoted' ");
        CHECK_STR_EQ(env[2], "FROM_CALLER=yes");
        CHECK_STR_EQ(env[3], "C=x=y");
        CHECK(env[4] == NULL);
        strv_free(env);

        env = NULL;
        n = 0;
        CHECK(husk_kv_file_parse("OK=1\nBAD NAME=2\n", 16, "env.list", lookup, &env, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "env.list: line 2: variable 'BAD NAME' contains whitespaces");
        strv_free(env);
        env = NULL;
        n = 0;
        CHECK(husk_kv_file_parse("=1\n", 3, "e", NULL, &env, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "no variable name");
        strv_free(env);
}

TEST(restart_policy)
{
        json_t *p = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_restart_policy_parse("on-failure:2", &p, &err) == 0);
        CHECK_STR_EQ(json_string_value(json_object_get(p, "Name")), "on-failure");
        CHECK(json_integer_value(json_object_get(p, "MaximumRetryCount")) == 2);
        json_decref(p);
        const char *good[] = { "no", "always", "unless-stopped", "on-failure" };
        for (size_t i = 0; i < 4; i++) {
                CHECK(husk_restart_policy_parse(good[i], &p, &err) == 0);
                json_decref(p);
        }
        const char *bad[] = { "sometimes", "always:3", "on-failure:-1", "on-failure:x", "on-failure:", "" };
        for (size_t i = 0; i < 6; i++)
                CHECK(husk_restart_policy_parse(bad[i], &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid restart policy");
}

TEST(health_duration)
{
        int64_t ns;
        struct husk_error err = { 0 };
        CHECK(husk_health_duration_parse("health-interval", "1s", &ns, &err) == 0 && ns == 1000000000);
        CHECK(husk_health_duration_parse("health-interval", "1m30s", &ns, &err) == 0 && ns == 90000000000LL);
        CHECK(husk_health_duration_parse("health-interval", "250ms", &ns, &err) == 0 && ns == 250000000);
        CHECK(husk_health_duration_parse("health-interval", "0", &ns, &err) == 0 && ns == 0);
        CHECK(husk_health_duration_parse("health-timeout", "10", &ns, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "--health-timeout");
        CHECK(husk_health_duration_parse("health-timeout", "10us", &ns, &err) == -EINVAL);
}

TEST(ctr_filter)
{
        char *in[] = { "name=^/web", "name=db", "label=tier", "status=running", "status=exited" };
        struct husk_ctr_filter f;
        struct husk_error err = { 0 };
        CHECK(husk_ctr_filter_parse(in, 5, &f, &err) == 0);
        CHECK(husk_ctr_filter_wants_all(&f));
        json_t *labels = json_pack("{s:s}", "tier", "web");
        struct husk_ctr_filter_row row = { .id = "abc", .name = "web1", .status = "running", .labels = labels };
        CHECK(husk_ctr_filter_match(&f, &row));
        row.name = "myweb";
        CHECK(!husk_ctr_filter_match(&f, &row));
        row.name = "olddb";
        CHECK(husk_ctr_filter_match(&f, &row));
        row.status = "created";
        CHECK(!husk_ctr_filter_match(&f, &row));
        row.status = "exited";
        row.labels = NULL;
        CHECK(!husk_ctr_filter_match(&f, &row));
        husk_ctr_filter_done(&f);

        char *ex[] = { "exited=3", "health=healthy", "id=^ab" };
        CHECK(husk_ctr_filter_parse(ex, 3, &f, &err) == 0);
        CHECK(!husk_ctr_filter_wants_all(&f));
        struct husk_ctr_filter_row r2 = { .id = "abc", .name = "x", .status = "exited", .exit_code = 3, .health = "healthy" };
        CHECK(husk_ctr_filter_match(&f, &r2));
        r2.exit_code = 0;
        CHECK(!husk_ctr_filter_match(&f, &r2));
        r2.exit_code = 3;
        r2.health = NULL;
        CHECK(!husk_ctr_filter_match(&f, &r2));
        husk_ctr_filter_done(&f);
        json_decref(labels);

        char *bad[] = { "status=sleeping" };
        CHECK(husk_ctr_filter_parse(bad, 1, &f, &err) == -EINVAL);
        char *bad2[] = { "colour=red" };
        CHECK(husk_ctr_filter_parse(bad2, 1, &f, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid filter 'colour=red'");
        char *bad3[] = { "exited=x" };
        CHECK(husk_ctr_filter_parse(bad3, 1, &f, &err) == -EINVAL);
}

RUN_TESTS()

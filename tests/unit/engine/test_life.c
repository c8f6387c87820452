/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's restartmanager decisions: policies, the retry count, the backoff and its reset; the life
 * file written and read back; --log-driver/--log-opt as LogConfig. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/life.h"
#include "engine/log_config.h"
#include "test.h"

#define S 1000000000LL

static json_t *policy(const char *name, int max)
{
        return json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount", max);
}

TEST(policies)
{
        struct husk_life l = { 0 };
        int64_t d;
        json_t *no = policy("no", 0), *always = policy("always", 0), *of2 = policy("on-failure", 2),
               *us = policy("unless-stopped", 0);
        CHECK(!husk_restart_decide(no, 1, S, &l, &d));
        CHECK(!husk_restart_decide(NULL, 1, S, &l, &d));
        CHECK(husk_restart_decide(always, 0, S, &l, &d) && d == 100);
        CHECK(husk_restart_decide(always, 0, S, &l, &d) && d == 200);
        CHECK(husk_restart_decide(always, 0, S, &l, &d) && d == 400);
        /* A run of 10 s resets the delay. */
        CHECK(husk_restart_decide(always, 0, 10 * S, &l, &d) && d == 100);
        l.manually_stopped = true;
        CHECK(!husk_restart_decide(always, 0, S, &l, &d));
        CHECK(!husk_restart_decide(us, 0, S, &l, &d));
        l = (struct husk_life){ 0 };
        CHECK(!husk_restart_decide(of2, 0, S, &l, &d));
        CHECK(husk_restart_decide(of2, 1, S, &l, &d));
        l.restart_count = 2;
        CHECK(!husk_restart_decide(of2, 1, S, &l, &d));
        /* The delay stops growing at a minute. */
        l = (struct husk_life){ .backoff_ms = 50000 };
        CHECK(husk_restart_decide(us, 0, S, &l, &d) && d == 60000);
        json_decref(no);
        json_decref(always);
        json_decref(of2);
        json_decref(us);
}

TEST(life_file)
{
        char dir[] = "/tmp/husk-life-XXXXXX";
        CHECK(mkdtemp(dir));
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0);
        struct husk_life l = { 0 };
        struct husk_error err = { 0 };
        CHECK(husk_life_load(dfd, &l, &err) == 0 && l.restart_count == 0 && !l.health);
        l.restart_count = 3;
        l.manually_stopped = true;
        l.health = json_pack("{s:s, s:i, s:[]}", "Status", "healthy", "FailingStreak", 0, "Log");
        CHECK(husk_life_save(dfd, &l, &err) == 0);
        husk_life_done(&l);
        CHECK(husk_life_load(dfd, &l, &err) == 0);
        CHECK(l.restart_count == 3 && l.manually_stopped && !l.restarting);
        CHECK_STR_EQ(husk_life_health_status(&l), "healthy");
        husk_life_done(&l);
        (void) unlinkat(dfd, HUSK_LIFE_FILE, 0);
        (void) close(dfd);
        (void) rmdir(dir);
}

TEST(log_config)
{
        json_t *c = NULL;
        struct husk_error err = { 0 };
        char *opts[] = { "max-size=10k", "max-file=3" };
        CHECK(husk_log_config_parse(NULL, opts, 2, &c, &err) == 0);
        CHECK_STR_EQ(json_string_value(json_object_get(c, "Type")), "json-file");
        CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(c, "Config"), "max-size")), "10k");
        json_decref(c);
        CHECK(husk_log_config_parse("k8s-file", opts, 1, &c, &err) == 0);
        json_decref(c);
        CHECK(husk_log_config_parse("none", NULL, 0, &c, &err) == 0);
        json_decref(c);
        CHECK(husk_log_config_parse("none", opts, 1, &c, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "unknown log opt 'max-size' for none log driver");
        CHECK(husk_log_config_parse("syslog", NULL, 0, &c, &err) == -EINVAL);
        char *bad_size[] = { "max-size=ten" };
        CHECK(husk_log_config_parse(NULL, bad_size, 1, &c, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "max-size=ten");
        char *no_size[] = { "max-file=2" };
        CHECK(husk_log_config_parse(NULL, no_size, 1, &c, &err) == -EINVAL);
        char *zero[] = { "max-file=0" };
        CHECK(husk_log_config_parse(NULL, zero, 1, &c, &err) == -EINVAL);
        char *nokv[] = { "max-size" };
        CHECK(husk_log_config_parse(NULL, nokv, 1, &c, &err) == -EINVAL);
}

RUN_TESTS()

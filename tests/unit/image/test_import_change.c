/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "image/transfer_internal.h"
#include "test.h"

/* The changes applied to {} and the result dumped with sorted keys. */
static char *apply(const char *const *changes, int *ret, struct husk_error *err)
{
        json_t *c = json_object();
        *ret = husk_import_apply_changes(c, changes, err);
        char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(c);
        return s;
}

TEST(cmd_and_entrypoint)
{
        struct husk_error err = { 0 };
        int r;
        const char *c1[] = { "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", "entrypoint /bin/echo a  b", NULL };
        char *s = apply(c1, &r, &err);
        CHECK(r == 0);
        CHECK_STR_EQ(s, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"],\"Entrypoint\":[\"/bin/sh\",\"-c\",\"/bin/echo a  b\"]}");
        free(s);
        /* Not a JSON array of strings: shell form, as docker does. */
        const char *c2[] = { "CMD [1, 2]", NULL };
        s = apply(c2, &r, &err);
        CHECK(r == 0);
        CHECK_STR_EQ(s, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"[1, 2]\"]}");
        free(s);
}

TEST(env_and_labels)
{
        struct husk_error err = { 0 };
        int r;
        const char *c[] = { "ENV A=1 B=\"two words\" C=x\\ y", "ENV A=3", "ENV OLD form value",
                            "LABEL a.b=c \"d e\"=f", "LABEL k v w", NULL };
        char *s = apply(c, &r, &err);
        CHECK(r == 0);
        CHECK_STR_EQ(s, "{\"Env\":[\"B=two words\",\"C=x y\",\"A=3\",\"OLD=form value\"],"
                        "\"Labels\":{\"a.b\":\"c\",\"d e\":\"f\",\"k\":\"v w\"}}");
        free(s);
}

TEST(ports_volumes_strings)
{
        struct husk_error err = { 0 };
        int r;
        const char *c[] = { "EXPOSE 80 53/udp", "VOLUME [\"/data\", \"/logs\"]", "VOLUME /x /y", "USER nobody:nogroup",
                            "WORKDIR /srv", "STOPSIGNAL SIGINT", NULL };
        char *s = apply(c, &r, &err);
        CHECK(r == 0);
        CHECK_STR_EQ(s, "{\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}},\"StopSignal\":\"SIGINT\",\"User\":\"nobody:nogroup\","
                        "\"Volumes\":{\"/data\":{},\"/logs\":{},\"/x\":{},\"/y\":{}},\"WorkingDir\":\"/srv\"}");
        free(s);
}

static void expect_error(int *failed_, const char *change, const char *msg)
{
        struct husk_error err = { 0 };
        const char *c[] = { change, NULL };
        int r;
        free(apply(c, &r, &err));
        CHECK(r == -EINVAL);
        CHECK_CONTAINS(err.msg, msg);
}

TEST(errors_quote_the_change)
{
        expect_error(failed_, "RUN make", "--change \"RUN make\": RUN is not one of CMD");
        expect_error(failed_, "CMD", "--change \"CMD\": an instruction and its arguments expected");
        expect_error(failed_, "EXPOSE 99999", "invalid port \"99999\"");
        expect_error(failed_, "EXPOSE 80/ftp", "invalid port \"80/ftp\"");
        expect_error(failed_, "ENV A=\"x", "unterminated quote");
        expect_error(failed_, "ENV =x", "\"=x\" is not KEY=VALUE");
        expect_error(failed_, "LABEL k", "expected KEY=VALUE");
}

RUN_TESTS()

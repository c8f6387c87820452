/* SPDX-License-Identifier: Apache-2.0 */
/* Container records: ids, names, create, lookup by id/name/prefix, list, lock, remove, JSON round trip. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/container.h"
#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct tmp_root {
        char dir[64];
};

static void tmp_root_cleanup(struct tmp_root *t)
{
        if (t->dir[0])
                (void) husk_rm_rf_at(AT_FDCWD, t->dir, NULL);
}

/* A temporary storage root and the container store in it. */
static int tmp_root_make(struct tmp_root *t, struct husk_ctr_store **ret)
{
        strcpy(t->dir, "/tmp/husk-ctr-test.XXXXXX");
        if (!mkdtemp(t->dir)) {
                t->dir[0] = '\0';
                return -1;
        }
        return husk_ctr_store_open(t->dir, true, ret, NULL);
}

/* How many containers a listing shows (-1 on failure). */
static long count(struct husk_ctr_store *s)
{
        struct husk_ctr *list = NULL;
        size_t n = 0;
        if (husk_ctr_list(s, &list, &n, NULL) < 0)
                return -1;
        husk_ctr_list_free(list, n);
        return (long) n;
}

static void fill(struct husk_ctr *c, const char *name)
{
        memset(c, 0, sizeof(*c));
        c->name = name ? strdup(name) : NULL;
        c->image = strdup("busybox");
        strcpy(c->image_id, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        c->cfg.stop_timeout = -1;
        c->cfg.network = strdup("none");
}

TEST(id_new_is_64_hex_and_not_numeric)
{
        for (int i = 0; i < 200; i++) {
                char id[HUSK_CTR_ID_LEN + 1];
                CHECK(husk_ctr_id_new(id, NULL) == 0);
                CHECK(husk_ctr_id_valid(id));
                CHECK(strspn(id, "0123456789") < 12);
        }
        CHECK(!husk_ctr_id_valid("abc"));
        CHECK(!husk_ctr_id_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
}

TEST(name_rules)
{
        struct husk_error err = { 0 };
        CHECK(husk_ctr_name_validate("web-1.a_b", &err) == 0);
        CHECK(husk_ctr_name_validate("", &err) == -EINVAL);
        CHECK(husk_ctr_name_validate("-x", &err) == -EINVAL);
        CHECK(husk_ctr_name_validate("a/b", &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "a/b");
        CHECK(husk_ctr_name_validate("..", &err) == -EINVAL);
        char buf[64];
        husk_ctr_name_generate(12345, 0, buf, sizeof(buf));
        CHECK(strchr(buf, '_') != NULL);
        CHECK(husk_ctr_name_validate(buf, NULL) == 0);
        char buf2[64];
        husk_ctr_name_generate(12345, 3, buf2, sizeof(buf2));
        CHECK(strncmp(buf, buf2, strlen(buf)) == 0 && buf2[strlen(buf)] == '3');
}

TEST(json_round_trip)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c;
        fill(&c, "web");
        CHECK(husk_ctr_id_new(c.id, NULL) == 0);
        char *cmd[] = { "echo", "hi there", NULL };
        c.command = calloc(3, sizeof(char *));
        c.command[0] = strdup(cmd[0]);
        c.command[1] = strdup(cmd[1]);
        c.cfg.has_entrypoint = true;
        c.cfg.entrypoint = calloc(1, sizeof(char *));
        c.cfg.auto_remove = true;
        c.cfg.stop_timeout = 3;
        c.state = HUSK_CTR_EXITED;
        c.exit_code = 42;
        c.created = 1700000000123456789;
        c.cfg.host_config = json_pack("{s:I, s:[s]}", "Memory", (json_int_t) 1 << 30, "CapAdd", "NET_ADMIN");
        _cleanup_free_ char *text = NULL;
        CHECK(husk_ctr_to_json(&c, &text, NULL) == 0);
        _cleanup_(husk_ctr_done) struct husk_ctr d;
        memset(&d, 0, sizeof(d));
        struct husk_error err = { 0 };
        CHECK(husk_ctr_from_json(text, strlen(text), "t", &d, &err) == 0);
        CHECK_STR_EQ(d.id, c.id);
        CHECK_STR_EQ(d.name, "web");
        CHECK_STR_EQ(d.command[1], "hi there");
        CHECK(d.command[2] == NULL);
        CHECK(d.cfg.has_entrypoint && d.cfg.entrypoint && d.cfg.entrypoint[0] == NULL);
        CHECK(d.cfg.cmd == NULL);
        CHECK(d.cfg.auto_remove && d.cfg.stop_timeout == 3);
        CHECK(d.state == HUSK_CTR_EXITED && d.exit_code == 42 && d.created == c.created);
        CHECK_STR_EQ(d.cfg.network, "none");
        CHECK(json_equal(d.cfg.host_config, c.cfg.host_config));
        CHECK(d.cfg.ctr_config == NULL);
        const char *bad3 = "{\"id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"name\":\"n\","
                           "\"image\":\"i\",\"image_id\":\"s\",\"state\":\"created\",\"config\":{\"host_config\":[]}}";
        struct husk_ctr e;
        memset(&e, 0, sizeof(e));
        CHECK(husk_ctr_from_json(bad3, strlen(bad3), "rec", &e, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "config.host_config");
}

TEST(json_bad_input_named)
{
        struct husk_ctr d;
        memset(&d, 0, sizeof(d));
        struct husk_error err = { 0 };
        CHECK(husk_ctr_from_json("{", 1, "rec", &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "rec");
        const char *bad = "{\"id\":\"x\",\"name\":\"n\",\"image\":\"i\",\"image_id\":\"s\",\"state\":\"running\",\"config\":{}}";
        CHECK(husk_ctr_from_json(bad, strlen(bad), "rec", &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "id");
        const char *bad2 = "{\"id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"name\":\"n\","
                           "\"image\":\"i\",\"image_id\":\"s\",\"state\":\"dancing\",\"config\":{}}";
        CHECK(husk_ctr_from_json(bad2, strlen(bad2), "rec", &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "dancing");
}

TEST(create_lookup_list_remove)
{
        _cleanup_(tmp_root_cleanup) struct tmp_root t = { 0 };
        _cleanup_(husk_ctr_store_closep) struct husk_ctr_store *s = NULL;
        CHECK(tmp_root_make(&t, &s) == 0);
        struct husk_error err = { 0 };

        _cleanup_(husk_ctr_done) struct husk_ctr a, b, gen;
        fill(&a, "web");
        fill(&b, "db");
        fill(&gen, NULL);
        CHECK(husk_ctr_create(s, &a, &err) == 0);
        CHECK(husk_ctr_create(s, &b, &err) == 0);
        CHECK(husk_ctr_create(s, &gen, &err) == 0);
        CHECK(gen.name && strchr(gen.name, '_'));

        /* The name is taken: refused, naming the name and the owner. */
        _cleanup_(husk_ctr_done) struct husk_ctr dup;
        fill(&dup, "web");
        CHECK(husk_ctr_create(s, &dup, &err) == -EEXIST);
        CHECK_CONTAINS(err.msg, "\"web\" is already in use");
        CHECK_CONTAINS(err.msg, a.id);

        _cleanup_(husk_ctr_done) struct husk_ctr bad;
        fill(&bad, "no/slash");
        CHECK(husk_ctr_create(s, &bad, &err) == -EINVAL);

        char id[HUSK_CTR_ID_LEN + 1];
        CHECK(husk_ctr_lookup(s, "web", id, &err) == 0);
        CHECK_STR_EQ(id, a.id);
        CHECK(husk_ctr_lookup(s, "/db", id, &err) == 0);
        CHECK_STR_EQ(id, b.id);
        CHECK(husk_ctr_lookup(s, a.id, id, &err) == 0);
        CHECK_STR_EQ(id, a.id);
        char prefix[13];
        memcpy(prefix, a.id, 12);
        prefix[12] = '\0';
        CHECK(husk_ctr_lookup(s, prefix, id, &err) == 0);
        CHECK_STR_EQ(id, a.id);
        CHECK(husk_ctr_lookup(s, "nosuch", id, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "no such container: nosuch");

        struct husk_ctr *list = NULL;
        size_t n = 0;
        CHECK(husk_ctr_list(s, &list, &n, &err) == 0);
        CHECK(n == 3);
        /* Newest first. */
        CHECK_STR_EQ(list[0].id, gen.id);
        CHECK_STR_EQ(list[2].id, a.id);
        husk_ctr_list_free(list, n);

        /* Saved changes are read back. */
        int lk = husk_ctr_lock(s, a.id, &err);
        CHECK(lk >= 0);
        a.state = HUSK_CTR_EXITED;
        a.exit_code = 3;
        CHECK(husk_ctr_save(s, &a, &err) == 0);
        (void) close(lk);
        _cleanup_(husk_ctr_done) struct husk_ctr r;
        memset(&r, 0, sizeof(r));
        CHECK(husk_ctr_load(s, a.id, &r, &err) == 0);
        CHECK(r.state == HUSK_CTR_EXITED && r.exit_code == 3);

        lk = husk_ctr_lock(s, a.id, &err);
        CHECK(lk >= 0);
        CHECK(husk_ctr_remove(s, a.id, a.name, &err) == 0);
        (void) close(lk);
        CHECK(husk_ctr_lookup(s, "web", id, &err) == -ENOENT);
        CHECK(husk_ctr_lock(s, a.id, &err) == -ENOENT);
        /* The name is free again. */
        _cleanup_(husk_ctr_done) struct husk_ctr again;
        fill(&again, "web");
        CHECK(husk_ctr_create(s, &again, &err) == 0);
        CHECK(count(s) == 3);
}

TEST(monitor_lock_probe)
{
        _cleanup_(tmp_root_cleanup) struct tmp_root t = { 0 };
        _cleanup_(husk_ctr_store_closep) struct husk_ctr_store *s = NULL;
        CHECK(tmp_root_make(&t, &s) == 0);
        _cleanup_(husk_ctr_done) struct husk_ctr a;
        fill(&a, NULL);
        CHECK(husk_ctr_create(s, &a, NULL) == 0);
        a.state = HUSK_CTR_RUNNING;
        CHECK(husk_ctr_save(s, &a, NULL) == 0);
        CHECK(!husk_ctr_monitor_alive(s, a.id));

        /* A child holds the monitor lock; the record reads as running while it lives, and as a dead
         * monitor once it is killed. */
        int p[2];
        CHECK(pipe2(p, O_CLOEXEC) == 0);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                int fd = husk_ctr_monitor_lock(s, a.id, NULL);
                (void) write(p[1], fd >= 0 ? "y" : "n", 1);
                pause();
                _exit(0);
        }
        (void) close(p[1]);
        char c = 0;
        CHECK(read(p[0], &c, 1) == 1 && c == 'y');
        (void) close(p[0]);
        CHECK(husk_ctr_monitor_alive(s, a.id));
        CHECK(husk_ctr_monitor_lock(s, a.id, NULL) < 0);
        _cleanup_(husk_ctr_done) struct husk_ctr r;
        memset(&r, 0, sizeof(r));
        CHECK(husk_ctr_load(s, a.id, &r, NULL) == 0);
        CHECK(!r.monitor_dead);
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        CHECK(!husk_ctr_monitor_alive(s, a.id));
        husk_ctr_free_contents(&r);
        CHECK(husk_ctr_load(s, a.id, &r, NULL) == 0);
        CHECK(r.monitor_dead);
}

TEST(concurrent_creates_get_unique_names)
{
        _cleanup_(tmp_root_cleanup) struct tmp_root t = { 0 };
        _cleanup_(husk_ctr_store_closep) struct husk_ctr_store *s = NULL;
        CHECK(tmp_root_make(&t, &s) == 0);
        /* Eight processes race for one name: exactly one wins. */
        pid_t pids[8];
        for (int i = 0; i < 8; i++) {
                pids[i] = fork();
                CHECK(pids[i] >= 0);
                if (pids[i] == 0) {
                        struct husk_ctr c;
                        fill(&c, "race");
                        _exit(husk_ctr_create(s, &c, NULL) == 0 ? 0 : 1);
                }
        }
        int won = 0;
        for (int i = 0; i < 8; i++) {
                int st;
                CHECK(waitpid(pids[i], &st, 0) == pids[i]);
                won += WIFEXITED(st) && WEXITSTATUS(st) == 0;
        }
        CHECK(won == 1);
        CHECK(count(s) == 1);
}

TEST(ambiguous_prefix_refused)
{
        _cleanup_(tmp_root_cleanup) struct tmp_root t = { 0 };
        _cleanup_(husk_ctr_store_closep) struct husk_ctr_store *s = NULL;
        CHECK(tmp_root_make(&t, &s) == 0);
        /* 17 ids over 16 first digits: two share one. */
        char ids[17][HUSK_CTR_ID_LEN + 1];
        for (int i = 0; i < 17; i++) {
                struct husk_ctr c;
                fill(&c, NULL);
                CHECK(husk_ctr_create(s, &c, NULL) == 0);
                strcpy(ids[i], c.id);
                husk_ctr_free_contents(&c);
        }
        char shared = 0;
        for (int i = 0; i < 17 && !shared; i++)
                for (int j = i + 1; j < 17; j++)
                        if (ids[i][0] == ids[j][0])
                                shared = ids[i][0];
        CHECK(shared != 0);
        char one[2] = { shared, 0 }, id[HUSK_CTR_ID_LEN + 1];
        struct husk_error err = { 0 };
        CHECK(husk_ctr_lookup(s, one, id, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "multiple containers");
}

TEST(images_in_use_unique)
{
        _cleanup_(tmp_root_cleanup) struct tmp_root t = { 0 };
        _cleanup_(husk_ctr_store_closep) struct husk_ctr_store *s = NULL;
        CHECK(tmp_root_make(&t, &s) == 0);
        for (int i = 0; i < 3; i++) {
                struct husk_ctr c;
                fill(&c, NULL);
                if (i == 2)
                        c.image_id[7] = 'f'; /* another image */
                CHECK(husk_ctr_create(s, &c, NULL) == 0);
                husk_ctr_free_contents(&c);
        }
        struct husk_ctr r;
        fill(&r, NULL);
        r.image_id[0] = '\0'; /* --rootfs: no image */
        CHECK(husk_ctr_create(s, &r, NULL) == 0);
        husk_ctr_free_contents(&r);
        _cleanup_strv_ char **ids = NULL;
        CHECK(husk_ctr_images_in_use(s, &ids, NULL) == 0);
        CHECK(ids[0] && ids[1] && !ids[2]);
        CHECK(strcmp(ids[0], ids[1]) != 0);
        CHECK(strncmp(ids[0], "sha256:", 7) == 0 && strncmp(ids[1], "sha256:", 7) == 0);
}

RUN_TESTS()

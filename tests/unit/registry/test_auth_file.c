/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/auth_file.h"
#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int lookup(const char *json, const char *domain, const char *path, struct husk_credentials *c,
                  struct husk_error *err)
{
        *c = (struct husk_credentials) { 0 };
        return husk_auth_lookup_json(json, strlen(json), "auth.json", domain, path, c, err);
}

TEST(docker_config_keys)
{
        /* "dXNlcjpwYXNz" = user:pass, "aHViOmh1Yg==" = hub:hub, "bnM6bnM=" = ns:ns */
        const char *j = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1Yg==\"},"
                        "\"http://localhost:5000\":{\"auth\":\"dXNlcjpwYXNz\"},"
                        "\"localhost:5000/team\":{\"auth\":\"bnM6bnM=\"}},\"credsStore\":\"x\"}";
        struct husk_credentials c;
        struct husk_error err = { 0 };

        CHECK(lookup(j, "docker.io", "library/busybox", &c, &err) == 0);
        CHECK_STR_EQ(c.username, "hub");
        CHECK_STR_EQ(c.password, "hub");
        husk_credentials_free(&c);
        CHECK(lookup(j, "localhost:5000", "other/x", &c, &err) == 0);
        CHECK_STR_EQ(c.username, "user");
        husk_credentials_free(&c);
        /* the namespace key is longer and wins, but not for "teamwork" */
        CHECK(lookup(j, "localhost:5000", "team/x", &c, &err) == 0);
        CHECK_STR_EQ(c.username, "ns");
        husk_credentials_free(&c);
        CHECK(lookup(j, "localhost:5000", "teamwork/x", &c, &err) == 0);
        CHECK_STR_EQ(c.username, "user");
        husk_credentials_free(&c);
        CHECK(lookup(j, "localhost:5001", "x", &c, &err) == -ENOENT);
        CHECK(lookup(j, "localhost", "x", &c, &err) == -ENOENT);
}

TEST(username_password_fields_and_colon_in_password)
{
        struct husk_credentials c;
        struct husk_error err = { 0 };

        CHECK(lookup("{\"auths\":{\"r.io\":{\"username\":\"u\",\"password\":\"p\"}}}", "r.io", NULL, &c, &err) == 0);
        CHECK_STR_EQ(c.username, "u");
        CHECK_STR_EQ(c.password, "p");
        husk_credentials_free(&c);
        /* "u:a:b" */
        CHECK(lookup("{\"auths\":{\"r.io\":{\"auth\":\"dTphOmI=\"}}}", "r.io", NULL, &c, &err) == 0);
        CHECK_STR_EQ(c.password, "a:b");
        husk_credentials_free(&c);
        /* a placeholder for a credential helper is no entry */
        CHECK(lookup("{\"auths\":{\"r.io\":{}}}", "r.io", NULL, &c, &err) == -ENOENT);
        CHECK(lookup("{}", "r.io", NULL, &c, &err) == -ENOENT);
}

TEST(malformed)
{
        static const char *const bad[] = {
                "{", "[]", "{\"auths\":[]}", "{\"auths\":{\"r.io\":\"x\"}}", "{\"auths\":{\"r.io\":{\"auth\":1}}}",
                "{\"auths\":{\"r.io\":{\"auth\":\"!!\"}}}", "{\"auths\":{\"r.io\":{\"auth\":\"dXNlcg==\"}}}",
                "{\"auths\":{\"r.io\":{\"auth\":\"AAA6\"}}}", /* a NUL in the name */
        };

        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                struct husk_credentials c;
                struct husk_error err = { 0 };

                CHECK(lookup(bad[i], "r.io", NULL, &c, &err) == -EINVAL);
                CHECK_CONTAINS(err.msg, "auth.json");
        }
}

TEST(save_lookup_remove_mode_0600)
{
        char dir[] = "/tmp/husk-auth-XXXXXX";
        _cleanup_free_ char *file = NULL, *source = NULL, *data = NULL;
        struct husk_credentials c = { 0 };
        struct husk_error err = { 0 };
        struct stat st;
        size_t len;

        CHECK(mkdtemp(dir));
        CHECK(asprintf(&file, "%s/sub/auth.json", dir) > 0);
        CHECK(husk_auth_save(file, "127.0.0.1:5000", "alice", "s3cret:x", &err) == 0);
        CHECK(stat(file, &st) == 0 && (st.st_mode & 07777) == 0600);
        CHECK(husk_auth_save(file, "other.io", "bob", "pw", &err) == 0);
        CHECK(husk_auth_lookup(file, "127.0.0.1:5000", "a/b", &c, &source, &err) == 0);
        CHECK_STR_EQ(c.username, "alice");
        CHECK_STR_EQ(c.password, "s3cret:x");
        CHECK_STR_EQ(source, file);
        husk_credentials_free(&c);
        CHECK(husk_auth_remove(file, "127.0.0.1:5000", &err) == 0);
        CHECK(husk_auth_lookup(file, "127.0.0.1:5000", "a/b", &c, NULL, &err) == -ENOENT);
        CHECK(husk_auth_remove(file, "127.0.0.1:5000", &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "not logged in to 127.0.0.1:5000");
        /* the other entry is kept, and nothing else than the file is left in the directory */
        CHECK(husk_read_file_at(AT_FDCWD, file, &data, &len, &err) == 0);
        CHECK_CONTAINS(data, "other.io");
        CHECK(husk_auth_save(file, "x.io", "a:b", "pw", &err) == -EINVAL);
        CHECK(husk_rm_rf_at(AT_FDCWD, dir, &err) == 0);
}

TEST(default_locations)
{
        char dir[] = "/tmp/husk-auth-XXXXXX";
        _cleanup_free_ char *docker = NULL, *mine = NULL, *source = NULL;
        struct husk_credentials c = { 0 };
        struct husk_error err = { 0 };
        char *path;

        CHECK(mkdtemp(dir));
        CHECK(setenv("HOME", dir, 1) == 0);
        CHECK(unsetenv("HUSK_AUTH_FILE") == 0);
        CHECK(unsetenv("XDG_CONFIG_HOME") == 0);
        CHECK(unsetenv("XDG_RUNTIME_DIR") == 0);
        CHECK(unsetenv("DOCKER_CONFIG") == 0);
        CHECK(unsetenv("REGISTRY_AUTH_FILE") == 0);
        path = husk_auth_default_path();
        CHECK(asprintf(&mine, "%s/.config/husk/auth.json", dir) > 0);
        CHECK_STR_EQ(path, mine);
        free(path);
        /* docker's file is read when husk's has no entry */
        CHECK(asprintf(&docker, "%s/.docker/config.json", dir) > 0);
        CHECK(husk_auth_save(docker, "https://index.docker.io/v1/", "d", "p", &err) == 0);
        CHECK(husk_auth_lookup(NULL, "docker.io", "library/x", &c, &source, &err) == 0);
        CHECK_STR_EQ(c.username, "d");
        CHECK_STR_EQ(source, docker);
        husk_credentials_free(&c);
        free(steal_ptr(source));
        /* husk's own comes first */
        CHECK(husk_auth_save(NULL, "docker.io", "h", "p", &err) == 0);
        CHECK(husk_auth_lookup(NULL, "docker.io", "library/x", &c, &source, &err) == 0);
        CHECK_STR_EQ(c.username, "h");
        CHECK_STR_EQ(source, mine);
        husk_credentials_free(&c);
        CHECK(husk_rm_rf_at(AT_FDCWD, dir, &err) == 0);
}

RUN_TESTS()

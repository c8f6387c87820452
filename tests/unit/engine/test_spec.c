/* SPDX-License-Identifier: Apache-2.0 */
/* An engine container's OCI config: args, env, cwd, --user against passwd/group (also through a root
 * fd with symlinks pointing out), /etc files, and the whole config.json parsed back by the runtime's
 * parser with Docker's defaults in it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/spec.h"
#include "oci/capabilities.h"
#include "oci/config.h"
#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

static char **strv(const char *a, const char *b, const char *c)
{
        char **v = calloc(4, sizeof(char *));
        const char *in[] = { a, b, c };
        for (size_t i = 0, n = 0; i < 3; i++)
                if (in[i])
                        v[n++] = strdup(in[i]);
        return v;
}

static size_t len(char **v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

/* What these tests set of an image config (manifest.c, whose free this would be, is another unit). */
static void img_free(struct husk_image_config *c)
{
        husk_strv_free(c->env);
        husk_strv_free(c->entrypoint);
        husk_strv_free(c->cmd);
        free(c->working_dir);
        memset(c, 0, sizeof(*c));
}

TEST(args_docker_rules)
{
        struct husk_image_config img = { 0 };
        img.entrypoint = strv("/entry", "-x", NULL);
        img.cmd = strv("default", NULL, NULL);
        struct husk_ctr_config cfg = { .stop_timeout = -1 };
        _cleanup_strv_ char **a = NULL, **b = NULL, **c = NULL, **d = NULL;
        /* The image's entrypoint + cmd. */
        CHECK(husk_engine_args(&cfg, &img, &a, NULL) == 0);
        CHECK(len(a) == 3 && strcmp(a[0], "/entry") == 0 && strcmp(a[2], "default") == 0);
        /* A command replaces Cmd only. */
        cfg.cmd = strv("echo", "hi", NULL);
        CHECK(husk_engine_args(&cfg, &img, &b, NULL) == 0);
        CHECK(len(b) == 4 && strcmp(b[0], "/entry") == 0 && strcmp(b[2], "echo") == 0);
        /* --entrypoint drops the image's Cmd as well. */
        husk_strv_free(cfg.cmd);
        cfg.cmd = NULL;
        cfg.has_entrypoint = true;
        cfg.entrypoint = strv("/bin/true", NULL, NULL);
        CHECK(husk_engine_args(&cfg, &img, &c, NULL) == 0);
        CHECK(len(c) == 1 && strcmp(c[0], "/bin/true") == 0);
        /* --entrypoint "" and no command: nothing to run. */
        husk_strv_free(cfg.entrypoint);
        cfg.entrypoint = strv(NULL, NULL, NULL);
        struct husk_error err = { 0 };
        CHECK(husk_engine_args(&cfg, &img, &d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "no command specified");
        husk_ctr_config_free_contents(&cfg);
        img_free(&img);
}

TEST(env_merge)
{
        struct husk_image_config img = { 0 };
        img.env = strv("PATH=/img/bin", "A=image", "B=image");
        struct husk_ctr_config cfg = { .stop_timeout = -1 };
        cfg.env = strv("B=user", "C=user", "UNSET_KEY");
        _cleanup_strv_ char **e = NULL;
        CHECK(husk_engine_env(&cfg, &img, "host1", "/home/u", &e, NULL) == 0);
        CHECK(len(e) == 6);
        CHECK_STR_EQ(e[0], "HOSTNAME=host1");
        CHECK_STR_EQ(e[1], "PATH=/img/bin");
        CHECK_STR_EQ(e[2], "A=image");
        CHECK_STR_EQ(e[3], "B=user");
        CHECK_STR_EQ(e[4], "C=user");
        CHECK_STR_EQ(e[5], "HOME=/home/u");
        /* No PATH in the image: Docker's default first. */
        img_free(&img);
        memset(&img, 0, sizeof(img));
        _cleanup_strv_ char **f = NULL;
        CHECK(husk_engine_env(&cfg, &img, "h", NULL, &f, NULL) == 0);
        CHECK(strncmp(f[0], "PATH=/usr/local/sbin:", 21) == 0);
        husk_ctr_config_free_contents(&cfg);
}

TEST(cwd_rules)
{
        struct husk_image_config img = { 0 };
        struct husk_ctr_config cfg = { .stop_timeout = -1 };
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        CHECK(husk_engine_cwd(&cfg, &img, &a, NULL) == 0);
        CHECK_STR_EQ(a, "/");
        img.working_dir = strdup("/srv");
        CHECK(husk_engine_cwd(&cfg, &img, &b, NULL) == 0);
        CHECK_STR_EQ(b, "/srv");
        cfg.workdir = strdup("rel");
        struct husk_error err = { 0 };
        CHECK(husk_engine_cwd(&cfg, &img, &c, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "'rel'");
        husk_ctr_config_free_contents(&cfg);
        img_free(&img);
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "# comment\n"
                             "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
                             "web:x:1000:1000:Web:/home/web:/bin/sh\n"
                             "broken:x:notanumber:1::/:/bin/sh\n";
static const char group[] = "root:x:0:\nweb:x:1000:\nwheel:x:10:root,web\naudio:x:29:web\nbig:x:3000000000:web\n";

TEST(user_resolution)
{
        struct husk_exec_user u = { 0 };
        struct husk_error err = { 0 };
        CHECK(husk_exec_user_resolve_text("", passwd, group, &u, &err) == 0);
        CHECK(u.uid == 0 && u.gid == 0 && strcmp(u.home, "/root") == 0 && u.n_gids == 1 && u.gids[0] == 10);
        husk_exec_user_free_contents(&u);

        CHECK(husk_exec_user_resolve_text("web", passwd, group, &u, &err) == 0);
        CHECK(u.uid == 1000 && u.gid == 1000 && strcmp(u.home, "/home/web") == 0);
        /* wheel and audio; the out-of-range gid is ignored. */
        CHECK(u.n_gids == 2 && u.gids[0] == 10 && u.gids[1] == 29);
        husk_exec_user_free_contents(&u);

        CHECK(husk_exec_user_resolve_text("1000", passwd, group, &u, &err) == 0);
        CHECK(u.uid == 1000 && u.gid == 1000 && u.n_gids == 2);
        husk_exec_user_free_contents(&u);

        /* A uid not in passwd: gid 0, home /. */
        CHECK(husk_exec_user_resolve_text("4242", passwd, group, &u, &err) == 0);
        CHECK(u.uid == 4242 && u.gid == 0 && strcmp(u.home, "/") == 0 && u.n_gids == 0);
        husk_exec_user_free_contents(&u);

        /* An explicit group replaces the supplementary ones. */
        CHECK(husk_exec_user_resolve_text("web:audio", passwd, group, &u, &err) == 0);
        CHECK(u.uid == 1000 && u.gid == 29 && u.n_gids == 0);
        husk_exec_user_free_contents(&u);
        CHECK(husk_exec_user_resolve_text("web:77", passwd, group, &u, &err) == 0);
        CHECK(u.gid == 77);
        husk_exec_user_free_contents(&u);

        CHECK(husk_exec_user_resolve_text("nosuch", passwd, group, &u, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "unable to find user nosuch");
        CHECK(husk_exec_user_resolve_text("web:nogroup", passwd, group, &u, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "unable to find group nogroup");
        CHECK(husk_exec_user_resolve_text("broken", passwd, group, &u, &err) == -ENOENT);
        CHECK(husk_exec_user_resolve_text("web:", passwd, group, &u, &err) == -EINVAL);
        /* Past the 31-bit range: not a uid, and no such name. */
        CHECK(husk_exec_user_resolve_text("4294967295", passwd, group, &u, &err) == -ENOENT);
        /* No passwd at all: numeric works, names do not. */
        CHECK(husk_exec_user_resolve_text("5", NULL, NULL, &u, &err) == 0);
        CHECK(u.uid == 5 && u.gid == 0);
        husk_exec_user_free_contents(&u);
        CHECK(husk_exec_user_resolve_text("web", NULL, NULL, &u, &err) == -ENOENT);
}

struct tmp_dir {
        char path[64];
};

static void tmp_dir_cleanup(struct tmp_dir *t)
{
        if (t->path[0])
                (void) husk_rm_rf_at(AT_FDCWD, t->path, NULL);
}

TEST(user_files_read_in_root_only)
{
        _cleanup_(tmp_dir_cleanup) struct tmp_dir t = { 0 };
        strcpy(t.path, "/tmp/husk-spec-test.XXXXXX");
        CHECK(mkdtemp(t.path) != NULL);
        char p[256];
        /* <t>/outside/passwd has a user the image does not; <t>/root/etc/passwd points at it with an
         * absolute symlink and a ../ chain: in-root resolution must not reach it. */
        (void) snprintf(p, sizeof(p), "%s/outside", t.path);
        CHECK(mkdir(p, 0755) == 0);
        (void) snprintf(p, sizeof(p), "%s/outside/passwd", t.path);
        CHECK(husk_write_file_atomic_at(AT_FDCWD, p, "evil:x:0:0::/:/bin/sh\n", 22, 0644, false, NULL) == 0);
        (void) snprintf(p, sizeof(p), "%s/root", t.path);
        CHECK(mkdir(p, 0755) == 0);
        (void) snprintf(p, sizeof(p), "%s/root/etc", t.path);
        CHECK(mkdir(p, 0755) == 0);
        char target[256];
        (void) snprintf(target, sizeof(target), "%s/outside/passwd", t.path);
        (void) snprintf(p, sizeof(p), "%s/root/etc/passwd", t.path);
        CHECK(symlink(target, p) == 0);
        (void) snprintf(p, sizeof(p), "%s/root/etc/group", t.path);
        CHECK(symlink("../../../../../../../../outside/passwd", p) == 0);
        (void) snprintf(p, sizeof(p), "%s/root", t.path);
        _cleanup_close_ int root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(root >= 0);
        struct husk_exec_user u = { 0 };
        struct husk_error err = { 0 };
        CHECK(husk_exec_user_resolve(root, "evil", &u, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "unable to find user evil");

        /* A fifo as /etc/passwd is refused, not read (which would block). */
        (void) snprintf(p, sizeof(p), "%s/root/etc/passwd", t.path);
        CHECK(unlink(p) == 0);
        CHECK(mkfifo(p, 0644) == 0);
        CHECK(husk_exec_user_resolve(root, "0", &u, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "not a regular file");

        /* A real one inside is used. */
        CHECK(unlink(p) == 0);
        CHECK(husk_write_file_atomic_at(AT_FDCWD, p, passwd, strlen(passwd), 0644, false, NULL) == 0);
        CHECK(husk_exec_user_resolve(root, "web", &u, &err) == 0);
        CHECK(u.uid == 1000);
        husk_exec_user_free_contents(&u);
}

TEST(resolv_conf_filter)
{
        _cleanup_free_ char *a = husk_resolv_conf("search example.org\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n", false);
        CHECK_STR_EQ(a, "search example.org\nnameserver 10.0.0.2\n");
        _cleanup_free_ char *b = husk_resolv_conf("nameserver 127.0.0.53\nnameserver ::1\noptions edns0\n", false);
        CHECK_STR_EQ(b, "options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        _cleanup_free_ char *c = husk_resolv_conf("nameserver 127.0.0.53\n", true);
        CHECK_STR_EQ(c, "nameserver 127.0.0.53\n");
        _cleanup_free_ char *d = husk_resolv_conf(NULL, false);
        CHECK_STR_EQ(d, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        _cleanup_free_ char *h = husk_hosts_file("x");
        CHECK_CONTAINS(h, "127.0.0.1\tlocalhost\n");
}

static bool has_mount(const struct husk_spec *s, const char *dest, const char *type)
{
        for (size_t i = 0; i < s->n_mounts; i++)
                if (strcmp(s->mounts[i].destination, dest) == 0 && s->mounts[i].type &&
                    strcmp(s->mounts[i].type, type) == 0)
                        return true;
        return false;
}

static bool strv_has(char **v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

TEST(whole_config_has_docker_defaults)
{
        struct husk_ctr c = { 0 };
        strcpy(c.id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        c.name = strdup("web");
        c.image = strdup("busybox");
        c.cfg.stop_timeout = -1;
        c.cfg.network = strdup("none");
        c.cfg.cmd = strv("echo", "hi", NULL);
        struct husk_image_config img = { 0 };
        struct husk_exec_user u = { .uid = 1000, .gid = 1000, .home = strdup("/home/web") };
        u.gids = calloc(1, sizeof(gid_t));
        u.gids[0] = 10;
        u.n_gids = 1;
        struct husk_engine_spec_in in = { .ctr = &c, .img = &img, .user = &u, .hostname = "0123456789ab",
                                          .ctr_dir = "/var/lib/husk/containers/x", .rootfs = "merged" };
        _cleanup_free_ char *json = NULL;
        struct husk_error err = { 0 };
        CHECK(husk_engine_spec_json(&in, &json, &err) == 0);
        _cleanup_(husk_spec_freep) struct husk_spec *s = NULL;
        CHECK(husk_config_parse(json, strlen(json), "config.json", &s, &err) == 0);
        CHECK(s->process.user.uid == 1000 && s->process.user.n_additional_gids == 1);
        CHECK_STR_EQ(s->process.args[0], "echo");
        CHECK(!s->process.no_new_privileges);
        CHECK(!s->process.terminal);
        CHECK(s->process.capabilities.bounding == husk_engine_default_caps());
        CHECK(s->process.capabilities.bounding & (UINT64_C(1) << husk_cap_from_name("CAP_NET_RAW")));
        CHECK(!(s->process.capabilities.bounding & (UINT64_C(1) << husk_cap_from_name("CAP_SYS_ADMIN"))));
        CHECK(s->linux_.has_seccomp && s->linux_.seccomp.n_syscalls > 0);
        CHECK(strv_has(s->linux_.masked_paths, "/proc/kcore"));
        CHECK(strv_has(s->linux_.readonly_paths, "/proc/sys"));
        CHECK(has_mount(s, "/dev", "tmpfs"));
        CHECK(has_mount(s, "/etc/hosts", "bind"));
        CHECK(has_mount(s, "/etc/resolv.conf", "bind"));
        CHECK(has_mount(s, "/etc/hostname", "bind"));
        CHECK(husk_spec_namespace(s, HUSK_NS_NETWORK) != NULL);
        CHECK(husk_spec_namespace(s, HUSK_NS_PID) != NULL);
        CHECK(husk_spec_namespace(s, HUSK_NS_CGROUP) == NULL);
        CHECK_STR_EQ(s->hostname, "0123456789ab");
        CHECK_STR_EQ(s->root.path, "merged");
        CHECK_CONTAINS(s->linux_.cgroups_path, "/husk/0123456789abcdef");
        CHECK(strv_has(s->process.env, "HOME=/home/web"));

        /* --network host: no network namespace, no unprivileged-port sysctl. */
        free(c.cfg.network);
        c.cfg.network = strdup("host");
        free(c.cfg.cgroup_parent);
        c.cfg.cgroup_parent = strdup("/husktest");
        in.cgroupns = true;
        _cleanup_free_ char *json2 = NULL;
        CHECK(husk_engine_spec_json(&in, &json2, &err) == 0);
        _cleanup_(husk_spec_freep) struct husk_spec *s2 = NULL;
        CHECK(husk_config_parse(json2, strlen(json2), "config.json", &s2, &err) == 0);
        CHECK(husk_spec_namespace(s2, HUSK_NS_NETWORK) == NULL);
        CHECK(husk_spec_namespace(s2, HUSK_NS_CGROUP) != NULL);
        CHECK(s2->linux_.n_sysctl == 0);
        CHECK(strncmp(s2->linux_.cgroups_path, "/husktest/", 10) == 0);

        /* An error of the process part comes back named. */
        husk_strv_free(c.cfg.cmd);
        c.cfg.cmd = NULL;
        _cleanup_free_ char *json3 = NULL;
        CHECK(husk_engine_spec_json(&in, &json3, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "no command specified");
        husk_ctr_free_contents(&c);
        husk_exec_user_free_contents(&u);
}

RUN_TESTS()

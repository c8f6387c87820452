/* SPDX-License-Identifier: Apache-2.0 */
/* The criu command lines of checkpoint/restore, the stdio record, and criu's log read into errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/checkpoint.h"
#include "runtime/runtime.h"
#include "test.h"
#include "util/fs.h"

/* The argv joined with spaces, for matching. */
static char *joined(const struct criu_argv *a)
{
        size_t len = 1;
        for (size_t i = 0; i < a->n; i++)
                len += strlen(a->v[i]) + 1;
        char *s = calloc(1, len);
        for (size_t i = 0; s && i < a->n; i++) {
                strcat(s, a->v[i]);
                strcat(s, " ");
        }
        return s;
}

static char *make_tmpdir(void)
{
        char tpl[] = "/tmp/husk-test-criu-XXXXXX";
        char *d = mkdtemp(tpl);
        return d ? strdup(d) : NULL;
}

static void rm_tmpdir(char *d)
{
        if (d)
                (void) husk_rm_rf_at(AT_FDCWD, d, NULL);
        free(d);
}

static int write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
        char path[512];
        (void) snprintf(path, sizeof(path), "%s/%s", dir, name);
        return husk_write_file_atomic_at(AT_FDCWD, path, text, strlen(text), mode, false, NULL);
}

TEST(common_options_and_flags)
{
        struct criu_argv a = { 0 };
        struct husk_error err = { 0 };
        struct husk_checkpoint_opts o = { .image_path = "/img", .tcp_established = true, .file_locks = true,
                                          .shell_job = true, .manage_cgroups_mode = "full" };
        CHECK(criu_argv_common(&a, "dump", &o, "/bundle/rootfs", &err) == 0);
        char *s = joined(&a);
        CHECK_STR_EQ(a.v[0], "criu");
        CHECK_STR_EQ(a.v[1], "dump");
        CHECK(a.v[a.n] == NULL);
        CHECK_CONTAINS(s, "--images-dir=/img --work-dir=/img --log-file=dump.log -v4 --root=/bundle/rootfs ");
        CHECK_CONTAINS(s, "--manage-cgroups=full --tcp-established --file-locks --shell-job ");
        CHECK(!strstr(s, "--ext-unix-sk"));
        free(s);
        criu_argv_done(&a);

        struct husk_checkpoint_opts o2 = { .criu = "/opt/criu", .image_path = "/img", .work_path = "/work",
                                           .ext_unix_sk = true };
        CHECK(criu_argv_common(&a, "restore", &o2, "/r", &err) == 0);
        s = joined(&a);
        CHECK_STR_EQ(a.v[0], "/opt/criu");
        CHECK_CONTAINS(s, "--work-dir=/work --log-file=restore.log");
        CHECK_CONTAINS(s, "--manage-cgroups=soft --ext-unix-sk ");
        free(s);
        criu_argv_done(&a);
}

TEST(bad_cgroups_mode_is_named)
{
        struct criu_argv a = { 0 };
        struct husk_error err = { 0 };
        struct husk_checkpoint_opts o = { .image_path = "/img", .manage_cgroups_mode = "loose" };
        CHECK(criu_argv_common(&a, "dump", &o, "/r", &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "--manage-cgroups-mode \"loose\"");
        criu_argv_done(&a);
}

TEST(external_mounts_are_the_binds)
{
        char *bind_opts[] = { "rbind", "ro", NULL };
        struct husk_mount mounts[] = {
                { .destination = "/data", .source = "/host/data", .type = "bind" },
                { .destination = "/etc/hosts", .source = "/host/hosts", .options = bind_opts, .n_options = 2 },
                { .destination = "/tmp", .source = "tmpfs", .type = "tmpfs" },
        };
        char *masked[] = { "/proc/kcore", "/proc/acpi", NULL };
        struct husk_spec spec = { .mounts = mounts, .n_mounts = 3 };
        spec.linux_.masked_paths = masked;
        spec.linux_.n_masked_paths = 2;

        struct criu_argv a = { 0 };
        CHECK(criu_argv_external_mounts(&a, &spec, false, NULL) == 0);
        char *s = joined(&a);
        CHECK_STR_EQ(s, "--external=mnt[/data]:/data --external=mnt[/etc/hosts]:/etc/hosts ");
        free(s);
        criu_argv_done(&a);

        CHECK(criu_argv_external_mounts(&a, &spec, true, NULL) == 0);
        s = joined(&a);
        CHECK_STR_EQ(s, "--external=mnt[/data]:/host/data --external=mnt[/etc/hosts]:/host/hosts ");
        free(s);
        criu_argv_done(&a);
}

TEST(inherit_stdio_pipes_once)
{
        char *d = make_tmpdir();
        CHECK(d);
        struct criu_argv a = { 0 };
        struct husk_error err = { 0 };
        /* stdout and stderr on one pipe (2>&1): inherited once, from fd 1. */
        CHECK(write_text(d, HUSK_CKPT_STDIO, "pipe:[11]\npipe:[22]\npipe:[22]\n", 0600) == 0);
        CHECK(criu_argv_inherit_stdio(&a, d, &err) == 0);
        char *s = joined(&a);
        CHECK_STR_EQ(s, "--inherit-fd=fd[0]:pipe:[11] --inherit-fd=fd[1]:pipe:[22] ");
        free(s);
        criu_argv_done(&a);

        /* A closed fd 0 (empty line) keeps the others at their numbers; files are criu's to restore. */
        CHECK(write_text(d, HUSK_CKPT_STDIO, "\n/dev/null\npipe:[33]\n", 0600) == 0);
        CHECK(criu_argv_inherit_stdio(&a, d, &err) == 0);
        s = joined(&a);
        CHECK_STR_EQ(s, "--inherit-fd=fd[2]:pipe:[33] ");
        free(s);
        criu_argv_done(&a);

        char p[512];
        (void) snprintf(p, sizeof(p), "%s/%s", d, HUSK_CKPT_STDIO);
        (void) unlink(p);
        CHECK(criu_argv_inherit_stdio(&a, d, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "not made by husk checkpoint?");
        criu_argv_done(&a);
        rm_tmpdir(d);
}

/* A stand-in criu that writes a log into the work dir and fails. */
static void fake_criu(const char *dir, const char *log_lines, char *ret_path, size_t size)
{
        char script[2048];
        (void) snprintf(script, sizeof(script), "#!/bin/sh\ncat >'%s/dump.log' <<'EOF'\n%sEOF\nexit 1\n", dir,
                        log_lines);
        (void) write_text(dir, "fake-criu", script, 0755);
        (void) snprintf(ret_path, size, "%s/fake-criu", dir);
}

TEST(criu_failure_gives_its_first_errors)
{
        char *d = make_tmpdir();
        CHECK(d);
        char exe[512];
        fake_criu(d,
                  "(00.01) Warning: something\n"
                  "(00.02) Error (criu/util.c:642): exited, status=1\n"
                  "(00.03) Error (criu/files-reg.c:1): Can't lookup mount=42 for fd=1 path=/x\n"
                  "(00.04) Error (criu/cr-dump.c:2): Dump files (pid: 7) failed with -1\n"
                  "(00.05) Error (criu/cr-dump.c:3): Dumping FAILED.\n"
                  "(00.06) Error (criu/cr-dump.c:4): a fourth, left out\n",
                  exe, sizeof(exe));
        struct criu_argv a = { 0 };
        struct husk_error err = { 0 };
        CHECK(criu_argv_add(&a, &err, "%s", exe) == 0 && criu_argv_add(&a, &err, "dump") == 0);
        CHECK(criu_run(&a, NULL, d, "dump.log", &err) == -EIO);
        CHECK_CONTAINS(err.msg, "criu dump exited with status 1: Can't lookup mount=42 for fd=1 path=/x; "
                                "Dump files (pid: 7) failed with -1; Dumping FAILED. (log: ");
        CHECK(!strstr(err.msg, "fourth"));
        CHECK(!strstr(err.msg, "exited, status="));
        criu_argv_done(&a);
        rm_tmpdir(d);
}

TEST(criu_kernel_probe_failure_is_said_as_the_kernel)
{
        char *d = make_tmpdir();
        CHECK(d);
        char exe[512];
        fake_criu(d,
                  "(00.01) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n"
                  "(00.02) Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.\n",
                  exe, sizeof(exe));
        struct criu_argv a = { 0 };
        struct husk_error err = { 0 };
        CHECK(criu_argv_add(&a, &err, "%s", exe) == 0 && criu_argv_add(&a, &err, "dump") == 0);
        CHECK(criu_run(&a, NULL, d, "dump.log", &err) == -ENOTSUP);
        CHECK_CONTAINS(err.msg, "CRIU cannot work on this kernel");
        CHECK_CONTAINS(err.msg, "vdso: Unexpected rt vDSO area bounds");
        criu_argv_done(&a);
        rm_tmpdir(d);
}

TEST(missing_criu_is_named)
{
        struct criu_argv a = { 0 };
        struct husk_error err = { 0 };
        CHECK(criu_argv_add(&a, &err, "/nonexistent/criu") == 0 && criu_argv_add(&a, &err, "dump") == 0);
        CHECK(criu_run(&a, NULL, "/tmp", "dump.log", &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "/nonexistent/criu not found");
        criu_argv_done(&a);
}

RUN_TESTS()

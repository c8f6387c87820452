/* SPDX-License-Identifier: Apache-2.0 */
/* The store's root, blobs, and the recovery of killed operations' leftovers in tmp/. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store_test_util.h"
#include "test.h"
#include "util/cleanup.h"

TEST(open_makes_the_layout)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        char root[128];

        CHECK(tmp_root_make(&t) == 0);
        (void) snprintf(root, sizeof(root), "%s/a/b", t.path);
        struct husk_store *s = open_store(root);
        CHECK(s);
        CHECK_STR_EQ(husk_store_root(s), root);
        CHECK(husk_store_root_fd(s) >= 0);
        husk_store_close(s);
        static const char *const dirs[] = { "blobs/sha256", "layers", "l", "tmp", "containers", "lock" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(dirs); i++) {
                char rel[64];
                (void) snprintf(rel, sizeof(rel), "a/b/%s", dirs[i]);
                CHECK(path_exists(t.path, rel));
        }
}

TEST(root_from_environment_and_read_only)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        char root[128];
        struct husk_store *s = NULL;
        struct husk_error err = { 0 };

        CHECK(tmp_root_make(&t) == 0);
        (void) snprintf(root, sizeof(root), "%s/env", t.path);
        CHECK(setenv("HUSK_STORAGE_ROOT", root, 1) == 0);
        /* read-only on a store nobody made: empty, and nothing created */
        struct husk_store_opts ro = { .read_only = true };
        CHECK(husk_store_open(&ro, &s, &err) == 0);
        CHECK_STR_EQ(husk_store_root(s), root);
        struct husk_image *imgs = NULL;
        size_t n = 9;
        CHECK(husk_store_image_list(s, &imgs, &n, &err) == 0 && n == 0);
        char d[HUSK_DIGEST_LEN];
        CHECK(husk_blob_put(s, "x", 1, NULL, "blob", d, &err) == -EROFS);
        CHECK_CONTAINS(err.msg, "read-only");
        husk_store_close(s);
        CHECK(!path_exists(t.path, "env"));

        CHECK(husk_store_open(NULL, &s, &err) == 0);
        CHECK(path_exists(t.path, "env/blobs/sha256"));
        husk_store_close(s);
        (void) unsetenv("HUSK_STORAGE_ROOT");

        struct husk_store_opts rel = { .root = "relative/path" };
        CHECK(husk_store_open(&rel, &s, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "absolute");
}

TEST(blob_put_read_open)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct husk_error err = { 0 };
        char d[HUSK_DIGEST_LEN], want[HUSK_DIGEST_LEN];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        husk_digest_buf("hello", 5, want);
        CHECK(!husk_blob_exists(s, want));
        CHECK(husk_blob_put(s, "hello", 5, want, "greeting", d, &err) == 0);
        CHECK_STR_EQ(d, want);
        CHECK(husk_blob_exists(s, want));
        /* again: a no-op */
        CHECK(husk_blob_put(s, "hello", 5, NULL, "greeting", d, &err) == 0);
        CHECK_STR_EQ(d, want);
        char *data = NULL;
        size_t len = 0;
        CHECK(husk_blob_read(s, want, 100, &data, &len, &err) == 0);
        CHECK(len == 5 && memcmp(data, "hello", 5) == 0);
        free(data);
        CHECK(husk_blob_read(s, want, 4, &data, &len, &err) == -EFBIG);
        int fd = husk_blob_open(s, want, &err);
        CHECK(fd >= 0);
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
        close(fd);
        husk_digest_buf("absent", 6, d);
        CHECK(husk_blob_open(s, d, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, d);
        CHECK(count_entries(t.path, "tmp") == 0);
        husk_store_close(s);
}

TEST(blob_digest_and_size_mismatch)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct husk_error err = { 0 };
        char d[HUSK_DIGEST_LEN], want[HUSK_DIGEST_LEN], got[HUSK_DIGEST_LEN];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        husk_digest_buf("good", 4, want);
        husk_digest_buf("evil", 4, got);
        CHECK(husk_blob_put(s, "evil", 4, want, "layer 3 of x", d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "layer 3 of x: digest mismatch");
        CHECK_CONTAINS(err.msg, want);
        CHECK_CONTAINS(err.msg, got);
        CHECK(!husk_blob_exists(s, want) && !husk_blob_exists(s, got));
        CHECK(count_entries(t.path, "tmp") == 0);
        CHECK(count_entries(t.path, "blobs/sha256") == 0);

        /* the size: short, and longer than announced (cut off at the write) */
        struct husk_blob_writer *w = NULL;
        CHECK(husk_blob_writer_new(s, NULL, 10, "b", &w, &err) == 0);
        CHECK(husk_blob_writer_write(w, "12345", 5, &err) == 0);
        CHECK(husk_blob_writer_commit(w, d, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "b: size mismatch: expected 10 bytes, got 5");
        husk_blob_writer_free(w);
        CHECK(husk_blob_writer_new(s, NULL, 3, "b", &w, &err) == 0);
        CHECK(husk_blob_writer_write(w, "12345", 5, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "more data than its size of 3 bytes");
        husk_blob_writer_free(w);
        CHECK(count_entries(t.path, "tmp") == 0);
        CHECK(count_entries(t.path, "blobs/sha256") == 0);

        /* a present blob with a wrong stream is still an error */
        CHECK(husk_blob_put(s, "good", 4, want, "b", d, &err) == 0);
        CHECK(husk_blob_put(s, "evil", 4, want, "b", d, &err) == -EINVAL);
        CHECK(husk_blob_exists(s, want));
        /* bad digests are refused before anything is written */
        CHECK(husk_blob_writer_new(s, "sha512:00", -1, "b", &w, &err) == -EINVAL);
        CHECK(husk_blob_open(s, "sha256:../../etc/passwd", &err) == -EINVAL);
        husk_store_close(s);
}

/* "<pid>-<start time>" of a process, from /proc/<pid>/stat (field 22) */
static int owner_of(pid_t pid, char ret[static 64])
{
        char path[64], buf[1024];
        (void) snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        FILE *f = fopen(path, "re");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
                fclose(f);
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        for (int field = 3; p && field <= 22; field++)
                p = strchr(p + 1, ' ');
        unsigned long long start = p ? strtoull(p + 1, NULL, 10) : 0;
        (void) snprintf(ret, 64, "%d-%llu", (int) pid, start);
        return start ? 0 : -1;
}

/* the owner name of a process that has exited */
static int dead_owner(char ret[static 64])
{
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                pause();
                _exit(0);
        }
        int r = owner_of(pid, ret);
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        return r;
}

TEST(recovery_removes_only_dead_owners_leftovers)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        char dead[64], self[64], p[512];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        husk_store_close(s);
        CHECK(dead_owner(dead) == 0);
        CHECK(owner_of(getpid(), self) == 0);
        /* a dead process's half-written blob and half-unpacked layer, with a read-only dir inside */
        (void) snprintf(p, sizeof(p), "%s/tmp/%s-blob-0123456789abcdef", t.path, dead);
        CHECK(close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0);
        (void) snprintf(p, sizeof(p), "%s/tmp/%s-layer-0123456789abcdef", t.path, dead);
        CHECK(mkdir(p, 0700) == 0);
        (void) snprintf(p, sizeof(p), "%s/tmp/%s-layer-0123456789abcdef/diff", t.path, dead);
        CHECK(mkdir(p, 0500) == 0);
        /* a live one's (ours), a pid reused by another process (same pid, other start time), and
           something not named by us */
        (void) snprintf(p, sizeof(p), "%s/tmp/%s-blob-00000000000000aa", t.path, self);
        CHECK(close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0);
        (void) snprintf(p, sizeof(p), "%s/tmp/%d-1-blob-00000000000000bb", t.path, (int) getpid());
        CHECK(close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0);
        (void) snprintf(p, sizeof(p), "%s/tmp/not-ours", t.path);
        CHECK(mkdir(p, 0700) == 0);
        CHECK(count_entries(t.path, "tmp") == 5);

        s = open_store(t.path);
        CHECK(s);
        husk_store_close(s);
        if (count_entries(t.path, "tmp") != 2) {
                char cmd[600];
                (void) snprintf(cmd, sizeof(cmd), "ls %s/tmp | sed 's/^/# /'", t.path);
                (void) system(cmd);
        }
        CHECK(count_entries(t.path, "tmp") == 2);
        (void) snprintf(p, sizeof(p), "tmp/%s-blob-00000000000000aa", self);
        CHECK(path_exists(t.path, p));
        CHECK(path_exists(t.path, "tmp/not-ours"));
}

TEST(tmp_mkdir_is_recovered)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct husk_error err = { 0 };
        char rel[128];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        int fd = husk_store_tmp_mkdir(s, "probe", rel, &err);
        CHECK(fd >= 0);
        close(fd);
        CHECK(strncmp(rel, "tmp/", 4) == 0 && strstr(rel, "-probe-"));
        CHECK(path_exists(t.path, rel));
        husk_store_close(s);
        /* ours and alive: kept by another open */
        s = open_store(t.path);
        CHECK(s);
        husk_store_close(s);
        CHECK(path_exists(t.path, rel));
}

TEST(lock_is_reentrant_and_excludes_other_processes)
{
        _cleanup_tmp_root_ struct tmp_root t = { 0 };
        struct husk_error err = { 0 };
        char p[512];

        CHECK(tmp_root_make(&t) == 0);
        struct husk_store *s = open_store(t.path);
        CHECK(s);
        CHECK(husk_store_lock(s, &err) == 0);
        CHECK(husk_store_lock(s, &err) == 0);
        (void) snprintf(p, sizeof(p), "%s/lock", t.path);
        int fd = open(p, O_RDWR | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK(flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK);
        husk_store_unlock(s);
        CHECK(flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK);
        husk_store_unlock(s);
        CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0);
        close(fd);
        husk_store_close(s);
}

RUN_TESTS()

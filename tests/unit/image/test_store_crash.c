/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crashes and races: an import (blobs, layers, record) killed with SIGKILL at points spread over its
 * whole run, in the middle of a streamed ingest, and during a GC, leaves a store that the next open
 * repairs and that then works; two processes importing the same image at once, and an import racing
 * a GC loop, leave it consistent.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "layer_test_util.h"
#include "store_check.h"
#include "store_test_util.h"
#include "test.h"
#include "util/cleanup.h"

#define BIG_FILES 400

struct fixture {
        struct test_layer big, small;
};

static void fixture_free(struct fixture *f)
{
        test_layer_free(&f->big);
        test_layer_free(&f->small);
}

static int fixture_make(struct fixture *f)
{
        return test_layer_make("big", BIG_FILES, 2048, &f->big) == 0 && test_layer_make("small", 3, 10, &f->small) == 0
                       ? 0
                       : -1;
}

/* The whole import, as a load does it. 0 or a negative errno (the message printed). */
static int import(const char *root, const struct fixture *f, const char *name)
{
        struct husk_store *s = open_store(root);
        struct husk_error err = { 0 };
        char d[HUSK_DIGEST_LEN], man[HUSK_DIGEST_LEN], cfg[HUSK_DIGEST_LEN];
        const char *blobs[] = { f->big.digest, f->small.digest, NULL };
        const char *diffids[] = { f->big.diffid, f->small.diffid, NULL };
        struct husk_layer_info info[2];
        int r;

        if (!s)
                return -EIO;
        if ((r = husk_blob_put(s, f->big.gz, f->big.gz_len, f->big.digest, "big", d, &err)) < 0 ||
            (r = husk_blob_put(s, f->small.gz, f->small.gz_len, f->small.digest, "small", d, &err)) < 0 ||
            (r = put_image(s, "crash", diffids, blobs, man, cfg) < 0 ? -EIO : 0) < 0 ||
            (r = husk_store_layers_ensure(s, 2, blobs, diffids, "crash", info, &err)) < 0 ||
            (r = husk_store_image_add(s, man, diffids, name, NULL, &err)) < 0)
                printf("# import %s: %s\n", name, err.msg);
        husk_store_close(s);
        return r;
}

static int64_t now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* barrier (may be NULL): a pipe whose write end the parent closes to let every child start at once */
static pid_t fork_import(const char *root, const struct fixture *f, const char *name, const int *barrier)
{
        pid_t pid = fork();
        if (pid == 0) {
                char c;
                if (barrier) {
                        close(barrier[1]);
                        (void) read(barrier[0], &c, 1);
                }
                _exit(import(root, f, name) == 0 ? 0 : 1);
        }
        return pid;
}

static int wait_exit(pid_t pid)
{
        int status;
        if (waitpid(pid, &status, 0) != pid)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The big layer, when present, is whole: a layer is visible only complete. */
static bool big_layer_whole_or_absent(const char *root, const struct fixture *f)
{
        char rel[256];
        (void) snprintf(rel, sizeof(rel), "layers/%.64s/diff/big", husk_digest_hex(f->big.diffid));
        if (!path_exists(root, rel)) {
                (void) snprintf(rel, sizeof(rel), "layers/%.64s", husk_digest_hex(f->big.diffid));
                return !path_exists(root, rel);
        }
        return count_entries(root, rel) == BIG_FILES + 1;
}

TEST(kill_during_import_at_spread_points)
{
        _cleanup_(fixture_free) struct fixture f = { 0 };
        char msg[512];

        CHECK(fixture_make(&f) == 0);
        /* how long a whole import takes here, to spread the kills over it */
        _cleanup_tmp_root_ struct tmp_root t0 = { 0 };
        CHECK(tmp_root_make(&t0) == 0);
        int64_t t = now_us();
        CHECK(wait_exit(fork_import(t0.path, &f, "crash:1", NULL)) == 0);
        int64_t full = now_us() - t;
        printf("# a whole import takes %lld us\n", (long long) full);

        int with_leftovers = 0, with_layer = 0, with_image = 0, rounds = 12;
        for (int k = 0; k < rounds; k++) {
                _cleanup_tmp_root_ struct tmp_root tr = { 0 };
                CHECK(tmp_root_make(&tr) == 0);
                int64_t delay = full * k / (rounds - 2);
                pid_t pid = fork_import(tr.path, &f, "crash:1", NULL);
                CHECK(pid > 0);
                struct timespec ts = { delay / 1000000, (delay % 1000000) * 1000 };
                (void) nanosleep(&ts, NULL);
                (void) kill(pid, SIGKILL);
                (void) wait_exit(pid);

                int leftovers = count_entries(tr.path, "tmp");
                char rel[256];
                (void) snprintf(rel, sizeof(rel), "layers/%.64s", husk_digest_hex(f.big.diffid));
                bool layer = path_exists(tr.path, rel), image = path_exists(tr.path, "images.json");
                with_leftovers += leftovers > 0;
                with_layer += layer;
                with_image += image;
                printf("# killed after %lld us: tmp/ %d entries, big layer %s, record %s\n", (long long) delay,
                       leftovers, layer ? "yes" : "no", image ? "yes" : "no");
                CHECK(big_layer_whole_or_absent(tr.path, &f));
                /* the next open repairs; the store is consistent; the import then works */
                if (store_check(tr.path, msg, sizeof(msg)) < 0) {
                        printf("# after the kill: %s\n", msg);
                        CHECK(0);
                }
                CHECK(import(tr.path, &f, "crash:1") == 0);
                CHECK(store_check(tr.path, msg, sizeof(msg)) == 0);
                CHECK(big_layer_whole_or_absent(tr.path, &f));
                struct husk_store *s = open_store(tr.path);
                struct husk_image img = { 0 };
                struct husk_error err = { 0 };
                CHECK(s && husk_store_image_lookup(s, "crash:1", &img, &err) == 0);
                husk_image_free(&img);
                husk_store_close(s);
        }
        printf("# %d kills left tmp/ leftovers, %d a finished layer, %d a record\n", with_leftovers, with_layer,
               with_image);
        /* the spread reached the middle of the work (not only before or after it) */
        CHECK(with_leftovers > 0);
}

static ssize_t pipe_read(void *ctx, void *buf, size_t len)
{
        ssize_t n = read(*(int *) ctx, buf, len);
        return n < 0 ? -errno : n;
}

/* Wait up to 5 s for tmp/ to hold at least n entries. */
static bool wait_tmp_entries(const char *root, int n)
{
        for (int i = 0; i < 5000; i++) {
                if (count_entries(root, "tmp") >= n)
                        return true;
                usleep(1000);
        }
        return false;
}

TEST(kill_in_the_middle_of_an_ingest)
{
        _cleanup_(fixture_free) struct fixture f = { 0 };
        _cleanup_tmp_root_ struct tmp_root tr = { 0 };
        char msg[512];
        int p[2];

        CHECK(fixture_make(&f) == 0);
        CHECK(tmp_root_make(&tr) == 0);
        CHECK(pipe2(p, O_CLOEXEC) == 0);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                close(p[1]);
                struct husk_store *s = open_store(tr.path);
                struct husk_unpack_source src = { .read = pipe_read, .ctx = &p[0] };
                struct husk_error err = { 0 };
                struct husk_layer_info info;
                _exit(s && husk_store_layer_ingest(s, &src, f.big.digest, (int64_t) f.big.gz_len, f.big.diffid, "big",
                                                   &info, &err) == 0
                              ? 0
                              : 1);
        }
        close(p[0]);
        /* half the download: the blob is half written, the layer half unpacked, both in tmp/ */
        size_t half = f.big.gz_len / 2, off = 0;
        while (off < half) {
                ssize_t n = write(p[1], f.big.gz + off, half - off);
                if (n <= 0)
                        break;
                off += (size_t) n;
        }
        bool mid = wait_tmp_entries(tr.path, 2);
        (void) kill(pid, SIGKILL);
        close(p[1]);
        (void) wait_exit(pid);
        CHECK(mid);
        CHECK(count_entries(tr.path, "blobs/sha256") == 0 && count_entries(tr.path, "layers") == 0);
        if (store_check(tr.path, msg, sizeof(msg)) < 0) {
                printf("# %s\n", msg);
                CHECK(0);
        }
        CHECK(count_entries(tr.path, "tmp") == 0);
        CHECK(import(tr.path, &f, "after:ingest") == 0);
        CHECK(store_check(tr.path, msg, sizeof(msg)) == 0);
        CHECK(big_layer_whole_or_absent(tr.path, &f));
}

TEST(kill_during_gc)
{
        _cleanup_(fixture_free) struct fixture f = { 0 };
        char msg[512];
        int left_in_tmp = 0;

        CHECK(fixture_make(&f) == 0);
        for (int k = 0; k < 8; k++) {
                _cleanup_tmp_root_ struct tmp_root tr = { 0 };
                CHECK(tmp_root_make(&tr) == 0);
                CHECK(import(tr.path, &f, "gc:1") == 0);
                pid_t pid = fork();
                CHECK(pid >= 0);
                if (pid == 0) {
                        struct husk_store *s = open_store(tr.path);
                        struct husk_error err = { 0 };
                        _exit(s && husk_store_image_remove(s, "gc:1", false, NULL, NULL, &err) == 0 ? 0 : 1);
                }
                /* the sweep renames the big layer into tmp/ and deletes it there: catch it at work */
                if (k < 4)
                        left_in_tmp += wait_tmp_entries(tr.path, 1);
                else
                        usleep((useconds_t) (k - 4) * 2000);
                (void) kill(pid, SIGKILL);
                (void) wait_exit(pid);
                CHECK(big_layer_whole_or_absent(tr.path, &f));
                if (store_check(tr.path, msg, sizeof(msg)) < 0) {
                        printf("# %s\n", msg);
                        CHECK(0);
                }
                /* what the killed removal did not finish, the next one does */
                struct husk_store *s = open_store(tr.path);
                struct husk_gc_result res;
                struct husk_error err = { 0 };
                CHECK(s);
                int r = husk_store_image_remove(s, "gc:1", false, NULL, NULL, &err);
                CHECK(r == 0 || r == -ENOENT);
                CHECK(husk_store_gc(s, false, NULL, &res, &err) == 0);
                husk_store_close(s);
                CHECK(count_entries(tr.path, "layers") == 0 && count_entries(tr.path, "blobs/sha256") == 0);
                CHECK(count_entries(tr.path, "l") == 0 && count_entries(tr.path, "tmp") == 0);
        }
        printf("# %d of 4 kills caught the sweep with a layer in tmp/\n", left_in_tmp);
        CHECK(left_in_tmp > 0);
}

TEST(two_processes_import_the_same_image)
{
        _cleanup_(fixture_free) struct fixture f = { 0 };
        char msg[512];

        CHECK(fixture_make(&f) == 0);
        for (int round = 0; round < 3; round++) {
                _cleanup_tmp_root_ struct tmp_root tr = { 0 };
                int b[2];
                CHECK(tmp_root_make(&tr) == 0);
                CHECK(pipe2(b, O_CLOEXEC) == 0);
                pid_t a1 = fork_import(tr.path, &f, "same:a", b);
                pid_t a2 = fork_import(tr.path, &f, "same:b", b);
                close(b[0]);
                close(b[1]);    /* both start at once */
                CHECK(wait_exit(a1) == 0);
                CHECK(wait_exit(a2) == 0);
                CHECK(store_check(tr.path, msg, sizeof(msg)) == 0);
                CHECK(count_entries(tr.path, "layers") == 2);
                CHECK(count_entries(tr.path, "blobs/sha256") == 4);
                struct husk_store *s = open_store(tr.path);
                struct husk_image *imgs = NULL;
                size_t n = 0;
                struct husk_error err = { 0 };
                CHECK(s && husk_store_image_list(s, &imgs, &n, &err) == 0);
                CHECK(n == 1 && imgs[0].names[0] && imgs[0].names[1] && !imgs[0].names[2]);
                husk_image_list_free(imgs, n);
                husk_store_close(s);
                CHECK(big_layer_whole_or_absent(tr.path, &f));
        }
}

TEST(an_import_racing_a_gc_loop)
{
        _cleanup_(fixture_free) struct fixture f = { 0 };
        _cleanup_tmp_root_ struct tmp_root tr = { 0 };
        char msg[512];
        int stop[2];

        CHECK(fixture_make(&f) == 0);
        CHECK(tmp_root_make(&tr) == 0);
        CHECK(pipe2(stop, O_CLOEXEC | O_NONBLOCK) == 0);
        pid_t gc = fork();
        CHECK(gc >= 0);
        if (gc == 0) {
                close(stop[1]);
                struct husk_store *s = open_store(tr.path);
                int busy = 0;
                char c;
                /* GC as fast as it can until told to stop (EOF) */
                while (s && read(stop[0], &c, 1) < 0 && errno == EAGAIN) {
                        struct husk_gc_result res;
                        struct husk_error err = { 0 };
                        if (husk_store_gc(s, false, NULL, &res, &err) < 0)
                                _exit(2);
                        busy += res.busy;
                }
                /* not printf: this child's copy of the parent's stdio buffer must not be flushed */
                dprintf(STDOUT_FILENO, "# the GC loop found the store busy %d times\n", busy);
                _exit(0);
        }
        close(stop[0]);
        usleep(2000);
        for (int i = 0; i < 3; i++) {
                char name[32];
                (void) snprintf(name, sizeof(name), "race:%d", i);
                CHECK(import(tr.path, &f, name) == 0);
                /* between imports the image is recorded: the loop must not take it away */
                struct husk_store *s = open_store(tr.path);
                struct husk_error err = { 0 };
                CHECK(s && husk_store_image_remove(s, name, false, NULL, NULL, &err) == 0);
                husk_store_close(s);
        }
        close(stop[1]);
        CHECK(wait_exit(gc) == 0);
        CHECK(store_check(tr.path, msg, sizeof(msg)) == 0);
}

RUN_TESTS()

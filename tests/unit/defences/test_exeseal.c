/* SPDX-License-Identifier: Apache-2.0 */
/* The sealed copies of the runtime binary (runtime/exeseal.h): nothing can write through them, not
 * even after clearing the read-only flag of the overlayfs mount; and the "already sealed" test. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/exeseal.h"
#include "test.h"
#include "util/cleanup.h"

struct tmpbin {
        char dir[64];
        char path[96];
};

static void tmpbin_done(struct tmpbin *t)
{
        if (t->path[0])
                (void) unlink(t->path);
        if (t->dir[0])
                (void) rmdir(t->dir);
}

/* dir/bin holding `data`; returns an O_RDONLY fd of it, as /proc/self/exe would be opened. */
static int tmpbin_make(struct tmpbin *t, const char *data)
{
        (void) snprintf(t->dir, sizeof(t->dir), "/tmp/husk-exeseal-XXXXXX");
        if (!mkdtemp(t->dir)) {
                t->dir[0] = '\0';
                return -1;
        }
        (void) snprintf(t->path, sizeof(t->path), "%s/bin", t->dir);
        _cleanup_close_ int w = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
        if (w < 0 || write(w, data, strlen(data)) != (ssize_t) strlen(data))
                return -1;
        return open(t->path, O_RDONLY | O_CLOEXEC);
}

/* Write through a fresh open of fd's /proc/self/fd link, as the attack does; -errno of the open or
 * of the write, 0 if it worked. */
static int write_through(int fd)
{
        char p[32];
        (void) snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        _cleanup_close_ int w = open(p, O_WRONLY | O_CLOEXEC);
        if (w < 0)
                return -errno;
        return write(w, "X", 1) == 1 ? 0 : -errno;
}

static bool same_content(int fd, const char *want)
{
        char buf[128] = { 0 };
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        return n == (ssize_t) strlen(want) && memcmp(buf, want, (size_t) n) == 0;
}

TEST(memfd_copy_is_sealed_and_unwritable)
{
        _cleanup_(tmpbin_done) struct tmpbin t = { 0 };
        _cleanup_close_ int src = tmpbin_make(&t, "#!/bin/true\nbinary");
        CHECK(src >= 0);
        CHECK(!husk_exe_is_sealed(src, NULL));

        struct husk_error err = { 0 };
        _cleanup_close_ int fd = husk_exe_seal_memfd(src, &err);
        if (fd < 0)
                printf("#   %s\n", err.msg);
        CHECK(fd >= 0);
        CHECK(same_content(fd, "#!/bin/true\nbinary"));
        CHECK(husk_exe_is_sealed(fd, NULL));
        CHECK(write(fd, "X", 1) < 0);
        int r = write_through(fd);
        CHECK(r == -EPERM || r == -EACCES);
        CHECK(ftruncate(fd, 0) < 0 && errno == EPERM);
        /* and the seals cannot be taken back */
        CHECK(fcntl(fd, F_ADD_SEALS, 0) < 0 || (fcntl(fd, F_GET_SEALS) & F_SEAL_SEAL));
        CHECK(same_content(fd, "#!/bin/true\nbinary"));
        struct stat st;
        CHECK(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0511);
}

TEST(overlay_copy_is_unwritable_even_made_rw)
{
        _cleanup_(tmpbin_done) struct tmpbin t = { 0 };
        _cleanup_close_ int src = tmpbin_make(&t, "binary");
        CHECK(src >= 0);
        struct husk_error err = { 0 };
        _cleanup_close_ int fd = husk_exe_seal_overlay(src, t.path, &err);
        /* Unprivileged, the runtime itself falls back to the memfd: nothing to test here then. */
        if (fd == -EPERM) {
                printf("#   not run: overlayfs needs CAP_SYS_ADMIN: %s\n", err.msg);
                return;
        }
        if (fd < 0)
                printf("#   %s\n", err.msg);
        CHECK(fd >= 0);
        _cleanup_close_ int rd = -1;
        char p[32];
        (void) snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        rd = open(p, O_RDONLY | O_CLOEXEC);
        CHECK(rd >= 0 && same_content(rd, "binary"));
        CHECK(write_through(fd) == -EROFS);

        /* The way out of a read-only bind mount is to get the mount read-write again. The file of the
         * sealed copy cannot be cloned into a mount of one's own (it is in no namespace of ours) ... */
        _cleanup_close_ int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        CHECK(tree < 0);
        /* ... and even a read-write mount of such an overlayfs (lower layers only) writes nothing. */
        char lower[128];
        (void) snprintf(lower, sizeof(lower), "%s:/dev", t.dir);
        _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
        CHECK(fs >= 0);
        CHECK(fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) == 0);
        CHECK(fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0);
        _cleanup_close_ int rw = fsmount(fs, FSMOUNT_CLOEXEC, 0);
        CHECK(rw >= 0);
        _cleanup_close_ int rwfile = openat(rw, "bin", O_PATH | O_CLOEXEC);
        CHECK(rwfile >= 0);
        CHECK(write_through(rwfile) == -EROFS);
        CHECK(write_through(fd) == -EROFS);
        CHECK(same_content(src, "binary"));

        /* The marker names this file and no other. */
        struct stat st;
        char marker[64], wrong[64];
        CHECK(fstat(rd, &st) == 0);
        (void) snprintf(marker, sizeof(marker), "%llu:%llu", (unsigned long long) st.st_dev,
                        (unsigned long long) st.st_ino);
        (void) snprintf(wrong, sizeof(wrong), "%llu:%llu", (unsigned long long) st.st_dev,
                        (unsigned long long) st.st_ino + 1);
        CHECK(husk_exe_is_sealed(rd, marker));
        CHECK(!husk_exe_is_sealed(rd, wrong));
        CHECK(!husk_exe_is_sealed(rd, NULL));
        CHECK(!husk_exe_is_sealed(src, marker));
}

TEST(overlay_refuses_another_binary)
{
        _cleanup_(tmpbin_done) struct tmpbin t = { 0 };
        _cleanup_close_ int src = tmpbin_make(&t, "binary");
        CHECK(src >= 0);
        /* The running binary (our fd) is not the file the path names now. */
        _cleanup_close_ int other = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        CHECK(other >= 0);
        struct husk_error err = { 0 };
        int fd = husk_exe_seal_overlay(other, t.path, &err);
        if (fd >= 0)
                close(fd);
        CHECK(fd == -ESTALE || fd == -EPERM);
        husk_error_clear(&err);
        CHECK(husk_exe_seal_overlay(src, "relative/bin", &err) == -EINVAL);
        char deleted[PATH_MAX];
        (void) snprintf(deleted, sizeof(deleted), "%s (deleted)", t.path);
        CHECK(husk_exe_seal_overlay(src, deleted, &err) == -ENOENT);
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* husk_layer_unpack: entry types, attributes, whiteouts, compression and digests. Runs as root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/digest.h"
#include "image/unpack.h"
#include "tar_builder.h"
#include "test.h"
#include "util/path.h"

#define SETUP(tb, s)                                                    \
        struct tar_builder tb __attribute__((cleanup(tb_release)));    \
        struct scratch s __attribute__((cleanup(scratch_release)));    \
        tb_init(&tb);                                                   \
        CHECK(scratch_new(&s) == 0)

static int unpack_tb(struct scratch *s, struct tar_builder *tb, const struct husk_unpack_opts *opts,
                     struct husk_unpack_result *res, struct husk_error *err)
{
        tb_finish(tb);
        return unpack_buf(s, tb->buf, tb->used, opts, res, err);
}

TEST(entry_names_cleaned_in_root)
{
        static const char *cases[][2] = {
                { "a/b", "a/b" }, { "./a//b/", "a/b" }, { "/etc/passwd", "etc/passwd" }, { "", "" },
                { ".", "" }, { "..", "" }, { "/", "" }, { "../../etc/x", "etc/x" }, { "a/../../b", "b" },
                { "a/b/../c", "a/c" }, { "a/./b/..", "a" }, { "dne/../.wh.etc", ".wh.etc" },
                { "localetc/sub/..", "localetc" }, { "...", "..." }, { "a/..b", "a/..b" },
        };
        char out[64];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                CHECK(husk_path_clean_in_root(cases[i][0], out, sizeof(out)) == 0);
                CHECK_STR_EQ(out, cases[i][1]);
        }
        CHECK(husk_path_clean_in_root("abcdefgh/ijk", out, 12) == -ENAMETOOLONG);
        CHECK(husk_path_clean_in_root("abcdefgh/ijk", out, 13) == 0);
        CHECK(husk_path_clean_in_root("x", out, 0) == -ENAMETOOLONG);
}

TEST(regular_files_dirs_and_attributes)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        struct stat st;

        tb.uid = 1234;
        tb.gid = 5678;
        tb_dir(&tb, "./", 0755);
        tb_dir(&tb, "bin/", 0555);
        tb_file(&tb, "bin/su", "setuid", 04755);
        tb_file(&tb, "bin/sg", "setgid", 02711);
        tb_dir(&tb, "tmp", 01777);
        tb_file(&tb, "tmp/x", "in a sticky dir", 0600);
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == 0);

        CHECK(layer_file_is(&s, "bin/su", "setuid"));
        CHECK(fstatat(s.layer_fd, "bin/su", &st, AT_SYMLINK_NOFOLLOW) == 0);
        /* setuid survives the chown because the mode is set after it */
        CHECK((st.st_mode & 07777) == 04755 && st.st_uid == 1234 && st.st_gid == 5678);
        CHECK(st.st_mtim.tv_sec == 1700000000 && st.st_mtim.tv_nsec == 123456789);
        CHECK(fstatat(s.layer_fd, "bin/sg", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 02711);
        /* directories: mode and times after their children were written */
        CHECK(fstatat(s.layer_fd, "bin", &st, AT_SYMLINK_NOFOLLOW) == 0);
        CHECK((st.st_mode & 07777) == 0555 && st.st_uid == 1234);
        CHECK(st.st_mtim.tv_sec == 1700000000 && st.st_mtim.tv_nsec == 123456789);
        CHECK(fstatat(s.layer_fd, "tmp", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 01777);
        CHECK(fstat(s.layer_fd, &st) == 0 && st.st_uid == 1234 && st.st_mtim.tv_sec == 1700000000);
}

TEST(symlinks_hardlinks_fifos_devices_long_names)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        struct stat st;
        char longname[400];

        memset(longname, 'n', 200);
        strcpy(longname + 200, "/");
        memset(longname + 201, 'm', 150);
        longname[351] = '\0';
        tb_dir(&tb, "d", 0755);
        tb_file(&tb, "d/target", "content", 0644);
        tb_symlink(&tb, "d/link", "target");
        tb_symlink(&tb, "d/abs", "/etc/passwd");
        tb_hardlink(&tb, "d/hard", "d/target");
        tb_fifo(&tb, "d/fifo", 0620);
        tb_chardev(&tb, "d/null", 1, 3);
        tb_file(&tb, longname, "long", 0644);
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == 0);

        CHECK(layer_symlink_is(&s, "d/link", "target"));
        CHECK(layer_symlink_is(&s, "d/abs", "/etc/passwd"));
        CHECK(layer_same_inode(&s, "d/hard", "d/target"));
        CHECK(fstatat(s.layer_fd, "d/fifo", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode));
        CHECK((st.st_mode & 07777) == 0620);
        CHECK(fstatat(s.layer_fd, "d/null", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode));
        CHECK(st.st_rdev == makedev(1, 3) && (st.st_mode & 07777) == 0666);
        CHECK(fstatat(s.layer_fd, "d/link", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtim.tv_sec == 1700000000);
        CHECK(layer_file_is(&s, longname, "long"));
        CHECK(res.devices_skipped == 0);
}

TEST(xattrs_and_capabilities)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        char buf[64];
        /* VFS_CAP_REVISION_2, cap_net_bind_service (10) permitted + effective */
        static const unsigned char cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00 };

        struct archive_entry *e = tb_entry(&tb, "ping", AE_IFREG, 0755);
        archive_entry_xattr_add_entry(e, "security.capability", cap, sizeof(cap));
        archive_entry_xattr_add_entry(e, "user.note", "hello", 5);
        archive_entry_xattr_add_entry(e, "trusted.overlay.opaque", "y", 1);
        tb_write(&tb, e, "ELF", 3);
        e = tb_entry(&tb, "dir", AE_IFDIR, 0755);
        archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/etc", 4);
        archive_entry_xattr_add_entry(e, "user.dir", "d", 1);
        tb_write(&tb, e, NULL, 0);
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == 0);

        CHECK(lgetxattr(s.layer, "security.capability", buf, sizeof(buf)) < 0);
        char p[160];
        snprintf(p, sizeof(p), "%s/ping", s.layer);
        CHECK(lgetxattr(p, "security.capability", buf, sizeof(buf)) == sizeof(cap));
        CHECK(memcmp(buf, cap, sizeof(cap)) == 0);
        CHECK_STR_EQ(layer_xattr(&s, "ping", "user.note", buf, sizeof(buf)), "hello");
        CHECK_STR_EQ(layer_xattr(&s, "dir", "user.dir", buf, sizeof(buf)), "d");
        /* overlayfs's own xattrs from an archive would forge the merged view: not set */
        CHECK_STR_EQ(layer_xattr(&s, "ping", "trusted.overlay.opaque", buf, sizeof(buf)), "");
        CHECK_STR_EQ(layer_xattr(&s, "dir", "trusted.overlay.redirect", buf, sizeof(buf)), "");
}

TEST(replacing_entries)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        struct stat st;

        tb_dir(&tb, "a", 0700);
        tb_file(&tb, "a/inner", "x", 0644);
        tb_file(&tb, "a", "now a file", 0644);          /* a directory replaced by a file */
        tb_file(&tb, "b", "file", 0644);
        tb_dir(&tb, "b", 0711);                          /* a file replaced by a directory */
        tb_dir(&tb, "c", 0700);
        tb_file(&tb, "c/keep", "kept", 0644);
        tb_dir(&tb, "c", 0751);                          /* both directories: contents stay, attrs change */
        tb_file(&tb, "f", "old", 0644);
        tb_file(&tb, "f", "new", 0600);
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == 0);

        CHECK(layer_file_is(&s, "a", "now a file"));
        CHECK(fstatat(s.layer_fd, "b", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
        CHECK((st.st_mode & 07777) == 0711);
        CHECK(layer_file_is(&s, "c/keep", "kept"));
        CHECK(fstatat(s.layer_fd, "c", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 0751);
        CHECK(layer_file_is(&s, "f", "new"));
        CHECK(fstatat(s.layer_fd, "f", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 0600);
}

TEST(lookups_follow_replacements)
{
        /* consecutive entries of one directory share a lookup; a replacement on their path between
         * them must be seen */
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };

        tb_dir(&tb, "a", 0755);
        tb_dir(&tb, "a/b", 0755);
        tb_file(&tb, "a/b/x", "x", 0644);
        tb_dir(&tb, "c", 0755);
        tb_dir(&tb, "c/b", 0755);
        tb_symlink(&tb, "a", "c");
        tb_file(&tb, "a/b/y", "y", 0644);
        tb_file(&tb, "a/b/z", "z", 0644);
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == 0);
        CHECK(layer_symlink_is(&s, "a", "c"));
        CHECK(layer_file_is(&s, "c/b/y", "y"));
        CHECK(layer_file_is(&s, "c/b/z", "z"));
        CHECK(!layer_exists(&s, "c/b/x"));
}

TEST(sparse_files_keep_their_holes)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        struct stat st;
        char buf[4096];
        /* libarchive's writer takes the whole file and stores only the mapped blocks */
        char *data = calloc(1, 4 << 20);

        CHECK(data);
        memset(data, 'A', 4096);
        memset(data + (2 << 20), 'B', 4096);
        struct archive_entry *e = tb_entry(&tb, "sparse", AE_IFREG, 0644);
        archive_entry_set_size(e, 4 << 20);
        archive_entry_sparse_add_entry(e, 0, 4096);
        archive_entry_sparse_add_entry(e, 2 << 20, 4096);
        CHECK(archive_write_header(tb.a, e) == ARCHIVE_OK);
        la_ssize_t written = archive_write_data(tb.a, data, 4 << 20);
        free(data);
        archive_entry_free(e);
        CHECK(written == 4 << 20);
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == 0);
        CHECK(tb.used < 64 * 1024);     /* the archive holds the mapped blocks only */

        int fd = openat(s.layer_fd, "sparse", O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK(fstat(fd, &st) == 0 && st.st_size == 4 << 20);
        /* 8 KiB of data, not 4 MiB of zeros */
        CHECK(st.st_blocks * 512 < 64 * 1024);
        CHECK(pread(fd, buf, 4096, 0) == 4096 && buf[0] == 'A' && buf[4095] == 'A');
        CHECK(pread(fd, buf, 4096, 2 << 20) == 4096 && buf[0] == 'B' && buf[4095] == 'B');
        CHECK(pread(fd, buf, 4096, 1 << 20) == 4096 && buf[0] == 0 && buf[4095] == 0);
        close(fd);
}

TEST(missing_parents_are_created)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        struct stat st;

        tb_file(&tb, "x/y/z/file", "deep", 0644);
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == 0);
        CHECK(layer_file_is(&s, "x/y/z/file", "deep"));
        CHECK(fstatat(s.layer_fd, "x/y", &st, 0) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755);
}

TEST(whiteouts)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        char buf[16];

        tb_dir(&tb, "etc", 0755);
        tb_file(&tb, "etc/.wh.passwd", "", 0644);        /* a lower file removed */
        tb_dir(&tb, "opaque", 0755);
        tb_file(&tb, "opaque/.wh..wh..opq", "", 0644);    /* a lower directory's children hidden */
        tb_file(&tb, "opaque/new", "new", 0644);
        tb_file(&tb, "mine", "this layer's", 0644);
        tb_file(&tb, ".wh.mine", "", 0644);              /* same layer: stays (layer.md) */
        tb_dir(&tb, "mydir", 0755);
        tb_file(&tb, "mydir/f", "f", 0644);
        tb_file(&tb, ".wh.mydir", "", 0644);             /* same layer dir: stays, lower's hidden */
        tb_file(&tb, ".wh.redo", "", 0644);
        tb_dir(&tb, "redo", 0755);                       /* recreated after its whiteout */
        tb_file(&tb, "nodir/.wh.gone", "", 0644);         /* parent not listed */
        tb_file(&tb, ".wh..wh.plnk", "", 0644);          /* AUFS bookkeeping: skipped */
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == 0);

        CHECK(layer_is_whiteout(&s, "etc/passwd"));
        CHECK(!layer_exists(&s, "etc/.wh.passwd"));
        CHECK_STR_EQ(layer_xattr(&s, "opaque", "trusted.overlay.opaque", buf, sizeof(buf)), "y");
        CHECK(!layer_exists(&s, "opaque/.wh..wh..opq"));
        CHECK(layer_file_is(&s, "opaque/new", "new"));
        CHECK(layer_file_is(&s, "mine", "this layer's"));
        CHECK(layer_file_is(&s, "mydir/f", "f"));
        CHECK_STR_EQ(layer_xattr(&s, "mydir", "trusted.overlay.opaque", buf, sizeof(buf)), "y");
        CHECK_STR_EQ(layer_xattr(&s, "redo", "trusted.overlay.opaque", buf, sizeof(buf)), "y");
        CHECK(layer_is_whiteout(&s, "nodir/gone"));
        CHECK(!layer_exists(&s, ".wh..wh.plnk") && !layer_exists(&s, "plnk") && !layer_exists(&s, ".wh.plnk"));
        CHECK_STR_EQ(layer_xattr(&s, "etc", "trusted.overlay.opaque", buf, sizeof(buf)), "");
}

TEST(rootless_whiteouts_and_devices)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        struct husk_unpack_opts opts = { .rootless = true };
        char buf[16];

        tb_dir(&tb, "d", 0755);
        tb_file(&tb, "d/.wh..wh..opq", "", 0644);
        tb_chardev(&tb, "null", 1, 3);
        tb_file(&tb, ".wh.gone", "", 0644);
        CHECK(unpack_tb(&s, &tb, &opts, &res, &err) == 0);
        CHECK_STR_EQ(layer_xattr(&s, "d", "user.overlay.opaque", buf, sizeof(buf)), "y");
        CHECK_STR_EQ(layer_xattr(&s, "d", "trusted.overlay.opaque", buf, sizeof(buf)), "");
        CHECK(!layer_exists(&s, "null") && res.devices_skipped == 1);
        CHECK(layer_is_whiteout(&s, "gone"));
}

static void check_invalid_whiteout(int *failed_, const char *name)
{
        SETUP(tb, s);
        struct husk_unpack_result res;
        struct husk_error err = { 0 };

        tb_dir(&tb, "etc", 0755);
        tb_file(&tb, "etc/passwd", "inside", 0644);
        tb_file(&tb, name, "", 0644);
        CHECK(unpack_tb(&s, &tb, NULL, &res, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, name);
        CHECK_CONTAINS(err.msg, "invalid whiteout");
        CHECK(layer_file_is(&s, "etc/passwd", "inside"));
        CHECK(scratch_outside_intact(&s));
}

TEST(invalid_whiteouts_are_refused)
{
        /* containerd's WhiteoutRoot, WhiteoutRootParent, WhiteoutCurrentDirectory, WhiteoutParent */
        check_invalid_whiteout(failed_, ".wh..");
        if (*failed_)
                return;
        check_invalid_whiteout(failed_, ".wh...");
        if (*failed_)
                return;
        check_invalid_whiteout(failed_, "etc/.wh..");
        if (*failed_)
                return;
        check_invalid_whiteout(failed_, "etc/.wh...");
        if (*failed_)
                return;
        check_invalid_whiteout(failed_, "etc/.wh.");
        if (*failed_)
                return;
        /* a whiteout name used as a directory: "a whiteout whose target has a '/'" */
        check_invalid_whiteout(failed_, ".wh.etc/somefile");
}

/* The same tar through every compression, whole and in odd-sized reads, threaded or not. */
TEST(compression_and_digests)
{
        struct tar_builder tb __attribute__((cleanup(tb_release)));
        char diffid[HUSK_DIGEST_LEN], digest[HUSK_DIGEST_LEN];

        tb_init(&tb);
        tb_dir(&tb, "d", 0755);
        for (int i = 0; i < 50; i++) {
                char name[32], content[2000];
                snprintf(name, sizeof(name), "d/f%d", i);
                memset(content, 'a' + i % 26, sizeof(content) - 1);
                content[sizeof(content) - 1 - i] = '\0';
                tb_file(&tb, name, content, 0644);
        }
        tb_finish(&tb);
        husk_digest_buf(tb.buf, tb.used, diffid);

        size_t gz_len, zst_len;
        unsigned char *gz = gzip_buf(tb.buf, tb.used, &gz_len);
        unsigned char *zst = zstd_buf(tb.buf, tb.used, &zst_len);
        const struct {
                const unsigned char *p;
                size_t len;
        } blobs[] = { { tb.buf, tb.used }, { gz, gz_len }, { zst, zst_len } };
        for (size_t b = 0; b < 3; b++) {
                husk_digest_buf(blobs[b].p, blobs[b].len, digest);
                for (int mode = 0; mode < 4; mode++) {
                        struct scratch s __attribute__((cleanup(scratch_release)));
                        struct husk_unpack_opts opts = { .no_thread = mode & 1 };
                        struct husk_unpack_result res;
                        struct husk_error err = { 0 };
                        struct mem_source m;
                        CHECK(scratch_new(&s) == 0);
                        mem_source_init(&m, blobs[b].p, blobs[b].len, mode & 2 ? 7 : 0);
                        CHECK(husk_layer_unpack(&m.src, s.layer_fd, &opts, &res, &err) == 0);
                        CHECK_STR_EQ(res.diffid, diffid);
                        CHECK_STR_EQ(res.digest, digest);
                        CHECK(res.tar_size == tb.used && res.blob_size == blobs[b].len);
                        CHECK(layer_exists(&s, "d/f49"));
                }
        }
        free(gz);
        free(zst);
}

TEST(gzip_members_trailing_bytes_and_corruption)
{
        struct tar_builder tb __attribute__((cleanup(tb_release)));
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        char diffid[HUSK_DIGEST_LEN], digest[HUSK_DIGEST_LEN];

        tb_init(&tb);
        tb_file(&tb, "a", "first half", 0644);
        tb_file(&tb, "b", "second half", 0644);
        tb_finish(&tb);
        husk_digest_buf(tb.buf, tb.used, diffid);

        /* two gzip members (what pigz or `cat a.gz b.gz` makes), then zero padding */
        size_t half = 1024, l1, l2;
        unsigned char *g1 = gzip_buf(tb.buf, half, &l1);
        unsigned char *g2 = gzip_buf(tb.buf + half, tb.used - half, &l2);
        size_t len = l1 + l2 + 100;
        unsigned char *blob = calloc(1, len);
        memcpy(blob, g1, l1);
        memcpy(blob + l1, g2, l2);
        husk_digest_buf(blob, len, digest);
        {
                struct scratch s __attribute__((cleanup(scratch_release)));
                CHECK(scratch_new(&s) == 0);
                CHECK(unpack_buf(&s, blob, len, NULL, &res, &err) == 0);
                CHECK_STR_EQ(res.diffid, diffid);
                CHECK_STR_EQ(res.digest, digest);
                CHECK(res.blob_size == len);
                CHECK(layer_file_is(&s, "b", "second half"));
        }
        /* a flipped byte in the deflate data or the CRC: refused */
        for (size_t at = l1 + l2 - 6; at > 0; at = at > l1 + l2 / 2 ? l1 + l2 / 2 : 0) {
                struct scratch s __attribute__((cleanup(scratch_release)));
                CHECK(scratch_new(&s) == 0);
                blob[at] ^= 0x55;
                CHECK(unpack_buf(&s, blob, l1 + l2, NULL, &res, &err) < 0);
                CHECK_CONTAINS(err.msg, "gzip");
                blob[at] ^= 0x55;
        }
        /* truncated */
        {
                struct scratch s __attribute__((cleanup(scratch_release)));
                CHECK(scratch_new(&s) == 0);
                CHECK(unpack_buf(&s, blob, l1 + l2 - 20, NULL, &res, &err) == -EBADMSG);
                CHECK_CONTAINS(err.msg, "gzip: unexpected end of stream");
        }
        free(g1);
        free(g2);
        free(blob);
}

TEST(truncated_and_bad_streams)
{
        struct tar_builder tb __attribute__((cleanup(tb_release)));
        struct husk_unpack_result res;
        struct husk_error err = { 0 };
        struct husk_unpack_opts opts = { .what = "layer sha256:1234" };

        tb_init(&tb);
        char big[20000];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        tb_file(&tb, "big", big, 0644);
        tb_finish(&tb);
        size_t zl;
        unsigned char *zst = zstd_buf(tb.buf, tb.used, &zl);
        {
                struct scratch s __attribute__((cleanup(scratch_release)));
                CHECK(scratch_new(&s) == 0);
                CHECK(unpack_buf(&s, zst, zl - 5, &opts, &res, &err) == -EBADMSG);
                CHECK_CONTAINS(err.msg, "layer sha256:1234: ");
                CHECK_CONTAINS(err.msg, "zstd");
        }
        {
                /* a tar cut in the middle of a file's data */
                struct scratch s __attribute__((cleanup(scratch_release)));
                CHECK(scratch_new(&s) == 0);
                CHECK(unpack_buf(&s, tb.buf, 5000, &opts, &res, &err) < 0);
                CHECK_CONTAINS(err.msg, "layer sha256:1234: ");
        }
        {
                /* not a tar at all */
                struct scratch s __attribute__((cleanup(scratch_release)));
                CHECK(scratch_new(&s) == 0);
                CHECK(unpack_buf(&s, "this is not a tar archive, not at all......", 44, &opts, &res, &err) < 0);
                CHECK_CONTAINS(err.msg, "tar");
        }
        {
                /* the source failing mid-way, on either side of the decoder thread */
                for (int t = 0; t < 2; t++) {
                        struct scratch s __attribute__((cleanup(scratch_release)));
                        struct mem_source m;
                        CHECK(scratch_new(&s) == 0);
                        mem_source_init(&m, tb.buf, tb.used, 100);
                        m.fail_at = 5000;
                        opts.no_thread = t;
                        CHECK(husk_layer_unpack(&m.src, s.layer_fd, &opts, &res, &err) == -EIO);
                        CHECK_CONTAINS(err.msg, "read layer: Input/output error");
                }
        }
        free(zst);
}

TEST(empty_layer)
{
        struct tar_builder tb __attribute__((cleanup(tb_release)));
        struct scratch s __attribute__((cleanup(scratch_release)));
        struct husk_unpack_result res;
        struct husk_error err = { 0 };

        tb_init(&tb);
        tb_finish(&tb);
        CHECK(scratch_new(&s) == 0);
        CHECK(unpack_buf(&s, tb.buf, tb.used, NULL, &res, &err) == 0);
        CHECK(res.tar_size == tb.used);

        /* no bytes at all, and a gzip or zstd stream of no bytes: empty layers too */
        size_t gl, zl;
        unsigned char *gz = gzip_buf("", 0, &gl), *zst = zstd_buf("", 0, &zl);
        const struct {
                const void *p;
                size_t len;
        } blobs[] = { { "", 0 }, { gz, gl }, { zst, zl } };
        for (size_t i = 0; i < 3; i++) {
                struct scratch s2 __attribute__((cleanup(scratch_release)));
                CHECK(scratch_new(&s2) == 0);
                int r = unpack_buf(&s2, blobs[i].p, blobs[i].len, NULL, &res, &err);
                if (r < 0)
                        printf("#   %zu: %s\n", i, err.msg);
                CHECK(r == 0);
                CHECK(res.tar_size == 0 && res.blob_size == blobs[i].len);
                CHECK_STR_EQ(res.diffid, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        }
        free(gz);
        free(zst);
}

RUN_TESTS()

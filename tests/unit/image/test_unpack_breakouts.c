/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Archives that try to write outside the layer. Each case of containerd's pkg/archive TestBreakouts
 * has a counterpart here (same name), with archives made by the test; the "apply" pre-states of
 * containerd's cases become earlier entries of the same archive, since a layer is unpacked into an
 * empty directory. Every test also checks that base/outside is untouched: symlinks point at it by
 * absolute path and by "../outside", which is where it is from the layer's root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/unpack.h"
#include "tar_builder.h"
#include "test.h"

#define SETUP(tb, s)                                                    \
        struct tar_builder tb __attribute__((cleanup(tb_release)));    \
        struct scratch s __attribute__((cleanup(scratch_release)));    \
        struct husk_unpack_result res;                                  \
        struct husk_error err = { 0 };                                  \
        tb_init(&tb);                                                   \
        CHECK(scratch_new(&s) == 0)

static int run(struct scratch *s, struct tar_builder *tb, struct husk_unpack_result *res, struct husk_error *err)
{
        tb_finish(tb);
        int r = unpack_buf(s, tb->buf, tb->used, NULL, res, err);
        if (r < 0)
                printf("#   unpack: %s\n", err->msg);
        return r;
}

/* etc/passwd "inside", the usual start of containerd's cases */
static void etc_passwd(struct tar_builder *tb)
{
        tb_dir(tb, "etc", 0770);
        tb_file(tb, "/etc/passwd", "inside", 0644);
}

TEST(SymlinkAbsolute)
{
        SETUP(tb, s);
        tb_dir(&tb, "etc", 0755);
        tb_symlink(&tb, "localetc", "/etc");
        tb_file(&tb, "/localetc/unbroken", "unbroken", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_file_is(&s, "etc/unbroken", "unbroken"));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkUpAndOut)
{
        SETUP(tb, s);
        tb_dir(&tb, "etc", 0755);
        tb_dir(&tb, "dummy", 0755);
        tb_symlink(&tb, "localetc", "/dummy/../etc");
        tb_file(&tb, "/localetc/unbroken", "unbroken", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_file_is(&s, "etc/unbroken", "unbroken"));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkMultipleAbsolute)
{
        SETUP(tb, s);
        tb_dir(&tb, "etc", 0755);
        tb_dir(&tb, "dummy", 0755);
        tb_symlink(&tb, "/dummy/etc", "/etc");
        tb_symlink(&tb, "localetc", "/dummy/etc");
        tb_file(&tb, "/dummy/etc/unbroken", "unbroken", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_file_is(&s, "etc/unbroken", "unbroken"));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkMultipleRelative)
{
        SETUP(tb, s);
        tb_dir(&tb, "etc", 0755);
        tb_dir(&tb, "dummy", 0755);
        tb_symlink(&tb, "/dummy/etc", "/etc");
        tb_symlink(&tb, "localetc", "./dummy/etc");
        tb_file(&tb, "/dummy/etc/unbroken", "unbroken", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_file_is(&s, "etc/unbroken", "unbroken"));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkEmptyFile)
{
        SETUP(tb, s);
        tb_dir(&tb, "etc", 0755);
        tb_file(&tb, "etc/emptied", "notempty", 0644);
        tb_symlink(&tb, "localetc", "/etc");
        tb_file(&tb, "/localetc/emptied", "", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_file_is(&s, "etc/emptied", ""));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkRelative)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_dir(&tb, "breakouts", 0755);
        tb_symlink(&tb, "breakouts/d1", "../../etc");
        tb_hardlink(&tb, "breakouts/mypasswd", "/breakouts/d1/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "breakouts/mypasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkDownAndOut)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_dir(&tb, "breakouts", 0755);
        tb_dir(&tb, "downandout", 0755);
        tb_symlink(&tb, "breakouts/d1", "../downandout/../../etc");
        tb_hardlink(&tb, "breakouts/mypasswd", "/breakouts/d1/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "breakouts/mypasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkAbsolute)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "localetc", "/etc");
        tb_hardlink(&tb, "localpasswd", "/localetc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkRelativeLong)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "localetc", "../../../../../../../etc");
        tb_hardlink(&tb, "localpasswd", "/localetc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkRelativeUpAndOut)
{
        /* The kernel resolves "upandout/.." only if upandout exists (containerd's resolver is lexical
         * there and succeeds): missing, the link is refused; present, it is contained. */
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "localetc", "upandout/../../../etc");
        tb_hardlink(&tb, "localpasswd", "/localetc/passwd");
        CHECK(run(&s, &tb, &res, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "entry \"localpasswd\": hard link target");
        CHECK(scratch_outside_intact(&s));

        struct tar_builder tb2 __attribute__((cleanup(tb_release)));
        struct scratch s2 __attribute__((cleanup(scratch_release)));
        tb_init(&tb2);
        CHECK(scratch_new(&s2) == 0);
        etc_passwd(&tb2);
        tb_dir(&tb2, "upandout", 0755);
        tb_symlink(&tb2, "localetc", "upandout/../../../etc");
        tb_hardlink(&tb2, "localpasswd", "/localetc/passwd");
        CHECK(run(&s2, &tb2, &res, &err) == 0);
        CHECK(layer_same_inode(&s2, "localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s2));
}

TEST(HardlinkDirectRelative)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_hardlink(&tb, "localpasswd", "../../../../../etc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkDirectAbsolute)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_hardlink(&tb, "localpasswd", "/etc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

/* containerd ignores an entry that resolves to the root; here a non-directory there is refused
 * outright (the root turned into a symlink is umoci's CVE-2021-29136). */
static void check_root_symlink_refused(int *failed_, const char *name, const char *target)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, name, target);
        tb_hardlink(&tb, "localpasswd", "/etc/passwd");
        CHECK(run(&s, &tb, &res, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "only a directory can name the layer's root");
        CHECK(layer_file_is(&s, "etc/passwd", "inside"));
        struct stat st;
        CHECK(fstat(s.layer_fd, &st) == 0 && S_ISDIR(st.st_mode));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkParentDirectory)
{
        check_root_symlink_refused(failed_, "..", "/etc/");
}

TEST(SymlinkEmptyFilename)
{
        check_root_symlink_refused(failed_, "", "/etc/");
}

TEST(RootBecomesSymlink)
{
        check_root_symlink_refused(failed_, ".", "../outside");
        if (*failed_)
                return;
        check_root_symlink_refused(failed_, "./", "/");
}

TEST(SymlinkParentRelative)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "localetc/sub/..", "/etc/");
        tb_hardlink(&tb, "/localetc/localpasswd", "/etc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_symlink_is(&s, "localetc", "/etc/"));
        CHECK(layer_same_inode(&s, "etc/localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkSlashEnded)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_dir(&tb, "localetc/", 0770);
        tb_hardlink(&tb, "/localetc/localpasswd", "/etc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "localetc/localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkOverrideDirectory)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_dir(&tb, "localetc", 0755);
        tb_symlink(&tb, "localetc", "/etc");
        tb_hardlink(&tb, "/localetc/localpasswd", "/etc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_symlink_is(&s, "localetc", "/etc"));
        CHECK(layer_same_inode(&s, "etc/localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkOverrideDirectoryRelative)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_dir(&tb, "localetc", 0755);
        tb_symlink(&tb, "localetc", "../../etc");
        tb_hardlink(&tb, "/localetc/localpasswd", "/etc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "etc/localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(DirectoryOverrideSymlink)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "localetc", "/etc");
        tb_dir(&tb, "/localetc/", 0755);
        tb_hardlink(&tb, "/localetc/localpasswd", "/etc/passwd");
        CHECK(run(&s, &tb, &res, &err) == 0);
        struct stat st;
        CHECK(fstatat(s.layer_fd, "localetc", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
        CHECK(layer_same_inode(&s, "localetc/localpasswd", "etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(DirectoryOverrideSymlinkAndHardlink)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "localetc", "etc");
        tb_hardlink(&tb, "/localetc/localpasswd", "/etc/passwd");
        tb_dir(&tb, "/localetc/", 0755);
        tb_file(&tb, "/localetc/localpasswd", "different", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(!layer_same_inode(&s, "localetc/localpasswd", "etc/passwd"));
        CHECK(layer_file_is(&s, "localetc/localpasswd", "different"));
        CHECK(layer_file_is(&s, "etc/passwd", "inside"));
        CHECK(scratch_outside_intact(&s));
}

/* WhiteoutRootParent, WhiteoutParent, WhiteoutRoot, WhiteoutCurrentDirectory: test_unpack.c
 * (invalid_whiteouts_are_refused). */

TEST(WhiteoutSymlink)
{
        /* containerd removes a lower symlink; here: a whiteout made beside, never through, a symlink of
         * this layer pointing out, which stays (same layer, layer.md) */
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "localetc", s.outside);
        tb_file(&tb, ".wh.localetc", "", 0644);
        tb_file(&tb, ".wh.other", "", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_symlink_is(&s, "localetc", s.outside));
        CHECK(layer_is_whiteout(&s, "other"));
        CHECK(layer_file_is(&s, "etc/passwd", "inside"));
        CHECK(scratch_outside_intact(&s));
}

TEST(WhiteoutSymlinkPath)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_file(&tb, "/etc/whitedout", "ahhhh whiteout", 0644);
        tb_symlink(&tb, "localetc", "/etc");
        tb_symlink(&tb, "out", s.outside);
        tb_symlink(&tb, "relout", "../outside");
        tb_file(&tb, "localetc/.wh.whitedout", "", 0644);
        tb_file(&tb, "out/.wh.victim", "", 0644);
        tb_file(&tb, "relout/.wh.victim", "", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        /* through the symlink, resolved in the layer: etc/whitedout is this layer's file, so it stays */
        CHECK(layer_file_is(&s, "etc/whitedout", "ahhhh whiteout"));
        CHECK(layer_file_is(&s, "etc/passwd", "inside"));
        /* the whiteouts aimed at the real outside/victim land inside the layer */
        char inside[160];
        snprintf(inside, sizeof(inside), "%s/victim", s.outside + 1);
        CHECK(layer_is_whiteout(&s, inside));
        CHECK(layer_is_whiteout(&s, "outside/victim"));
        CHECK(scratch_outside_intact(&s));
}

TEST(WhiteoutDirectoryName)
{
        /* containerd makes ".wh.etc/somefile" a plain file; a ".wh." directory is refused here */
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_file(&tb, ".wh.etc/somefile", "non-empty", 0644);
        CHECK(run(&s, &tb, &res, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "entry \".wh.etc/somefile\": invalid whiteout");
        CHECK(layer_file_is(&s, "etc/passwd", "inside"));
        CHECK(scratch_outside_intact(&s));
}

TEST(WhiteoutDeadSymlinkParent)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "localetc", "/dne");
        tb_file(&tb, "localetc/.wh.etc", "", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_file_is(&s, "etc/passwd", "inside"));
        /* the dangling symlink's target made in the layer to hold the whiteout */
        CHECK(layer_is_whiteout(&s, "dne/etc"));
        CHECK(scratch_outside_intact(&s));
}

TEST(WhiteoutRelativePath)
{
        SETUP(tb, s);
        tb_symlink(&tb, "localetc", "/dne");
        tb_file(&tb, "dne/../.wh.etc", "", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_is_whiteout(&s, "etc"));
        CHECK(!layer_exists(&s, "dne"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkSymlinkBeforeCreateTarget)
{
        SETUP(tb, s);
        tb_dir(&tb, "etc", 0770);
        tb_symlink(&tb, "localpasswd", "/etc/passwd");
        tb_hardlink(&tb, "localpasswd-dup", "localpasswd");
        tb_file(&tb, "/etc/passwd", "after", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "localpasswd-dup", "localpasswd"));
        CHECK(layer_symlink_is(&s, "localpasswd-dup", "/etc/passwd"));
        CHECK(layer_file_is(&s, "etc/passwd", "after"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkSymlinkRelative)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "passwdlink", "../../../../../etc/passwd");
        tb_hardlink(&tb, "localpasswd", "/passwdlink");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "localpasswd", "passwdlink"));
        CHECK(layer_symlink_is(&s, "localpasswd", "../../../../../etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkSymlinkAbsolute)
{
        SETUP(tb, s);
        etc_passwd(&tb);
        tb_symlink(&tb, "passwdlink", "/etc/passwd");
        tb_hardlink(&tb, "localpasswd", "/passwdlink");
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_same_inode(&s, "localpasswd", "passwdlink"));
        CHECK(layer_symlink_is(&s, "localpasswd", "/etc/passwd"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkSymlinkChmod)
{
        /* a symlink to the real outside/victim (0400), named by its host path, then a hard link to it:
         * no chmod or chown may follow either to the victim */
        SETUP(tb, s);
        char ep[160];
        snprintf(ep, sizeof(ep), "%s/also-exists-outside-root", s.outside);
        char victim[160];
        snprintf(victim, sizeof(victim), "%s/victim", s.outside);
        tb_symlink(&tb, ep, victim);
        tb_hardlink(&tb, "sketchylink", ep);
        struct archive_entry *e = tb_entry(&tb, "sym2", AE_IFLNK, 0777);
        archive_entry_copy_symlink(e, victim);
        archive_entry_set_uid(e, 4242);
        tb_write(&tb, e, NULL, 0);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_symlink_is(&s, "sketchylink", victim));
        CHECK(layer_symlink_is(&s, ep + 1, victim));
        struct stat st;
        CHECK(stat(victim, &st) == 0 && st.st_uid == 0);
        CHECK(scratch_outside_intact(&s));
}

/* Beyond containerd's list. */

TEST(AbsoluteAndDotDotNames)
{
        SETUP(tb, s);
        char abs[160];
        snprintf(abs, sizeof(abs), "%s/victim", s.outside);
        tb_file(&tb, abs, "abs", 0644);
        tb_file(&tb, "../outside/victim", "dotdot", 0644);
        tb_file(&tb, "../../../../../../../../../../tmp/x", "deep", 0644);
        tb_file(&tb, "a/../../../b", "b", 0644);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_file_is(&s, abs + 1, "abs"));
        CHECK(layer_file_is(&s, "outside/victim", "dotdot"));
        CHECK(layer_file_is(&s, "tmp/x", "deep"));
        CHECK(layer_file_is(&s, "b", "b"));
        CHECK(scratch_outside_intact(&s));
}

TEST(SymlinkReplacedMidArchive)
{
        /* a directory, then a symlink to the outside in its place, then entries "through" it */
        SETUP(tb, s);
        tb_dir(&tb, "a", 0755);
        tb_file(&tb, "a/first", "1", 0644);
        tb_symlink(&tb, "a", s.outside);
        tb_file(&tb, "a/victim", "overwritten?", 0644);
        tb_dir(&tb, "a/newdir", 0755);
        tb_fifo(&tb, "a/fifo", 0644);
        tb_symlink(&tb, "b", "../outside");
        tb_file(&tb, "b/victim", "overwritten?", 0644);
        tb_hardlink(&tb, "b/hl", "a/first");
        CHECK(run(&s, &tb, &res, &err) < 0);    /* a/first went with the directory */
        CHECK_CONTAINS(err.msg, "entry \"b/hl\": hard link");
        char inside[160];
        snprintf(inside, sizeof(inside), "%s/victim", s.outside + 1);
        CHECK(layer_file_is(&s, inside, "overwritten?"));
        CHECK(layer_file_is(&s, "outside/victim", "overwritten?"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkToOutside)
{
        SETUP(tb, s);
        char victim[160];
        snprintf(victim, sizeof(victim), "%s/victim", s.outside);
        tb_hardlink(&tb, "stolen", victim);
        CHECK(run(&s, &tb, &res, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "entry \"stolen\": hard link target");
        CHECK(!layer_exists(&s, "stolen"));
        CHECK(scratch_outside_intact(&s));
}

TEST(HardlinkThroughSymlinkToOutside)
{
        SETUP(tb, s);
        tb_symlink(&tb, "out", "../outside");
        tb_hardlink(&tb, "stolen", "out/victim");
        CHECK(run(&s, &tb, &res, &err) == -ENOENT);
        CHECK(!layer_exists(&s, "stolen"));
        CHECK(scratch_outside_intact(&s));
}

TEST(MetadataNeverFollowsSymlinks)
{
        /* entries replacing a symlink to the victim: a fifo, a device, a file; and a directory entry
         * through the symlink's name with new attributes */
        SETUP(tb, s);
        char victim[160];
        snprintf(victim, sizeof(victim), "%s/victim", s.outside);
        tb_symlink(&tb, "v1", victim);
        tb_fifo(&tb, "v1", 0777);
        tb_symlink(&tb, "v2", victim);
        tb_chardev(&tb, "v2", 1, 3);
        tb_symlink(&tb, "v3", victim);
        tb_file(&tb, "v3", "replaced", 04777);
        tb_symlink(&tb, "v4", s.outside);
        tb_dir(&tb, "v4", 0777);
        CHECK(run(&s, &tb, &res, &err) == 0);
        CHECK(layer_file_is(&s, "v3", "replaced"));
        struct stat st;
        CHECK(fstatat(s.layer_fd, "v4", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
        CHECK(stat(s.outside, &st) == 0 && (st.st_mode & 07777) == 0755);
        CHECK(scratch_outside_intact(&s));
}

RUN_TESTS()

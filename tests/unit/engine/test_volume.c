/* SPDX-License-Identifier: Apache-2.0 */
/* The volume store (create, get, list, remove, a killed create's leftover) and copy-up: content,
 * symlinks copied and never followed, a destination symlink resolved inside the root, a used volume
 * left alone. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/volume.h"
#include "test.h"
#include "util/cleanup.h"
#include "util/fs.h"

static char *tmpdir(void)
{
        char tpl[] = "/tmp/husk-test-volume-XXXXXX";
        return mkdtemp(tpl) ? strdup(tpl) : NULL;
}

static void rm_tree(char **dir)
{
        if (*dir) {
                (void) husk_rm_rf_at(AT_FDCWD, *dir, NULL);
                free(*dir);
        }
}

static int write_at(int dfd, const char *path, const char *text)
{
        _cleanup_close_ int fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        return fd < 0 ? -errno : husk_write_all(fd, text, strlen(text));
}

TEST(store_create_get_list_remove)
{
        _cleanup_(rm_tree) char *root = tmpdir();
        CHECK(root);
        struct husk_error err = { 0 };
        _cleanup_(husk_vol_store_closep) struct husk_vol_store *vs = NULL;
        CHECK(husk_vol_store_open(root, true, &vs, &err) == 0);
        _cleanup_close_ int lock = husk_vol_store_lock(vs, &err);
        CHECK(lock >= 0);
        _cleanup_(json_decrefp) json_t *labels = json_pack("{s:s}", "k", "v");
        _cleanup_(husk_volume_free_contents) struct husk_volume a = { 0 }, again = { 0 }, anon = { 0 };
        bool created = false;
        /* a killed create's leftover is cleared */
        char leftover[4096];
        (void) snprintf(leftover, sizeof(leftover), "%s/volumes/.tmp-data", root);
        CHECK(mkdir(leftover, 0700) == 0);
        CHECK(husk_vol_create(vs, "data", labels, NULL, &a, &created, &err) == 0);
        CHECK(created);
        CHECK(access(leftover, F_OK) < 0);
        CHECK_STR_EQ(json_string_value(json_object_get(a.labels, "k")), "v");
        CHECK(!husk_volume_anonymous(&a));
        CHECK(husk_vol_create(vs, "data", NULL, NULL, &again, &created, &err) == 0);
        CHECK(!created);
        CHECK_STR_EQ(json_string_value(json_object_get(again.labels, "k")), "v");
        CHECK(husk_vol_create(vs, NULL, NULL, NULL, &anon, &created, &err) == 0);
        CHECK(strlen(anon.name) == 64 && strspn(anon.name, "0123456789abcdef") == 64);
        CHECK(husk_vol_create(vs, "x/y", NULL, NULL, &anon, NULL, &err) < 0);

        _cleanup_strv_ char **names = NULL;
        CHECK(husk_vol_list(vs, &names, &err) == 0);
        CHECK(names[0] && names[1] && !names[2]);
        CHECK(strcmp(names[0], "data") == 0 || strcmp(names[1], "data") == 0);
        char data[4096];
        husk_vol_data_path(vs, "data", data, sizeof(data));
        _cleanup_close_ int dfd = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(dfd >= 0);
        CHECK(write_at(dfd, "f", "12345") == 0);
        CHECK(husk_vol_size(vs, "data") == 5);

        _cleanup_(husk_volume_free_contents) struct husk_volume got = { 0 };
        CHECK(husk_vol_get(vs, "data", &got, &err) == 0);
        CHECK(got.created_at && got.created_at[strlen(got.created_at) - 1] == 'Z');
        CHECK(husk_vol_remove(vs, "data", &err) == 0);
        CHECK(husk_vol_get(vs, "data", &got, &err) == -ENOENT);
        CHECK_CONTAINS(err.msg, "no such volume: data");
        CHECK(husk_vol_remove(vs, "data", &err) == -ENOENT);
        CHECK(husk_vol_remove(vs, anon.name, &err) == 0);
}

TEST(copy_up_never_leaves_the_root)
{
        _cleanup_(rm_tree) char *base = tmpdir();
        CHECK(base);
        char path[4096];
        /* base/root: the container's root; base/host: what the image's symlinks name; base/vol: the volume */
        (void) snprintf(path, sizeof(path), "%s/root/srv/sub", base);
        CHECK(husk_mkdir_p(path, 0755, NULL) == 0);
        (void) snprintf(path, sizeof(path), "%s/host", base);
        CHECK(husk_mkdir_p(path, 0755, NULL) == 0);
        (void) snprintf(path, sizeof(path), "%s/vol", base);
        CHECK(husk_mkdir_p(path, 0755, NULL) == 0);
        _cleanup_close_ int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(bfd >= 0);
        CHECK(write_at(bfd, "root/srv/a", "image a") == 0);
        CHECK(write_at(bfd, "root/srv/sub/b", "image b") == 0);
        CHECK(write_at(bfd, "host/secret", "host secret") == 0);
        (void) snprintf(path, sizeof(path), "%s/host", base);
        CHECK(symlinkat(path, bfd, "root/srv/to-host") == 0);    /* copied as a link, not followed */
        CHECK(symlinkat(path, bfd, "root/link-dst") == 0);       /* a destination naming the host */
        CHECK(symlinkat("/srv", bfd, "root/in-root") == 0);      /* a destination inside the root */
        CHECK(fchmodat(bfd, "root/srv", 0750, 0) == 0);
        CHECK(fchownat(bfd, "root/srv", 1000, 1000, 0) == 0);
        _cleanup_close_ int root = openat(bfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int vol = openat(bfd, "vol", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(root >= 0 && vol >= 0);
        struct husk_error err = { 0 };

        /* The destination's symlink resolves inside the root: root/<base>/host does not exist there */
        CHECK(husk_vol_copy_up(root, "/link-dst", vol, &err) == 0);
        CHECK(faccessat(vol, "secret", F_OK, AT_SYMLINK_NOFOLLOW) < 0);

        CHECK(husk_vol_copy_up(root, "/in-root", vol, &err) == 0);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        CHECK(husk_read_file_at(vol, "sub/b", &text, &len, &err) == 0);
        CHECK_STR_EQ(text, "image b");
        struct stat st;
        CHECK(fstatat(vol, "to-host", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode));
        CHECK(fstat(vol, &st) == 0 && st.st_uid == 1000 && (st.st_mode & 07777) == 0750);
        /* a volume with content is left alone */
        CHECK(unlinkat(vol, "a", 0) == 0);
        CHECK(husk_vol_copy_up(root, "/srv", vol, &err) == 0);
        CHECK(faccessat(vol, "a", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
        /* nothing at the destination: nothing to copy */
        _cleanup_close_ int vol2 = -1;
        CHECK(mkdirat(bfd, "vol2", 0755) == 0 && (vol2 = openat(bfd, "vol2", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
        CHECK(husk_vol_copy_up(root, "/nothing/here", vol2, &err) == 0);
        CHECK(husk_vol_copy_up(root, "/srv/a", vol2, &err) == 0); /* a file: Docker copies directories only */
        CHECK(faccessat(vol2, "a", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
}

RUN_TESTS()

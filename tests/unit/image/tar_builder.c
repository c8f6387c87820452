/* SPDX-License-Identifier: Apache-2.0 */
#include "tar_builder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>

#include "util/fs.h"

static void die(const char *what)
{
        fprintf(stderr, "tar_builder: %s\n", what);
        abort();
}

void tb_init(struct tar_builder *tb)
{
        memset(tb, 0, sizeof(*tb));
        tb->cap = 16 << 20;
        tb->buf = malloc(tb->cap);
        tb->a = archive_write_new();
        tb->mtime = 1700000000;
        tb->mtime_nsec = 123456789;
        if (!tb->buf || !tb->a || archive_write_set_format_pax(tb->a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(tb->a, 1) != ARCHIVE_OK ||
            archive_write_open_memory(tb->a, tb->buf, tb->cap, &tb->used) != ARCHIVE_OK)
                die("archive_write_new");
}

void tb_finish(struct tar_builder *tb)
{
        if (tb->a && archive_write_close(tb->a) != ARCHIVE_OK)
                die(archive_error_string(tb->a));
        archive_write_free(tb->a);
        tb->a = NULL;
}

void tb_release(struct tar_builder *tb)
{
        if (tb->a)
                archive_write_free(tb->a);
        free(tb->buf);
        memset(tb, 0, sizeof(*tb));
}

struct archive_entry *tb_entry(struct tar_builder *tb, const char *name, mode_t type, mode_t perm)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_copy_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_uid(e, tb->uid);
        archive_entry_set_gid(e, tb->gid);
        archive_entry_set_mtime(e, tb->mtime, tb->mtime_nsec);
        return e;
}

void tb_write(struct tar_builder *tb, struct archive_entry *e, const void *data, size_t len)
{
        if (data)
                archive_entry_set_size(e, (la_int64_t) len);
        if (archive_write_header(tb->a, e) < ARCHIVE_WARN)
                die(archive_error_string(tb->a));
        if (data && len && archive_write_data(tb->a, data, len) != (la_ssize_t) len)
                die(archive_error_string(tb->a));
        archive_entry_free(e);
}

void tb_dir(struct tar_builder *tb, const char *name, mode_t perm)
{
        tb_write(tb, tb_entry(tb, name, AE_IFDIR, perm), NULL, 0);
}

void tb_file(struct tar_builder *tb, const char *name, const char *content, mode_t perm)
{
        tb_write(tb, tb_entry(tb, name, AE_IFREG, perm), content, strlen(content));
}

void tb_symlink(struct tar_builder *tb, const char *name, const char *target)
{
        struct archive_entry *e = tb_entry(tb, name, AE_IFLNK, 0777);
        archive_entry_copy_symlink(e, target);
        tb_write(tb, e, NULL, 0);
}

void tb_hardlink(struct tar_builder *tb, const char *name, const char *target)
{
        struct archive_entry *e = tb_entry(tb, name, AE_IFREG, 0644);
        archive_entry_copy_hardlink(e, target);
        archive_entry_set_size(e, 0);
        tb_write(tb, e, NULL, 0);
}

void tb_fifo(struct tar_builder *tb, const char *name, mode_t perm)
{
        tb_write(tb, tb_entry(tb, name, AE_IFIFO, perm), NULL, 0);
}

void tb_chardev(struct tar_builder *tb, const char *name, unsigned int major, unsigned int minor)
{
        struct archive_entry *e = tb_entry(tb, name, AE_IFCHR, 0666);
        archive_entry_set_rdev(e, makedev(major, minor));
        tb_write(tb, e, NULL, 0);
}

unsigned char *gzip_buf(const void *in, size_t len, size_t *ret_len)
{
        z_stream z = { 0 };
        size_t cap = deflateBound(&z, len) + 64;
        unsigned char *out = malloc(cap);
        if (!out || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                die("deflateInit2");
        z.next_in = (unsigned char *) in;
        z.avail_in = (uInt) len;
        z.next_out = out;
        z.avail_out = (uInt) cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
                die("deflate");
        *ret_len = z.total_out;
        deflateEnd(&z);
        return out;
}

unsigned char *zstd_buf(const void *in, size_t len, size_t *ret_len)
{
        size_t cap = ZSTD_compressBound(len);
        unsigned char *out = malloc(cap);
        if (!out)
                die("malloc");
        size_t n = ZSTD_compress(out, cap, in, len, 3);
        if (ZSTD_isError(n))
                die("ZSTD_compress");
        *ret_len = n;
        return out;
}

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
        struct mem_source *m = ctx;
        if (m->fail_at && m->pos >= m->fail_at)
                return -EIO;
        size_t n = m->len - m->pos;
        if (n > len)
                n = len;
        if (m->chunk && n > m->chunk)
                n = m->chunk;
        memcpy(buf, m->p + m->pos, n);
        m->pos += n;
        return (ssize_t) n;
}

void mem_source_init(struct mem_source *m, const void *p, size_t len, size_t chunk)
{
        memset(m, 0, sizeof(*m));
        m->p = p;
        m->len = len;
        m->chunk = chunk;
        m->src.read = mem_read;
        m->src.ctx = m;
}

int scratch_new(struct scratch *s)
{
        memset(s, 0, sizeof(*s));
        s->layer_fd = -1;
        snprintf(s->base, sizeof(s->base), "/tmp/husk-unpack-test.XXXXXX");
        if (!mkdtemp(s->base))
                return -errno;
        snprintf(s->layer, sizeof(s->layer), "%s/layer", s->base);
        snprintf(s->outside, sizeof(s->outside), "%s/outside", s->base);
        if (mkdir(s->layer, 0755) < 0 || mkdir(s->outside, 0755) < 0)
                return -errno;
        char victim[128];
        snprintf(victim, sizeof(victim), "%s/victim", s->outside);
        int fd = open(victim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
        if (fd < 0 || write(fd, "victim", 6) != 6)
                return -errno;
        close(fd);
        s->layer_fd = open(s->layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return s->layer_fd < 0 ? -errno : 0;
}

void scratch_release(struct scratch *s)
{
        if (s->layer_fd >= 0)
                close(s->layer_fd);
        s->layer_fd = -1;
        if (s->base[0])
                (void) husk_rm_rf_at(AT_FDCWD, s->base, NULL);
}

bool scratch_outside_intact(const struct scratch *s)
{
        char victim[128], buf[16] = { 0 };
        struct stat st;
        int n = 0;

        snprintf(victim, sizeof(victim), "%s/victim", s->outside);
        int fd = open(victim, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || read(fd, buf, sizeof(buf) - 1) != 6) {
                if (fd >= 0)
                        close(fd);
                return false;
        }
        close(fd);
        if (strcmp(buf, "victim") != 0 || (st.st_mode & 07777) != 0400 || st.st_nlink != 1 || !S_ISREG(st.st_mode))
                return false;
        /* Nothing else appeared beside it, and the tmp base holds only layer and outside. */
        DIR *d = opendir(s->outside);
        if (!d)
                return false;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        closedir(d);
        if (n != 1)
                return false;
        n = 0;
        d = opendir(s->base);
        if (!d)
                return false;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        closedir(d);
        return n == 2;
}

int unpack_buf(struct scratch *s, const void *buf, size_t len, const struct husk_unpack_opts *opts,
               struct husk_unpack_result *res, struct husk_error *err)
{
        struct mem_source m;
        mem_source_init(&m, buf, len, 0);
        return husk_layer_unpack(&m.src, s->layer_fd, opts, res, err);
}

bool layer_file_is(const struct scratch *s, const char *path, const char *content)
{
        char buf[4096];
        int fd = openat(s->layer_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
                return false;
        buf[n] = '\0';
        return strcmp(buf, content) == 0;
}

bool layer_same_inode(const struct scratch *s, const char *a, const char *b)
{
        struct stat sa, sb;
        return fstatat(s->layer_fd, a, &sa, AT_SYMLINK_NOFOLLOW) == 0 &&
               fstatat(s->layer_fd, b, &sb, AT_SYMLINK_NOFOLLOW) == 0 && sa.st_dev == sb.st_dev &&
               sa.st_ino == sb.st_ino;
}

bool layer_exists(const struct scratch *s, const char *path)
{
        struct stat st;
        return fstatat(s->layer_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

bool layer_is_whiteout(const struct scratch *s, const char *path)
{
        struct stat st;
        return fstatat(s->layer_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0;
}

bool layer_symlink_is(const struct scratch *s, const char *path, const char *target)
{
        char buf[4096];
        ssize_t n = readlinkat(s->layer_fd, path, buf, sizeof(buf) - 1);
        if (n < 0)
                return false;
        buf[n] = '\0';
        return strcmp(buf, target) == 0;
}

const char *layer_xattr(const struct scratch *s, const char *path, const char *name, char *buf, size_t size)
{
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", s->layer, path);
        ssize_t n = lgetxattr(p, name, buf, size - 1);
        buf[n < 0 ? 0 : n] = '\0';
        return buf;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Volume records under <storage root>/volumes (layout in engine/volume.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define RECORD "volume.json"
#define NAME_MAX_LEN 255

struct husk_vol_store {
        char *path;     /* <root>/volumes */
        int fd;         /* its O_DIRECTORY fd */
};

void husk_volume_free_contents(struct husk_volume *v)
{
        free(v->name);
        free(v->created_at);
        json_decref(v->labels);
        json_decref(v->options);
        memset(v, 0, sizeof(*v));
}

bool husk_volume_anonymous(const struct husk_volume *v)
{
        return v->labels && json_object_get(v->labels, HUSK_VOL_ANON_LABEL);
}

static bool name_char(char c, bool first)
{
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                return true;
        return !first && (c == '_' || c == '.' || c == '-');
}

int husk_vol_name_validate(const char *name, struct husk_error *err)
{
        size_t n = strlen(name);
        if (n < 2)
                return husk_error_set(err, EINVAL, "volume name is too short, names should be at least two alphanumeric characters");
        bool ok = n <= NAME_MAX_LEN;
        for (size_t i = 0; ok && i < n; i++)
                ok = name_char(name[i], i == 0);
        if (!ok)
                return husk_error_set(err, EINVAL,
                                      "create %s: \"%s\" includes invalid characters for a local volume name, only "
                                      "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                                      "directory, use absolute path",
                                      name, name);
        return 0;
}

int husk_vol_option_validate(const char *key, struct husk_error *err)
{
        static const char *const keys[] = { "type", "device", "o", "size" };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(keys); i++)
                if (strcmp(key, keys[i]) == 0)
                        return 0;
        return husk_error_set(err, EINVAL, "invalid option key: \"%s\"", key);
}

int husk_vol_store_open(const char *storage_root, bool create, struct husk_vol_store **ret, struct husk_error *err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/volumes", storage_root) < 0)
                return husk_error_errno(err, ENOMEM, "volumes");
        if (create) {
                int r = husk_mkdir_p(path, 0701, err);
                if (r < 0)
                        return r;
        }
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        struct husk_vol_store *vs = calloc(1, sizeof(*vs));
        if (!vs)
                return husk_error_errno(err, ENOMEM, "volumes");
        vs->path = steal_ptr(path);
        vs->fd = steal_fd(fd);
        *ret = vs;
        return 0;
}

void husk_vol_store_close(struct husk_vol_store *vs)
{
        if (vs->fd >= 0)
                (void) close(vs->fd);
        free(vs->path);
        free(vs);
}

const char *husk_vol_store_path(const struct husk_vol_store *vs)
{
        return vs->path;
}

int husk_vol_store_lock(struct husk_vol_store *vs, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(vs->fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s/.lock", vs->path);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return husk_error_errno(err, errno, "lock %s/.lock", vs->path);
        return steal_fd(fd);
}

void husk_vol_data_path(const struct husk_vol_store *vs, const char *name, char *buf, size_t len)
{
        (void) snprintf(buf, len, "%s/%s/_data", vs->path, name);
}

static int anonymous_name(char ret[static HUSK_CTR_ID_LEN + 1], struct husk_error *err)
{
        unsigned char b[HUSK_CTR_ID_LEN / 2];
        if (getrandom(b, sizeof(b), 0) != (ssize_t) sizeof(b))
                return husk_error_errno(err, errno ? errno : EIO, "getrandom");
        for (size_t i = 0; i < sizeof(b); i++)
                (void) snprintf(ret + 2 * i, 3, "%02x", b[i]);
        return 0;
}

static json_t *record_json(const struct husk_volume *v)
{
        return json_pack("{s:s, s:s, s:O?, s:s, s:O?, s:s}", "CreatedAt", v->created_at, "Driver", "local", "Labels",
                         v->labels, "Name", v->name, "Options", v->options, "Scope", "local");
}

json_t *husk_vol_inspect_json(const struct husk_vol_store *vs, const struct husk_volume *v)
{
        char data[4096];
        husk_vol_data_path(vs, v->name, data, sizeof(data));
        json_t *o = record_json(v);
        if (o)
                (void) json_object_set_new(o, "Mountpoint", json_string(data));
        return o;
}

static json_t *object_or_null(json_t *o)
{
        return o && json_is_object(o) && json_object_size(o) > 0 ? json_deep_copy(o) : NULL;
}

int husk_vol_get(struct husk_vol_store *vs, const char *name, struct husk_volume *ret, struct husk_error *err)
{
        if (husk_vol_name_validate(name, NULL) < 0)
                return husk_error_set(err, ENOENT, "no such volume: %s", name);
        char path[NAME_MAX_LEN + sizeof("/" RECORD)];
        (void) snprintf(path, sizeof(path), "%s/" RECORD, name);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = husk_read_file_at(vs->fd, path, &text, &len, NULL);
        if (r == -ENOENT || r == -ENOTDIR)
                return husk_error_set(err, ENOENT, "no such volume: %s", name);
        if (r < 0)
                return husk_error_errno(err, -r, "read %s/%s", vs->path, path);
        json_error_t jerr;
        _cleanup_(json_decrefp) json_t *o = json_loadb(text, len, 0, &jerr);
        const char *created = json_string_value(json_object_get(o, "CreatedAt"));
        if (!o || !json_is_object(o) || !created)
                return husk_error_set(err, EINVAL, "%s/%s: not a volume record", vs->path, path);
        struct husk_volume v = { .name = strdup(name), .created_at = strdup(created),
                                 .labels = object_or_null(json_object_get(o, "Labels")),
                                 .options = object_or_null(json_object_get(o, "Options")) };
        if (!v.name || !v.created_at) {
                husk_volume_free_contents(&v);
                return husk_error_errno(err, ENOMEM, "volume %s", name);
        }
        *ret = v;
        return 0;
}

/* The new volume's directory, complete, under .tmp-<name>; renamed to <name> by the caller. */
static int make_volume_dir(struct husk_vol_store *vs, const char *tmp, const struct husk_volume *v,
                           struct husk_error *err)
{
        if (mkdirat(vs->fd, tmp, 0701) < 0)
                return husk_error_errno(err, errno, "mkdir %s/%s", vs->path, tmp);
        _cleanup_close_ int dfd = openat(vs->fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return husk_error_errno(err, errno, "open %s/%s", vs->path, tmp);
        /* Docker's _data: root's, 0755; the first container's copy-up gives it the image's owner and mode. */
        if (mkdirat(dfd, "_data", 0755) < 0 || fchmodat(dfd, "_data", 0755, 0) < 0)
                return husk_error_errno(err, errno, "mkdir %s/%s/_data", vs->path, tmp);
        _cleanup_(json_decrefp) json_t *rec = record_json(v);
        _cleanup_free_ char *text = rec ? json_dumps(rec, JSON_PRESERVE_ORDER | JSON_INDENT(2)) : NULL;
        if (!text)
                return husk_error_errno(err, ENOMEM, "volume %s", v->name);
        return husk_write_file_atomic_at(dfd, RECORD, text, strlen(text), 0600, true, err);
}

int husk_vol_create(struct husk_vol_store *vs, const char *name, json_t *labels, json_t *options,
                    struct husk_volume *ret, bool *ret_created, struct husk_error *err)
{
        char anon[HUSK_CTR_ID_LEN + 1];
        _cleanup_(json_decrefp) json_t *lab = labels ? json_deep_copy(labels) : json_object();
        if (!lab)
                return husk_error_errno(err, ENOMEM, "volume labels");
        if (!name) {
                int r = anonymous_name(anon, err);
                if (r < 0)
                        return r;
                name = anon;
        } else {
                int r = husk_vol_name_validate(name, err);
                if (r < 0)
                        return r;
                r = husk_vol_get(vs, name, ret, NULL);
                if (r == 0) {
                        if (ret_created)
                                *ret_created = false;
                        return 0;
                }
        }
        char created[64];
        husk_time_rfc3339(husk_now_ns(), created, sizeof(created));
        /* Docker's CreatedAt has seconds only. */
        char *dot = strchr(created, '.');
        if (dot)
                (void) strcpy(dot, "Z");
        struct husk_volume v = { .name = strdup(name), .created_at = strdup(created), .labels = object_or_null(lab),
                                 .options = object_or_null(options) };
        if (!v.name || !v.created_at) {
                husk_volume_free_contents(&v);
                return husk_error_errno(err, ENOMEM, "volume %s", name);
        }
        char tmp[NAME_MAX_LEN + 8];
        (void) snprintf(tmp, sizeof(tmp), ".tmp-%s", name);
        /* A killed create left it: we hold the lock, nobody else is making it. */
        (void) husk_rm_rf_at(vs->fd, tmp, NULL);
        int r = make_volume_dir(vs, tmp, &v, err);
        if (r >= 0 && renameat(vs->fd, tmp, vs->fd, name) < 0)
                r = husk_error_errno(err, errno, "rename %s/%s", vs->path, tmp);
        if (r >= 0 && fsync(vs->fd) < 0)
                r = husk_error_errno(err, errno, "fsync %s", vs->path);
        if (r < 0) {
                (void) husk_rm_rf_at(vs->fd, tmp, NULL);
                husk_volume_free_contents(&v);
                return r;
        }
        if (ret_created)
                *ret_created = true;
        *ret = v;
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int husk_vol_list(struct husk_vol_store *vs, char ***ret, struct husk_error *err)
{
        int fd = openat(vs->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", vs->path);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(err, errno, "open %s", vs->path);
        }
        _cleanup_strv_ char **names = calloc(1, sizeof(char *));
        size_t n = 0;
        struct dirent *de;
        while (names && (de = readdir(d))) {
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                if (husk_vol_name_validate(de->d_name, NULL) < 0)
                        continue; /* ".", "..", ".tmp-*" */
                char **grown = realloc(names, (n + 2) * sizeof(char *));
                if (!grown)
                        break;
                names = grown;
                names[n] = strdup(de->d_name);
                names[n + 1] = NULL;
                if (!names[n])
                        break;
                n++;
        }
        if (!names || (de && !names[n]))
                return husk_error_errno(err, ENOMEM, "volumes");
        qsort(names, n, sizeof(char *), cmp_str);
        *ret = steal_ptr(names);
        return 0;
}

/* Is <name>/_data a mount point (a volume of --opt type=...)? */
static bool data_mounted(struct husk_vol_store *vs, const char *name)
{
        char path[NAME_MAX_LEN + 8];
        struct stat st, parent;
        (void) snprintf(path, sizeof(path), "%s/_data", name);
        if (fstatat(vs->fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || fstatat(vs->fd, name, &parent, AT_SYMLINK_NOFOLLOW) < 0)
                return false;
        return st.st_dev != parent.st_dev;
}

int husk_vol_mount(struct husk_vol_store *vs, const struct husk_volume *v, struct husk_error *err)
{
        const char *type = json_string_value(json_object_get(v->options, "type"));
        if (!type || data_mounted(vs, v->name))
                return 0;
        const char *device = json_string_value(json_object_get(v->options, "device"));
        const char *o = json_string_value(json_object_get(v->options, "o"));
        char data[4096];
        husk_vol_data_path(vs, v->name, data, sizeof(data));
        if (mount(device ? device : type, data, type, MS_NOSUID | MS_NODEV, o) < 0)
                return husk_error_errno(err, errno, "mount volume %s (type %s, device %s, o %s)", v->name, type,
                                        device ? device : type, o ? o : "");
        return 0;
}

int husk_vol_remove(struct husk_vol_store *vs, const char *name, struct husk_error *err)
{
        _cleanup_(husk_volume_free_contents) struct husk_volume v = { 0 };
        int r = husk_vol_get(vs, name, &v, err);
        if (r < 0)
                return r;
        if (data_mounted(vs, name)) {
                char data[4096];
                husk_vol_data_path(vs, name, data, sizeof(data));
                if (umount2(data, UMOUNT_NOFOLLOW) < 0 && umount2(data, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                        return husk_error_errno(err, errno, "remove %s: unmount %s", name, data);
        }
        /* Renamed out of the way in one step first: a killed rm leaves a .tmp- directory, never half
         * a volume under its name. */
        char tmp[NAME_MAX_LEN + 8];
        (void) snprintf(tmp, sizeof(tmp), ".tmp-%s", name);
        (void) husk_rm_rf_at(vs->fd, tmp, NULL);
        if (renameat(vs->fd, name, vs->fd, tmp) < 0)
                return husk_error_errno(err, errno, "remove %s", name);
        return husk_rm_rf_at(vs->fd, tmp, err);
}

/* Apparent bytes of the regular files below dfd, each inode once is not needed here: volumes are
 * rarely hard-linked, and Docker's own `volume prune` sums sizes the same way (directory walk). */
static int64_t tree_bytes(int dfd, int depth)
{
        if (depth > 128)
                return 0;
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return 0;
        }
        int64_t total = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                struct stat st;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
                        total += st.st_size;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                total += tree_bytes(sub, depth + 1);
                }
        }
        return total;
}

int64_t husk_vol_size(struct husk_vol_store *vs, const char *name)
{
        char path[NAME_MAX_LEN + 8];
        (void) snprintf(path, sizeof(path), "%s/_data", name);
        _cleanup_close_ int fd = openat(vs->fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? 0 : tree_bytes(fd, 0);
}

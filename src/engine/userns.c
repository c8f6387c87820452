/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns auto[:size=N]: a container in a user namespace of its own, its root mapped to an unprivileged
 * range of host ids that no other container of this store has (podman's --userns=auto; Docker's
 * userns-remap gives every container the same range).
 *
 * Ranges are slots of 65536 ids from 2^30 up (far above the 100000+ that useradd gives /etc/subuid
 * entries), chosen at the container's first start under a flock of containers/ and kept in its record
 * as HostConfig.IDMappings {"UidMap": ["0:HOST:SIZE"], "GidMap": [...]} (podman's shape), so a restart
 * maps the same ids.
 *
 * The image's files stay as unpacked (owned by 0 on disk, shared by every container): each layer is
 * seen through an idmapped mount made with the container's mapping (rootfs.h idmap), so the namespace's
 * root owns the image's root files; no chown of anything. upper/ cannot be idmapped (rootfs.h says why):
 * what the container writes is owned on disk by the range's host ids. Linux 6.13+ (overlayfs layers
 * given as fds); the copy driver and --rootfs directories are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <sys/file.h>
#include <sys/xattr.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/security.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define USERNS_POOL_BASE (UINT32_C(1) << 30)
#define USERNS_SLOT (UINT32_C(65536))
#define USERNS_SLOTS 16384u

#define _cleanup_json_ _cleanup_(json_decrefp)

int husk_sec_idmap_parse(const char *s, struct husk_sec_idmap *ret)
{
        unsigned long long v[3];
        char tail;
        if (!s || sscanf(s, "%llu:%llu:%llu%c", &v[0], &v[1], &v[2], &tail) != 3 || v[2] == 0 ||
            v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
                return -EINVAL;
        *ret = (struct husk_sec_idmap) { (uint32_t) v[0], (uint32_t) v[1], (uint32_t) v[2] };
        return 0;
}

int husk_sec_userns_maps(const json_t *hc, struct husk_sec_idmap *ret_uid, struct husk_sec_idmap *ret_gid)
{
        json_t *m = json_object_get(hc, "IDMappings");
        if (!m)
                return 0;
        if (json_array_size(json_object_get(m, "UidMap")) != 1 || json_array_size(json_object_get(m, "GidMap")) != 1 ||
            husk_sec_idmap_parse(json_string_value(json_array_get(json_object_get(m, "UidMap"), 0)), ret_uid) < 0 ||
            husk_sec_idmap_parse(json_string_value(json_array_get(json_object_get(m, "GidMap"), 0)), ret_gid) < 0)
                return -EINVAL;
        return 1;
}

/* The size --userns auto[:size=N] asks for. */
static uint32_t wanted_size(const char *mode)
{
        if (strncmp(mode, "auto:size=", 10) == 0)
                return (uint32_t) strtoul(mode + 10, NULL, 10);
        return USERNS_SLOT;
}

bool husk_sec_wants_userns(const json_t *hc)
{
        const char *mode = json_string_value(json_object_get(hc, "UsernsMode"));
        return mode && strncmp(mode, "auto", 4) == 0;
}

/* The lowest slot no other container of the store holds. Called under the lock of containers/. */
static int pick_slot(struct husk_engine *e, const char *self, uint32_t *ret, struct husk_error *err)
{
        struct husk_ctr *list = NULL;
        size_t n = 0;
        int r = husk_ctr_list(e->ctrs, &list, &n, err);
        if (r < 0)
                return r;
        _cleanup_free_ uint8_t *used = calloc(USERNS_SLOTS / 8, 1);
        for (size_t i = 0; used && i < n; i++) {
                struct husk_sec_idmap u, g;
                if (strcmp(list[i].id, self) == 0 || husk_sec_userns_maps(list[i].cfg.host_config, &u, &g) <= 0 ||
                    u.host < USERNS_POOL_BASE)
                        continue;
                uint32_t slot = (u.host - USERNS_POOL_BASE) / USERNS_SLOT;
                if (slot < USERNS_SLOTS)
                        used[slot / 8] |= (uint8_t) (1u << (slot % 8));
        }
        husk_ctr_list_free(list, n);
        if (!used)
                return husk_error_errno(err, ENOMEM, "--userns auto");
        for (uint32_t s = 0; s < USERNS_SLOTS; s++)
                if (!(used[s / 8] & (1u << (s % 8)))) {
                        *ret = USERNS_POOL_BASE + s * USERNS_SLOT;
                        return 0;
                }
        return husk_error_set(err, ENOSPC, "--userns auto: all %u id ranges are taken", USERNS_SLOTS);
}

/* A range for c, recorded in its host_config and saved at once (the lock is held until then, so two
 * starts cannot take the same range). */
static int allocate(struct husk_engine *e, struct husk_ctr *c, struct husk_error *err)
{
        /* The containers/ directory itself is the lock (its own open: nothing else flocks it). */
        _cleanup_close_ int lock = openat(husk_ctr_store_fd(e->ctrs), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lock < 0)
                return husk_error_errno(err, errno, "--userns auto: open containers/");
        while (flock(lock, LOCK_EX) < 0)
                if (errno != EINTR)
                        return husk_error_errno(err, errno, "--userns auto: lock containers/");
        uint32_t host = 0;
        int r = pick_slot(e, c->id, &host, err);
        if (r < 0)
                return r;
        char map[64];
        (void) snprintf(map, sizeof(map), "0:%" PRIu32 ":%" PRIu32,
                        host, wanted_size(json_string_value(json_object_get(c->cfg.host_config, "UsernsMode"))));
        json_t *m = json_pack("{s:[s], s:[s]}", "UidMap", map, "GidMap", map);
        if (!m || json_object_set_new(c->cfg.host_config, "IDMappings", m) < 0)
                return husk_error_errno(err, ENOMEM, "--userns auto");
        return husk_ctr_save(e->ctrs, c, err);
}

static int write_map(pid_t pid, const char *file, const struct husk_sec_idmap *m, struct husk_error *err)
{
        char path[64], text[64];
        (void) snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        int len = snprintf(text, sizeof(text), "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m->container, m->host,
                           m->size);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, text, (size_t) len) != len)
                return husk_error_errno(err, errno, "--userns: write %s", path);
        return 0;
}

/* A user namespace with these maps, as an fd (for MOUNT_ATTR_IDMAP): a child made in a new one
 * waits while we write its maps and open its ns file, then goes. */
static int userns_fd(const struct husk_sec_idmap *uid, const struct husk_sec_idmap *gid, struct husk_error *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return husk_error_errno(err, errno, "--userns: pipe");
        pid_t pid = (pid_t) syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) {
                char c;
                (void) close(p[1]);
                (void) !read(p[0], &c, 1);
                _exit(0);
        }
        int e = errno;
        (void) close(p[0]);
        if (pid < 0) {
                (void) close(p[1]);
                return husk_error_errno(err, e, "--userns: clone a user namespace");
        }
        int fd = -1, r = write_map(pid, "uid_map", uid, err);
        if (r >= 0)
                r = write_map(pid, "gid_map", gid, err);
        if (r >= 0) {
                char path[64];
                (void) snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        r = husk_error_errno(err, errno, "--userns: open %s", path);
        }
        (void) close(p[1]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return r < 0 ? r : fd;
}

/* system.posix_acl_access of a directory of `mode` that also lets group gid search it (x): the
 * kernel's xattr format (posix_acl_xattr.h), little-endian. */
struct acl_entry {
        uint16_t tag, perm;
        uint32_t id;
};

static int acl_allow_group(int dirfd, mode_t mode, gid_t gid)
{
        struct {
                uint32_t version;
                struct acl_entry e[5];
        } __attribute__((packed)) acl = {
                .version = htole32(2),
                .e = {
                        { htole16(0x01), htole16((mode >> 6) & 7), htole32(UINT32_MAX) },  /* USER_OBJ */
                        { htole16(0x04), htole16((mode >> 3) & 7), htole32(UINT32_MAX) },  /* GROUP_OBJ */
                        { htole16(0x08), htole16(1), htole32(gid) },                         /* GROUP gid: x */
                        { htole16(0x10), htole16(((mode >> 3) & 7) | 1), htole32(UINT32_MAX) }, /* MASK */
                        { htole16(0x20), htole16(mode & 7), htole32(UINT32_MAX) },          /* OTHER */
                },
        };
        _cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsetxattr(fd, "system.posix_acl_access", &acl, sizeof(acl), 0) < 0)
                return -errno;
        return 0;
}

/*
 * The runtime's init, already root of the new user namespace, enters the bundle (the container's
 * directory) by its path and binds the /etc files from it: it must pass through the store root and
 * containers/ (o+x added, no read: nothing is listed, as Docker's 0701 for userns-remap) and into the
 * container's own directory, which an ACL entry opens to the range's root group only (search, no read;
 * the directory keeps its owner, group and mode bits).
 */
static int let_in(struct husk_engine *e, int dirfd, gid_t gid, struct husk_error *err)
{
        int ctrs = husk_ctr_store_fd(e->ctrs);
        _cleanup_close_ int top = openat(ctrs, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int dirs[] = { top, ctrs };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(dirs); i++) {
                struct stat st;
                if (dirs[i] < 0 || fstat(dirs[i], &st) < 0 ||
                    (!(st.st_mode & S_IXOTH) && fchmod(dirs[i], (st.st_mode & 07777) | S_IXOTH) < 0))
                        return husk_error_errno(err, errno, "--userns: let the container's root through the store");
        }
        /* Above the store root we change nothing (/var/lib is 0755): a closed parent is named. */
        char path[4096];
        (void) snprintf(path, sizeof(path), "%s", husk_ctr_store_path(e->ctrs));
        for (char *slash; (slash = strrchr(path, '/')) && slash != path;) {
                *slash = '\0';
                struct stat st;
                if (stat(path, &st) == 0 && !(st.st_mode & S_IXOTH))
                        return husk_error_set(err, EACCES, "--userns: %s (above the store) is not searchable by "
                                              "others (o+x): the container's root could not reach its directory",
                                              path);
        }
        struct stat st;
        if (fstat(dirfd, &st) < 0)
                return husk_error_errno(err, errno, "--userns: stat the container's directory");
        int r = acl_allow_group(dirfd, st.st_mode, gid);
        if (r < 0)
                return husk_error_errno(err, -r, "--userns: an ACL for the container's root on its directory");
        return 0;
}

int husk_sec_userns_prepare(struct husk_engine *e, struct husk_ctr *c, int dirfd, int *ret_fd,
                            struct husk_error *err)
{
        *ret_fd = -1;
        json_t *hc = c->cfg.host_config;
        if (!husk_sec_wants_userns(hc))
                return 0;
        struct husk_sec_idmap u, g;
        int r = husk_sec_userns_maps(hc, &u, &g);
        if (r == 0) {
                r = allocate(e, c, err);
                if (r >= 0)
                        r = husk_sec_userns_maps(hc, &u, &g);
        }
        if (r < 0)
                return r == -EINVAL ? husk_error_set(err, EINVAL, "HostConfig.IDMappings: not one \"0:HOST:SIZE\" each")
                                    : r;
        r = let_in(e, dirfd, (gid_t) g.host, err);
        if (r < 0)
                return r;
        int fd = userns_fd(&u, &g, err);
        if (fd < 0)
                return fd;
        *ret_fd = fd;
        return 0;
}

int husk_sec_apply_userns(const json_t *hc, json_t *doc, struct husk_error *err)
{
        struct husk_sec_idmap u, g;
        int r = husk_sec_userns_maps(hc, &u, &g);
        if (r == 0 && husk_sec_wants_userns(hc))
                /* prepare made none: the root is a --rootfs directory */
                return husk_error_set(err, EOPNOTSUPP, "--userns auto: not with --rootfs (the directory's owners "
                                      "would have to be shifted; husk maps an image's layers only)");
        if (r <= 0)
                return r == 0 ? 0 : husk_error_set(err, EINVAL, "HostConfig.IDMappings: not one \"0:HOST:SIZE\" each");
        json_t *linux_ = json_object_get(doc, "linux");
        json_t *ns = json_pack("{s:s}", "type", "user");
        json_t *um = json_pack("[{s:I, s:I, s:I}]", "containerID", (json_int_t) u.container, "hostID", (json_int_t) u.host,
                               "size", (json_int_t) u.size);
        json_t *gm = json_pack("[{s:I, s:I, s:I}]", "containerID", (json_int_t) g.container, "hostID", (json_int_t) g.host,
                               "size", (json_int_t) g.size);
        if (!ns || !um || !gm || json_array_append_new(json_object_get(linux_, "namespaces"), ns) < 0 ||
            json_object_set_new(linux_, "uidMappings", um) < 0 || json_object_set_new(linux_, "gidMappings", gm) < 0)
                return husk_error_errno(err, ENOMEM, "config.json: linux.uidMappings");
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json's mounts from the container's mounts.json (ctr_volumes.h), at each start. The runtime
 * resolves every destination inside the root (husk_mkdir_in_root: RESOLVE_IN_ROOT), so a symlink of
 * the image at a destination cannot take a mount out of the container's root.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr_volumes.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

/* The host ids of the container's root when it has a user namespace (linux.uidMappings, put there by
 * --userns before this runs), else -1. */
struct root_ids {
        json_int_t uid, gid;
};

static json_int_t host_root(json_t *maps)
{
        size_t i;
        json_t *m;
        json_array_foreach (maps, i, m)
                if (json_integer_value(json_object_get(m, "containerID")) == 0)
                        return json_integer_value(json_object_get(m, "hostID"));
        return -1;
}

/* A new, empty volume of a container with a user namespace belongs to the container's root, as Docker
 * makes volumes under userns-remap: owned by the host's root it would be nobody's, read-only, inside. */
static int give_to_userns_root(int dfd, const struct root_ids *ids, const char *name, struct husk_error *err)
{
        struct stat st;
        if (ids->uid < 0 || ids->gid < 0 || fstat(dfd, &st) < 0 || st.st_uid != 0 || st.st_gid != 0 ||
            husk_vol_dir_empty(dfd) != 1)
                return 0;
        if (fchown(dfd, (uid_t) ids->uid, (gid_t) ids->gid) < 0)
                return husk_error_errno(err, errno, "chown volume %s to the user namespace's root", name);
        return 0;
}

/* The volume of a mount, made again if it was removed since create (a named volume is made on first
 * use anyway), its --opt filesystem mounted, and filled from the image when new and empty. */
static int ensure_volume(struct husk_vol_store *vs, json_t *entry, int root_fd, const struct root_ids *ids,
                         struct husk_error *err)
{
        const char *name = json_string_value(json_object_get(entry, "volume"));
        _cleanup_(husk_volume_free_contents) struct husk_volume v = { 0 };
        int r = husk_vol_get(vs, name, &v, NULL);
        if (r == -ENOENT) {
                _cleanup_json_ json_t *labels = json_is_true(json_object_get(entry, "anonymous"))
                                                        ? json_pack("{s:s}", HUSK_VOL_ANON_LABEL, "")
                                                        : NULL;
                /* an anonymous one keeps its name: create names only NULL anonymously */
                r = husk_vol_create(vs, name, labels, NULL, &v, NULL, err);
        } else if (r < 0) {
                r = husk_vol_get(vs, name, &v, err);
        }
        if (r >= 0)
                r = husk_vol_mount(vs, &v, err);
        if (r < 0)
                return r;
        char data[4096];
        husk_vol_data_path(vs, name, data, sizeof(data));
        _cleanup_close_ int dfd = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return husk_error_errno(err, errno, "open %s", data);
        const char *dst = json_string_value(json_object_get(json_object_get(entry, "oci"), "destination"));
        /* With a user namespace the image's owners come through idmapped layers: copied as mapped */
        if (json_is_true(json_object_get(entry, "copy")) && (r = husk_vol_copy_up(root_fd, dst, dfd, err)) < 0)
                return husk_error_prefix(err, "copy the image's %s into volume %s: ", dst, name);
        return give_to_userns_root(dfd, ids, name, err);
}

/* The storage root from the container's directory: <root>/containers/<id>. */
static int open_store(const char *ctr_dir, struct husk_vol_store **ret, struct husk_error *err)
{
        _cleanup_free_ char *root = strdup(ctr_dir);
        if (!root)
                return husk_error_errno(err, ENOMEM, "volumes");
        for (int i = 0; i < 2; i++) {
                char *slash = strrchr(root, '/');
                if (!slash || slash == root)
                        return husk_error_set(err, EINVAL, "%s: not a container directory", ctr_dir);
                *slash = '\0';
        }
        return husk_vol_store_open(root, true, ret, err);
}

/* Drop the default mounts a mount of the user's replaces (-v /x:/etc/hosts, --tmpfs /dev/shm). */
static void drop_replaced(json_t *mounts, json_t *entries)
{
        size_t i, j;
        json_t *m, *e;
        for (i = json_array_size(mounts); i-- > 0;) {
                m = json_array_get(mounts, i);
                const char *d = json_string_value(json_object_get(m, "destination"));
                json_array_foreach (entries, j, e) {
                        const char *ud = json_string_value(json_object_get(json_object_get(e, "oci"), "destination"));
                        if (d && ud && strcmp(d, ud) == 0) {
                                (void) json_array_remove(mounts, i);
                                break;
                        }
                }
        }
}

int husk_spec_apply_vol(const struct husk_engine_spec_in *in, json_t *doc, struct husk_error *err)
{
        if (!husk_ctr_vol_any(in->ctr))
                return 0;
        char path[4096];
        (void) snprintf(path, sizeof(path), "%s/" HUSK_CTR_MOUNTS_FILE, in->ctr_dir);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = husk_read_file_at(AT_FDCWD, path, &text, &len, NULL);
        if (r == -ENOENT)
                return 0; /* made by an older husk, or removed */
        if (r < 0)
                return husk_error_errno(err, -r, "read %s/" HUSK_CTR_MOUNTS_FILE, in->ctr_dir);
        _cleanup_json_ json_t *entries = json_loadb(text, len, 0, NULL);
        json_t *mounts = json_object_get(doc, "mounts");
        if (!json_is_array(entries) || !json_is_array(mounts))
                return husk_error_set(err, EINVAL, "%s/" HUSK_CTR_MOUNTS_FILE ": not a list of mounts", in->ctr_dir);
        drop_replaced(mounts, entries);
        json_t *lx = json_object_get(doc, "linux");
        const struct root_ids ids = { host_root(json_object_get(lx, "uidMappings")),
                                      host_root(json_object_get(lx, "gidMappings")) };
        _cleanup_(husk_vol_store_closep) struct husk_vol_store *vs = NULL;
        _cleanup_close_ int lock = -1, root_fd = -1;
        size_t i;
        json_t *e;
        json_array_foreach (entries, i, e) {
                if (json_object_get(e, "volume")) {
                        if (!vs) {
                                r = open_store(in->ctr_dir, &vs, err);
                                if (r < 0 || (r = lock = husk_vol_store_lock(vs, err)) < 0)
                                        return r;
                                char root[8192];
                                (void) snprintf(root, sizeof(root), "%s%s%s", in->rootfs[0] == '/' ? "" : in->ctr_dir,
                                                in->rootfs[0] == '/' ? "" : "/", in->rootfs);
                                root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (root_fd < 0)
                                        return husk_error_errno(err, errno, "open the container's root %s", in->rootfs);
                        }
                        r = ensure_volume(vs, e, root_fd, &ids, err);
                        if (r < 0)
                                return r;
                }
                if (json_array_append(mounts, json_object_get(e, "oci")) < 0)
                        return husk_error_errno(err, ENOMEM, "config.json: mounts");
        }
        return 0;
}

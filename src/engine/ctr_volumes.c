/* SPDX-License-Identifier: Apache-2.0 */
/* A container's volumes and mounts at create, rm and inspect (layout in ctr_volumes.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr_volumes.h"
#include "engine/mount_spec.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

int husk_engine_vol_store(struct husk_engine *e, bool create, struct husk_vol_store **ret, struct husk_error *err)
{
        /* The containers' directory is <storage root>/containers. */
        const char *ctrs = husk_ctr_store_path(e->ctrs);
        const char *slash = strrchr(ctrs, '/');
        _cleanup_free_ char *root = strndup(ctrs, slash && slash != ctrs ? (size_t) (slash - ctrs) : 1);
        if (!root)
                return husk_error_errno(err, ENOMEM, "volumes");
        return husk_vol_store_open(root, create, ret, err);
}

bool husk_ctr_vol_any(const struct husk_ctr *c)
{
        json_t *h = c->cfg.host_config;
        return json_array_size(json_object_get(h, "Binds")) || json_array_size(json_object_get(h, "Mounts")) ||
               json_object_size(json_object_get(h, "Tmpfs")) || json_array_size(json_object_get(h, "VolumesFrom")) ||
               json_object_size(json_object_get(c->cfg.ctr_config, "Volumes"));
}

/* Every mount the record asks for, in the order given: Binds, Config.Volumes, Mounts. */
struct spec_list {
        struct husk_mount_spec *v;
        size_t n;
};

static void spec_list_done(struct spec_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                husk_mount_spec_free_contents(&l->v[i]);
        free(l->v);
}

static struct husk_mount_spec *spec_list_add(struct spec_list *l)
{
        struct husk_mount_spec *g = realloc(l->v, (l->n + 1) * sizeof(*g));
        if (!g)
                return NULL;
        l->v = g;
        memset(&g[l->n], 0, sizeof(*g));
        return &g[l->n++];
}

static int collect_specs(const struct husk_ctr *c, struct spec_list *l, struct husk_error *err)
{
        size_t i;
        json_t *v;
        json_array_foreach (json_object_get(c->cfg.host_config, "Binds"), i, v) {
                struct husk_mount_spec *m = spec_list_add(l);
                if (!m)
                        return husk_error_errno(err, ENOMEM, "mounts");
                int r = husk_mount_parse_volume(json_string_value(v) ? json_string_value(v) : "", m, err);
                if (r < 0) {
                        l->n--;
                        return r;
                }
        }
        const char *dst;
        json_object_foreach (json_object_get(c->cfg.ctr_config, "Volumes"), dst, v) {
                struct husk_mount_spec *m = spec_list_add(l);
                if (!m)
                        return husk_error_errno(err, ENOMEM, "mounts");
                int r = husk_mount_parse_volume(dst, m, err);
                if (r < 0) {
                        l->n--;
                        return r;
                }
        }
        json_array_foreach (json_object_get(c->cfg.host_config, "Mounts"), i, v) {
                struct husk_mount_spec *m = spec_list_add(l);
                if (!m)
                        return husk_error_errno(err, ENOMEM, "mounts");
                int r = husk_mount_spec_from_json(v, m, err);
                if (r < 0) {
                        l->n--;
                        return r;
                }
        }
        return 0;
}

static json_t *oci_mount(const char *dst, const char *type, const char *src, json_t *options)
{
        return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src, "options", options);
}

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; a && v && v[i]; i++)
                (void) json_array_append_new(a, json_string(v[i]));
        return a;
}

/* A --mount type=tmpfs: Docker's ConvertTmpfsOptions (size, mode, ro) under the tmpfs defaults. */
static json_t *tmpfs_entry(const struct husk_mount_spec *m, struct husk_error *err)
{
        char opts[128] = "";
        size_t len = 0;
        if (m->tmpfs_size)
                len += (size_t) snprintf(opts + len, sizeof(opts) - len, "size=%lld,", (long long) m->tmpfs_size);
        if (m->tmpfs_mode)
                len += (size_t) snprintf(opts + len, sizeof(opts) - len, "mode=%o,", (unsigned) m->tmpfs_mode);
        if (m->readonly)
                len += (size_t) snprintf(opts + len, sizeof(opts) - len, "ro,");
        if (len)
                opts[len - 1] = '\0';
        _cleanup_strv_ char **merged = NULL;
        if (husk_mount_tmpfs_options(opts, &merged, err) < 0)
                return NULL;
        return json_pack("{s:{s:s, s:s, s:s, s:s, s:b, s:s}, s:o}", "docker", "Type", "tmpfs", "Source", "", "Destination", m->target,
                         "Mode", "", "RW", !m->readonly, "Propagation", "", "oci",
                         oci_mount(m->target, "tmpfs", "tmpfs", strv_json(merged)));
}

static json_t *bind_options(const char *prop, bool ro)
{
        json_t *o = json_pack("[s, s]", "rbind", prop);
        if (o && ro)
                (void) json_array_append_new(o, json_string("ro"));
        return o;
}

/* One mount resolved: its volume made (anonymous names recorded in *made), a -v bind source made. */
static json_t *resolve(struct husk_vol_store *vs, const struct husk_mount_spec *m, json_t *made, struct husk_error *err)
{
        if (m->type == HUSK_MOUNT_TMPFS)
                return tmpfs_entry(m, err);
        if (m->type == HUSK_MOUNT_BIND) {
                struct stat st;
                if (stat(m->source, &st) < 0) {
                        if (errno != ENOENT || m->from_mount) {
                                (void) husk_error_errno(err, errno, "invalid mount config for type \"bind\": bind source path does not exist: %s",
                                                        m->source);
                                return NULL;
                        }
                        /* -v makes a missing host directory, as Docker does */
                        if (husk_mkdir_p(m->source, 0755, err) < 0)
                                return NULL;
                }
                return json_pack("{s:{s:s, s:s, s:s, s:s, s:b, s:s}, s:o}", "docker", "Type", "bind", "Source",
                                 m->source, "Destination", m->target, "Mode", m->mode, "RW", !m->readonly,
                                 "Propagation", m->propagation, "oci",
                                 oci_mount(m->target, "bind", m->source, bind_options(m->propagation, m->readonly)));
        }
        _cleanup_(husk_volume_free_contents) struct husk_volume v = { 0 };
        bool anon = !m->source;
        _cleanup_json_ json_t *labels = m->volume_labels ? json_deep_copy(m->volume_labels) : json_object();
        if (!labels || (anon && json_object_set_new(labels, HUSK_VOL_ANON_LABEL, json_string("")) < 0)) {
                (void) husk_error_errno(err, ENOMEM, "volume labels");
                return NULL;
        }
        if (husk_vol_create(vs, m->source, labels, m->volume_opts, &v, NULL, err) < 0)
                return NULL;
        if (anon)
                (void) json_array_append_new(made, json_string(v.name));
        char data[4096];
        husk_vol_data_path(vs, v.name, data, sizeof(data));
        return json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}, s:o, s:s, s:b, s:b}", "docker", "Type",
                         "volume", "Name", v.name, "Source", data, "Destination", m->target, "Driver", "local", "Mode",
                         m->mode, "RW", !m->readonly, "Propagation", "", "oci",
                         oci_mount(m->target, "bind", data, bind_options("rprivate", m->readonly)), "volume", v.name,
                         "anonymous", anon, "copy", !m->nocopy);
}

/* --tmpfs DST:OPTS of HostConfig.Tmpfs (not in inspect's Mounts, as in Docker). */
static int add_tmpfs_flags(const struct husk_ctr *c, json_t *out, struct husk_error *err)
{
        const char *dst;
        json_t *v;
        json_object_foreach (json_object_get(c->cfg.host_config, "Tmpfs"), dst, v) {
                _cleanup_strv_ char **merged = NULL;
                int r = husk_mount_tmpfs_options(json_string_value(v), &merged, err);
                if (r < 0)
                        return husk_error_prefix(err, "HostConfig.Tmpfs %s: ", dst);
                if (json_array_append_new(out, json_pack("{s:n, s:o}", "docker", "oci",
                                                         oci_mount(dst, "tmpfs", "tmpfs", strv_json(merged)))) < 0)
                        return husk_error_errno(err, ENOMEM, "mounts");
        }
        return 0;
}

static json_t *load_mounts(struct husk_engine *e, const char *id);

static bool has_destination(json_t *all, const char *dst)
{
        size_t i;
        json_t *v;
        json_array_foreach (all, i, v)
                if (strcmp(json_string_value(json_object_get(json_object_get(v, "oci"), "destination")), dst) == 0)
                        return true;
        return false;
}

/* An entry of another container's, its mode changed by --volumes-from's :ro or :rw. */
static json_t *borrowed(json_t *src, const char *mode)
{
        json_t *e = json_deep_copy(src);
        if (!e)
                return NULL;
        (void) json_object_set_new(e, "anonymous", json_false()); /* it stays the other's */
        (void) json_object_set_new(e, "copy", json_false());
        if (!mode)
                return e;
        bool ro = strcmp(mode, "ro") == 0;
        json_t *opts = json_object_get(json_object_get(e, "oci"), "options");
        for (size_t i = json_array_size(opts); i-- > 0;)
                if (strcmp(json_string_value(json_array_get(opts, i)), "ro") == 0)
                        (void) json_array_remove(opts, i);
        if (ro)
                (void) json_array_append_new(opts, json_string("ro"));
        (void) json_object_set_new(json_object_get(e, "docker"), "RW", json_boolean(!ro));
        return e;
}

/* --volumes-from CONTAINER[:ro|rw]: its volumes and bind mounts (not its tmpfs), where this
 * container has no mount of its own. */
static int add_volumes_from(struct husk_engine *e, const struct husk_ctr *c, json_t *all, struct husk_error *err)
{
        size_t i;
        json_t *v;
        json_array_foreach (json_object_get(c->cfg.host_config, "VolumesFrom"), i, v) {
                _cleanup_free_ char *word = strdup(json_string_value(v) ? json_string_value(v) : "");
                if (!word)
                        return husk_error_errno(err, ENOMEM, "--volumes-from");
                char *mode = strchr(word, ':');
                if (mode)
                        *mode++ = '\0';
                char id[HUSK_CTR_ID_LEN + 1];
                int r = husk_ctr_lookup(e->ctrs, word, id, err);
                if (r < 0)
                        return r;
                _cleanup_json_ json_t *theirs = load_mounts(e, id);
                size_t j;
                json_t *m;
                json_array_foreach (theirs, j, m) {
                        const char *dst = json_string_value(json_object_get(json_object_get(m, "oci"), "destination"));
                        const char *type = json_string_value(json_object_get(json_object_get(m, "docker"), "Type"));
                        if (!dst || !type || strcmp(type, "tmpfs") == 0 || has_destination(all, dst))
                                continue;
                        if (json_array_append_new(all, borrowed(m, mode)) < 0)
                                return husk_error_errno(err, ENOMEM, "--volumes-from");
                }
        }
        return 0;
}

static size_t depth(json_t *entry)
{
        const char *d = json_string_value(json_object_get(json_object_get(entry, "oci"), "destination"));
        size_t n = 0;
        for (; d && *d; d++)
                n += *d == '/';
        return n;
}

/* Docker mounts parents before children (sortMounts: by the number of path components); stable. */
static json_t *sorted(json_t *in)
{
        json_t *out = json_array();
        size_t max = 0, i;
        json_t *v;
        json_array_foreach (in, i, v)
                max = depth(v) > max ? depth(v) : max;
        for (size_t d = 0; out && d <= max; d++)
                json_array_foreach (in, i, v)
                        if (depth(v) == d)
                                (void) json_array_append(out, v);
        return out;
}

int husk_ctr_vol_setup(struct husk_engine *e, const struct husk_ctr *c, struct husk_error *err)
{
        if (!husk_ctr_vol_any(c))
                return 0; /* no file: nothing to read at each start */
        struct spec_list specs = { 0 };
        int r = collect_specs(c, &specs, err);
        _cleanup_(husk_vol_store_closep) struct husk_vol_store *vs = NULL;
        _cleanup_close_ int lock = -1;
        if (r >= 0 && (r = husk_engine_vol_store(e, true, &vs, err)) >= 0)
                r = lock = husk_vol_store_lock(vs, err);
        _cleanup_json_ json_t *made = json_array(), *all = json_array();
        for (size_t i = 0; r >= 0 && i < specs.n; i++) {
                json_t *one = resolve(vs, &specs.v[i], made, err);
                if (!one || json_array_append_new(all, one) < 0)
                        r = err && err->code ? -err->code : -ENOMEM;
        }
        spec_list_done(&specs);
        if (r >= 0)
                r = add_tmpfs_flags(c, all, err);
        if (r >= 0)
                r = add_volumes_from(e, c, all, err);
        _cleanup_json_ json_t *ordered = r >= 0 ? sorted(all) : NULL;
        _cleanup_free_ char *text = ordered ? json_dumps(ordered, JSON_COMPACT) : NULL;
        if (r >= 0 && !text)
                r = husk_error_errno(err, ENOMEM, "mounts");
        if (r >= 0) {
                _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, c->id, err);
                r = dfd < 0 ? dfd
                            : husk_write_file_atomic_at(dfd, HUSK_CTR_MOUNTS_FILE, text, strlen(text), 0600, false, err);
        }
        if (r < 0 && vs) {
                size_t i;
                json_t *n;
                json_array_foreach (made, i, n)
                        (void) husk_vol_remove(vs, json_string_value(n), NULL);
        }
        return r;
}

/* A container's mounts.json (an empty array when it has none). */
static json_t *load_mounts(struct husk_engine *e, const char *id)
{
        _cleanup_close_ int dfd = husk_ctr_dir_open(e->ctrs, id, NULL);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        json_t *a = NULL;
        if (dfd >= 0 && husk_read_file_at(dfd, HUSK_CTR_MOUNTS_FILE, &text, &len, NULL) >= 0)
                a = json_loadb(text, len, 0, NULL);
        if (!json_is_array(a)) {
                json_decref(a);
                a = json_array();
        }
        return a;
}

static bool uses(json_t *mounts, const char *name)
{
        size_t i;
        json_t *m;
        json_array_foreach (mounts, i, m) {
                const char *v = json_string_value(json_object_get(m, "volume"));
                if (v && strcmp(v, name) == 0)
                        return true;
        }
        return false;
}

int husk_ctr_vol_users(struct husk_engine *e, const char *name, char ***ret_ids, struct husk_error *err)
{
        struct husk_ctr *list = NULL;
        size_t n = 0;
        int r = husk_ctr_list(e->ctrs, &list, &n, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **ids = calloc(n + 1, sizeof(char *));
        size_t k = 0;
        for (size_t i = 0; ids && i < n; i++) {
                _cleanup_json_ json_t *m = load_mounts(e, list[i].id);
                if (uses(m, name) && !(ids[k++] = strdup(list[i].id)))
                        break;
        }
        husk_ctr_list_free(list, n);
        if (!ids || (k && !ids[k - 1]))
                return husk_error_errno(err, ENOMEM, "volume users");
        *ret_ids = steal_ptr(ids);
        return 0;
}

void husk_vol_usage_free(struct husk_vol_usage *u, size_t n)
{
        for (size_t i = 0; u && i < n; i++)
                free(u[i].name);
        free(u);
}

int husk_engine_vol_usage(struct husk_engine *e, struct husk_vol_usage **ret, size_t *ret_n, struct husk_error *err)
{
        _cleanup_(husk_vol_store_closep) struct husk_vol_store *vs = NULL;
        _cleanup_strv_ char **names = NULL;
        int r = husk_engine_vol_store(e, true, &vs, err);
        if (r >= 0)
                r = husk_vol_list(vs, &names, err);
        struct husk_ctr *list = NULL;
        size_t n_ctrs = 0, n = 0;
        if (r >= 0)
                r = husk_ctr_list(e->ctrs, &list, &n_ctrs, err);
        if (r < 0)
                return r;
        while (names[n])
                n++;
        struct husk_vol_usage *u = calloc(n + 1, sizeof(*u));
        for (size_t i = 0; u && i < n; i++) {
                u[i].name = steal_ptr(names[i]);
                u[i].size = husk_vol_size(vs, u[i].name);
        }
        for (size_t c = 0; u && c < n_ctrs; c++) {
                _cleanup_json_ json_t *m = load_mounts(e, list[c].id);
                for (size_t i = 0; i < n; i++)
                        u[i].links += uses(m, u[i].name);
        }
        husk_ctr_list_free(list, n_ctrs);
        if (!u)
                return husk_error_errno(err, ENOMEM, "volumes");
        *ret = u;
        *ret_n = n;
        return 0;
}

int husk_engine_volume_remove(struct husk_engine *e, struct husk_vol_store *vs, const char *name, struct husk_error *err)
{
        _cleanup_close_ int lock = husk_vol_store_lock(vs, err);
        if (lock < 0)
                return lock;
        _cleanup_(husk_volume_free_contents) struct husk_volume v = { 0 };
        int r = husk_vol_get(vs, name, &v, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **ids = NULL;
        r = husk_ctr_vol_users(e, name, &ids, err);
        if (r < 0)
                return r;
        if (ids[0]) {
                char list[1024] = "";
                size_t len = 0;
                for (size_t i = 0; ids[i] && len < sizeof(list) - 80; i++)
                        len += (size_t) snprintf(list + len, sizeof(list) - len, "%s%s", i ? " " : "", ids[i]);
                return husk_error_set(err, EBUSY, "remove %s: volume is in use - [%s]", name, list);
        }
        return husk_vol_remove(vs, name, err);
}

int husk_ctr_vol_anonymous(struct husk_engine *e, const struct husk_ctr *c, char ***ret, struct husk_error *err)
{
        _cleanup_json_ json_t *m = husk_ctr_vol_any(c) ? load_mounts(e, c->id) : json_array();
        _cleanup_strv_ char **names = calloc(json_array_size(m) + 1, sizeof(char *));
        if (!names)
                return husk_error_errno(err, ENOMEM, "volumes");
        size_t i, k = 0;
        json_t *v;
        json_array_foreach (m, i, v) {
                const char *name = json_string_value(json_object_get(v, "volume"));
                if (name && json_is_true(json_object_get(v, "anonymous")) && !(names[k++] = strdup(name)))
                        return husk_error_errno(err, ENOMEM, "volumes");
        }
        *ret = steal_ptr(names);
        return 0;
}

void husk_ctr_vol_remove_unused(struct husk_engine *e, char *const *names)
{
        if (!names || !names[0])
                return;
        _cleanup_(husk_vol_store_closep) struct husk_vol_store *vs = NULL;
        if (husk_engine_vol_store(e, false, &vs, NULL) < 0)
                return;
        for (size_t i = 0; names[i]; i++)
                (void) husk_engine_volume_remove(e, vs, names[i], NULL);
}

json_t *husk_ctr_vol_mounts_json(struct husk_engine *e, const struct husk_ctr *c)
{
        _cleanup_json_ json_t *m = load_mounts(e, c->id);
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach (m, i, v) {
                json_t *d = json_object_get(v, "docker");
                if (out && json_is_object(d))
                        (void) json_array_append(out, d);
        }
        return out;
}

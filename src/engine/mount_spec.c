/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -v, --mount and --tmpfs as Docker parses them: the daemon's linux parser (moby volume/mounts,
 * ParseMountRaw, validateMountConfig) and the CLI's --mount CSV (docker/cli opts/mount.go), with their
 * messages. Pure: no file is looked at here (a missing --mount bind source is the caller's check).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/mount_spec.h"
#include "engine/resources.h"
#include "util/cleanup.h"
#include "util/path.h"

static const char *const type_names[] = { "bind", "volume", "tmpfs" };

void husk_mount_spec_free_contents(struct husk_mount_spec *m)
{
        free(m->source);
        free(m->target);
        free(m->mode);
        free(m->propagation);
        free(m->selinux);
        json_decref(m->volume_labels);
        json_decref(m->volume_opts);
        memset(m, 0, sizeof(*m));
}

static bool in_list(const char *s, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(s, *list) == 0)
                        return true;
        return false;
}

static const char *const propagations[] = { "private", "rprivate", "shared", "rshared", "slave", "rslave", NULL };

/* moby's linuxValidMountMode: comma-separated, at most one of each kind. */
static bool valid_mode(const char *mode, struct husk_mount_spec *m)
{
        static const char *const rw[] = { "ro", "rw", NULL }, *const label[] = { "z", "Z", NULL },
                                 *const copy[] = { "nocopy", NULL },
                                 *const consistency[] = { "consistent", "cached", "delegated", NULL };
        if (!*mode)
                return true;
        _cleanup_free_ char *copyv = strdup(mode);
        if (!copyv)
                return false;
        int n_rw = 0, n_label = 0, n_prop = 0, n_copy = 0;
        char *save = NULL;
        for (char *o = strtok_r(copyv, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                if (in_list(o, rw)) {
                        n_rw++;
                        m->readonly = strcmp(o, "ro") == 0;
                } else if (in_list(o, label)) {
                        n_label++;
                        free(m->selinux);
                        m->selinux = strdup(o);
                } else if (in_list(o, propagations)) {
                        n_prop++;
                        free(m->propagation);
                        m->propagation = strdup(o);
                } else if (in_list(o, copy)) {
                        n_copy++;
                        m->nocopy = true;
                } else if (!in_list(o, consistency)) {
                        return false;
                }
        }
        /* "a,,b" and a trailing comma: an empty option is none of the kinds */
        if (strstr(mode, ",,") || mode[0] == ',' || mode[strlen(mode) - 1] == ',')
                return false;
        return n_rw <= 1 && n_label <= 1 && n_prop <= 1 && n_copy <= 1;
}

/* The daemon's validateMountConfig, the part that needs no file system. */
static int validate(struct husk_mount_spec *m, const char *what, struct husk_error *err)
{
        const char *t = type_names[m->type];
        if (!m->target || m->target[0] != '/')
                return husk_error_set(err, EINVAL, "%sinvalid mount config for type \"%s\": invalid mount path: '%s' mount path must be absolute",
                                      what, t, m->target ? m->target : "");
        _cleanup_free_ char *clean = husk_path_clean(m->target);
        if (!clean)
                return husk_error_errno(err, ENOMEM, "mount");
        if (strcmp(clean, "/") == 0)
                return husk_error_set(err, EINVAL, "%sinvalid specification: destination can't be '/'", what);
        free(m->target);
        m->target = steal_ptr(clean);
        switch (m->type) {
        case HUSK_MOUNT_BIND:
                if (!m->source || !*m->source)
                        return husk_error_set(err, EINVAL, "%sinvalid mount config for type \"bind\": field Source must not be empty", what);
                if (m->source[0] != '/')
                        return husk_error_set(err, EINVAL, "%sinvalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute",
                                              what, m->source);
                if (m->propagation && !in_list(m->propagation, propagations))
                        return husk_error_set(err, EINVAL, "%sinvalid mount config for type \"bind\": invalid propagation mode: %s",
                                              what, m->propagation);
                if (!m->propagation && !(m->propagation = strdup("rprivate")))
                        return husk_error_errno(err, ENOMEM, "mount");
                break;
        case HUSK_MOUNT_VOLUME:
                if (m->propagation)
                        return husk_error_set(err, EINVAL, "%sinvalid mount config for type \"volume\": field BindOptions must not be specified", what);
                if (m->source && !*m->source) {
                        free(m->source);
                        m->source = NULL;
                }
                break;
        case HUSK_MOUNT_TMPFS:
                if (m->source && *m->source)
                        return husk_error_set(err, EINVAL, "%sinvalid mount config for type \"tmpfs\": field Source must not be specified", what);
                break;
        }
        return 0;
}

int husk_mount_parse_volume(const char *raw, struct husk_mount_spec *ret, struct husk_error *err)
{
        _cleanup_(husk_mount_spec_free_contents) struct husk_mount_spec m = { .type = HUSK_MOUNT_VOLUME };
        size_t colons = 0;
        for (const char *p = raw; *p; p++)
                colons += *p == ':';
        if (colons > 2 || raw[0] == ':' || !raw[0])
                return husk_error_set(err, EINVAL, "invalid volume specification: '%s'", raw);
        _cleanup_free_ char *copy = strdup(raw);
        if (!copy)
                return husk_error_errno(err, ENOMEM, "-v");
        char *parts[3] = { copy, NULL, NULL };
        for (size_t i = 1; i <= colons; i++) {
                char *c = strchr(parts[i - 1], ':');
                *c = '\0';
                parts[i] = c + 1;
        }
        const char *mode = "";
        if (colons == 0) {
                m.target = strdup(parts[0]);
        } else {
                /* "/foo:rw" is a destination and a mode: a volume without a source cannot have one */
                struct husk_mount_spec probe = { 0 };
                bool is_mode = colons == 1 && *parts[1] && valid_mode(parts[1], &probe);
                husk_mount_spec_free_contents(&probe);
                if (is_mode)
                        return husk_error_set(err, EINVAL, "invalid volume specification: '%s'", raw);
                m.source = strdup(parts[0]);
                m.target = strdup(parts[1]);
                if (colons == 2)
                        mode = parts[2];
        }
        if (!m.target || (colons > 0 && !m.source) || !(m.mode = strdup(mode)))
                return husk_error_errno(err, ENOMEM, "-v");
        if (!valid_mode(mode, &m))
                return husk_error_set(err, EINVAL, "invalid mode: %s", mode);
        if (m.source && m.source[0] == '/') {
                m.type = HUSK_MOUNT_BIND;
                m.nocopy = false; /* only volumes are copied up */
        }
        int r = validate(&m, "", err);
        if (r < 0)
                return r;
        *ret = m;
        memset(&m, 0, sizeof(m));
        return 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", NULL },
                                 *const no[] = { "0", "f", "F", "FALSE", "false", "False", NULL };
        if (in_list(s, yes))
                *ret = true;
        else if (in_list(s, no))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

/* One key=value (or bare key) of --mount; *ret_opt_kind tells which options group it used. */
static int mount_field(struct husk_mount_spec *m, const char *field, bool *has_vol, bool *has_bind, bool *has_tmpfs,
                       const char **ret_msg, char *msg, size_t msglen)
{
        const char *eq = strchr(field, '=');
        char key[64];
        size_t klen = eq ? (size_t) (eq - field) : strlen(field);
        if (klen >= sizeof(key))
                klen = sizeof(key) - 1;
        for (size_t i = 0; i < klen; i++)
                key[i] = (char) (field[i] >= 'A' && field[i] <= 'Z' ? field[i] | 0x20 : field[i]);
        key[klen] = '\0';
        const char *val = eq ? eq + 1 : NULL;
        *ret_msg = msg;
        if (!val) {
                if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0)
                        m->readonly = true;
                else if (strcmp(key, "volume-nocopy") == 0)
                        m->nocopy = *has_vol = true;
                else
                        return snprintf(msg, msglen, "invalid field '%s' must be a key=value pair", field), -EINVAL;
                return 0;
        }
        bool b;
        if (strcmp(key, "type") == 0) {
                size_t i;
                for (i = 0; i < HUSK_ARRAY_SIZE(type_names); i++)
                        if (strcasecmp(val, type_names[i]) == 0)
                                break;
                if (i == HUSK_ARRAY_SIZE(type_names))
                        return snprintf(msg, msglen, "invalid mount config for type \"%s\": mount type unknown", val), -EINVAL;
                m->type = (enum husk_mount_type) i;
        } else if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
                free(m->source);
                m->source = strdup(val);
        } else if (strcmp(key, "target") == 0 || strcmp(key, "dst") == 0 || strcmp(key, "destination") == 0) {
                free(m->target);
                m->target = strdup(val);
        } else if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
                if (parse_bool(val, &m->readonly) < 0)
                        return snprintf(msg, msglen, "invalid value for %s: %s", key, val), -EINVAL;
        } else if (strcmp(key, "consistency") == 0) {
                /* macOS only in Docker: accepted and ignored */
        } else if (strcmp(key, "bind-propagation") == 0) {
                *has_bind = true;
                free(m->propagation);
                m->propagation = strdup(val);
                for (char *p = m->propagation; p && *p; p++)
                        *p = (char) (*p >= 'A' && *p <= 'Z' ? *p | 0x20 : *p);
        } else if (strcmp(key, "volume-nocopy") == 0) {
                *has_vol = true;
                if (parse_bool(val, &b) < 0)
                        return snprintf(msg, msglen, "invalid value for %s: %s", key, val), -EINVAL;
                m->nocopy = b;
        } else if (strcmp(key, "volume-label") == 0 || strcmp(key, "volume-opt") == 0) {
                *has_vol = true;
                json_t **obj = key[7] == 'l' ? &m->volume_labels : &m->volume_opts;
                if (!*obj && !(*obj = json_object()))
                        return -ENOMEM;
                const char *veq = strchr(val, '=');
                char k[256];
                (void) snprintf(k, sizeof(k), "%.*s", (int) (veq ? (size_t) (veq - val) : strlen(val)), val);
                (void) json_object_set_new(*obj, k, json_string(veq ? veq + 1 : ""));
        } else if (strcmp(key, "volume-driver") == 0) {
                *has_vol = true;
                if (strcmp(val, "local") != 0)
                        return snprintf(msg, msglen, "volume driver %s: only the local driver exists", val), -EINVAL;
        } else if (strcmp(key, "tmpfs-size") == 0) {
                *has_tmpfs = true;
                if (husk_res_parse_bytes(val, &m->tmpfs_size) < 0)
                        return snprintf(msg, msglen, "invalid value for %s: %s", key, val), -EINVAL;
        } else if (strcmp(key, "tmpfs-mode") == 0) {
                *has_tmpfs = true;
                char *end;
                errno = 0;
                unsigned long v = strtoul(val, &end, 8);
                if (!*val || *end || errno || v > 07777 || val[0] == '-')
                        return snprintf(msg, msglen, "invalid value for %s: %s", key, val), -EINVAL;
                m->tmpfs_mode = (uint32_t) v;
        } else {
                return snprintf(msg, msglen, "unexpected key '%s' in '%s'", key, field), -EINVAL;
        }
        return 0;
}

int husk_mount_parse_mount(const char *raw, struct husk_mount_spec *ret, struct husk_error *err)
{
        _cleanup_(husk_mount_spec_free_contents) struct husk_mount_spec m = { .type = HUSK_MOUNT_VOLUME,
                                                                             .from_mount = true };
        _cleanup_free_ char *copy = strdup(raw);
        if (!copy || !(m.mode = strdup("")))
                return husk_error_errno(err, ENOMEM, "--mount");
        bool has_vol = false, has_bind = false, has_tmpfs = false;
        char msg[512];
        const char *why = NULL;
        char *save = NULL;
        /* A CSV record: fields with a '"' in them are not supported (Docker's CSV quoting) */
        if (strchr(raw, '"'))
                return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--mount\" flag: quoted fields are not supported", raw);
        for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                int r = mount_field(&m, f, &has_vol, &has_bind, &has_tmpfs, &why, msg, sizeof(msg));
                if (r == -ENOMEM)
                        return husk_error_errno(err, ENOMEM, "--mount");
                if (r < 0)
                        return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--mount\" flag: %s", raw, why);
        }
        const char *t = type_names[m.type];
        if (!m.target || !*m.target)
                return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--mount\" flag: target is required", raw);
        if ((has_vol && m.type != HUSK_MOUNT_VOLUME) || (has_bind && m.type != HUSK_MOUNT_BIND) ||
            (has_tmpfs && m.type != HUSK_MOUNT_TMPFS))
                return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--mount\" flag: cannot mix '%s-*' options with mount type '%s'",
                                      raw, has_vol && m.type != HUSK_MOUNT_VOLUME ? "volume"
                                           : has_bind && m.type != HUSK_MOUNT_BIND ? "bind" : "tmpfs", t);
        int r = validate(&m, "", err);
        if (r < 0)
                return r;
        *ret = m;
        memset(&m, 0, sizeof(m));
        return 0;
}

/* The tmpfs options Docker knows (moby's mount.MergeTmpfsOptions): flags, grouped so that a later
 * one of a group overrides an earlier one, and data keys. */
struct tmpfs_flag {
        const char *name;
        int group;
};

static const struct tmpfs_flag tmpfs_flags[] = {
        { "ro", 1 },          { "rw", 1 },          { "nosuid", 2 },     { "suid", 2 },          { "nodev", 3 },
        { "dev", 3 },         { "noexec", 4 },      { "exec", 4 },       { "sync", 5 },          { "async", 5 },
        { "dirsync", 6 },     { "mand", 7 },        { "nomand", 7 },     { "atime", 8 },         { "noatime", 8 },
        { "diratime", 9 },    { "nodiratime", 9 },  { "relatime", 10 },  { "norelatime", 10 },   { "strictatime", 11 },
        { "nostrictatime", 11 }, { "private", 12 }, { "rprivate", 12 },  { "shared", 12 },       { "rshared", 12 },
        { "slave", 12 },      { "rslave", 12 },
};
static const char *const tmpfs_data[] = { "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol", NULL };

static int tmpfs_key(const char *o, char *key, size_t len)
{
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(tmpfs_flags); i++)
                if (strcmp(o, tmpfs_flags[i].name) == 0) {
                        (void) snprintf(key, len, "#%d", tmpfs_flags[i].group);
                        return 0;
                }
        const char *eq = strchr(o, '=');
        if (!eq)
                return -EINVAL;
        (void) snprintf(key, len, "%.*s", (int) (eq - o), o);
        return in_list(key, tmpfs_data) ? 0 : -EINVAL;
}

int husk_mount_tmpfs_options(const char *opts, char ***ret, struct husk_error *err)
{
        _cleanup_free_ char *all = NULL;
        if (asprintf(&all, "noexec,nosuid,nodev,rprivate%s%s", opts && *opts ? "," : "", opts ? opts : "") < 0)
                return husk_error_errno(err, ENOMEM, "tmpfs");
        size_t n = 1;
        for (const char *p = all; *p; p++)
                n += *p == ',';
        _cleanup_free_ char **v = calloc(n, sizeof(char *));
        _cleanup_strv_ char **out = calloc(n + 1, sizeof(char *));
        _cleanup_free_ char *keys = calloc(n, 64);
        if (!v || !out || !keys)
                return husk_error_errno(err, ENOMEM, "tmpfs");
        size_t k = 0;
        char *save = NULL;
        for (char *o = strtok_r(all, ",", &save); o; o = strtok_r(NULL, ",", &save))
                v[k++] = o;
        /* Latest first: an option whose key was seen later is dropped. */
        for (size_t i = k; i-- > 0;) {
                if (strcmp(v[i], "defaults") == 0)
                        continue;
                char *key = keys + i * 64;
                if (tmpfs_key(v[i], key, 64) < 0)
                        return husk_error_set(err, EINVAL, "invalid tmpfs option \"%s\"", v[i]);
                bool seen = false;
                for (size_t j = i + 1; j < k && !seen; j++)
                        seen = keys[j * 64] && strcmp(keys + j * 64, key) == 0;
                if (seen) {
                        key[0] = '\0';
                        v[i] = NULL;
                }
        }
        size_t o = 0;
        for (size_t i = 0; i < k; i++)
                if (v[i] && strcmp(v[i], "defaults") != 0 && !(out[o++] = strdup(v[i])))
                        return husk_error_errno(err, ENOMEM, "tmpfs");
        *ret = steal_ptr(out);
        return 0;
}

int husk_mount_parse_tmpfs(const char *raw, char **ret_dst, char **ret_opts, struct husk_error *err)
{
        const char *colon = strchr(raw, ':');
        _cleanup_free_ char *dst = strndup(raw, colon ? (size_t) (colon - raw) : strlen(raw));
        _cleanup_free_ char *opts = strdup(colon ? colon + 1 : "");
        if (!dst || !opts)
                return husk_error_errno(err, ENOMEM, "--tmpfs");
        if (dst[0] != '/')
                return husk_error_set(err, EINVAL, "invalid value \"%s\" for \"--tmpfs\" flag: invalid mount path: '%s' mount path must be absolute",
                                      raw, dst);
        _cleanup_free_ char *clean = husk_path_clean(dst);
        if (!clean)
                return husk_error_errno(err, ENOMEM, "--tmpfs");
        if (strcmp(clean, "/") == 0)
                return husk_error_set(err, EINVAL, "invalid value \"%s\" for \"--tmpfs\" flag: destination can't be '/'", raw);
        _cleanup_strv_ char **merged = NULL;
        int r = husk_mount_tmpfs_options(opts, &merged, err);
        if (r < 0)
                return husk_error_prefix(err, "invalid value \"%s\" for \"--tmpfs\" flag: ", raw);
        *ret_dst = steal_ptr(clean);
        *ret_opts = steal_ptr(opts);
        return 0;
}

json_t *husk_mount_spec_to_json(const struct husk_mount_spec *m)
{
        json_t *o = json_pack("{s:s}", "Type", type_names[m->type]);
        if (!o)
                return NULL;
        if (m->source)
                (void) json_object_set_new(o, "Source", json_string(m->source));
        (void) json_object_set_new(o, "Target", json_string(m->target));
        if (m->readonly)
                (void) json_object_set_new(o, "ReadOnly", json_true());
        if (m->type == HUSK_MOUNT_BIND && m->propagation && strcmp(m->propagation, "rprivate") != 0)
                (void) json_object_set_new(o, "BindOptions", json_pack("{s:s}", "Propagation", m->propagation));
        if (m->type == HUSK_MOUNT_VOLUME && (m->nocopy || m->volume_labels || m->volume_opts)) {
                json_t *vo = json_object();
                if (m->nocopy)
                        (void) json_object_set_new(vo, "NoCopy", json_true());
                if (m->volume_labels)
                        (void) json_object_set(vo, "Labels", m->volume_labels);
                if (m->volume_opts)
                        (void) json_object_set_new(vo, "DriverConfig",
                                                   json_pack("{s:s, s:O}", "Name", "local", "Options", m->volume_opts));
                (void) json_object_set_new(o, "VolumeOptions", vo);
        }
        if (m->type == HUSK_MOUNT_TMPFS && (m->tmpfs_size || m->tmpfs_mode)) {
                json_t *t = json_object();
                if (m->tmpfs_size)
                        (void) json_object_set_new(t, "SizeBytes", json_integer(m->tmpfs_size));
                if (m->tmpfs_mode)
                        (void) json_object_set_new(t, "Mode", json_integer(m->tmpfs_mode));
                (void) json_object_set_new(o, "TmpfsOptions", t);
        }
        return o;
}

int husk_mount_spec_from_json(json_t *o, struct husk_mount_spec *ret, struct husk_error *err)
{
        _cleanup_(husk_mount_spec_free_contents) struct husk_mount_spec m = { .from_mount = true };
        const char *type = json_string_value(json_object_get(o, "Type"));
        const char *target = json_string_value(json_object_get(o, "Target"));
        size_t i;
        for (i = 0; type && i < HUSK_ARRAY_SIZE(type_names); i++)
                if (strcmp(type, type_names[i]) == 0)
                        break;
        if (!type || i == HUSK_ARRAY_SIZE(type_names) || !target)
                return husk_error_set(err, EINVAL, "HostConfig.Mounts: an entry without a known Type or a Target");
        m.type = (enum husk_mount_type) i;
        const char *src = json_string_value(json_object_get(o, "Source"));
        const char *prop = json_string_value(json_object_get(json_object_get(o, "BindOptions"), "Propagation"));
        json_t *vo = json_object_get(o, "VolumeOptions"), *to = json_object_get(o, "TmpfsOptions");
        m.readonly = json_is_true(json_object_get(o, "ReadOnly"));
        m.nocopy = json_is_true(json_object_get(vo, "NoCopy"));
        m.tmpfs_size = json_integer_value(json_object_get(to, "SizeBytes"));
        m.tmpfs_mode = (uint32_t) json_integer_value(json_object_get(to, "Mode"));
        json_t *labels = json_object_get(vo, "Labels");
        json_t *vopts = json_object_get(json_object_get(vo, "DriverConfig"), "Options");
        m.volume_labels = labels ? json_deep_copy(labels) : NULL;
        m.volume_opts = vopts ? json_deep_copy(vopts) : NULL;
        if (!(m.target = strdup(target)) || !(m.mode = strdup("")) || (src && !(m.source = strdup(src))) ||
            (prop && !(m.propagation = strdup(prop))))
                return husk_error_errno(err, ENOMEM, "HostConfig.Mounts");
        int r = validate(&m, "HostConfig.Mounts: ", err);
        if (r < 0)
                return r;
        *ret = m;
        memset(&m, 0, sizeof(m));
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing of Docker/podman-format seccomp profiles (see seccomp_profile.h). The part shared with
 * config.json's linux.seccomp goes through the same parser (config_seccomp.c), so a profile is
 * checked exactly as a config.json would be; what Docker added is parsed here. */
#include "oci/seccomp_profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "oci/capabilities.h"
#include "oci/config_json.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* jansson's own cleanup helper (json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

static void filter_free(struct husk_seccomp_filter *f)
{
        husk_strv_free(f->arches);
}

void husk_seccomp_profile_free(struct husk_seccomp_profile *p)
{
        husk_seccomp_free_contents(&p->base);
        for (size_t i = 0; p->filters && i < p->n_filters; i++) {
                filter_free(&p->filters[i].includes);
                filter_free(&p->filters[i].excludes);
        }
        free(p->filters);
        for (size_t i = 0; p->arch_map && i < p->n_arch_map; i++) {
                free(p->arch_map[i].arch);
                husk_strv_free(p->arch_map[i].sub_arches);
        }
        free(p->arch_map);
        free(p);
}

static int parse_caps(struct husk_jctx *c, json_t *v, uint64_t *ret)
{
        _cleanup_strv_ char **names = NULL;
        size_t n = 0;
        int r = husk_jstrv(c, v, "caps", NULL, &names, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                int cap = husk_cap_from_name(names[i]);
                if (cap < 0 || cap > 63) {
                        size_t o = husk_jpush_key(c, "caps");
                        husk_jpush_index(c, i);
                        r = husk_jfail(c, "unknown capability \"%s\"", names[i]);
                        husk_jpop(c, o);
                        return r;
                }
                *ret |= UINT64_C(1) << cap;
        }
        return 0;
}

static int parse_arches(struct husk_jctx *c, json_t *v, char ***ret)
{
        size_t n = 0;
        int r = husk_jstrv(c, v, "arches", NULL, ret, &n);
        if (r < 0)
                return r;
        /* Stored canonical, so that "x86_64" in a profile matches an "amd64" target. */
        for (size_t i = 0; i < n; i++) {
                const char *canon = husk_seccomp_arch_canonical((*ret)[i]);
                if (!canon) {
                        size_t o = husk_jpush_key(c, "arches");
                        husk_jpush_index(c, i);
                        r = husk_jfail(c, "unknown architecture \"%s\"", (*ret)[i]);
                        husk_jpop(c, o);
                        return r;
                }
                char *s = strdup(canon);
                if (!s)
                        return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, c->path);
                free((*ret)[i]);
                (*ret)[i] = s;
        }
        return 0;
}

/* One number of a version: digits only, at most 255 (moby parses each as a uint8). */
static bool parse_version_part(const char **s, unsigned int *ret)
{
        const char *p = *s;
        unsigned int v = 0;
        if (*p < '0' || *p > '9')
                return false;
        for (; *p >= '0' && *p <= '9'; p++)
                if ((v = v * 10 + (unsigned int) (*p - '0')) > 255)
                        return false;
        *s = p;
        *ret = v;
        return true;
}

/* "<kernel>.<major>" as moby reads it: exactly two numbers, not both 0; "" means absent. */
static int parse_min_kernel(struct husk_jctx *c, json_t *v, struct husk_seccomp_filter *f)
{
        _cleanup_free_ char *s = NULL;
        int r = husk_jstring(c, v, "minKernel", false, &s);
        if (r < 0 || !s || s[0] == '\0')
                return r;
        const char *p = s;
        unsigned int major, minor;
        if (!parse_version_part(&p, &major) || *p++ != '.' || !parse_version_part(&p, &minor) || *p != '\0' ||
            (major == 0 && minor == 0))
                return husk_jfail_key(c, "minKernel", "invalid kernel version \"%s\", expected \"<kernel>.<major>\"",
                                      s);
        f->has_min_kernel = true;
        f->min_kernel_major = major;
        f->min_kernel_minor = minor;
        return 0;
}

static int parse_filter(struct husk_jctx *c, json_t *v, struct husk_seccomp_filter *f)
{
        int r;
        if ((r = parse_caps(c, v, &f->caps)) < 0 || (r = parse_arches(c, v, &f->arches)) < 0 ||
            (r = parse_min_kernel(c, v, f)) < 0)
                return r;
        return 0;
}

static int parse_rule_filters(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_seccomp_rule_filters *rf = elem;
        int r;
        if ((r = HUSK_JSECTION(c, e, "includes", parse_filter, &rf->includes)) < 0 ||
            (r = HUSK_JSECTION(c, e, "excludes", parse_filter, &rf->excludes)) < 0)
                return r;
        return 0;
}

/* The old format names one syscall per rule ("name"); turn it into "names" in the document so that
 * the linux.seccomp parser reads both. "comment" is only type-checked. */
static int normalise_rules(struct husk_jctx *c, json_t *doc)
{
        json_t *rules = NULL;
        int r = husk_jarray(c, doc, "syscalls", false, &rules);
        if (r < 0 || !rules)
                return r;
        size_t i;
        json_t *e;
        json_array_foreach(rules, i, e) {
                if (!json_is_object(e))
                        continue; /* reported by the linux.seccomp parser */
                size_t o = husk_jpush_key(c, "syscalls");
                husk_jpush_index(c, i);
                json_t *name = husk_jget(e, "name"), *names = husk_jget(e, "names");
                json_t *comment = husk_jget(e, "comment");
                if (comment && !json_is_string(comment))
                        r = husk_jfail_key(c, "comment", "must be a string");
                else if (name && !json_is_string(name))
                        r = husk_jfail_key(c, "name", "must be a string");
                else if (name && json_is_array(names) && json_array_size(names) > 0)
                        r = husk_jfail(c, "both \"name\" and \"names\" are given, use one of them");
                else if (name && json_object_set_new(e, "names", json_pack("[O]", name)) < 0)
                        r = husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, c->path);
                husk_jpop(c, o);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_sub_arches(struct husk_jctx *c, json_t *e, struct husk_seccomp_arch_map *m)
{
        size_t n = 0;
        int r = husk_jstrv(c, e, "subArchitectures", NULL, &m->sub_arches, &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
                if (husk_seccomp_arch_from_scmp(m->sub_arches[i]))
                        continue;
                size_t o = husk_jpush_key(c, "subArchitectures");
                husk_jpush_index(c, i);
                r = husk_jfail(c, "unknown architecture \"%s\"", m->sub_arches[i]);
                husk_jpop(c, o);
        }
        return r;
}

static int parse_arch_map(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata)
{
        (void) i;
        (void) userdata;
        struct husk_seccomp_arch_map *m = elem;
        int r = husk_jstring(c, e, "architecture", true, &m->arch);
        if (r < 0)
                return r;
        if (!husk_seccomp_arch_from_scmp(m->arch))
                return husk_jfail_key(c, "architecture", "unknown architecture \"%s\"", m->arch);
        return parse_sub_arches(c, e, m);
}

static int parse_profile(struct husk_jctx *c, json_t *doc, struct husk_seccomp_profile *p)
{
        int r;
        if (!json_is_object(doc))
                return husk_jfail(c, "must be a JSON object");
        if ((r = normalise_rules(c, doc)) < 0 || (r = husk_parse_seccomp(c, doc, &p->base)) < 0 ||
            (r = husk_jobject_array(c, doc, "syscalls", sizeof(*p->filters), &p->filters, &p->n_filters,
                                    parse_rule_filters, NULL)) < 0 ||
            (r = husk_jobject_array(c, doc, "archMap", sizeof(*p->arch_map), &p->arch_map, &p->n_arch_map,
                                    parse_arch_map, NULL)) < 0)
                return r;
        /* As moby: one list or the other, or which one applies would depend on the reader. */
        if (p->base.architectures && p->base.architectures[0] && p->n_arch_map > 0)
                return husk_jfail(c, "both \"architectures\" and \"archMap\" are given, use one of them");
        return 0;
}

int husk_seccomp_profile_parse(const char *data, size_t len, const char *name, struct husk_seccomp_profile **ret,
                               struct husk_error *err)
{
        struct husk_jctx c = { .name = name ? name : "seccomp profile", .err = err };
        _cleanup_json_ json_t *doc = NULL;
        int r = husk_jload(&c, data, len, &doc);
        if (r < 0)
                return r;
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = calloc(1, sizeof(*p));
        if (!p)
                return husk_error_errno(err, ENOMEM, "%s", c.name);
        if ((r = parse_profile(&c, doc, p)) < 0)
                return r;
        *ret = steal_ptr(p);
        return 0;
}

int husk_seccomp_profile_load(const char *path, struct husk_seccomp_profile **ret, struct husk_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = husk_read_file_at(AT_FDCWD, path, &data, &len, err);
        if (r < 0)
                return r;
        return husk_seccomp_profile_parse(data, len, path, ret, err);
}

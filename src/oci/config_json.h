/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the config parser: typed getters over jansson that track the JSON path of what they
 * read, so that every error reads "config.json: linux.namespaces[2].type: <reason>".
 * JSON null is treated as absent everywhere (Go's encoding/json, which runc uses, does the same).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "util/error.h"

#define HUSK_JPATH_MAX 512

struct husk_jctx {
        const char *name;          /* "config.json" */
        struct husk_error *err;
        bool int_as_real;          /* integers were decoded as doubles (see config.c) */
        size_t len;                /* length of path[] in use */
        char path[HUSK_JPATH_MAX]; /* "linux.namespaces[2]" */
};

/* Decode a document (c->name names it in errors); sets c->int_as_real when integers had to be
 * decoded as doubles. *ret is a new reference. */
int husk_jload(struct husk_jctx *c, const char *data, size_t len, json_t **ret);

/* Enter a member or an element; returns the previous length to hand to husk_jpop(). */
size_t husk_jpush_key(struct husk_jctx *c, const char *key);
size_t husk_jpush_map_key(struct husk_jctx *c, const char *key); /* ["key"]: for map entries */
size_t husk_jpush_index(struct husk_jctx *c, size_t i);
static inline void husk_jpop(struct husk_jctx *c, size_t len)
{
        c->len = len;
        c->path[len] = '\0';
}

/* "<name>: <path>: <reason>" with EINVAL. Returns -EINVAL. */
int husk_jfail(struct husk_jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same for the member `key` of the current path, without entering it. */
int husk_jfail_key(struct husk_jctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The member, or NULL when absent or null. */
static inline json_t *husk_jget(json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);
        return json_is_null(v) ? NULL : v;
}

/* Each getter leaves its output untouched when the member is absent (and `required` is false),
 * and sets *has (when non-NULL) to whether it was present. */
int husk_jobject(struct husk_jctx *c, json_t *obj, const char *key, bool required, json_t **ret);
int husk_jarray(struct husk_jctx *c, json_t *obj, const char *key, bool required, json_t **ret);
int husk_jstring(struct husk_jctx *c, json_t *obj, const char *key, bool required, char **ret);
int husk_jbool(struct husk_jctx *c, json_t *obj, const char *key, bool *ret, bool *has);
int husk_jint64(struct husk_jctx *c, json_t *obj, const char *key, bool required, int64_t min, int64_t max,
                int64_t *ret, bool *has);
int husk_juint64(struct husk_jctx *c, json_t *obj, const char *key, bool required, uint64_t *ret, bool *has);
int husk_juint32(struct husk_jctx *c, json_t *obj, const char *key, bool required, uint32_t *ret, bool *has);
int husk_jint32(struct husk_jctx *c, json_t *obj, const char *key, bool required, int32_t *ret, bool *has);

/* Value-level versions, for array elements (the path already names the element). */
int husk_jval_int64(struct husk_jctx *c, json_t *v, int64_t min, int64_t max, int64_t *ret);
int husk_jval_uint64(struct husk_jctx *c, json_t *v, uint64_t *ret);

/* An array of strings, NULL-terminated; *ret_n (may be NULL) gets the count. When `names` is
 * non-NULL each element must be one of them (NULL-terminated list). */
int husk_jstrv(struct husk_jctx *c, json_t *obj, const char *key, const char *const *names, char ***ret,
               size_t *ret_n);
/* An object of string values. */
int husk_jkv(struct husk_jctx *c, json_t *obj, const char *key, struct husk_kv **ret, size_t *ret_n);
/* An array of {containerID, hostID, size}. */
int husk_jid_mappings(struct husk_jctx *c, json_t *obj, const char *key, struct husk_id_mapping **ret,
                      size_t *ret_n);

/* An array of objects parsed into a calloc'ed array of elem_size elements: *ret and *ret_n are set
 * before the elements are parsed, so that on error husk_spec_free() releases what was filled. For
 * each element the path names it and fn(c, element, &array[i], i, userdata) is called. */
typedef int (*husk_jelem_fn)(struct husk_jctx *c, json_t *e, void *elem, size_t i, void *userdata);
int husk_jobject_array(struct husk_jctx *c, json_t *obj, const char *key, size_t elem_size, void *ret,
                       size_t *ret_n, husk_jelem_fn fn, void *userdata);

/* Index of s in a NULL-terminated list, or -1. */
int husk_name_index(const char *const *names, const char *s);

/* An optional object member: enter it, parse it with fn(c, obj, ...), leave it. Evaluates to 0 or a
 * negative errno; does nothing when the member is absent. */
#define HUSK_JSECTION(c, v, key, fn, ...)                                              \
        ({                                                                        \
                json_t *s_ = NULL;                                                \
                int r_ = husk_jobject((c), (v), (key), false, &s_);               \
                if (r_ == 0 && s_) {                                              \
                        size_t o_ = husk_jpush_key((c), (key));                   \
                        r_ = fn((c), s_, __VA_ARGS__);                            \
                        husk_jpop((c), o_);                                       \
                }                                                                 \
                r_;                                                               \
        })

/* Parsers of the sections, in config_process.c, config_linux.c, config_resources.c, config_seccomp.c.
 * `v` is the section's JSON object; the path of the context names it on entry. */
int husk_parse_process(struct husk_jctx *c, json_t *v, struct husk_process *p);
int husk_parse_linux(struct husk_jctx *c, json_t *v, struct husk_linux *l);
int husk_parse_resources(struct husk_jctx *c, json_t *v, struct husk_resources *r);
int husk_parse_seccomp(struct husk_jctx *c, json_t *v, struct husk_seccomp *s);

/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/config_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

static size_t jpush(struct husk_jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t jpush(struct husk_jctx *c, const char *fmt, ...)
{
        size_t old = c->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(c->path + c->len, sizeof(c->path) - c->len, fmt, ap);
        va_end(ap);
        /* A path longer than the buffer is cut, never overrun: the message stays useful. */
        if (n > 0)
                c->len += (size_t) n < sizeof(c->path) - c->len ? (size_t) n : sizeof(c->path) - c->len - 1;
        return old;
}

size_t husk_jpush_key(struct husk_jctx *c, const char *key)
{
        return c->len == 0 ? jpush(c, "%s", key) : jpush(c, ".%s", key);
}

size_t husk_jpush_map_key(struct husk_jctx *c, const char *key)
{
        return jpush(c, "[\"%s\"]", key);
}

size_t husk_jpush_index(struct husk_jctx *c, size_t i)
{
        return jpush(c, "[%zu]", i);
}

__attribute__((format(printf, 3, 0)))
static int vfail(struct husk_jctx *c, const char *key, const char *fmt, va_list ap)
{
        char reason[HUSK_ERROR_MSG_MAX];
        (void) vsnprintf(reason, sizeof(reason), fmt, ap);
        size_t old = key ? husk_jpush_key(c, key) : c->len;
        int r;
        if (c->len == 0)
                r = husk_error_set(c->err, EINVAL, "%s: %s", c->name, reason);
        else
                r = husk_error_set(c->err, EINVAL, "%s: %s: %s", c->name, c->path, reason);
        husk_jpop(c, old);
        return r;
}

int husk_jfail(struct husk_jctx *c, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vfail(c, NULL, fmt, ap);
        va_end(ap);
        return r;
}

int husk_jfail_key(struct husk_jctx *c, const char *key, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vfail(c, key, fmt, ap);
        va_end(ap);
        return r;
}

int husk_name_index(const char *const *names, const char *s)
{
        for (int i = 0; names[i]; i++)
                if (strcmp(names[i], s) == 0)
                        return i;
        return -1;
}

static json_t *get_typed(struct husk_jctx *c, json_t *obj, const char *key, bool required, json_type type,
                         const char *what, int *r)
{
        json_t *v = husk_jget(obj, key);
        *r = 0;
        if (!v) {
                if (required)
                        *r = husk_jfail_key(c, key, "is required");
                return NULL;
        }
        if (json_typeof(v) != type) {
                *r = husk_jfail_key(c, key, "must be %s", what);
                return NULL;
        }
        return v;
}

int husk_jobject(struct husk_jctx *c, json_t *obj, const char *key, bool required, json_t **ret)
{
        int r;
        json_t *v = get_typed(c, obj, key, required, JSON_OBJECT, "an object", &r);
        if (v)
                *ret = v;
        return r;
}

int husk_jarray(struct husk_jctx *c, json_t *obj, const char *key, bool required, json_t **ret)
{
        int r;
        json_t *v = get_typed(c, obj, key, required, JSON_ARRAY, "an array", &r);
        if (v)
                *ret = v;
        return r;
}

int husk_jstring(struct husk_jctx *c, json_t *obj, const char *key, bool required, char **ret)
{
        int r;
        json_t *v = get_typed(c, obj, key, required, JSON_STRING, "a string", &r);
        if (!v)
                return r;
        char *s = strdup(json_string_value(v));
        if (!s)
                return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
        free(*ret);
        *ret = s;
        return 0;
}

int husk_jbool(struct husk_jctx *c, json_t *obj, const char *key, bool *ret, bool *has)
{
        json_t *v = husk_jget(obj, key);
        if (!v)
                return 0;
        if (!json_is_boolean(v))
                return husk_jfail_key(c, key, "must be a boolean");
        *ret = json_is_true(v);
        if (has)
                *has = true;
        return 0;
}

/* 2^63 and 2^64 as doubles: the limits a double can be compared against exactly. */
#define TWO_POW_63 9223372036854775808.0
#define TWO_POW_64 18446744073709551616.0

static int range_fail(struct husk_jctx *c, int64_t min, int64_t max)
{
        if (min == 0 && max == INT64_MAX)
                return husk_jfail(c, "must be a non-negative integer");
        if (min == INT64_MIN && max == INT64_MAX)
                return husk_jfail(c, "must be an integer");
        return husk_jfail(c, "must be an integer between %" PRIi64 " and %" PRIi64, min, max);
}

int husk_jval_int64(struct husk_jctx *c, json_t *v, int64_t min, int64_t max, int64_t *ret)
{
        int64_t n;
        if (json_is_integer(v)) {
                n = json_integer_value(v);
        } else if (c->int_as_real && json_is_real(v)) {
                double d = json_real_value(v);
                if (!(d >= -TWO_POW_63 && d < TWO_POW_63) || (double) (int64_t) d != d)
                        return range_fail(c, min, max);
                n = (int64_t) d;
        } else {
                return range_fail(c, min, max);
        }
        if (n < min || n > max)
                return range_fail(c, min, max);
        *ret = n;
        return 0;
}

int husk_jval_uint64(struct husk_jctx *c, json_t *v, uint64_t *ret)
{
        if (json_is_integer(v)) {
                json_int_t n = json_integer_value(v);
                if (n < 0)
                        return husk_jfail(c, "must be a non-negative integer");
                *ret = (uint64_t) n;
                return 0;
        }
        if (c->int_as_real && json_is_real(v)) {
                double d = json_real_value(v);
                if (!(d >= 0 && d <= TWO_POW_64))
                        return husk_jfail(c, "must be a non-negative integer");
                /* 18446744073709551615 (RLIM_INFINITY as written by Go tools) rounds up to 2^64. */
                if (d == TWO_POW_64) {
                        *ret = UINT64_MAX;
                        return 0;
                }
                if ((double) (uint64_t) d != d)
                        return husk_jfail(c, "must be a non-negative integer");
                *ret = (uint64_t) d;
                return 0;
        }
        return husk_jfail(c, "must be a non-negative integer");
}

int husk_jint64(struct husk_jctx *c, json_t *obj, const char *key, bool required, int64_t min, int64_t max,
                int64_t *ret, bool *has)
{
        json_t *v = husk_jget(obj, key);
        if (!v)
                return required ? husk_jfail_key(c, key, "is required") : 0;
        size_t old = husk_jpush_key(c, key);
        int r = husk_jval_int64(c, v, min, max, ret);
        husk_jpop(c, old);
        if (r == 0 && has)
                *has = true;
        return r;
}

int husk_juint64(struct husk_jctx *c, json_t *obj, const char *key, bool required, uint64_t *ret, bool *has)
{
        json_t *v = husk_jget(obj, key);
        if (!v)
                return required ? husk_jfail_key(c, key, "is required") : 0;
        size_t old = husk_jpush_key(c, key);
        int r = husk_jval_uint64(c, v, ret);
        husk_jpop(c, old);
        if (r == 0 && has)
                *has = true;
        return r;
}

int husk_juint32(struct husk_jctx *c, json_t *obj, const char *key, bool required, uint32_t *ret, bool *has)
{
        int64_t n;
        bool h = false;
        int r = husk_jint64(c, obj, key, required, 0, UINT32_MAX, &n, &h);
        if (r < 0 || !h)
                return r;
        *ret = (uint32_t) n;
        if (has)
                *has = true;
        return 0;
}

int husk_jint32(struct husk_jctx *c, json_t *obj, const char *key, bool required, int32_t *ret, bool *has)
{
        int64_t n;
        bool h = false;
        int r = husk_jint64(c, obj, key, required, INT32_MIN, INT32_MAX, &n, &h);
        if (r < 0 || !h)
                return r;
        *ret = (int32_t) n;
        if (has)
                *has = true;
        return 0;
}

int husk_jstrv(struct husk_jctx *c, json_t *obj, const char *key, const char *const *names, char ***ret,
               size_t *ret_n)
{
        json_t *v = husk_jget(obj, key);
        if (!v)
                return 0;
        if (!json_is_array(v))
                return husk_jfail_key(c, key, "must be an array of strings");
        size_t n = json_array_size(v);
        _cleanup_strv_ char **strv = calloc(n + 1, sizeof(char *));
        if (!strv)
                return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(v, i);
                size_t old = husk_jpush_key(c, key);
                (void) husk_jpush_index(c, i);
                int r = 0;
                if (!json_is_string(e))
                        r = husk_jfail(c, "must be a string");
                else if (names && husk_name_index(names, json_string_value(e)) < 0)
                        r = husk_jfail(c, "unknown value \"%s\"", json_string_value(e));
                husk_jpop(c, old);
                if (r < 0)
                        return r;
                strv[i] = strdup(json_string_value(e));
                if (!strv[i])
                        return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
        }
        husk_strv_free(*ret);
        *ret = steal_ptr(strv);
        if (ret_n)
                *ret_n = n;
        return 0;
}

int husk_jkv(struct husk_jctx *c, json_t *obj, const char *key, struct husk_kv **ret, size_t *ret_n)
{
        json_t *v = husk_jget(obj, key);
        if (!v)
                return 0;
        if (!json_is_object(v))
                return husk_jfail_key(c, key, "must be an object of strings");
        size_t n = json_object_size(v);
        if (n == 0)
                return 0;
        struct husk_kv *kv = calloc(n, sizeof(*kv));
        if (!kv)
                return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
        /* Owned by the spec from here on, so a failure below is freed by husk_spec_free(). */
        *ret = kv;
        *ret_n = n;
        const char *k;
        json_t *e;
        size_t i = 0;
        json_object_foreach (v, k, e) {
                if (!json_is_string(e)) {
                        size_t old = husk_jpush_key(c, key);
                        (void) husk_jpush_map_key(c, k);
                        int r = husk_jfail(c, "must be a string");
                        husk_jpop(c, old);
                        return r;
                }
                kv[i].key = strdup(k);
                kv[i].value = strdup(json_string_value(e));
                if (!kv[i].key || !kv[i].value)
                        return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
                i++;
        }
        return 0;
}

int husk_jid_mappings(struct husk_jctx *c, json_t *obj, const char *key, struct husk_id_mapping **ret,
                      size_t *ret_n)
{
        json_t *v = husk_jget(obj, key);
        if (!v)
                return 0;
        if (!json_is_array(v))
                return husk_jfail_key(c, key, "must be an array");
        size_t n = json_array_size(v);
        if (n == 0)
                return 0;
        _cleanup_free_ struct husk_id_mapping *m = calloc(n, sizeof(*m));
        if (!m)
                return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
        size_t old = husk_jpush_key(c, key);
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(v, i);
                size_t o2 = husk_jpush_index(c, i);
                int r = 0;
                if (!json_is_object(e))
                        r = husk_jfail(c, "must be an object");
                if (r == 0)
                        r = husk_juint32(c, e, "containerID", true, &m[i].container_id, NULL);
                if (r == 0)
                        r = husk_juint32(c, e, "hostID", true, &m[i].host_id, NULL);
                if (r == 0)
                        r = husk_juint32(c, e, "size", true, &m[i].size, NULL);
                /* The kernel refuses a zero-length range in uid_map with a bare EINVAL. */
                if (r == 0 && m[i].size == 0)
                        r = husk_jfail_key(c, "size", "must be greater than 0");
                if (r == 0 && (uint64_t) m[i].container_id + m[i].size - 1 > UINT32_MAX)
                        r = husk_jfail(c, "containerID + size overflows 32 bits");
                if (r == 0 && (uint64_t) m[i].host_id + m[i].size - 1 > UINT32_MAX)
                        r = husk_jfail(c, "hostID + size overflows 32 bits");
                husk_jpop(c, o2);
                if (r < 0) {
                        husk_jpop(c, old);
                        return r;
                }
        }
        husk_jpop(c, old);
        free(*ret);
        *ret = steal_ptr(m);
        *ret_n = n;
        return 0;
}

int husk_jobject_array(struct husk_jctx *c, json_t *obj, const char *key, size_t elem_size, void *ret,
                       size_t *ret_n, husk_jelem_fn fn, void *userdata)
{
        json_t *a = NULL;
        int r = husk_jarray(c, obj, key, false, &a);
        if (r < 0 || !a || json_array_size(a) == 0)
                return r;
        size_t n = json_array_size(a);
        char *arr = calloc(n, elem_size);
        if (!arr)
                return husk_error_errno(c->err, ENOMEM, "%s: %s", c->name, key);
        *(void **) ret = arr;
        *ret_n = n;
        size_t old = husk_jpush_key(c, key);
        for (size_t i = 0; i < n && r == 0; i++) {
                json_t *e = json_array_get(a, i);
                size_t o2 = husk_jpush_index(c, i);
                if (!json_is_object(e))
                        r = husk_jfail(c, "must be an object");
                else
                        r = fn(c, e, arr + i * elem_size, i, userdata);
                husk_jpop(c, o2);
        }
        husk_jpop(c, old);
        return r;
}

static bool is_int_overflow(const json_error_t *je)
{
        /* jansson's wording for an integer beyond long long. */
        return strstr(je->text, "too big") != NULL;
}

int husk_jload(struct husk_jctx *c, const char *data, size_t len, json_t **ret)
{
        json_error_t je;
        /* Duplicate keys: the last one wins, as with Go's encoding/json in runc. */
        size_t flags = 0;

        if (!data)
                return husk_error_set(c->err, EINVAL, "%s: no data", c->name);
        json_t *doc = json_loadb(data, len, flags, &je);
        /* uint64 fields may legitimately hold values past INT64_MAX (RLIM_INFINITY written as
         * 18446744073709551615), which jansson refuses as integers. Decode those documents with
         * integers as doubles: exact up to 2^53, and 2^64-1 still maps to UINT64_MAX. */
        if (!doc && is_int_overflow(&je)) {
                doc = json_loadb(data, len, flags | JSON_DECODE_INT_AS_REAL, &je);
                c->int_as_real = true;
        }
        if (!doc)
                return husk_error_set(c->err, EINVAL, "%s: line %d column %d: %s", c->name, je.line, je.column,
                                      je.text);
        *ret = doc;
        return 0;
}

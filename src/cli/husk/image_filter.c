/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/husk/image_filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/image_names.h"
#include "cli/husk/units.h"

static int value_of(const char *filter, const char *key, const char **ret)
{
        size_t len = strlen(key);
        if (strncmp(filter, key, len) != 0 || filter[len] != '=')
                return 0;
        *ret = filter + len + 1;
        return 1;
}

int husk_image_filter_parse(char *const *filters, size_t n, const char *positional, struct husk_image_filter *ret,
                            struct husk_error *err)
{
        struct husk_image_filter f = { .dangling = -1 };
        f.references = calloc(n + 2, sizeof(char *));
        f.labels = calloc(n + 1, sizeof(char *));
        if (!f.references || !f.labels) {
                husk_image_filter_done(&f);
                return husk_error_errno(err, ENOMEM, "filters");
        }
        if (positional)
                f.references[f.n_references++] = positional;
        for (size_t i = 0; i < n; i++) {
                const char *v;
                int r = 0;
                if (value_of(filters[i], "reference", &v) && *v) {
                        f.references[f.n_references++] = v;
                } else if (value_of(filters[i], "dangling", &v)) {
                        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
                                f.dangling = 1;
                        else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
                                f.dangling = 0;
                        else
                                r = husk_error_set(err, EINVAL, "invalid filter '%s': dangling takes true or false",
                                                   filters[i]);
                } else if (value_of(filters[i], "label", &v) && *v && *v != '=') {
                        f.labels[f.n_labels++] = v;
                } else if (value_of(filters[i], "before", &v) && *v) {
                        f.before = v;
                } else if (value_of(filters[i], "since", &v) && *v) {
                        f.since = v;
                } else {
                        r = husk_error_set(err, EINVAL,
                                           "invalid filter '%s' (husk images takes reference=PATTERN, dangling=true|false, "
                                           "before=IMAGE, since=IMAGE, label=KEY[=VALUE])", filters[i]);
                }
                if (r < 0) {
                        husk_image_filter_done(&f);
                        return r;
                }
        }
        *ret = f;
        return 0;
}

void husk_image_filter_done(struct husk_image_filter *f)
{
        free(f->references);
        free(f->labels);
        f->references = f->labels = NULL;
}

bool husk_image_filter_row(const struct husk_image_filter *f, const char *repo, const char *tag)
{
        if ((f->dangling == 1 && repo) || (f->dangling == 0 && !repo))
                return false;
        if (f->n_references == 0)
                return true;
        if (!repo)
                return false;
        for (size_t i = 0; i < f->n_references; i++)
                if (husk_name_match(f->references[i], repo, tag))
                        return true;
        return false;
}

bool husk_label_matches(const char *want, json_t *labels)
{
        const char *eq = strchr(want, '=');
        size_t klen = eq ? (size_t) (eq - want) : strlen(want);
        const char *key;
        json_t *value;
        json_object_foreach(labels, key, value) {
                if (strlen(key) != klen || strncmp(key, want, klen) != 0)
                        continue;
                return !eq || (json_is_string(value) && strcmp(json_string_value(value), eq + 1) == 0);
        }
        return false;
}

bool husk_image_filter_image(const struct husk_image_filter *f, int64_t created, json_t *labels)
{
        if (f->before && !(created < f->before_time))
                return false;
        if (f->since && !(created > f->since_time))
                return false;
        for (size_t i = 0; i < f->n_labels; i++)
                if (!json_is_object(labels) || !husk_label_matches(f->labels[i], labels))
                        return false;
        return true;
}

int husk_prune_filter_parse(char *const *filters, size_t n, int64_t now, struct husk_prune_filter *ret,
                            struct husk_error *err)
{
        struct husk_prune_filter f = { 0 };
        f.labels = calloc(n + 1, sizeof(char *));
        f.not_labels = calloc(n + 1, sizeof(char *));
        if (!f.labels || !f.not_labels) {
                husk_prune_filter_done(&f);
                return husk_error_errno(err, ENOMEM, "filters");
        }
        for (size_t i = 0; i < n; i++) {
                const char *v;
                int r = 0;
                if (value_of(filters[i], "until", &v)) {
                        if (husk_parse_timestamp(v, now, &f.until) < 0)
                                r = husk_error_set(err, EINVAL, "invalid filter '%s': until takes a duration (24h), Unix "
                                                   "seconds, a date or an RFC 3339 time", filters[i]);
                        f.has_until = true;
                } else if (strncmp(filters[i], "label!=", 7) == 0 && filters[i][7]) {
                        f.not_labels[f.n_not_labels++] = filters[i] + 7;
                } else if (value_of(filters[i], "label", &v) && *v && *v != '=') {
                        f.labels[f.n_labels++] = v;
                } else {
                        r = husk_error_set(err, EINVAL, "invalid filter '%s' (image prune takes until=, label= and label!=)",
                                           filters[i]);
                }
                if (r < 0) {
                        husk_prune_filter_done(&f);
                        return r;
                }
        }
        *ret = f;
        return 0;
}

void husk_prune_filter_done(struct husk_prune_filter *f)
{
        free(f->labels);
        free(f->not_labels);
        f->labels = f->not_labels = NULL;
}

bool husk_prune_filter_match(const struct husk_prune_filter *f, int64_t created, json_t *labels)
{
        if (f->has_until && !(created < f->until))
                return false;
        for (size_t i = 0; i < f->n_labels; i++)
                if (!json_is_object(labels) || !husk_label_matches(f->labels[i], labels))
                        return false;
        for (size_t i = 0; i < f->n_not_labels; i++)
                if (json_is_object(labels) && husk_label_matches(f->not_labels[i], labels))
                        return false;
        return true;
}

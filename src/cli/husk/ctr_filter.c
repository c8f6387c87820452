/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's container filters (ctr_filter.h). */
#include "cli/husk/ctr_filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/husk/image_filter.h"
#include "util/cleanup.h"

static const char *const statuses[] = { "created", "restarting", "running", "removing", "paused", "exited", "dead" };
static const char *const healths[] = { "starting", "healthy", "unhealthy", "none" };

static bool one_of(const char *v, const char *const *set, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v, set[i]) == 0)
                        return true;
        return false;
}

static const char *value_of(const char *filter, const char *key)
{
        size_t len = strlen(key);
        if (strncmp(filter, key, len) != 0 || filter[len] != '=')
                return NULL;
        return filter + len + 1;
}

/* Docker matches id and name filters as unanchored regular expressions (Go's RE2; POSIX ERE here,
 * the same for the patterns people type). */
static int add_regex(regex_t *v, size_t *n, const char *filter, const char *pattern, struct husk_error *err)
{
        if (regcomp(&v[*n], pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return husk_error_set(err, EINVAL, "invalid filter '%s': not a regular expression", filter);
        (*n)++;
        return 0;
}

static int parse_one(struct husk_ctr_filter *f, const char *s, struct husk_error *err)
{
        const char *v;
        if ((v = value_of(s, "id")))
                return add_regex(f->ids, &f->n_ids, s, v, err);
        if ((v = value_of(s, "name")))
                return add_regex(f->names, &f->n_names, s, v, err);
        if ((v = value_of(s, "label")) && *v && *v != '=') {
                f->labels[f->n_labels++] = v;
                return 0;
        }
        if ((v = value_of(s, "status"))) {
                if (!one_of(v, statuses, HUSK_ARRAY_SIZE(statuses)))
                        return husk_error_set(err, EINVAL,
                                              "invalid filter '%s': status is created, restarting, running, removing, paused, exited or dead",
                                              s);
                f->statuses[f->n_statuses++] = v;
                return 0;
        }
        if ((v = value_of(s, "health"))) {
                if (!one_of(v, healths, HUSK_ARRAY_SIZE(healths)))
                        return husk_error_set(err, EINVAL, "invalid filter '%s': health is starting, healthy, unhealthy or none", s);
                f->healths[f->n_healths++] = v;
                return 0;
        }
        if ((v = value_of(s, "exited"))) {
                char *end;
                long code = strtol(v, &end, 10);
                if (!*v || *end || code < 0 || code > 255)
                        return husk_error_set(err, EINVAL, "invalid filter '%s': exited takes an exit code", s);
                f->exited[f->n_exited++] = (int) code;
                return 0;
        }
        if ((v = value_of(s, "ancestor")) && *v) {
                f->ancestors[f->n_ancestors++] = v;
                return 0;
        }
        if ((v = value_of(s, "before")) && *v) {
                f->before = v;
                return 0;
        }
        if ((v = value_of(s, "since")) && *v) {
                f->since = v;
                return 0;
        }
        return husk_error_set(err, EINVAL,
                              "invalid filter '%s' (husk ps takes id=, name=, label=KEY[=VALUE], status=, exited=, health=, "
                              "ancestor=, before=, since=)",
                              s);
}

int husk_ctr_filter_parse(char *const *filters, size_t n, struct husk_ctr_filter *ret, struct husk_error *err)
{
        struct husk_ctr_filter f = { 0 };
        f.ids = calloc(n + 1, sizeof(regex_t));
        f.names = calloc(n + 1, sizeof(regex_t));
        f.labels = calloc(n + 1, sizeof(char *));
        f.statuses = calloc(n + 1, sizeof(char *));
        f.healths = calloc(n + 1, sizeof(char *));
        f.ancestors = calloc(n + 1, sizeof(char *));
        f.exited = calloc(n + 1, sizeof(int));
        int r = 0;
        if (!f.ids || !f.names || !f.labels || !f.statuses || !f.healths || !f.ancestors || !f.exited)
                r = husk_error_errno(err, ENOMEM, "filters");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = parse_one(&f, filters[i], err);
        if (r < 0) {
                husk_ctr_filter_done(&f);
                return r;
        }
        *ret = f;
        return 0;
}

void husk_ctr_filter_done(struct husk_ctr_filter *f)
{
        for (size_t i = 0; i < f->n_ids; i++)
                regfree(&f->ids[i]);
        for (size_t i = 0; i < f->n_names; i++)
                regfree(&f->names[i]);
        for (size_t i = 0; i < f->n_ancestor_ids; i++)
                free(f->ancestor_ids[i]);
        free(f->ancestor_ids);
        free(f->ids);
        free(f->names);
        free(f->labels);
        free(f->statuses);
        free(f->healths);
        free(f->ancestors);
        free(f->exited);
        memset(f, 0, sizeof(*f));
}

bool husk_ctr_filter_wants_all(const struct husk_ctr_filter *f)
{
        return f->n_statuses > 0;
}

static bool any_regex(const regex_t *v, size_t n, const char *s)
{
        if (n == 0)
                return true;
        for (size_t i = 0; i < n; i++)
                if (regexec(&v[i], s, 0, NULL, 0) == 0)
                        return true;
        return false;
}

static bool any_str(const char *const *v, size_t n, const char *s)
{
        if (n == 0)
                return true;
        return s && one_of(s, v, n);
}

bool husk_ctr_filter_match(const struct husk_ctr_filter *f, const struct husk_ctr_filter_row *row)
{
        /* Docker's names start with '/': "name=^/web" works as it does there. */
        char name[300];
        (void) snprintf(name, sizeof(name), "/%s", row->name);
        if (!any_regex(f->ids, f->n_ids, row->id) || !any_regex(f->names, f->n_names, name))
                return false;
        if (!any_str(f->statuses, f->n_statuses, row->status) ||
            !any_str(f->healths, f->n_healths, row->health ? row->health : "none"))
                return false;
        for (size_t i = 0; i < f->n_labels; i++)
                if (!json_is_object(row->labels) || !husk_label_matches(f->labels[i], row->labels))
                        return false;
        if (f->n_exited > 0) {
                bool hit = false;
                for (size_t i = 0; i < f->n_exited; i++)
                        hit = hit || (strcmp(row->status, "exited") == 0 && row->exit_code == f->exited[i]);
                if (!hit)
                        return false;
        }
        if (f->n_ancestors > 0) {
                bool hit = false;
                for (size_t i = 0; i < f->n_ancestors && !hit; i++)
                        hit = row->image && strcmp(row->image, f->ancestors[i]) == 0;
                for (size_t i = 0; i < f->n_ancestor_ids && !hit; i++)
                        hit = row->image_id && strcmp(row->image_id, f->ancestor_ids[i]) == 0;
                if (!hit)
                        return false;
        }
        if (f->before && !(row->created < f->before_created))
                return false;
        if (f->since && !(row->created > f->since_created))
                return false;
        return true;
}

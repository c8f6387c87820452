/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk images --filter` (Docker's image filters): reference=PATTERN (OR'ed, the positional
 * REPOSITORY[:TAG] is one), dangling=true|false, before=IMAGE, since=IMAGE, label=KEY[=VALUE] (all must
 * match). Different kinds AND together. Parsing and matching are pure; the command resolves before/since
 * to creation times and hands over each image's labels.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/error.h"

struct husk_image_filter {
        const char **references;        /* pointers into the caller's strings */
        size_t n_references;
        int dangling;                   /* -1: no filter */
        const char **labels;            /* "key" or "key=value" */
        size_t n_labels;
        const char *before, *since;     /* the images named, NULL: none */
        int64_t before_time, since_time; /* their creation times, set by the caller */
};

/* Errors name the filter: "invalid filter 'x=1' (...)". */
int husk_image_filter_parse(char *const *filters, size_t n, const char *positional, struct husk_image_filter *ret,
                            struct husk_error *err);
void husk_image_filter_done(struct husk_image_filter *f);

/* One row: repo/tag NULL for an image without names. */
bool husk_image_filter_row(const struct husk_image_filter *f, const char *repo, const char *tag);
/* The image's own filters: created (seconds, 0 unknown) and its config's Labels object (NULL: none). */
bool husk_image_filter_image(const struct husk_image_filter *f, int64_t created, json_t *labels);

/* One label filter ("key" or "key=value") against a Labels object (also containers' filters). */
bool husk_label_matches(const char *want, json_t *labels);

/* `husk image prune --filter`: until=TIMESTAMP (created before it; a duration is back from now),
   label=KEY[=VALUE] and label!=KEY[=VALUE]. */
struct husk_prune_filter {
        bool has_until;
        int64_t until;
        const char **labels, **not_labels;
        size_t n_labels, n_not_labels;
};
int husk_prune_filter_parse(char *const *filters, size_t n, int64_t now, struct husk_prune_filter *ret,
                            struct husk_error *err);
void husk_prune_filter_done(struct husk_prune_filter *f);
bool husk_prune_filter_match(const struct husk_prune_filter *f, int64_t created, json_t *labels);

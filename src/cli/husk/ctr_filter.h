/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `husk ps --filter` (Docker's container filters): id=, name= (regular expressions matched anywhere,
 * as Docker's), label=KEY[=VALUE], status=created|restarting|running|removing|paused|exited|dead,
 * exited=CODE, health=starting|healthy|unhealthy|none, ancestor=IMAGE, before=CONTAINER,
 * since=CONTAINER. Values of one key are OR'ed, keys AND'ed, labels all must match. A status filter
 * lists stopped containers too, as Docker's. Parsing and matching are pure: the command resolves
 * before/since to creation times and ancestor to image ids.
 */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/error.h"

struct husk_ctr_filter {
        regex_t *ids, *names;
        size_t n_ids, n_names;
        const char **labels, **statuses, **healths, **ancestors; /* pointers into the caller's strings */
        size_t n_labels, n_statuses, n_healths, n_ancestors;
        int *exited;
        size_t n_exited;
        const char *before, *since;
        int64_t before_created, since_created;  /* set by the caller (ns) */
        char **ancestor_ids;                    /* set by the caller: image ids the ancestors name */
        size_t n_ancestor_ids;
};

/* What the filter sees of a container. */
struct husk_ctr_filter_row {
        const char *id, *name, *image, *image_id;
        const char *status;     /* Docker's State.Status: created, running, exited, restarting... */
        const char *health;     /* "starting", "healthy", "unhealthy", NULL: no health check */
        int exit_code;
        int64_t created;        /* ns */
        json_t *labels;         /* Config.Labels or NULL */
};

int husk_ctr_filter_parse(char *const *filters, size_t n, struct husk_ctr_filter *ret, struct husk_error *err);
void husk_ctr_filter_done(struct husk_ctr_filter *f);
bool husk_ctr_filter_wants_all(const struct husk_ctr_filter *f);
bool husk_ctr_filter_match(const struct husk_ctr_filter *f, const struct husk_ctr_filter_row *row);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `--format` as Docker reads it (a subset of Go's text/template): for `husk images` and the engine's
 * `husk ps`. A command describes its rows as named string fields, hands over one row at a time and
 * flushes; this file knows nothing of images or containers. Pure: no I/O but the FILE given to flush.
 *
 *   table                        the command's default table (headings from the fields)
 *   table {{.ID}}\t{{.Tag}}      a table of these columns, with headings, aligned as Docker's tabwriter
 *   {{.Repository}}:{{.Tag}}     one line per row, no headings
 * Actions: {{.Field}}, {{json .}} (the whole row as a JSON object), {{json .Field}}, {{upper X}},
 * {{lower X}}, {{title X}}, {{truncate X N}}, {{pad X N M}}, pipes of one-argument functions
 * ({{.Tag | upper}}), Go's comment actions, "{{-" / "-}}" trimming; "\t" and "\n" typed as two
 * characters are a tab and a newline. Anything else ({{if}}, {{range}}, variables) is refused with an error naming it.
 * "json" alone is not a template: husk_format_is_json() tells the command to print its own JSON array.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/error.h"

struct husk_fmt_field {
        const char *name;       /* "Repository": {{.Repository}} */
        const char *header;     /* "REPOSITORY": its heading in a table */
        bool json;              /* the value is JSON text (an array, an object): {{json .F}} and {{json .}}
                                   embed it as it is instead of quoting it */
};

struct husk_format;

/*
 * Compile spec against the fields (kept by pointer: static tables). default_table is what "table" alone
 * (or an empty/NULL spec) means, e.g. "table {{.Repository}}\t{{.Tag}}". Errors name the flag and the
 * offending action ("--format: unknown field .Foo in {{.Foo}} (fields: .Repository, .Tag, ...)").
 */
int husk_format_new(const char *spec, const char *default_table, const struct husk_fmt_field *fields, size_t n_fields,
                    struct husk_format **ret, struct husk_error *err);
void husk_format_free(struct husk_format *f);
static inline void husk_format_freep(struct husk_format **f)
{
        if (*f)
                husk_format_free(*f);
}

/* "json" (podman's and Docker's `--format json`): the command prints a JSON array itself. */
bool husk_format_is_json(const char *spec);
bool husk_format_is_table(const struct husk_format *f);

/* One row: values[i] for fields[i] (NULL is ""). */
int husk_format_add(struct husk_format *f, const char *const *values, struct husk_error *err);
/* Write what was added (a table aligned, with its heading line even when there are no rows). */
int husk_format_flush(struct husk_format *f, FILE *out, struct husk_error *err);

/*
 * Go's text/tabwriter as Docker configures it (minwidth 10, padding 3, spaces): cells end at '\t', a
 * column is as wide as its widest cell plus 3 (at least 10), the last cell of a line is not padded.
 * Widths count UTF-8 characters; every line ends with '\n' in the output, the last one too. Exposed for tests and for commands that align text of their own.
 */
int husk_tabwrite(const char *text, size_t len, FILE *out);

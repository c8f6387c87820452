/* SPDX-License-Identifier: Apache-2.0 */
/* The --format formatter (template.h): compiled once into text and action nodes, run per row. */
#include "cli/husk/template.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/cleanup.h"

enum fn {
        FN_NONE,        /* the value itself */
        FN_JSON,
        FN_UPPER,
        FN_LOWER,
        FN_TITLE,
        FN_TRUNCATE,    /* n1 */
        FN_PAD,         /* n1 spaces before, n2 after */
};

#define MAX_PIPE 4

struct node {
        char *text;             /* a text node when non-NULL */
        int field;              /* the action's operand: a field index, or -1 for "." (the whole row) */
        enum fn fns[MAX_PIPE];  /* applied in order */
        int n1[MAX_PIPE], n2[MAX_PIPE];
        size_t n_fns;
};

struct husk_format {
        const struct husk_fmt_field *fields;
        size_t n_fields;
        bool table;
        struct node *nodes;
        size_t n_nodes;
        char *out;              /* rendered rows */
        size_t out_len, out_cap;
};

bool husk_format_is_json(const char *spec)
{
        if (!spec)
                return false;
        while (*spec == ' ')
                spec++;
        size_t n = strlen(spec);
        while (n > 0 && spec[n - 1] == ' ')
                n--;
        return n == 4 && strncmp(spec, "json", 4) == 0;
}

bool husk_format_is_table(const struct husk_format *f)
{
        return f->table;
}

void husk_format_free(struct husk_format *f)
{
        for (size_t i = 0; i < f->n_nodes; i++)
                free(f->nodes[i].text);
        free(f->nodes);
        free(f->out);
        free(f);
}

static int append(struct husk_format *f, const char *s, size_t len)
{
        if (f->out_len + len + 1 > f->out_cap) {
                size_t cap = f->out_cap ? f->out_cap : 256;
                while (cap < f->out_len + len + 1)
                        cap *= 2;
                char *n = realloc(f->out, cap);
                if (!n)
                        return -ENOMEM;
                f->out = n;
                f->out_cap = cap;
        }
        memcpy(f->out + f->out_len, s, len);
        f->out_len += len;
        f->out[f->out_len] = '\0';
        return 0;
}

static int add_node(struct husk_format *f, struct node n)
{
        struct node *v = realloc(f->nodes, (f->n_nodes + 1) * sizeof(*v));
        if (!v) {
                free(n.text);
                return -ENOMEM;
        }
        f->nodes = v;
        f->nodes[f->n_nodes++] = n;
        return 0;
}

/* The spec with "\t" and "\n" (as typed in a shell) made real, as Docker's formatter does. */
static char *unescape(const char *s, size_t len)
{
        char *r = malloc(len + 1), *w = r;
        if (!r)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
                        *w++ = s[i + 1] == 't' ? '\t' : '\n';
                        i++;
                } else {
                        *w++ = s[i];
                }
        }
        *w = '\0';
        return r;
}

static const struct {
        const char *name;
        enum fn fn;
        int n_ints;     /* integer arguments after the operand */
} functions[] = {
        { "json", FN_JSON, 0 },   { "upper", FN_UPPER, 0 },       { "lower", FN_LOWER, 0 },
        { "title", FN_TITLE, 0 }, { "truncate", FN_TRUNCATE, 1 }, { "pad", FN_PAD, 2 },
};

static int field_error(const struct husk_format *f, const char *word, const char *action, struct husk_error *err)
{
        char names[512] = "";
        size_t len = 0;
        for (size_t i = 0; i < f->n_fields && len < sizeof(names); i++) {
                int n = snprintf(names + len, sizeof(names) - len, "%s.%s", i ? ", " : "", f->fields[i].name);
                if (n < 0)
                        break;
                len += (size_t) n;
        }
        return husk_error_set(err, EINVAL, "--format: unknown field %s in {{%s}} (fields: %s)", word, action, names);
}

/* ".Name" or "." (whole row, only for json). */
static int parse_operand(const struct husk_format *f, const char *word, const char *action, int *ret,
                         struct husk_error *err)
{
        if (word[0] != '.')
                return husk_error_set(err, EINVAL, "--format: unsupported template action {{%s}}: \"%s\" is not a field (.Name)",
                                      action, word);
        if (word[1] == '\0') {
                *ret = -1;
                return 0;
        }
        for (size_t i = 0; i < f->n_fields; i++) {
                if (strcmp(f->fields[i].name, word + 1) == 0) {
                        *ret = (int) i;
                        return 0;
                }
        }
        return field_error(f, word, action, err);
}

static int parse_int(const char *word, const char *action, int *ret, struct husk_error *err)
{
        char *end;
        errno = 0;
        long v = strtol(word, &end, 10);
        if (errno || *end || end == word || v < 0 || v > INT_MAX)
                return husk_error_set(err, EINVAL, "--format: {{%s}}: \"%s\" is not a number", action, word);
        *ret = (int) v;
        return 0;
}

static int find_function(const char *word, const char *action, size_t *ret, struct husk_error *err)
{
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(functions); i++) {
                if (strcmp(functions[i].name, word) == 0) {
                        *ret = i;
                        return 0;
                }
        }
        return husk_error_set(err, EINVAL, "--format: {{%s}}: function \"%s\" not defined (husk knows json, upper, "
                              "lower, title, truncate, pad; no if/range/variables)", action, word);
}

/*
 * One action's words: `OPERAND`, `FN OPERAND [INT...]`, then `| FN` stages taking the value as their
 * only argument. action is the text between the braces, for messages.
 */
static int parse_action(const struct husk_format *f, char **words, size_t n, const char *action, struct node *ret,
                        struct husk_error *err)
{
        size_t i = 0;
        struct node nd = { .field = -2 };
        if (n == 0)
                return husk_error_set(err, EINVAL, "--format: empty action {{%s}}", action);
        if (words[0][0] == '.') {
                if (parse_operand(f, words[0], action, &nd.field, err) < 0)
                        return -EINVAL;
                i = 1;
        } else {
                size_t k = 0;
                if (find_function(words[0], action, &k, err) < 0)
                        return -EINVAL;
                if (n < 2 + (size_t) functions[k].n_ints || (n > 2 + (size_t) functions[k].n_ints &&
                                                               strcmp(words[2 + functions[k].n_ints], "|") != 0))
                        return husk_error_set(err, EINVAL, "--format: {{%s}}: %s takes a field%s", action,
                                              functions[k].name,
                                              functions[k].n_ints == 2 ? " and two numbers"
                                              : functions[k].n_ints == 1 ? " and a number" : "");
                if (parse_operand(f, words[1], action, &nd.field, err) < 0)
                        return -EINVAL;
                nd.fns[0] = functions[k].fn;
                if (functions[k].n_ints >= 1 && parse_int(words[2], action, &nd.n1[0], err) < 0)
                        return -EINVAL;
                if (functions[k].n_ints == 2 && parse_int(words[3], action, &nd.n2[0], err) < 0)
                        return -EINVAL;
                nd.n_fns = 1;
                i = 2 + (size_t) functions[k].n_ints;
        }
        while (i < n) {
                size_t k = 0;
                if (strcmp(words[i], "|") != 0 || i + 1 >= n)
                        return husk_error_set(err, EINVAL, "--format: unsupported template action {{%s}}", action);
                if (find_function(words[i + 1], action, &k, err) < 0)
                        return -EINVAL;
                if (functions[k].n_ints != 0 || nd.n_fns == MAX_PIPE || (i + 2 < n && strcmp(words[i + 2], "|") != 0))
                        return husk_error_set(err, EINVAL, "--format: {{%s}}: only one-argument functions can be piped",
                                              action);
                nd.fns[nd.n_fns++] = functions[k].fn;
                i += 2;
        }
        /* "." alone prints Go's struct syntax in Docker: only json of the whole row makes sense. */
        if (nd.field == -1 && (nd.n_fns == 0 || nd.fns[0] != FN_JSON))
                return husk_error_set(err, EINVAL, "--format: {{%s}}: \".\" is only supported as {{json .}}", action);
        *ret = nd;
        return 0;
}

/* Split an action on spaces; "|" may touch its neighbours. Writes into a copy it returns. */
static char *split_words(const char *action, char **words, size_t max, size_t *ret_n)
{
        size_t len = strlen(action);
        char *buf = malloc(len * 3 + 1), *w = buf;
        if (!buf)
                return NULL;
        /* Spaces around every '|' so that ".Tag|upper" splits too. */
        for (const char *p = action; *p; p++) {
                if (*p == '|') {
                        *w++ = ' ';
                        *w++ = '|';
                        *w++ = ' ';
                } else {
                        *w++ = *p;
                }
        }
        *w = '\0';
        size_t n = 0;
        char *save = NULL;
        for (char *t = strtok_r(buf, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
                if (n == max) {
                        free(buf);
                        return NULL;
                }
                words[n++] = t;
        }
        *ret_n = n;
        return buf;
}

static void rtrim(char *s)
{
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                s[--n] = '\0';
}

static int compile(struct husk_format *f, const char *tmpl, struct husk_error *err)
{
        const char *p = tmpl;
        bool trim_next = false;
        while (*p) {
                const char *open = strstr(p, "{{");
                size_t tlen = open ? (size_t) (open - p) : strlen(p);
                if (trim_next)
                        while (tlen > 0 && isspace((unsigned char) *p))
                                p++, tlen--;
                char *text = strndup(p, tlen);
                if (!text)
                        return husk_error_errno(err, ENOMEM, "--format");
                if (open && open[2] == '-' && isspace((unsigned char) open[3]))
                        rtrim(text);
                if (*text) {
                        if (add_node(f, (struct node) { .text = text }) < 0)
                                return husk_error_errno(err, ENOMEM, "--format");
                } else {
                        free(text);
                }
                if (!open)
                        break;

                const char *close = strstr(open + 2, "}}");
                if (!close)
                        return husk_error_set(err, EINVAL, "--format: unclosed action at \"%.20s\"", open);
                const char *a = open + 2, *b = close;
                if (*a == '-' && isspace((unsigned char) a[1]))
                        a++;
                trim_next = b - a >= 2 && b[-1] == '-' && isspace((unsigned char) b[-2]);
                if (trim_next)
                        b--;
                _cleanup_free_ char *action = strndup(a, (size_t) (b - a));
                if (!action)
                        return husk_error_errno(err, ENOMEM, "--format");
                char *s = action;
                while (isspace((unsigned char) *s))
                        s++;
                rtrim(s);
                p = close + 2;
                if (strncmp(s, "/*", 2) == 0)
                        continue;       /* a comment */

                char *words[16];
                size_t n_words;
                _cleanup_free_ char *wbuf = split_words(s, words, HUSK_ARRAY_SIZE(words), &n_words);
                if (!wbuf)
                        return husk_error_set(err, EINVAL, "--format: action {{%s}} is too long", s);
                struct node nd;
                if (parse_action(f, words, n_words, s, &nd, err) < 0)
                        return -EINVAL;
                if (add_node(f, nd) < 0)
                        return husk_error_errno(err, ENOMEM, "--format");
        }
        return 0;
}

int husk_format_new(const char *spec, const char *default_table, const struct husk_fmt_field *fields, size_t n_fields,
                    struct husk_format **ret, struct husk_error *err)
{
        _cleanup_(husk_format_freep) struct husk_format *f = calloc(1, sizeof(*f));
        if (!f)
                return husk_error_errno(err, ENOMEM, "--format");
        if (n_fields > 64)
                return husk_error_set(err, E2BIG, "--format: more than 64 fields");
        f->fields = fields;
        f->n_fields = n_fields;

        /* Docker trims spaces around the spec, and "table" alone means the default table. */
        const char *s = spec ? spec : "";
        while (*s == ' ')
                s++;
        size_t len = strlen(s);
        while (len > 0 && s[len - 1] == ' ')
                len--;
        if (len == 0 || (len == 5 && strncmp(s, "table", 5) == 0)) {
                s = default_table;
                len = strlen(s);
        }
        if (len >= 5 && strncmp(s, "table", 5) == 0) {
                f->table = true;
                s += 5;
                len -= 5;
                while (len > 0 && *s == ' ')
                        s++, len--;
        }
        _cleanup_free_ char *tmpl = unescape(s, len);
        if (!tmpl)
                return husk_error_errno(err, ENOMEM, "--format");
        int r = compile(f, tmpl, err);
        if (r < 0)
                return r;
        *ret = steal_ptr(f);
        return 0;
}

static char *json_of_string(const char *s)
{
        json_t *j = json_string(s);
        if (!j)
                return strdup("\"\"");  /* not UTF-8: jansson refuses it; Go would escape it */
        char *r = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        json_decref(j);
        return r;
}

static char *json_of_row(const struct husk_format *f, const char *const *values)
{
        json_t *o = json_object();
        if (!o)
                return NULL;
        for (size_t i = 0; i < f->n_fields; i++) {
                json_t *v = f->fields[i].json && values[i] ? json_loads(values[i], JSON_DECODE_ANY, NULL) : NULL;
                if (!v)
                        v = json_string(values[i] ? values[i] : "");
                if (!v || json_object_set_new(o, f->fields[i].name, v) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        /* Go marshals a map with its keys sorted. */
        char *r = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(o);
        return r;
}

/* One function on an owned string; returns the new string (s freed) or NULL on ENOMEM. */
static char *apply(enum fn fn, int n1, int n2, char *s)
{
        size_t len = strlen(s);
        switch (fn) {
        case FN_NONE:
                return s;
        case FN_JSON: {
                char *r = json_of_string(s);
                free(s);
                return r;
        }
        case FN_UPPER:
        case FN_LOWER:
                for (char *p = s; *p; p++)
                        *p = (char) (fn == FN_UPPER ? toupper((unsigned char) *p) : tolower((unsigned char) *p));
                return s;
        case FN_TITLE:
                for (size_t i = 0; i < len; i++)
                        if (i == 0 || isspace((unsigned char) s[i - 1]))
                                s[i] = (char) toupper((unsigned char) s[i]);
                return s;
        case FN_TRUNCATE:
                if (len > (size_t) n1)
                        s[n1] = '\0';
                return s;
        case FN_PAD: {
                if (len == 0)
                        return s;
                char *r = malloc((size_t) n1 + len + (size_t) n2 + 1);
                if (r) {
                        memset(r, ' ', (size_t) n1);
                        memcpy(r + n1, s, len);
                        memset(r + n1 + len, ' ', (size_t) n2);
                        r[(size_t) n1 + len + (size_t) n2] = '\0';
                }
                free(s);
                return r;
        }
        }
        return s;
}

/* Run the nodes over values (header: the headings, with every function an identity, as Docker's). */
static int render(struct husk_format *f, const char *const *values, bool header)
{
        for (size_t i = 0; i < f->n_nodes; i++) {
                const struct node *nd = &f->nodes[i];
                if (nd->text) {
                        if (append(f, nd->text, strlen(nd->text)) < 0)
                                return -ENOMEM;
                        continue;
                }
                char *v;
                if (nd->field >= 0)
                        v = strdup(values[nd->field] ? values[nd->field] : "");
                else if (header)
                        v = strdup("");
                else
                        v = json_of_row(f, values);
                for (size_t k = 0; v && !header && k < nd->n_fns; k++) {
                        /* {{json .}} was made whole above; JSON text stays as it is under json. */
                        if (k == 0 && nd->fns[0] == FN_JSON && (nd->field < 0 || f->fields[nd->field].json))
                                continue;
                        v = apply(nd->fns[k], nd->n1[k], nd->n2[k], v);
                }
                if (!v)
                        return -ENOMEM;
                int r = append(f, v, strlen(v));
                free(v);
                if (r < 0)
                        return r;
        }
        return append(f, "\n", 1);
}

int husk_format_add(struct husk_format *f, const char *const *values, struct husk_error *err)
{
        if (f->table && f->out_len == 0) {
                const char *headers[64];
                for (size_t i = 0; i < f->n_fields && i < HUSK_ARRAY_SIZE(headers); i++)
                        headers[i] = f->fields[i].header;
                if (render(f, headers, true) < 0)
                        return husk_error_errno(err, ENOMEM, "--format");
        }
        if (render(f, values, false) < 0)
                return husk_error_errno(err, ENOMEM, "--format");
        return 0;
}

int husk_format_flush(struct husk_format *f, FILE *out, struct husk_error *err)
{
        if (!f->table) {
                if (f->out_len && fwrite(f->out, 1, f->out_len, out) != f->out_len)
                        return husk_error_errno(err, EIO, "write output");
        } else {
                if (f->out_len == 0) {
                        const char *headers[64];
                        for (size_t i = 0; i < f->n_fields && i < HUSK_ARRAY_SIZE(headers); i++)
                                headers[i] = f->fields[i].header;
                        if (render(f, headers, true) < 0)
                                return husk_error_errno(err, ENOMEM, "--format");
                }
                if (husk_tabwrite(f->out, f->out_len, out) < 0)
                        return husk_error_errno(err, EIO, "write output");
        }
        f->out_len = 0;
        if (fflush(out) != 0)
                return husk_error_errno(err, errno, "write output");
        return 0;
}

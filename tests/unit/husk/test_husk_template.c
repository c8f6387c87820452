/* SPDX-License-Identifier: Apache-2.0 */
/* --format: Docker's template subset and the tabwriter alignment. */
#include <errno.h>
#include <stdlib.h>

#include "cli/husk/template.h"
#include "test.h"
#include "util/cleanup.h"

static const struct husk_fmt_field fields[] = {
        { "Repository", "REPOSITORY" },
        { "Tag", "TAG" },
        { "ID", "IMAGE ID" },
        { "Size", "SIZE" },
};
static const char *const row1[] = { "docker.io/library/busybox", "latest", "0123456789ab", "4.26MB" };
static const char *const row2[] = { "localhost/x", "v1", "ba9876543210", "1kB" };
#define DEFAULT "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Size}}"

/* Render spec over the rows into a malloc'ed string (NULL on a compile error, err filled). */
static char *render(const char *spec, int n_rows, struct husk_error *err)
{
        _cleanup_(husk_format_freep) struct husk_format *f = NULL;
        if (husk_format_new(spec, DEFAULT, fields, 4, &f, err) < 0)
                return NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (n_rows > 0 && husk_format_add(f, row1, err) < 0)
                abort();
        if (n_rows > 1 && husk_format_add(f, row2, err) < 0)
                abort();
        if (husk_format_flush(f, out, err) < 0)
                abort();
        fclose(out);
        return buf;
}

TEST(default_table_is_docker_aligned)
{
        struct husk_error err = { 0 };
        _cleanup_free_ char *s = render(NULL, 2, &err);
        CHECK_STR_EQ(s, "REPOSITORY                  TAG       IMAGE ID       SIZE\n"
                        "docker.io/library/busybox   latest    0123456789ab   4.26MB\n"
                        "localhost/x                 v1        ba9876543210   1kB\n");
        _cleanup_free_ char *t = render("table", 0, &err);
        CHECK_STR_EQ(t, "REPOSITORY   TAG       IMAGE ID   SIZE\n");
}

TEST(custom_table_and_lines)
{
        struct husk_error err = { 0 };
        _cleanup_free_ char *s = render("table {{.ID}}\\t{{.Tag}}", 2, &err);
        CHECK_STR_EQ(s, "IMAGE ID       TAG\n0123456789ab   latest\nba9876543210   v1\n");
        _cleanup_free_ char *l = render("{{.Repository}}:{{.Tag}}", 2, &err);
        CHECK_STR_EQ(l, "docker.io/library/busybox:latest\nlocalhost/x:v1\n");
        /* Spaces inside actions, trim markers, comments, a literal tab and newline. */
        _cleanup_free_ char *m = render("  {{ .Tag }}  {{- /* x */ -}} \\t:{{.Size}}\\t{{.Tag}}\\n", 1, &err);
        CHECK_STR_EQ(m, "latest:4.26MB\tlatest\n\n");
        _cleanup_free_ char *e = render("{{.Tag}}", 0, &err);
        CHECK_STR_EQ(e, "");
}

TEST(functions)
{
        struct husk_error err = { 0 };
        _cleanup_free_ char *a = render("{{upper .Tag}}|{{lower .Repository}}|{{truncate .ID 4}}|{{pad .Size 1 2}}|{{title .Tag}}", 1, &err);
        CHECK_STR_EQ(a, "LATEST|docker.io/library/busybox|0123| 4.26MB  |Latest\n");
        _cleanup_free_ char *b = render("{{.Tag | upper}} {{.Tag|upper|lower}} {{json .Tag}}", 1, &err);
        CHECK_STR_EQ(b, "LATEST latest \"latest\"\n");
        _cleanup_free_ char *c = render("{{json .}}", 1, &err);
        CHECK_STR_EQ(c, "{\"ID\":\"0123456789ab\",\"Repository\":\"docker.io/library/busybox\",\"Size\":\"4.26MB\",\"Tag\":\"latest\"}\n");
        /* Headings ignore functions, as Docker's. */
        _cleanup_free_ char *d = render("table {{upper .Tag}}\\t{{truncate .ID 2}}", 1, &err);
        CHECK_STR_EQ(d, "TAG       IMAGE ID\nLATEST    01\n");
}

TEST(errors_name_the_action)
{
        struct husk_error err = { 0 };
        CHECK(render("{{.Foo}}", 1, &err) == NULL);
        CHECK(err.code == EINVAL);
        CHECK_CONTAINS(err.msg, "--format: unknown field .Foo in {{.Foo}} (fields: .Repository, .Tag, .ID, .Size)");
        CHECK(render("{{if .Tag}}x{{end}}", 1, &err) == NULL);
        CHECK_CONTAINS(err.msg, "function \"if\" not defined");
        CHECK(render("{{.Tag", 1, &err) == NULL);
        CHECK_CONTAINS(err.msg, "unclosed action");
        CHECK(render("{{.}}", 1, &err) == NULL);
        CHECK_CONTAINS(err.msg, "only supported as {{json .}}");
        CHECK(render("{{truncate .ID x}}", 1, &err) == NULL);
        CHECK_CONTAINS(err.msg, "\"x\" is not a number");
        CHECK(render("{{truncate .ID}}", 1, &err) == NULL);
        CHECK_CONTAINS(err.msg, "truncate takes a field and a number");
        CHECK(render("{{.ID | truncate 3}}", 1, &err) == NULL);
        CHECK_CONTAINS(err.msg, "only one-argument functions can be piped");
        CHECK(render("{{}}", 1, &err) == NULL);
        CHECK_CONTAINS(err.msg, "empty action");
        CHECK(render("{{$x := .Tag}}", 1, &err) == NULL);
}

/* Fields whose values are JSON text (inspect's arrays and objects) are embedded, not quoted. */
TEST(json_fields)
{
        static const struct husk_fmt_field jf[] = { { "Id", "ID", false }, { "Tags", "TAGS", true } };
        const char *row[] = { "x", "[\"a\",\"b\"]" };
        struct husk_error err = { 0 };
        _cleanup_(husk_format_freep) struct husk_format *f = NULL;
        CHECK(husk_format_new("{{json .Tags}} {{.Tags}} {{json .Id}} {{json .}}", "table {{.Id}}", jf, 2, &f, &err) == 0);
        CHECK(husk_format_add(f, row, &err) == 0);
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        CHECK(husk_format_flush(f, out, &err) == 0);
        fclose(out);
        _cleanup_free_ char *s = buf;
        CHECK_STR_EQ(s, "[\"a\",\"b\"] [\"a\",\"b\"] \"x\" {\"Id\":\"x\",\"Tags\":[\"a\",\"b\"]}\n");
}

TEST(is_json)
{
        CHECK(husk_format_is_json("json"));
        CHECK(husk_format_is_json(" json "));
        CHECK(!husk_format_is_json("{{json .}}"));
        CHECK(!husk_format_is_json(NULL));
        CHECK(!husk_format_is_json("jsonx"));
}

static char *tab(const char *in)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (husk_tabwrite(in, strlen(in), out) < 0)
                abort();
        fclose(out);
        return buf;
}

TEST(tabwriter_blocks)
{
        /* UTF-8 counted as characters; a line of one cell ends the block; ragged rows as Go aligns them. */
        _cleanup_free_ char *a = tab("é\tb\nxx\ty\n");
        CHECK_STR_EQ(a, "é         b\nxx        y\n");
        _cleanup_free_ char *b = tab("aaaaaaaaaaaaa\tb\nsingle\nc\td\n");
        CHECK_STR_EQ(b, "aaaaaaaaaaaaa   b\nsingle\nc         d\n");
        _cleanup_free_ char *c = tab("a\tb\tc\nd\te\nf\tg\th\n");
        CHECK_STR_EQ(c, "a         b         c\nd         e\nf         g         h\n");
        _cleanup_free_ char *d = tab("no newline");
        CHECK_STR_EQ(d, "no newline\n");
        _cleanup_free_ char *e = tab("");
        CHECK_STR_EQ(e, "");
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "cli/args.h"
#include "test.h"
#include "util/cleanup.h"

struct flags {
        const char *bundle, *pid_file;
        bool force, detach;
        int fds;
};

static const struct arg_opt opts[] = {
        ARG_OPT("bundle", "b", ARG_STRING, struct flags, bundle, "bundle"),
        ARG_OPT("pid-file", NULL, ARG_STRING, struct flags, pid_file, "pid file"),
        ARG_OPT("force", "f", ARG_BOOL, struct flags, force, "force"),
        ARG_OPT("detach", "d", ARG_BOOL, struct flags, detach, "detach"),
        ARG_OPT("preserve-fds", NULL, ARG_UINT, struct flags, fds, "fds"),
};

/* Parse a NULL-terminated list; argv must be writable for the parser's signature, so copy. */
#define PARSE(f, res, err, flg, ...)                                                                  \
        ({                                                                                            \
                char *argv_[] = { __VA_ARGS__, NULL };                                                \
                args_parse(opts, HUSK_ARRAY_SIZE(opts), (flg), (int) HUSK_ARRAY_SIZE(argv_) - 1, argv_, \
                           (f), (res), (err));                                                        \
        })

TEST(long_forms)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "--bundle", "/b", "--pid-file=/p", "-preserve-fds", "3", "--force", "id") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK_STR_EQ(f.bundle, "/b");
        CHECK_STR_EQ(f.pid_file, "/p");
        CHECK(f.fds == 3);
        CHECK(f.force);
        CHECK(!f.detach);
        CHECK(res.n_pos == 1);
        CHECK_STR_EQ(pos[0], "id");
        CHECK(pos[1] == NULL);
        CHECK(!res.help);
}

TEST(short_aliases_and_single_dash)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "-b", "/x", "-f", "-d", "--b=/y", "id") == 0);
        free(res.pos);
        CHECK_STR_EQ(f.bundle, "/y"); /* the last one wins, as Go's flag package */
        CHECK(f.force && f.detach);
}

TEST(flags_after_positional)
{
        /* `runc delete ID --force` works: urfave/cli v1 reorders flags before arguments. */
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "id", "--force", "KILL", "--bundle", "/b") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK(f.force);
        CHECK_STR_EQ(f.bundle, "/b");
        CHECK(res.n_pos == 2);
        CHECK_STR_EQ(pos[0], "id");
        CHECK_STR_EQ(pos[1], "KILL");
}

TEST(bool_values)
{
        struct flags f = { .force = true };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "--force=false", "--detach=true") == 0);
        free(res.pos);
        CHECK(!f.force);
        CHECK(f.detach);
        CHECK(PARSE(&f, &res, &err, 0, "-d=0", "-f=T") == 0);
        free(res.pos);
        CHECK(!f.detach && f.force);

        /* A bool never takes the next argument as its value. */
        f = (struct flags) { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "--force", "false") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK(f.force);
        CHECK(res.n_pos == 1);
        CHECK_STR_EQ(pos[0], "false");

        CHECK(PARSE(&f, &res, &err, 0, "--force=maybe") == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid boolean value \"maybe\" for flag --force");
}

TEST(value_may_start_with_dash)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "--pid-file", "-weird", "id") == 0);
        free(res.pos);
        CHECK_STR_EQ(f.pid_file, "-weird");
        CHECK(PARSE(&f, &res, &err, 0, "--bundle=", "id") == 0);
        free(res.pos);
        CHECK_STR_EQ(f.bundle, "");
}

TEST(double_dash_ends_options)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "-f", "--", "--bundle", "-") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK(f.force);
        CHECK(f.bundle == NULL);
        CHECK(res.n_pos == 2);
        CHECK_STR_EQ(pos[0], "--bundle");
        CHECK_STR_EQ(pos[1], "-");
}

TEST(stop_at_positional)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, ARGS_STOP_AT_POSITIONAL, "--bundle", "/r", "delete", "--force", "x") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK_STR_EQ(f.bundle, "/r");
        CHECK(!f.force);
        CHECK(res.n_pos == 3);
        CHECK_STR_EQ(pos[0], "delete");
        CHECK_STR_EQ(pos[1], "--force");
        CHECK_STR_EQ(pos[2], "x");
}

TEST(help)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "id", "--help") == 0);
        free(res.pos);
        CHECK(res.help);
        CHECK(PARSE(&f, &res, &err, 0, "-h") == 0);
        free(res.pos);
        CHECK(res.help);
        CHECK(PARSE(&f, &res, &err, 0, "id") == 0);
        free(res.pos);
        CHECK(!res.help);
}

TEST(errors)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, 0, "id", "--bogus") == -EINVAL);
        CHECK_STR_EQ(err.msg, "flag provided but not defined: --bogus");
        CHECK(PARSE(&f, &res, &err, 0, "-x=1") == -EINVAL);
        CHECK_STR_EQ(err.msg, "flag provided but not defined: -x");
        CHECK(PARSE(&f, &res, &err, 0, "id", "-b") == -EINVAL);
        CHECK_STR_EQ(err.msg, "flag needs an argument: -b");
        CHECK(PARSE(&f, &res, &err, 0, "--pid-file") == -EINVAL);
        CHECK_STR_EQ(err.msg, "flag needs an argument: --pid-file");
        CHECK(PARSE(&f, &res, &err, 0, "--preserve-fds", "x") == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid value \"x\" for flag --preserve-fds");
        CHECK(PARSE(&f, &res, &err, 0, "--preserve-fds=-1") == -EINVAL);
        CHECK(PARSE(&f, &res, &err, 0, "--preserve-fds=99999999999") == -EINVAL);
        CHECK(PARSE(&f, &res, &err, 0, "---force") == -EINVAL);
        CHECK_CONTAINS(err.msg, "bad flag syntax: ---force");
        CHECK(PARSE(&f, &res, &err, 0, "--=x") == -EINVAL);
        /* A prefix is not an abbreviation. */
        CHECK(PARSE(&f, &res, &err, 0, "--bund", "x") == -EINVAL);
}

/* ARGS_POSIX: Docker's (pflag) conventions, as `husk` parses them. */
TEST(posix_clusters_and_values)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "-fd", "img", "-b/x", "--pid-file", "/p") == 0);
        free(res.pos);
        CHECK(f.force && f.detach);
        CHECK_STR_EQ(f.bundle, "/x");
        CHECK_STR_EQ(f.pid_file, "/p");
        CHECK(res.n_pos == 1);

        f = (struct flags) { 0 };
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "-db", "/y", "--preserve-fds=2", "-b=/z", "-f=false") == 0);
        free(res.pos);
        CHECK(f.detach && !f.force);
        CHECK_STR_EQ(f.bundle, "/z");
        CHECK(f.fds == 2);

        /* The value of a short may be a dash-word; "-" alone is a positional argument. */
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "-b", "-q", "-") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK_STR_EQ(f.bundle, "-q");
        CHECK(res.n_pos == 1);
        CHECK_STR_EQ(pos[0], "-");
}

TEST(posix_help_and_stop)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "-fh") == 0);
        free(res.pos);
        CHECK(res.help && f.force);
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "--help=false") == 0);
        free(res.pos);
        CHECK(!res.help);
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX | ARGS_STOP_AT_POSITIONAL, "-d", "img", "-f", "sh") == 0);
        _cleanup_free_ char **pos = res.pos;
        CHECK(res.n_pos == 3);
        CHECK_STR_EQ(pos[1], "-f");
}

TEST(posix_errors)
{
        struct flags f = { 0 };
        struct args_result res = { 0 };
        struct husk_error err = { 0 };
        /* A single-dash long name is a cluster of shorts under pflag. */
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "-force") == -EINVAL);
        CHECK_STR_EQ(err.msg, "unknown shorthand flag: 'o' in -force");
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "--bogus=1") == -EINVAL);
        CHECK_STR_EQ(err.msg, "unknown flag: --bogus");
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "-fb") == -EINVAL);
        CHECK_STR_EQ(err.msg, "flag needs an argument: 'b' in -fb");
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "--bundle") == -EINVAL);
        CHECK_STR_EQ(err.msg, "flag needs an argument: --bundle");
        /* Aliases are not long names. */
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "--b", "x") == -EINVAL);
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "-f=maybe") == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid boolean value \"maybe\"");
        CHECK(PARSE(&f, &res, &err, ARGS_POSIX, "---x") == -EINVAL);
        CHECK_CONTAINS(err.msg, "bad flag syntax");
}

TEST(format_flag)
{
        char buf[64];
        CHECK(args_format_flag(&opts[0], buf, sizeof(buf)) == (int) strlen("--bundle value, -b value"));
        CHECK_STR_EQ(buf, "--bundle value, -b value");
        (void) args_format_flag(&opts[2], buf, sizeof(buf));
        CHECK_STR_EQ(buf, "--force, -f");
        (void) args_format_flag(&opts[1], buf, sizeof(buf));
        CHECK_STR_EQ(buf, "--pid-file value");
}

RUN_TESTS()

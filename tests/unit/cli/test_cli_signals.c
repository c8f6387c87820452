/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <signal.h>

#include "cli/signals.h"
#include "test.h"

TEST(names)
{
        CHECK(cli_signal_parse("KILL") == SIGKILL);
        CHECK(cli_signal_parse("SIGKILL") == SIGKILL);
        CHECK(cli_signal_parse("sigkill") == SIGKILL);
        CHECK(cli_signal_parse("term") == SIGTERM);
        CHECK(cli_signal_parse("SigHup") == SIGHUP);
        CHECK(cli_signal_parse("WINCH") == SIGWINCH);
        CHECK(cli_signal_parse("USR2") == SIGUSR2);
        CHECK(cli_signal_parse("CHLD") == SIGCHLD);
        CHECK(cli_signal_parse("SIGPWR") == SIGPWR);
}

TEST(numbers)
{
        CHECK(cli_signal_parse("9") == 9);
        CHECK(cli_signal_parse("15") == 15);
        CHECK(cli_signal_parse("1") == 1);
        CHECK(cli_signal_parse("64") == 64);
        CHECK(cli_signal_parse("0") == -EINVAL);
        CHECK(cli_signal_parse("65") == -EINVAL);
        CHECK(cli_signal_parse("-9") == -EINVAL);
        CHECK(cli_signal_parse("9x") == -EINVAL);
        CHECK(cli_signal_parse("99999999999999999999") == -EINVAL);
}

TEST(realtime)
{
        CHECK(cli_signal_parse("RTMIN") == 34);
        CHECK(cli_signal_parse("SIGRTMIN+3") == 37);
        CHECK(cli_signal_parse("rtmax") == 64);
        CHECK(cli_signal_parse("RTMAX-1") == 63);
        CHECK(cli_signal_parse("RTMIN+31") == -EINVAL);
        CHECK(cli_signal_parse("RTMIN-1") == -EINVAL);
        CHECK(cli_signal_parse("RTMAX+1") == -EINVAL);
        CHECK(cli_signal_parse("RTMIN+") == -EINVAL);
}

TEST(invalid)
{
        CHECK(cli_signal_parse("") == -EINVAL);
        CHECK(cli_signal_parse("SIG") == -EINVAL);
        CHECK(cli_signal_parse("FOO") == -EINVAL);
        CHECK(cli_signal_parse("SIGSIGKILL") == -EINVAL);
        CHECK(cli_signal_parse("KILL ") == -EINVAL);
}

TEST(names_back)
{
        CHECK_STR_EQ(cli_signal_name(SIGKILL), "SIGKILL");
        CHECK_STR_EQ(cli_signal_name(SIGTERM), "SIGTERM");
        CHECK(cli_signal_name(0) == NULL);
        CHECK(cli_signal_name(40) == NULL);
        /* Every named signal parses back to itself. */
        for (int s = 1; s < 32; s++) {
                const char *n = cli_signal_name(s);
                if (n)
                        CHECK(cli_signal_parse(n) == s);
        }
}

RUN_TESTS()

/* SPDX-License-Identifier: Apache-2.0 */
/* Detach keys (Docker's --detach-keys syntax and moby's EscapeProxy matching), the raw terminal. */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <string.h>
#include <unistd.h>

#include "cli/husk/term.h"
#include "test.h"

TEST(parse_default)
{
        struct husk_detach_keys k;
        CHECK(husk_detach_keys_parse(NULL, &k, NULL) == 0);
        CHECK(k.n == 2 && k.seq[0] == 16 && k.seq[1] == 17);
        CHECK(husk_detach_keys_parse("", &k, NULL) == 0);
        CHECK(k.n == 2 && k.seq[0] == 16 && k.seq[1] == 17);
}

TEST(parse_docker_syntax)
{
        struct husk_detach_keys k;
        CHECK(husk_detach_keys_parse("ctrl-x,y", &k, NULL) == 0);
        CHECK(k.n == 2 && k.seq[0] == 24 && k.seq[1] == 'y');
        CHECK(husk_detach_keys_parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,a", &k, NULL) == 0);
        CHECK(k.n == 7 && k.seq[0] == 0 && k.seq[1] == 27 && k.seq[2] == 28 && k.seq[3] == 29 && k.seq[4] == 30 &&
              k.seq[5] == 31 && k.seq[6] == 'a');
        CHECK(husk_detach_keys_parse(",", &k, NULL) == -EINVAL); /* two empty keys, as Docker */
}

TEST(parse_errors)
{
        struct husk_detach_keys k;
        struct husk_error err = { 0 };
        CHECK(husk_detach_keys_parse("ctrl-1", &k, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "Invalid detach keys (ctrl-1) provided");
        CHECK(husk_detach_keys_parse("ab", &k, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "'ab'");
        CHECK(husk_detach_keys_parse("a,,b", &k, &err) == -EINVAL);
        CHECK(husk_detach_keys_parse("ctrl-A", &k, &err) == -EINVAL);
        CHECK(husk_detach_keys_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", &k, &err) == -EINVAL);
}

TEST(feed_passes_and_detaches)
{
        struct husk_detach_keys k;
        CHECK(husk_detach_keys_parse(NULL, &k, NULL) == 0);
        char out[64];
        size_t n;
        CHECK(!husk_detach_feed(&k, "ls\r", 3, out, &n));
        CHECK(n == 3 && memcmp(out, "ls\r", 3) == 0);
        /* ctrl-p alone is held back, then given on when ctrl-q does not follow */
        CHECK(!husk_detach_feed(&k, "\x10", 1, out, &n));
        CHECK(n == 0);
        CHECK(!husk_detach_feed(&k, "x", 1, out, &n));
        CHECK(n == 2 && memcmp(out, "\x10x", 2) == 0);
        /* split over two reads */
        CHECK(!husk_detach_feed(&k, "a\x10", 2, out, &n));
        CHECK(n == 1 && out[0] == 'a');
        CHECK(husk_detach_feed(&k, "\x11rest", 5, out, &n));
        CHECK(n == 0);
        /* ctrl-p ctrl-p ctrl-q: the first ctrl-p is passed on, the rest detaches */
        CHECK(husk_detach_feed(&k, "\x10\x10\x11", 3, out, &n));
        CHECK(n == 1 && out[0] == 0x10);
}

TEST(feed_single_key)
{
        struct husk_detach_keys k;
        CHECK(husk_detach_keys_parse("ctrl-a", &k, NULL) == 0);
        char out[64];
        size_t n;
        CHECK(husk_detach_feed(&k, "ab\x01z", 4, out, &n));
        CHECK(n == 2 && memcmp(out, "ab", 2) == 0);
}

TEST(raw_and_restore)
{
        int master, slave;
        CHECK(openpty(&master, &slave, NULL, NULL, NULL) == 0);
        struct termios before, during, after;
        CHECK(tcgetattr(slave, &before) == 0);
        struct husk_term t;
        CHECK(husk_term_make_raw(slave, &t, NULL) == 0);
        CHECK(t.raw);
        CHECK(tcgetattr(slave, &during) == 0);
        CHECK(!(during.c_lflag & (ICANON | ECHO | ISIG)));
        husk_term_restore(&t);
        husk_term_restore(&t);
        CHECK(tcgetattr(slave, &after) == 0);
        CHECK(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag && after.c_oflag == before.c_oflag);
        struct winsize ws = { .ws_row = 33, .ws_col = 101 };
        CHECK(ioctl(master, TIOCSWINSZ, &ws) == 0);
        unsigned short r, c;
        CHECK(husk_term_size(slave, &r, &c) == 0 && r == 33 && c == 101);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK(husk_term_make_raw(null, &t, NULL) == 0 && !t.raw);
        CHECK(husk_term_size(null, &r, &c) == -ENOTTY);
        close(null);
        close(master);
        close(slave);
}

RUN_TESTS()

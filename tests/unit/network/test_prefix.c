/* SPDX-License-Identifier: Apache-2.0 */
/* Prefixes, subnet choice, ULA from a name, host numbers and IPAM (src/network/prefix.c, ipam.c). */
#include <arpa/inet.h>
#include <errno.h>

#include "network/network.h"
#include "network/prefix.h"
#include "test.h"

static struct husk_prefix P(const char *s)
{
        struct husk_prefix p = { 0 };
        if (husk_prefix_parse(s, true, false, "test", &p, NULL) < 0)
                abort();
        return p;
}

TEST(parse_and_format)
{
        struct husk_error err = { 0 };
        struct husk_prefix p;
        char buf[HUSK_PREFIX_STRLEN];
        CHECK(husk_prefix_parse("10.88.0.0/16", true, true, "--subnet", &p, &err) == 0);
        CHECK(p.family == AF_INET && p.len == 16);
        husk_prefix_format(&p, buf);
        CHECK_STR_EQ(buf, "10.88.0.0/16");
        CHECK(husk_prefix_parse("fd00:0::/64", true, true, "--subnet", &p, &err) == 0);
        husk_prefix_format(&p, buf);
        CHECK_STR_EQ(buf, "fd00::/64");
        CHECK(husk_prefix_parse("10.88.0.1/16", true, true, "--subnet", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "--subnet 10.88.0.1/16: host bits set");
        CHECK(husk_prefix_parse("10.88.0.0/33", true, true, "--subnet", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "prefix length must be 0 to 32");
        CHECK(husk_prefix_parse("10.88.0.0", true, true, "--subnet", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "a prefix length is needed");
        CHECK(husk_prefix_parse("10.88.0.0/", true, true, "--subnet", &p, &err) == -EINVAL);
        CHECK(husk_prefix_parse("banana/8", true, true, "--subnet", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "not an IPv4 or IPv6 address");
        CHECK(husk_prefix_parse("10.1.2.3", false, false, "x", &p, &err) == 0 && p.len == 32);
}

TEST(overlap)
{
        struct husk_prefix a = P("10.88.0.0/16"), b = P("10.88.5.0/24"), c = P("10.89.0.0/16"), d = P("0.0.0.0/0");
        struct husk_prefix v6 = P("fd00::/64");
        CHECK(husk_prefix_overlap(&a, &b) && husk_prefix_overlap(&b, &a));
        CHECK(!husk_prefix_overlap(&a, &c));
        CHECK(husk_prefix_overlap(&a, &d));
        CHECK(!husk_prefix_overlap(&a, &v6));
}

TEST(subnet_pick_skips_routes)
{
        struct husk_prefix ret;
        char buf[HUSK_PREFIX_STRLEN];
        /* A default route overlaps everything and is ignored; the host's LAN is not. */
        struct husk_prefix used[] = { P("0.0.0.0/0"), P("192.0.2.0/24"), P("10.88.0.0/16"), P("10.89.128.0/17") };
        CHECK(husk_subnet_pick(used, 4, &ret, NULL) == 0);
        husk_prefix_format(&ret, buf);
        CHECK_STR_EQ(buf, "10.90.0.0/16");
        CHECK(husk_subnet_pick(NULL, 0, &ret, NULL) == 0);
        husk_prefix_format(&ret, buf);
        CHECK_STR_EQ(buf, "10.88.0.0/16");
        /* All of 10/8 taken: on to 172.16. */
        struct husk_prefix ten = P("10.0.0.0/8");
        CHECK(husk_subnet_pick(&ten, 1, &ret, NULL) == 0);
        husk_prefix_format(&ret, buf);
        CHECK_STR_EQ(buf, "172.16.0.0/16");
        struct husk_prefix all[] = { P("10.0.0.0/8"), P("172.16.0.0/12") };
        struct husk_error err = { 0 };
        CHECK(husk_subnet_pick(all, 2, &ret, &err) == -ENOSPC);
        CHECK_CONTAINS(err.msg, "give --subnet");
}

TEST(ula_from_name)
{
        struct husk_prefix a, b, c;
        husk_ula_for_name("net1", &a);
        husk_ula_for_name("net1", &b);
        husk_ula_for_name("net2", &c);
        CHECK(a.family == AF_INET6 && a.len == 64 && a.addr[0] == 0xfd);
        CHECK(memcmp(&a, &b, sizeof(a)) == 0);
        CHECK(memcmp(a.addr, c.addr, 8) != 0);
        for (int i = 8; i < 16; i++)
                CHECK(a.addr[i] == 0);
}

TEST(host_numbers)
{
        struct husk_prefix p = P("10.88.0.0/16");
        uint8_t a[16];
        char buf[HUSK_PREFIX_STRLEN];
        CHECK(husk_prefix_host(&p, 1, a) == 0);
        husk_addr_format(AF_INET, a, buf);
        CHECK_STR_EQ(buf, "10.88.0.1");
        CHECK(husk_prefix_host(&p, 258, a) == 0);
        husk_addr_format(AF_INET, a, buf);
        CHECK_STR_EQ(buf, "10.88.1.2");
        CHECK(husk_prefix_host_number(&p, a) == 258);
        CHECK(husk_prefix_host(&p, 65535, a) == -ERANGE);       /* broadcast */
        CHECK(husk_prefix_host(&p, 65536, a) == -ERANGE);
        CHECK(husk_prefix_host(&p, 0, a) == -ERANGE);
        CHECK(husk_prefix_host_count(&p) == 65534);
        uint8_t other[4] = { 10, 89, 0, 1 };
        CHECK(husk_prefix_host_number(&p, other) == -ERANGE);
        struct husk_prefix v6 = P("fd00:1::/64");
        CHECK(husk_prefix_host(&v6, 258, a) == 0);
        husk_addr_format(AF_INET6, a, buf);
        CHECK_STR_EQ(buf, "fd00:1::102");
}

TEST(ipam_pick)
{
        struct husk_prefix p = P("10.88.0.0/16"), small = P("10.0.0.0/30");
        struct husk_error err = { 0 };
        uint64_t used[] = { 2, 3, 5, 2 }, n = 0;
        CHECK(husk_ipam_pick(&p, used, 4, 0, &n, &err) == 0 && n == 4);
        CHECK(husk_ipam_pick(&p, NULL, 0, 0, &n, &err) == 0 && n == 2);
        CHECK(husk_ipam_pick(&p, used, 4, 7, &n, &err) == 0 && n == 7);
        CHECK(husk_ipam_pick(&p, used, 4, 5, &n, &err) == -EADDRINUSE);
        CHECK_CONTAINS(err.msg, "already in use");
        CHECK(husk_ipam_pick(&p, used, 4, 1, &n, &err) == -EADDRINUSE);
        CHECK_CONTAINS(err.msg, "gateway");
        /* /30: the gateway .1 and one container .2; .3 is the broadcast. */
        uint64_t two = 2;
        CHECK(husk_ipam_pick(&small, NULL, 0, 0, &n, &err) == 0 && n == 2);
        CHECK(husk_ipam_pick(&small, &two, 1, 0, &n, &err) == -ENOSPC);
        CHECK_CONTAINS(err.msg, "no free address left in 10.0.0.0/30");
        CHECK(husk_ipam_pick(&small, NULL, 0, 3, &n, &err) == -ERANGE);
}

TEST(rate_units)
{
        uint64_t r = 0;
        struct husk_error err = { 0 };
        CHECK(husk_rate_parse("10mbit", &r, &err) == 0 && r == 1250000);
        CHECK(husk_rate_parse("1.5MBIT", &r, &err) == 0 && r == 187500);
        CHECK(husk_rate_parse("500kbps", &r, &err) == 0 && r == 500000);
        CHECK(husk_rate_parse("1gbit", &r, &err) == 0 && r == 125000000);
        CHECK(husk_rate_parse("4096", &r, &err) == 0 && r == 4096);
        CHECK(husk_rate_parse("10 mbit", &r, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "unknown unit");
        CHECK(husk_rate_parse("-5mbit", &r, &err) == -EINVAL);
        CHECK(husk_rate_parse("mbit", &r, &err) == -EINVAL);
        CHECK(husk_rate_parse("1bit", &r, &err) == -ERANGE);
        CHECK_CONTAINS(err.msg, "--network-bandwidth 1bit");
}

RUN_TESTS()

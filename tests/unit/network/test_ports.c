/* SPDX-License-Identifier: Apache-2.0 */
/* -p/--publish values and ExposedPorts keys (src/network/ports.c). */
#include <errno.h>
#include <stdlib.h>

#include "network/ports.h"
#include "test.h"

TEST(full_forms)
{
        struct husk_port p;
        struct husk_error err = { 0 };
        CHECK(husk_port_parse("8080:80", &p, &err) == 0);
        CHECK(p.proto == HUSK_PROTO_TCP && p.host_port == 8080 && p.port == 80 && p.host_ip[0] == '\0');
        CHECK(husk_port_parse("127.0.0.1:5353:53/udp", &p, &err) == 0);
        CHECK(p.proto == HUSK_PROTO_UDP && p.host_port == 5353 && p.port == 53);
        CHECK_STR_EQ(p.host_ip, "127.0.0.1");
        CHECK(husk_port_parse("[fd00::2]:8443:443/tcp", &p, &err) == 0);
        CHECK_STR_EQ(p.host_ip, "fd00::2");
        CHECK(p.host_port == 8443 && p.port == 443);
        CHECK(husk_port_parse("[fd00:0::2]:8443:443", &p, &err) == 0);
        CHECK_STR_EQ(p.host_ip, "fd00::2");
        /* ::1, however spelt, cannot be reached through NAT. */
        CHECK(husk_port_parse("[0:0::1]:8443:443", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "the IPv6 loopback address cannot be published");
}

TEST(host_port_left_out)
{
        struct husk_port p;
        struct husk_error err = { 0 };
        CHECK(husk_port_parse("80", &p, &err) == 0 && p.host_port == 0 && p.port == 80);
        CHECK(husk_port_parse("127.0.0.1::80", &p, &err) == 0 && p.host_port == 0 && p.port == 80);
        CHECK_STR_EQ(p.host_ip, "127.0.0.1");
        CHECK(husk_port_parse(":80/udp", &p, &err) == 0 && p.host_port == 0 && p.proto == HUSK_PROTO_UDP);
}

TEST(bad_values)
{
        struct husk_port p;
        struct husk_error err = { 0 };
        CHECK(husk_port_parse("80:99999", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "-p 80:99999: invalid container port \"99999\"");
        CHECK(husk_port_parse("0:80", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid host port");
        CHECK(husk_port_parse("80:80/sctp", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "protocol must be tcp or udp");
        CHECK(husk_port_parse("1.2.3.999:80:80", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid host address 1.2.3.999");
        CHECK(husk_port_parse("::1:80:80", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "too many colons");
        CHECK(husk_port_parse("[::1:80:80", &p, &err) == -EINVAL);
        CHECK(husk_port_parse("8000-8002:80-82", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "a range of 3 ports where one is expected");
        CHECK(husk_port_parse("", &p, &err) == -EINVAL);
        CHECK(husk_port_parse("a:b", &p, &err) == -EINVAL);
}

TEST(ranges)
{
        struct husk_error err = { 0 };
        struct husk_port *v = NULL;
        size_t n = 0;
        CHECK(husk_port_parse_all("8000-8002:80-82", &v, &n, &err) == 0);
        CHECK(n == 3);
        CHECK(v[0].host_port == 8000 && v[0].port == 80 && v[2].host_port == 8002 && v[2].port == 82);
        CHECK(v[1].host_port_end == 0 && v[1].proto == HUSK_PROTO_TCP);
        /* Appended after what is there. */
        CHECK(husk_port_parse_all("127.0.0.1:9000-9001:90-91/udp", &v, &n, &err) == 0);
        CHECK(n == 5);
        CHECK(v[3].host_port == 9000 && v[4].port == 91 && v[4].proto == HUSK_PROTO_UDP);
        CHECK_STR_EQ(v[4].host_ip, "127.0.0.1");
        /* A container range alone: each on a free host port. */
        CHECK(husk_port_parse_all("70-71", &v, &n, &err) == 0);
        CHECK(n == 7 && v[5].host_port == 0 && v[6].port == 71);
        /* A host range over one container port: one port, picked in the range. */
        struct husk_port p;
        CHECK(husk_port_parse("8000-8010:80", &p, &err) == 0);
        CHECK(p.host_port == 8000 && p.host_port_end == 8010 && p.port == 80);
        CHECK(husk_port_parse_all("[fd00::2]:8000-8010:80", &v, &n, &err) == 0);
        CHECK(n == 8 && v[7].host_port_end == 8010);
        free(v);
        /* Docker's errors. */
        v = NULL;
        n = 0;
        CHECK(husk_port_parse_all("8000-8001:80-82", &v, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "-p 8000-8001:80-82: invalid ranges specified for container and host Ports: 80-82 and 8000-8001");
        CHECK(husk_port_parse_all("8000:80-82", &v, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid ranges specified");
        CHECK(husk_port_parse_all("82-80", &v, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid range specified for port: 82-80");
        CHECK(husk_port_parse_all("9-8:80", &v, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid range specified for port: 9-8");
        CHECK(husk_port_parse_all("80-:80", &v, &n, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "invalid host port \"80-\"");
        CHECK(husk_port_parse_all("1-2-3", &v, &n, &err) == -EINVAL);
        CHECK(n == 0 && v == NULL);
}

TEST(exposed)
{
        struct husk_port p;
        struct husk_error err = { 0 };
        CHECK(husk_port_parse_exposed("80/tcp", &p, &err) == 0 && p.port == 80 && p.proto == HUSK_PROTO_TCP);
        CHECK(husk_port_parse_exposed("53/udp", &p, &err) == 0 && p.port == 53 && p.proto == HUSK_PROTO_UDP);
        CHECK(husk_port_parse_exposed("8080", &p, &err) == 0 && p.port == 8080 && p.host_port == 0);
        CHECK(husk_port_parse_exposed("80/icmp", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "ExposedPorts \"80/icmp\"");
}

RUN_TESTS()

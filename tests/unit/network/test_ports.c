/* SPDX-License-Identifier: Apache-2.0 */
/* -p/--publish values and ExposedPorts keys (src/network/ports.c). */
#include <errno.h>

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
        CHECK(husk_port_parse("[::1]:8443:443/tcp", &p, &err) == 0);
        CHECK_STR_EQ(p.host_ip, "::1");
        CHECK(p.host_port == 8443 && p.port == 443);
        CHECK(husk_port_parse("[0:0::1]:8443:443", &p, &err) == 0);
        CHECK_STR_EQ(p.host_ip, "::1");
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
        CHECK(husk_port_parse("8000-8010:80", &p, &err) == -EINVAL);
        CHECK_CONTAINS(err.msg, "ranges are not supported");
        CHECK(husk_port_parse("", &p, &err) == -EINVAL);
        CHECK(husk_port_parse("a:b", &p, &err) == -EINVAL);
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

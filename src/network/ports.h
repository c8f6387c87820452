/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Published ports: Docker's -p/--publish syntax, [HOST_IP:][HOST_PORT[-END]]:CONTAINER_PORT[-END][/tcp|/udp]
 * (a bracketed IPv6 host address, "[::1]:8080:80"), and the image's ExposedPorts keys ("80/tcp") for
 * -P. Pure: choosing free host ports and checking that nobody on the host listens is port_check.c's.
 */
#pragma once

#include <stdint.h>

#include "util/error.h"

enum husk_port_proto {
        HUSK_PROTO_TCP = 6,     /* IPPROTO_TCP */
        HUSK_PROTO_UDP = 17,    /* IPPROTO_UDP */
};

struct husk_port {
        enum husk_port_proto proto;
        char host_ip[52];       /* "" for every host address (HUSK_PREFIX_STRLEN) */
        uint16_t host_port;     /* 0: a free port picked at publish time */
        uint16_t host_port_end; /* > host_port: a free port of host_port..host_port_end is picked (-p 8000-8010:80) */
        uint16_t port;          /* the container's */
};

/* One -p value publishing one port. -EINVAL naming the value and what is wrong ("-p 80:99999: invalid
 * container port"). */
int husk_port_parse(const char *spec, struct husk_port *ret, struct husk_error *err);
/* One -p value, ranges included ("8000-8002:80-82" is three ports, "8000-8010:80" one whose host port is
 * picked in the range), appended to *v (realloc'd, *n counts). Docker's errors ("invalid ranges
 * specified for container and host Ports: 80-82 and 8000-8001"). */
int husk_port_parse_all(const char *spec, struct husk_port **v, size_t *n, struct husk_error *err);
/* An ExposedPorts key: "80", "80/tcp", "53/udp" (host port 0, every address). */
int husk_port_parse_exposed(const char *key, struct husk_port *ret, struct husk_error *err);
static inline const char *husk_port_proto_name(enum husk_port_proto p)
{
        return p == HUSK_PROTO_UDP ? "udp" : "tcp";
}

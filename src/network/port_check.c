/* SPDX-License-Identifier: Apache-2.0 */
/* Host ports: a free one, and whether a host process holds one (network.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "network/network.h"
#include "util/cleanup.h"

/* A socket bound to p's host address and port (port 0: the kernel picks). */
static int bind_port(const struct husk_port *p, uint16_t port, uint16_t *ret_port)
{
        int family = AF_INET;
        uint8_t a[16] = { 0 };
        if (p->host_ip[0] && husk_addr_parse(p->host_ip, &family, a) < 0)
                return -EINVAL;
        _cleanup_close_ int fd = socket(family, (p->proto == HUSK_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        /* TIME_WAIT connections of an earlier container must not count as "in use". */
        if (p->proto == HUSK_PROTO_TCP)
                (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_storage ss = { 0 };
        socklen_t len;
        if (family == AF_INET) {
                struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
                sin->sin_family = AF_INET;
                sin->sin_port = htons(port);
                memcpy(&sin->sin_addr, a, 4);
                len = sizeof(*sin);
        } else {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(port);
                memcpy(&sin6->sin6_addr, a, 16);
                len = sizeof(*sin6);
        }
        if (bind(fd, (struct sockaddr *) &ss, len) < 0)
                return -errno;
        if (ret_port) {
                if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                        return -errno;
                *ret_port = ntohs(family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                    : ((struct sockaddr_in6 *) &ss)->sin6_port);
        }
        return 0;
}

int husk_port_pick_free(struct husk_port *p, struct husk_error *err)
{
        uint16_t port = 0;
        int r = bind_port(p, 0, &port);
        if (r < 0)
                return husk_error_errno(err, -r, "pick a free %s port on the host", husk_port_proto_name(p->proto));
        p->host_port = port;
        return 0;
}

int husk_port_check_host(const struct husk_port *p, struct husk_error *err)
{
        int r = bind_port(p, p->host_port, NULL);
        if (r == -EADDRINUSE)
                return husk_error_set(err, EADDRINUSE, "publish %s%s%u/%s: the port is already in use on the host",
                                      p->host_ip, p->host_ip[0] ? ":" : "", (unsigned) p->host_port,
                                      husk_port_proto_name(p->proto));
        if (r == -EADDRNOTAVAIL)
                return husk_error_set(err, EADDRNOTAVAIL, "publish %s:%u/%s: %s is not an address of this host",
                                      p->host_ip, (unsigned) p->host_port, husk_port_proto_name(p->proto), p->host_ip);
        /* Other errors (EACCES...) are not a conflict: the DNAT rule needs no socket. */
        return 0;
}

int husk_port_pick_in_range(struct husk_port *p, const char *published, struct husk_error *err)
{
        for (unsigned port = p->host_port; port <= p->host_port_end; port++) {
                char elem[64];
                (void) snprintf(elem, sizeof(elem), "%s . %u :", husk_port_proto_name(p->proto), port);
                if ((published && strstr(published, elem)) || bind_port(p, (uint16_t) port, NULL) == -EADDRINUSE)
                        continue;
                p->host_port = (uint16_t) port;
                p->host_port_end = 0;
                return 0;
        }
        return husk_error_set(err, EADDRINUSE,
                              "publish %s%s%u-%u/%s: every port of the range is in use on the host or published by another container",
                              p->host_ip, p->host_ip[0] ? ":" : "", (unsigned) p->host_port, (unsigned) p->host_port_end,
                              husk_port_proto_name(p->proto));
}

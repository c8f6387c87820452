/* SPDX-License-Identifier: Apache-2.0 */
/* -p/--publish values and ExposedPorts keys (ports.h). */
#include "network/ports.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "network/prefix.h"

static int parse_port(const char *s, size_t len, bool zero_ok, uint16_t *ret)
{
        if (len == 0 || len > 5)
                return -EINVAL;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        if (v > 65535 || (v == 0 && !zero_ok))
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

/* "N" or "N-M" (M >= N; -ERANGE when M < N), ports 1-65535. */
static int parse_range(const char *s, uint16_t *start, uint16_t *end)
{
        const char *dash = strchr(s, '-');
        if (!dash) {
                int r = parse_port(s, strlen(s), false, start);
                *end = *start;
                return r;
        }
        if (parse_port(s, (size_t) (dash - s), false, start) < 0 || parse_port(dash + 1, strlen(dash + 1), false, end) < 0)
                return -EINVAL;
        return *end < *start ? -ERANGE : 0;
}

/* "/tcp" or "/udp" at the end of s (cut off); tcp when there is none. */
static int split_proto(char *s, enum husk_port_proto *ret)
{
        char *slash = strrchr(s, '/');
        *ret = HUSK_PROTO_TCP;
        if (!slash)
                return 0;
        if (strcmp(slash + 1, "tcp") == 0)
                *ret = HUSK_PROTO_TCP;
        else if (strcmp(slash + 1, "udp") == 0)
                *ret = HUSK_PROTO_UDP;
        else
                return -EINVAL;
        *slash = '\0';
        return 0;
}

/* One -p value: its first port (host_port_end set for a host range over one container port) and the
 * number of container ports it publishes. Docker's rules (go-connections' ParsePortSpec): a host range
 * is as long as the container range, or the container port is one port and the host range is where its
 * host port is picked. */
static int parse_spec(const char *spec, struct husk_port *ret, unsigned *ret_count, struct husk_error *err)
{
        char buf[128];
        if (strlen(spec) >= sizeof(buf))
                return husk_error_set(err, EINVAL, "-p %.40s...: too long", spec);
        strcpy(buf, spec);
        struct husk_port p = { 0 };
        if (split_proto(buf, &p.proto) < 0)
                return husk_error_set(err, EINVAL, "-p %s: protocol must be tcp or udp", spec);
        char *rest = buf;
        /* A bracketed IPv6 host address first. */
        if (rest[0] == '[') {
                char *close = strchr(rest, ']');
                if (!close || close[1] != ':')
                        return husk_error_set(err, EINVAL, "-p %s: unterminated [IPv6 address]", spec);
                *close = '\0';
                if ((size_t) (close - rest) > sizeof(p.host_ip))
                        return husk_error_set(err, EINVAL, "-p %s: invalid host address", spec);
                strcpy(p.host_ip, rest + 1);
                rest = close + 2;
        }
        char *parts[3];
        int n = 0;
        for (char *s = rest;; n++) {
                if (n == 3)
                        return husk_error_set(err, EINVAL, "-p %s: too many colons (IPv6 host addresses go in [])",
                                              spec);
                parts[n] = s;
                char *c = strchr(s, ':');
                if (!c) {
                        n++;
                        break;
                }
                *c = '\0';
                s = c + 1;
        }
        const char *ctr = parts[n - 1], *host_port = n >= 2 ? parts[n - 2] : "";
        if (n == 3) {
                if (p.host_ip[0])
                        return husk_error_set(err, EINVAL, "-p %s: too many colons", spec);
                if (strlen(parts[0]) >= sizeof(p.host_ip))
                        return husk_error_set(err, EINVAL, "-p %s: invalid host address", spec);
                strcpy(p.host_ip, parts[0]);
        } else if (p.host_ip[0] && n != 2) {
                return husk_error_set(err, EINVAL, "-p %s: a host address needs HOST_PORT:CONTAINER_PORT", spec);
        }
        if (p.host_ip[0]) {
                int family;
                uint8_t a[16];
                if (husk_addr_parse(p.host_ip, &family, a) < 0)
                        return husk_error_set(err, EINVAL, "-p %s: invalid host address %s", spec, p.host_ip);
                /* The canonical spelling, for rules and records. */
                husk_addr_format(family, a, p.host_ip);
                /* IPv6 has no route_localnet: the kernel drops a reply whose destination becomes ::1 on a
                 * bridge, so a DNAT rule for ::1 would publish nothing (Docker reaches [::1] through its
                 * userland proxy; husk has no daemon to run one). */
                if (strcmp(p.host_ip, "::1") == 0)
                        return husk_error_set(err, EINVAL,
                                              "-p %s: the IPv6 loopback address cannot be published (IPv6 has no "
                                              "route_localnet: the kernel routes no ::1 traffic to a container); use "
                                              "127.0.0.1, a host IPv6 address or no address",
                                              spec);
        }
        uint16_t ctr_end = 0, host_end = 0;
        int r = parse_range(ctr, &p.port, &ctr_end);
        if (r == -ERANGE)
                return husk_error_set(err, EINVAL, "-p %s: invalid range specified for port: %s", spec, ctr);
        if (r < 0)
                return husk_error_set(err, EINVAL, "-p %s: invalid container port \"%s\" (PORT or START-END, 1-65535)",
                                      spec, ctr);
        if (host_port[0]) {
                r = parse_range(host_port, &p.host_port, &host_end);
                if (r == -ERANGE)
                        return husk_error_set(err, EINVAL, "-p %s: invalid range specified for port: %s", spec, host_port);
                if (r < 0)
                        return husk_error_set(err, EINVAL, "-p %s: invalid host port \"%s\" (PORT or START-END, 1-65535)",
                                              spec, host_port);
                if (host_end - p.host_port != ctr_end - p.port) {
                        if (ctr_end != p.port)
                                return husk_error_set(err, EINVAL,
                                                      "-p %s: invalid ranges specified for container and host Ports: %s and %s",
                                                      spec, ctr, host_port);
                        p.host_port_end = host_end;
                }
        }
        *ret = p;
        *ret_count = (unsigned) (ctr_end - p.port) + 1;
        return 0;
}

int husk_port_parse(const char *spec, struct husk_port *ret, struct husk_error *err)
{
        unsigned count;
        int r = parse_spec(spec, ret, &count, err);
        if (r == 0 && count > 1)
                return husk_error_set(err, EINVAL, "-p %s: a range of %u ports where one is expected", spec, count);
        return r;
}

int husk_port_parse_all(const char *spec, struct husk_port **v, size_t *n, struct husk_error *err)
{
        struct husk_port base;
        unsigned count;
        int r = parse_spec(spec, &base, &count, err);
        if (r < 0)
                return r;
        struct husk_port *nv = realloc(*v, (*n + count + 1) * sizeof(**v));
        if (!nv)
                return husk_error_errno(err, ENOMEM, "-p %s", spec);
        *v = nv;
        for (unsigned i = 0; i < count; i++) {
                struct husk_port *p = &nv[(*n)++];
                *p = base;
                p->port = (uint16_t) (base.port + i);
                if (base.host_port)
                        p->host_port = (uint16_t) (base.host_port + i);
        }
        return 0;
}

int husk_port_parse_exposed(const char *key, struct husk_port *ret, struct husk_error *err)
{
        char buf[32];
        if (strlen(key) >= sizeof(buf))
                return husk_error_set(err, EINVAL, "ExposedPorts %.40s: invalid", key);
        strcpy(buf, key);
        struct husk_port p = { 0 };
        if (split_proto(buf, &p.proto) < 0 || parse_port(buf, strlen(buf), false, &p.port) < 0)
                return husk_error_set(err, EINVAL, "ExposedPorts \"%s\": not PORT[/tcp|/udp]", key);
        *ret = p;
        return 0;
}

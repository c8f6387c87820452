/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4/IPv6 prefixes: parsing, overlap, subnet choice, ULA from a name, host numbers (prefix.h). */
#include "network/prefix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/sha256.h"

int husk_addr_parse(const char *s, int *ret_family, uint8_t ret[16])
{
        uint8_t a[16] = { 0 };
        if (inet_pton(AF_INET, s, a) == 1)
                *ret_family = AF_INET;
        else if (inet_pton(AF_INET6, s, a) == 1)
                *ret_family = AF_INET6;
        else
                return -EINVAL;
        memcpy(ret, a, 16);
        return 0;
}

static bool host_bits_zero(const struct husk_prefix *p)
{
        unsigned bits = (unsigned) husk_prefix_addr_size(p->family) * 8;
        for (unsigned i = p->len; i < bits; i++)
                if (p->addr[i / 8] & (0x80 >> (i % 8)))
                        return false;
        return true;
}

int husk_prefix_parse(const char *s, bool need_len, bool strict, const char *what, struct husk_prefix *ret,
                      struct husk_error *err)
{
        char buf[HUSK_PREFIX_STRLEN];
        if (!s || strlen(s) >= sizeof(buf))
                return husk_error_set(err, EINVAL, "%s %s: not an address prefix", what, s ? s : "(null)");
        strcpy(buf, s);
        char *slash = strchr(buf, '/');
        if (slash)
                *slash = '\0';
        struct husk_prefix p = { 0 };
        if (husk_addr_parse(buf, &p.family, p.addr) < 0)
                return husk_error_set(err, EINVAL, "%s %s: not an IPv4 or IPv6 address", what, s);
        unsigned max = (unsigned) husk_prefix_addr_size(p.family) * 8;
        if (slash) {
                char *end;
                errno = 0;
                unsigned long l = strtoul(slash + 1, &end, 10);
                if (errno || end == slash + 1 || *end || l > max)
                        return husk_error_set(err, EINVAL, "%s %s: prefix length must be 0 to %u", what, s, max);
                p.len = (unsigned) l;
        } else if (need_len) {
                return husk_error_set(err, EINVAL, "%s %s: a prefix length is needed (ADDRESS/LENGTH)", what, s);
        } else {
                p.len = max;
        }
        if (strict && !host_bits_zero(&p))
                return husk_error_set(err, EINVAL, "%s %s: host bits set (the network is not its first address)",
                                      what, s);
        *ret = p;
        return 0;
}

void husk_addr_format(int family, const uint8_t *addr, char buf[static HUSK_PREFIX_STRLEN])
{
        if (!inet_ntop(family, addr, buf, HUSK_PREFIX_STRLEN))
                buf[0] = '\0';
}

void husk_prefix_format(const struct husk_prefix *p, char buf[static HUSK_PREFIX_STRLEN])
{
        husk_addr_format(p->family, p->addr, buf);
        size_t l = strlen(buf);
        (void) snprintf(buf + l, HUSK_PREFIX_STRLEN - l, "/%u", p->len);
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned len)
{
        for (unsigned i = 0; i < len; i++) {
                uint8_t m = 0x80 >> (i % 8);
                if ((a[i / 8] & m) != (b[i / 8] & m))
                        return false;
        }
        return true;
}

bool husk_prefix_overlap(const struct husk_prefix *a, const struct husk_prefix *b)
{
        if (a->family != b->family)
                return false;
        return prefix_match(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

bool husk_prefix_contains(const struct husk_prefix *p, const uint8_t *addr)
{
        return prefix_match(p->addr, addr, p->len);
}

int husk_subnet_pick(const struct husk_prefix *used, size_t n_used, struct husk_prefix *ret, struct husk_error *err)
{
        /* Podman's default is 10.88.0.0/16; Docker's pools are 172.17-31 and 192.168. 10.88 upwards
         * first, then 172.16-31: rarely a corporate VPN's choice, and never the host's own LAN here. */
        for (unsigned i = 0; i < (256 - 88) + 16; i++) {
                struct husk_prefix c = { .family = AF_INET, .len = 16 };
                if (i < 256 - 88) {
                        c.addr[0] = 10;
                        c.addr[1] = (uint8_t) (88 + i);
                } else {
                        c.addr[0] = 172;
                        c.addr[1] = (uint8_t) (16 + i - (256 - 88));
                }
                bool busy = false;
                for (size_t j = 0; j < n_used && !busy; j++)
                        busy = used[j].len > 0 && husk_prefix_overlap(&c, &used[j]);
                if (!busy) {
                        *ret = c;
                        return 0;
                }
        }
        return husk_error_set(err, ENOSPC, "no free private /16 for a network: 10.88-255.0.0 and 172.16-31.0.0 all "
                                           "overlap the host's routes or other networks (give --subnet)");
}

void husk_ula_for_name(const char *name, struct husk_prefix *ret)
{
        struct husk_sha256 s;
        uint8_t d[HUSK_SHA256_SIZE];
        husk_sha256_init(&s);
        husk_sha256_update(&s, "husk network ", 13);
        husk_sha256_update(&s, name, strlen(name));
        husk_sha256_final(&s, d);
        memset(ret, 0, sizeof(*ret));
        ret->family = AF_INET6;
        ret->len = 64;
        ret->addr[0] = 0xfd;
        memcpy(ret->addr + 1, d, 7);
}

static unsigned host_bits(const struct husk_prefix *p)
{
        return (unsigned) husk_prefix_addr_size(p->family) * 8 - p->len;
}

uint64_t husk_prefix_host_count(const struct husk_prefix *p)
{
        unsigned hb = host_bits(p);
        if (hb > 24)
                hb = 24;
        uint64_t n = (uint64_t) 1 << hb;
        /* IPv4: number 0 is the network, the last the broadcast. */
        if (p->family == AF_INET)
                return n >= 2 ? n - 2 : 0;
        return n - 1;
}

int husk_prefix_host(const struct husk_prefix *p, uint64_t n, uint8_t ret[16])
{
        unsigned hb = host_bits(p);
        size_t size = husk_prefix_addr_size(p->family);
        if (n == 0 || (hb < 64 && n >= ((uint64_t) 1 << hb)))
                return -ERANGE;
        if (p->family == AF_INET && hb < 64 && n == ((uint64_t) 1 << hb) - 1)
                return -ERANGE;
        memset(ret, 0, 16);
        memcpy(ret, p->addr, size);
        for (size_t i = 0; i < 8 && i < size; i++)
                ret[size - 1 - i] |= (uint8_t) (n >> (8 * i));
        return 0;
}

int64_t husk_prefix_host_number(const struct husk_prefix *p, const uint8_t *addr)
{
        if (!husk_prefix_contains(p, addr))
                return -ERANGE;
        size_t size = husk_prefix_addr_size(p->family);
        unsigned hb = host_bits(p);
        uint64_t n = 0;
        for (size_t i = 0; i < 8 && i < size; i++)
                n |= (uint64_t) addr[size - 1 - i] << (8 * i);
        if (hb < 64)
                n &= ((uint64_t) 1 << hb) - 1;
        if (n > INT64_MAX)
                return -ERANGE;
        return (int64_t) n;
}

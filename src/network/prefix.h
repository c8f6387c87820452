/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4/IPv6 prefixes and addresses as the network layer needs them (pure: no system calls): parsing
 * "10.88.0.0/16", overlap with the host's routes, the first free /16 for a new network, a ULA /64
 * derived from the network's name, and the n-th address of a subnet (IPAM hands out numbers).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/error.h"

struct husk_prefix {
        int family;             /* AF_INET or AF_INET6 */
        uint8_t addr[16];       /* network byte order; 4 bytes used for AF_INET */
        unsigned len;           /* prefix length */
};

/* INET6_ADDRSTRLEN + "/128" */
#define HUSK_PREFIX_STRLEN 52

static inline size_t husk_prefix_addr_size(int family)
{
        return family == AF_INET ? 4 : 16;
}

/* "10.88.0.0/16", "fd12::/64"; with need_len false a bare address is taken as a host prefix. Host bits
 * must be zero when strict. -EINVAL, message naming what (e.g. "--subnet 10.88.0.1/16"). */
int husk_prefix_parse(const char *s, bool need_len, bool strict, const char *what, struct husk_prefix *ret,
                      struct husk_error *err);
/* An address ("10.88.0.2", "fd00::2") of either family. */
int husk_addr_parse(const char *s, int *ret_family, uint8_t ret[16]);
void husk_prefix_format(const struct husk_prefix *p, char buf[static HUSK_PREFIX_STRLEN]);
void husk_addr_format(int family, const uint8_t *addr, char buf[static HUSK_PREFIX_STRLEN]);

/* Same family and one contains the other. */
bool husk_prefix_overlap(const struct husk_prefix *a, const struct husk_prefix *b);
bool husk_prefix_contains(const struct husk_prefix *p, const uint8_t *addr);

/*
 * The first IPv4 /16 among 10.88.0.0/16, 10.89.0.0/16 ... 10.255.0.0/16, then 172.16.0.0/16 ...
 * 172.31.0.0/16, that overlaps none of used[] (the host's routes and the other networks' subnets;
 * default routes, len 0, are ignored: they overlap everything). -ENOSPC when all are taken.
 */
int husk_subnet_pick(const struct husk_prefix *used, size_t n_used, struct husk_prefix *ret, struct husk_error *err);

/* fdXX:XXXX:XXXX:YYYY::/64: RFC 4193's 40-bit global id (and a 16-bit subnet id) from SHA-256 of the
 * name, so a network gets the same ULA on every host and two networks differ. */
void husk_ula_for_name(const char *name, struct husk_prefix *ret);

/* The address with host number n in p (n = 1: the gateway). -ERANGE when n does not fit in the host
 * bits or names the IPv4 broadcast address. */
int husk_prefix_host(const struct husk_prefix *p, uint64_t n, uint8_t ret[16]);
/* The host number of addr in p (its low 64 bits), or -ERANGE when addr is not in p. */
int64_t husk_prefix_host_number(const struct husk_prefix *p, const uint8_t *addr);
/* How many host numbers p offers IPAM (1 .. last, capped at 2^24: more is never needed). */
uint64_t husk_prefix_host_count(const struct husk_prefix *p);

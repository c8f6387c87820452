/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between network.c and endpoint.c. */
#pragma once

#include "network/network.h"
#include "network/nft.h"

/* open + flock(LOCK_EX) of dirfd/path (made 0600 when missing): the locked fd. */
int husk_net_lock_at(int dirfd, const char *path, struct husk_error *err);
/* prefix + hex of SHA-256(a NUL b NUL), cut at 15 characters: an interface name. */
void husk_net_hash_name(const char *a, const char *b, char prefix_and_hex[static 16], const char *prefix);
/* Rules, bridge and record of a network, whatever of them exists. */
int husk_net_teardown(int dirfd, const struct husk_network *n, struct husk_nft *nft, struct husk_error *err);
/* husk_net_setup with the host-wide nftables lock already held (nft open). */
int husk_net_setup_with(const struct husk_network *n, struct husk_nft *nft, struct husk_error *err);
int husk_net_strcmp(const void *a, const void *b);
/* net.ipv4.ip_forward=1 and, with ipv6, net.ipv6.conf.all.forwarding=1 (and accept_ra 1 -> 2 where
 * RAs would otherwise be ignored), each only when not set already, the values replaced recorded in
 * /run/husk-net-sysctls (forwarding.c). Called with the nftables lock held. */
int husk_net_forwarding_on(bool ipv6, struct husk_error *err);
/* Every recorded value put back, the record removed: with the last network (the table deleted). */
void husk_net_forwarding_restore(void);

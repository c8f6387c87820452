/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk's nftables rules, as nft command text (pure: generated here, run by nft.c). Everything lives in
 * one table of husk's own, `table inet husk`, so nothing else on the host is touched:
 *
 *   map ports         { inet_proto . inet_service : verdict }   published port -> jump p-<bridge>-<id>
 *   map from_bridge   { ifname : verdict }   a network's bridge -> jump n-<bridge> (masquerade out)
 *   map to_bridge     { ifname : verdict }   a network's bridge -> jump o-<bridge> (localhost in)
 *   chain prerouting  nat dstnat: fib daddr type local  meta l4proto . th dport vmap @ports
 *   chain output      nat -100:   the same, so the host itself reaches published ports
 *   chain postrouting nat srcnat: iifname vmap @from_bridge; oifname vmap @to_bridge
 *   chain n-<bridge>  ip saddr SUBNET masquerade; ip6 saddr SUBNET6 masquerade (outbound)
 *   chain o-<bridge>  ct status dnat ip saddr SUBNET masquerade (hairpin), the same for IPv6, and
 *                     ip saddr 127.0.0.0/8 masquerade (localhost, with route_localnet on the bridge)
 *   chain p-<bridge>-<container id>   the container's DNAT rules
 *   set bridges       { ifname }             every husk bridge
 *   map fwd_bridge    { ifname : verdict }   a network's bridge -> jump f-<bridge>
 *   chain forward     filter forward: iifname vmap @fwd_bridge
 *   chain f-<bridge>  isolation: to its own bridge accept; published ports (ct status dnat) accept; to
 *                     another husk bridge drop (an --internal network: to anything else drop)
 *
 * A container's rules are keyed by its chain and its map elements: removing them is deleting those,
 * with no rule handles to look up. `create element` fails when another container holds the port, and
 * a transaction is all or nothing, so a conflict leaves nothing half made.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "network/ports.h"
#include "network/prefix.h"

#define HUSK_NFT_TABLE "inet husk"

/* The table, maps and base chains (idempotent: the base rules are flushed and re-added). */
char *husk_nft_base_text(void);
/* A network's chains and map elements (idempotent). subnet6 may be NULL. internal: nothing forwarded
 * between the bridge and any other interface. */
char *husk_nft_network_text(const char *bridge, const struct husk_prefix *subnet, const struct husk_prefix *subnet6,
                            bool internal);
/* Removal, one command per line: each is run on its own so that one already gone does not stop the rest. */
char *husk_nft_network_del_text(const char *bridge);
/* The chain name of a container's published ports. */
void husk_nft_port_chain(const char *bridge, const char *ctr_id, char buf[static 128]);
/* A container's published ports: ip (and ip6, may be NULL) its addresses. Host ports must be set. */
char *husk_nft_publish_text(const char *bridge, const char *ctr_id, const char *ip, const char *ip6,
                            const struct husk_port *ports, size_t n);
/* "VERB element inet husk ports { tcp . 8080 }": get (to see whose it is) or delete one port's element. */
void husk_nft_port_cmd(const char *verb, const struct husk_port *p, char buf[static 128]);

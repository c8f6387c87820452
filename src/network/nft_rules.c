/* SPDX-License-Identifier: Apache-2.0 */
/* The text of husk's nftables table (nft_rules.h). */
#include "network/nft_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

/* An open_memstream buffer; NULL when out of memory. */
struct text {
        FILE *f;
        char *buf;
        size_t len;
};

static bool text_open(struct text *t)
{
        t->buf = NULL;
        t->f = open_memstream(&t->buf, &t->len);
        return t->f != NULL;
}

static char *text_close(struct text *t)
{
        bool bad = ferror(t->f);
        (void) fclose(t->f);
        if (bad) {
                free(t->buf);
                return NULL;
        }
        return t->buf;
}

char *husk_nft_base_text(void)
{
        struct text t;
        if (!text_open(&t))
                return NULL;
        fprintf(t.f,
                "add table " HUSK_NFT_TABLE "\n"
                "add map " HUSK_NFT_TABLE " ports { type inet_proto . inet_service : verdict ; }\n"
                "add map " HUSK_NFT_TABLE " from_bridge { type ifname : verdict ; }\n"
                "add map " HUSK_NFT_TABLE " to_bridge { type ifname : verdict ; }\n"
                "add map " HUSK_NFT_TABLE " fwd_bridge { type ifname : verdict ; }\n"
                "add set " HUSK_NFT_TABLE " bridges { type ifname ; }\n"
                "add chain " HUSK_NFT_TABLE " forward { type filter hook forward priority filter ; policy accept ; }\n"
                "add chain " HUSK_NFT_TABLE " prerouting { type nat hook prerouting priority dstnat ; policy accept ; }\n"
                "add chain " HUSK_NFT_TABLE " output { type nat hook output priority -100 ; policy accept ; }\n"
                "add chain " HUSK_NFT_TABLE " postrouting { type nat hook postrouting priority srcnat ; policy accept ; }\n"
                "flush chain " HUSK_NFT_TABLE " prerouting\n"
                "flush chain " HUSK_NFT_TABLE " output\n"
                "flush chain " HUSK_NFT_TABLE " postrouting\n"
                "flush chain " HUSK_NFT_TABLE " forward\n"
                "add rule " HUSK_NFT_TABLE " prerouting fib daddr type local meta l4proto . th dport vmap @ports\n"
                "add rule " HUSK_NFT_TABLE " output fib daddr type local meta l4proto . th dport vmap @ports\n"
                "add rule " HUSK_NFT_TABLE " postrouting iifname vmap @from_bridge\n"
                "add rule " HUSK_NFT_TABLE " postrouting oifname vmap @to_bridge\n"
                "add rule " HUSK_NFT_TABLE " forward iifname vmap @fwd_bridge\n");
        return text_close(&t);
}

char *husk_nft_network_text(const char *bridge, const struct husk_prefix *subnet, const struct husk_prefix *subnet6,
                            bool internal)
{
        char s4[HUSK_PREFIX_STRLEN], s6[HUSK_PREFIX_STRLEN];
        husk_prefix_format(subnet, s4);
        struct text t;
        if (!text_open(&t))
                return NULL;
        fprintf(t.f,
                "add chain " HUSK_NFT_TABLE " n-%1$s\n"
                "add chain " HUSK_NFT_TABLE " o-%1$s\n"
                "flush chain " HUSK_NFT_TABLE " n-%1$s\n"
                "flush chain " HUSK_NFT_TABLE " o-%1$s\n"
                "add rule " HUSK_NFT_TABLE " n-%1$s ip saddr %2$s masquerade\n",
                bridge, s4);
        if (subnet6) {
                husk_prefix_format(subnet6, s6);
                fprintf(t.f, "add rule " HUSK_NFT_TABLE " n-%s ip6 saddr %s masquerade\n", bridge, s6);
        }
        /* Hairpin: a container reaching a published port of its own network through a host address.
         * With br_netfilter loaded the DNATed packet is bridged, not routed, so its input interface is
         * unset in postrouting: matched on the way out to the bridge. */
        fprintf(t.f, "add rule " HUSK_NFT_TABLE " o-%s ct status dnat ip saddr %s masquerade\n", bridge, s4);
        if (subnet6)
                fprintf(t.f, "add rule " HUSK_NFT_TABLE " o-%s ct status dnat ip6 saddr %s masquerade\n", bridge, s6);
        fprintf(t.f,
                "add rule " HUSK_NFT_TABLE " o-%1$s ip saddr 127.0.0.0/8 masquerade\n"
                "add element " HUSK_NFT_TABLE " from_bridge { \"%1$s\" : jump n-%1$s }\n"
                "add element " HUSK_NFT_TABLE " to_bridge { \"%1$s\" : jump o-%1$s }\n"
                "add chain " HUSK_NFT_TABLE " f-%1$s\n"
                "flush chain " HUSK_NFT_TABLE " f-%1$s\n"
                "add rule " HUSK_NFT_TABLE " f-%1$s oifname \"%1$s\" accept\n",
                bridge);
        /* Isolation (Docker's DOCKER-ISOLATION chains): nothing forwarded from this network to another
         * husk network, but a published port (DNATed, its replies too) stays reachable from anywhere, as
         * Docker's userland proxy makes it. An internal network forwards nothing off its bridge. */
        if (internal)
                fprintf(t.f, "add rule " HUSK_NFT_TABLE " f-%s drop\n", bridge);
        else
                fprintf(t.f,
                        "add rule " HUSK_NFT_TABLE " f-%1$s ct status dnat accept\n"
                        "add rule " HUSK_NFT_TABLE " f-%1$s oifname @bridges drop\n",
                        bridge);
        fprintf(t.f,
                "add element " HUSK_NFT_TABLE " bridges { \"%1$s\" }\n"
                "add element " HUSK_NFT_TABLE " fwd_bridge { \"%1$s\" : jump f-%1$s }\n",
                bridge);
        return text_close(&t);
}

char *husk_nft_network_del_text(const char *bridge)
{
        struct text t;
        if (!text_open(&t))
                return NULL;
        fprintf(t.f,
                "delete element " HUSK_NFT_TABLE " from_bridge { \"%1$s\" }\n"
                "delete element " HUSK_NFT_TABLE " to_bridge { \"%1$s\" }\n"
                "delete element " HUSK_NFT_TABLE " fwd_bridge { \"%1$s\" }\n"
                "delete element " HUSK_NFT_TABLE " bridges { \"%1$s\" }\n"
                "delete chain " HUSK_NFT_TABLE " f-%1$s\n"
                "delete chain " HUSK_NFT_TABLE " n-%1$s\n"
                "delete chain " HUSK_NFT_TABLE " o-%1$s\n",
                bridge);
        return text_close(&t);
}

void husk_nft_port_chain(const char *bridge, const char *ctr_id, char buf[static 128])
{
        (void) snprintf(buf, 128, "p-%.15s-%.64s", bridge, ctr_id);
}

char *husk_nft_publish_text(const char *bridge, const char *ctr_id, const char *ip, const char *ip6,
                            const struct husk_port *ports, size_t n)
{
        char chain[128];
        husk_nft_port_chain(bridge, ctr_id, chain);
        struct text t;
        if (!text_open(&t))
                return NULL;
        fprintf(t.f, "add chain " HUSK_NFT_TABLE " %1$s\nflush chain " HUSK_NFT_TABLE " %1$s\n", chain);
        for (size_t i = 0; i < n; i++) {
                const struct husk_port *p = &ports[i];
                const char *proto = husk_port_proto_name(p->proto);
                bool host6 = strchr(p->host_ip, ':') != NULL;
                if (!host6)
                        fprintf(t.f, "add rule " HUSK_NFT_TABLE " %s meta nfproto ipv4 %s%s%s%s dport %u dnat ip to %s:%u\n",
                                chain, p->host_ip[0] ? "ip daddr " : "", p->host_ip, p->host_ip[0] ? " " : "", proto, (unsigned) p->host_port,
                                ip, (unsigned) p->port);
                if (ip6 && (!p->host_ip[0] || host6))
                        fprintf(t.f,
                                "add rule " HUSK_NFT_TABLE " %s meta nfproto ipv6 %s%s%s%s dport %u dnat ip6 to [%s]:%u\n",
                                chain, p->host_ip[0] ? "ip6 daddr " : "", p->host_ip, p->host_ip[0] ? " " : "", proto, (unsigned) p->host_port,
                                ip6, (unsigned) p->port);
        }
        for (size_t i = 0; i < n; i++) {
                fprintf(t.f, "create element " HUSK_NFT_TABLE " ports { %s . %u : jump %s }\n",
                        husk_port_proto_name(ports[i].proto), (unsigned) ports[i].host_port, chain);
        }
        return text_close(&t);
}

void husk_nft_port_cmd(const char *verb, const struct husk_port *p, char buf[static 128])
{
        (void) snprintf(buf, 128, "%s element " HUSK_NFT_TABLE " ports { %s . %u }", verb, husk_port_proto_name(p->proto),
                        (unsigned) p->host_port);
}

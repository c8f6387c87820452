/* SPDX-License-Identifier: Apache-2.0 */
/* nftables rule text and /etc/hosts entries (src/network/nft_rules.c, hosts.c). */
#include <stdlib.h>

#include "network/hosts.h"
#include "network/nft_rules.h"
#include "test.h"

TEST(base_is_idempotent_text)
{
        char *t = husk_nft_base_text();
        CHECK(t);
        /* The base chains are flushed before their rules are added: running it twice adds nothing. */
        CHECK_CONTAINS(t, "flush chain inet husk prerouting\n");
        CHECK_CONTAINS(t, "add rule inet husk prerouting fib daddr type local meta l4proto . th dport vmap @ports\n");
        CHECK_CONTAINS(t, "add rule inet husk output fib daddr type local");
        CHECK_CONTAINS(t, "add rule inet husk postrouting iifname vmap @from_bridge\n");
        free(t);
}

TEST(network_rules)
{
        struct husk_prefix s4, s6;
        CHECK(husk_prefix_parse("10.90.0.0/16", true, true, "x", &s4, NULL) == 0);
        CHECK(husk_prefix_parse("fd01:2:3:4::/64", true, true, "x", &s6, NULL) == 0);
        char *t = husk_nft_network_text("hk-abc", &s4, &s6, false);
        CHECK(t);
        CHECK_CONTAINS(t, "add rule inet husk n-hk-abc ip saddr 10.90.0.0/16 masquerade\n");
        CHECK_CONTAINS(t, "add rule inet husk n-hk-abc ip6 saddr fd01:2:3:4::/64 masquerade\n");
        CHECK_CONTAINS(t, "add rule inet husk o-hk-abc ip saddr 127.0.0.0/8 masquerade\n");
        CHECK_CONTAINS(t, "add rule inet husk o-hk-abc ct status dnat ip saddr 10.90.0.0/16 masquerade\n");
        CHECK_CONTAINS(t, "add rule inet husk o-hk-abc ct status dnat ip6 saddr fd01:2:3:4::/64 masquerade\n");
        CHECK_CONTAINS(t, "add element inet husk from_bridge { \"hk-abc\" : jump n-hk-abc }\n");
        /* Isolation: its own bridge, published ports, then no other husk bridge. */
        CHECK_CONTAINS(t, "add rule inet husk f-hk-abc oifname \"hk-abc\" accept\n"
                          "add rule inet husk f-hk-abc ct status dnat accept\n"
                          "add rule inet husk f-hk-abc oifname @bridges drop\n");
        CHECK_CONTAINS(t, "add element inet husk fwd_bridge { \"hk-abc\" : jump f-hk-abc }\n");
        free(t);
        t = husk_nft_network_text("hk-abc", &s4, NULL, true);
        CHECK(t && !strstr(t, "ip6"));
        /* --internal: nothing off the bridge. */
        CHECK_CONTAINS(t, "add rule inet husk f-hk-abc oifname \"hk-abc\" accept\nadd rule inet husk f-hk-abc drop\n");
        CHECK(!strstr(t, "ct status dnat accept"));
        free(t);
        t = husk_nft_network_del_text("hk-abc");
        CHECK_CONTAINS(t, "delete chain inet husk n-hk-abc\n");
        CHECK_CONTAINS(t, "delete element inet husk to_bridge { \"hk-abc\" }\n");
        CHECK_CONTAINS(t, "delete element inet husk bridges { \"hk-abc\" }\n");
        CHECK_CONTAINS(t, "delete chain inet husk f-hk-abc\n");
        free(t);
}

TEST(publish_rules)
{
        struct husk_port ports[3] = {
                { .proto = HUSK_PROTO_TCP, .host_port = 8080, .port = 80 },
                { .proto = HUSK_PROTO_UDP, .host_ip = "127.0.0.1", .host_port = 5353, .port = 53 },
                { .proto = HUSK_PROTO_TCP, .host_ip = "::1", .host_port = 8443, .port = 443 },
        };
        char *t = husk_nft_publish_text("husk0", "abcd", "10.88.0.2", "fd00::2", ports, 3);
        CHECK(t);
        CHECK_CONTAINS(t, "add chain inet husk p-husk0-abcd\nflush chain inet husk p-husk0-abcd\n");
        CHECK_CONTAINS(t, "p-husk0-abcd meta nfproto ipv4 tcp dport 8080 dnat ip to 10.88.0.2:80\n");
        CHECK_CONTAINS(t, "p-husk0-abcd meta nfproto ipv6 tcp dport 8080 dnat ip6 to [fd00::2]:80\n");
        CHECK_CONTAINS(t, "p-husk0-abcd meta nfproto ipv4 ip daddr 127.0.0.1 udp dport 5353 dnat ip to 10.88.0.2:53\n");
        CHECK(!strstr(t, "udp dport 5353 dnat ip6"));
        CHECK_CONTAINS(t, "meta nfproto ipv6 ip6 daddr ::1 tcp dport 8443 dnat ip6 to [fd00::2]:443\n");
        CHECK(!strstr(t, "tcp dport 8443 dnat ip to"));
        /* create, not add: a port another container holds fails the whole transaction. */
        CHECK_CONTAINS(t, "create element inet husk ports { tcp . 8080 : jump p-husk0-abcd }\n");
        CHECK_CONTAINS(t, "create element inet husk ports { udp . 5353 : jump p-husk0-abcd }\n");
        free(t);
        char cmd[128];
        husk_nft_port_cmd("delete", &ports[1], cmd);
        CHECK_STR_EQ(cmd, "delete element inet husk ports { udp . 5353 }");
        char chain[128];
        husk_nft_port_chain("husk0", "0123456789012345678901234567890123456789012345678901234567890123", chain);
        CHECK_STR_EQ(chain, "p-husk0-0123456789012345678901234567890123456789012345678901234567890123");
}

TEST(hosts_entries)
{
        struct husk_net_endpoint eps[3] = { 0 };
        strcpy(eps[0].ctr_id, "aaaaaaaaaaaaaaaa");
        strcpy(eps[0].name, "web");
        strcpy(eps[0].ip, "10.90.0.2");
        strcpy(eps[0].ip6, "fd01::2");
        strcpy(eps[1].ctr_id, "bbbbbbbbbbbbbbbb");
        strcpy(eps[1].name, "db");
        strcpy(eps[1].ip, "10.90.0.3");
        strcpy(eps[2].ctr_id, "cccccccccccccccc");
        strcpy(eps[2].ip, "10.90.0.4");       /* no name: no entry */
        const char *old = "127.0.0.1\tlocalhost\n10.90.0.9\tgone bbbbbbbbbbbb\t# husk:n1\n10.1.0.2\tx\t# husk:n2\n";
        char *t = husk_hosts_text(old, "n1", "bbbbbbbbbbbbbbbb", eps, 3);
        CHECK_STR_EQ(t, "127.0.0.1\tlocalhost\n10.1.0.2\tx\t# husk:n2\n10.90.0.2\tweb aaaaaaaaaaaa\t# husk:n1\n"
                        "fd01::2\tweb aaaaaaaaaaaa\t# husk:n1\n");
        free(t);
        t = husk_hosts_text(old, "n2", NULL, NULL, 0);
        CHECK_STR_EQ(t, "127.0.0.1\tlocalhost\n10.90.0.9\tgone bbbbbbbbbbbb\t# husk:n1\n");
        free(t);
}

RUN_TESTS()

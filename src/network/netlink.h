/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtnetlink over libmnl: the links, addresses, routes and qdiscs the network layer makes. A socket is
 * opened in our network namespace or in another one (a container's, by an fd of /proc/PID/ns/net): a
 * netlink socket stays in the namespace it was made in, so one made by a short-lived thread that
 * setns()'d there configures that namespace without moving the caller. Never runs `ip`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network/prefix.h"
#include "util/error.h"

struct mnl_socket;

struct husk_nl {
        struct mnl_socket *sock;
        unsigned seq;
        unsigned portid;
};

/* netns_fd < 0: our own namespace. */
int husk_nl_open(struct husk_nl *nl, int netns_fd, struct husk_error *err);
void husk_nl_close(struct husk_nl *nl);

/* ifindex of a link by name: > 0, or -ENODEV. */
int husk_nl_link_index(struct husk_nl *nl, const char *name);
int husk_nl_bridge_add(struct husk_nl *nl, const char *name, struct husk_error *err);
/* An ifb (intermediate functional block): a link whose egress qdisc shapes what is redirected to it. */
int husk_nl_ifb_add(struct husk_nl *nl, const char *name, struct husk_error *err);
/* A veth pair: host_name here, peer_name made directly in peer_netns_fd (no rename, never visible on
 * the host), with peer_mac (6 bytes, or NULL). */
int husk_nl_veth_add(struct husk_nl *nl, const char *host_name, const char *peer_name, int peer_netns_fd,
                     const uint8_t *peer_mac, struct husk_error *err);
/* Up, and enslaved to master (ifindex > 0) in the same request. */
int husk_nl_link_up(struct husk_nl *nl, int ifindex, int master, struct husk_error *err);
/* Delete a link by name; -ENODEV (no message) when there is none. */
int husk_nl_link_del(struct husk_nl *nl, const char *name, struct husk_error *err);
/* An address on a link (IPv6 without duplicate address detection: usable at once). */
int husk_nl_addr_add(struct husk_nl *nl, int ifindex, int family, const uint8_t *addr, unsigned prefix_len,
                     struct husk_error *err);
int husk_nl_route_default(struct husk_nl *nl, int ifindex, int family, const uint8_t *gateway,
                          struct husk_error *err);
/* The destinations of the main table's routes of one family (what a new subnet must not overlap).
 * *ret is malloc'd. */
int husk_nl_routes(struct husk_nl *nl, int family, struct husk_prefix **ret, size_t *ret_n, struct husk_error *err);
/* A tbf root qdisc limiting the link's egress to rate bytes/s. */
int husk_nl_tbf(struct husk_nl *nl, int ifindex, uint64_t rate, struct husk_error *err);
/* Everything arriving on ifindex redirected to the egress of to_ifindex (an ifb with a tbf): an ingress
 * qdisc and a match-all u32 filter with a mirred action. Both go with the link when it is deleted. */
int husk_nl_ingress_redirect(struct husk_nl *nl, int ifindex, int to_ifindex, struct husk_error *err);

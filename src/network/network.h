/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bridge networks of the engine (libhusk_network, linked by `husk` only, never by husk-runtime).
 *
 * Layout under <storage root>/networks/ (dirfd below):
 *   lock                        flock(2) around network create/remove (subnet choice spans networks)
 *   <name>/network.json         the network (name, bridge, subnets, gateways), written before the bridge
 *   <name>/lock                 flock(2) around every change of the endpoints (IPAM)
 *   <name>/endpoints/<id>.json  a container's attachment: its addresses, veth, MAC, published ports and
 *                               bandwidth. The set of these records is the address allocation (IPAM):
 *                               an address is taken exactly while a record names it, and a record is
 *                               written, under the lock, before anything it names is made, so a killed
 *                               husk leaves a record the next detach (rm) undoes completely.
 * What is made on the host: the bridge (the default network "husk": husk0; others: hk-<hash of name>)
 * with the gateways .1 and ::1, a veth pair per attachment (host side hk<hash>, container side eth0
 * made directly in the container's namespace), husk's nftables table (nft_rules.h), tbf qdiscs and an
 * ifb per bandwidth-limited attachment (hb<hash>, what the container sends is shaped there), and
 * the sysctls net.ipv4.ip_forward=1 and net.ipv6.conf.all.forwarding=1 (only when off, recorded in
 * /run/husk-net-sysctls and put back with the last network: forwarding.c) and route_localnet on the
 * bridge (published ports reached at 127.0.0.1).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network/ports.h"
#include "network/prefix.h"
#include "util/error.h"

#define HUSK_NET_DEFAULT "husk"
#define HUSK_NET_DEFAULT_BRIDGE "husk0"
#define HUSK_NET_NAME_MAX 64

struct husk_network {
        char name[HUSK_NET_NAME_MAX + 1];
        char bridge[16];
        struct husk_prefix subnet;      /* IPv4 */
        bool has_ipv6;
        struct husk_prefix subnet6;     /* a ULA /64 */
        bool internal;                  /* no traffic off the bridge (--internal) */
        int64_t created;                /* ns since the epoch */
};

struct husk_net_create_opts {
        const char *subnet;     /* NULL: the first free private /16 */
        const char *bridge;     /* NULL: husk0 for "husk", hk-<hash> otherwise */
        bool no_ipv6;
        bool internal;
};

/* <storage_root>/networks (made when create). */
int husk_net_dir_open(const char *storage_root, bool create, int *ret_fd, struct husk_error *err);

/* A network name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 64 bytes; "none", "host", "bridge" are reserved. */
int husk_net_name_validate(const char *name, struct husk_error *err);

/* Record a new network and make its bridge and rules. -EEXIST "network X already exists". */
int husk_net_create(int dirfd, const char *name, const struct husk_net_create_opts *o, struct husk_network *ret,
                    struct husk_error *err);
/* The record. -ENOENT "network X not found". */
int husk_net_get(int dirfd, const char *name, struct husk_network *ret, struct husk_error *err);
/* The record of name, the default network created on first use. */
int husk_net_get_or_default(int dirfd, const char *name, struct husk_network *ret, struct husk_error *err);
/* Bridge, addresses, sysctls and nftables rules of a recorded network, made again where missing (after
 * a reboot, or a killed create). Idempotent. */
int husk_net_setup(const struct husk_network *n, struct husk_error *err);
/* Names, sorted. */
int husk_net_list(int dirfd, char ***ret, struct husk_error *err);
/* Remove a network with no endpoints (-EBUSY "network X has active endpoints (c1, c2)"). */
int husk_net_remove(int dirfd, const char *name, struct husk_error *err);

int husk_net_to_json(const struct husk_network *n, char **ret);

/* ---- endpoints (endpoint.c) ---- */
struct husk_net_endpoint {
        char network[HUSK_NET_NAME_MAX + 1];
        char ctr_id[65];
        char name[256];         /* the container's name: its hosts entry on the network, "" for none */
        char veth[16];          /* host side */
        char ifname[16];        /* container side */
        char ip[HUSK_PREFIX_STRLEN], ip6[HUSK_PREFIX_STRLEN]; /* ip6 "" without IPv6 */
        char mac[18];
        struct husk_port *ports;
        size_t n_ports;
        uint64_t bandwidth;     /* bytes/s each way, 0: none */
        char *hosts_path;       /* the container's hosts file, kept current for user-defined networks */
};
void husk_net_endpoint_done(struct husk_net_endpoint *ep);

struct husk_attach_opts {
        const char *name;               /* container name (hosts entries), may be NULL */
        const char *ip;                 /* --ip, NULL: allocated */
        const char *mac;                /* --mac-address, NULL: 02:42 + the IPv4 address, as Docker */
        const char *ifname;             /* NULL: eth0 */
        const struct husk_port *ports;  /* host_port 0: a free one is picked */
        size_t n_ports;
        uint64_t bandwidth;             /* bytes/s, 0: none */
        const char *hosts_path;         /* NULL: no hosts entries kept */
};

/* Connect the network namespace netns_fd (a container's) to a network. On failure nothing is left. */
int husk_net_attach(int dirfd, const char *network, const char *ctr_id, int netns_fd,
                    const struct husk_attach_opts *o, struct husk_net_endpoint *ret, struct husk_error *err);
/* Undo an attachment: veth, rules, qdiscs, the address. Works with the container's namespace gone and
 * after a husk killed half way. -ENOENT "container X is not connected to network Y". */
int husk_net_detach(int dirfd, const char *network, const char *ctr_id, struct husk_error *err);
/* The endpoints of a network (sorted by container id). */
int husk_net_endpoints(int dirfd, const char *network, struct husk_net_endpoint **ret, size_t *ret_n,
                       struct husk_error *err);
void husk_net_endpoints_free(struct husk_net_endpoint *v, size_t n);
/* The networks a container is connected to (names, NULL-terminated). */
int husk_net_ctr_networks(int dirfd, const char *ctr_id, char ***ret, struct husk_error *err);
int husk_net_endpoint_to_json(const struct husk_net_endpoint *ep, char **ret);

/* ---- IPAM (ipam.c, pure) ---- */
/* The host number to give a new endpoint: want (> 0, --ip) when free, else the lowest free from 2 (1 is
 * the gateway). used: the numbers taken. -EADDRINUSE / -ERANGE / -ENOSPC with a message. */
int husk_ipam_pick(const struct husk_prefix *subnet, const uint64_t *used, size_t n_used, uint64_t want,
                   uint64_t *ret, struct husk_error *err);

/* ---- host ports (port_check.c) ---- */
/* A free host port (bind to port 0, the kernel's choice) for p's protocol and address. */
int husk_port_pick_free(struct husk_port *p, struct husk_error *err);
/* A port of p's host range (host_port..host_port_end) that no host process holds and that is not in
 * published (the listing of husk's ports map, may be NULL); host_port set, host_port_end cleared. */
int husk_port_pick_in_range(struct husk_port *p, const char *published, struct husk_error *err);
/* -EADDRINUSE when a process on the host holds p's host port. */
int husk_port_check_host(const struct husk_port *p, struct husk_error *err);

/* ---- bandwidth ---- */
/* tc's rate units: bit, kbit, mbit, gbit (bits/s, powers of 1000) or bps, kbps, mbps, gbps (bytes/s);
 * "10mbit", "1.5mbit", "500kbps"; a bare number is bytes/s. Result in bytes/s (at least 1000). */
int husk_rate_parse(const char *s, uint64_t *ret, struct husk_error *err);

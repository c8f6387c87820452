/* SPDX-License-Identifier: Apache-2.0 */
/* Containers attached to networks: records (the IPAM state), veths, addresses, routes, ports (network.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "network/hosts.h"
#include "network/netlink.h"
#include "network/network.h"
#include "network/network_internal.h"
#include "network/nft.h"
#include "network/nft_rules.h"
#include "util/cleanup.h"
#include "util/fs.h"

void husk_net_endpoint_done(struct husk_net_endpoint *ep)
{
        free(ep->ports);
        free(ep->hosts_path);
        ep->ports = NULL;
        ep->hosts_path = NULL;
}

void husk_net_endpoints_free(struct husk_net_endpoint *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                husk_net_endpoint_done(&v[i]);
        free(v);
}

int husk_net_endpoint_to_json(const struct husk_net_endpoint *ep, char **ret)
{
        json_t *ports = json_array();
        for (size_t i = 0; ports && i < ep->n_ports; i++) {
                const struct husk_port *p = &ep->ports[i];
                (void) json_array_append_new(ports, json_pack("{s:s, s:s, s:i, s:i}", "proto", husk_port_proto_name(p->proto),
                                                               "host_ip", p->host_ip, "host_port", (int) p->host_port,
                                                               "port", (int) p->port));
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:s*}", "network", ep->network,
                              "container", ep->ctr_id, "name", ep->name, "veth", ep->veth, "ifname", ep->ifname, "ip",
                              ep->ip, "ip6", ep->ip6, "mac", ep->mac, "ports", ports, "bandwidth",
                              (json_int_t) ep->bandwidth, "hosts_path", ep->hosts_path);
        if (!o)
                return -ENOMEM;
        *ret = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(o);
        return *ret ? 0 : -ENOMEM;
}

static int copy_field(char *dst, size_t size, const char *src)
{
        if (!src || strlen(src) >= size)
                return -EINVAL;
        strcpy(dst, src);
        return 0;
}

static int endpoint_from_json(const char *data, struct husk_net_endpoint *ret)
{
        json_t *o = json_loads(data, 0, NULL);
        if (!o)
                return -EINVAL;
        const char *net = NULL, *ctr = NULL, *name = NULL, *veth = NULL, *ifname = NULL, *ip = NULL, *ip6 = NULL,
                   *mac = NULL, *hosts = NULL;
        json_t *ports = NULL;
        json_int_t bw = 0;
        struct husk_net_endpoint ep = { 0 };
        int r = json_unpack(o, "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s?:s}", "network", &net, "container",
                            &ctr, "name", &name, "veth", &veth, "ifname", &ifname, "ip", &ip, "ip6", &ip6, "mac", &mac,
                            "ports", &ports, "bandwidth", &bw, "hosts_path", &hosts);
        if (r < 0 || !json_is_array(ports) || copy_field(ep.network, sizeof(ep.network), net) < 0 ||
            copy_field(ep.ctr_id, sizeof(ep.ctr_id), ctr) < 0 || copy_field(ep.name, sizeof(ep.name), name) < 0 ||
            copy_field(ep.veth, sizeof(ep.veth), veth) < 0 || copy_field(ep.ifname, sizeof(ep.ifname), ifname) < 0 ||
            copy_field(ep.ip, sizeof(ep.ip), ip) < 0 || copy_field(ep.ip6, sizeof(ep.ip6), ip6) < 0 ||
            copy_field(ep.mac, sizeof(ep.mac), mac) < 0 || bw < 0) {
                json_decref(o);
                return -EINVAL;
        }
        ep.bandwidth = (uint64_t) bw;
        ep.n_ports = json_array_size(ports);
        ep.ports = calloc(ep.n_ports + 1, sizeof(*ep.ports));
        ep.hosts_path = hosts ? strdup(hosts) : NULL;
        r = ep.ports && (!hosts || ep.hosts_path) ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < ep.n_ports; i++) {
                const char *proto = NULL, *hip = NULL;
                int hp = 0, cp = 0;
                if (json_unpack(json_array_get(ports, i), "{s:s, s:s, s:i, s:i}", "proto", &proto, "host_ip", &hip,
                                "host_port", &hp, "port", &cp) < 0 ||
                    copy_field(ep.ports[i].host_ip, sizeof(ep.ports[i].host_ip), hip) < 0 || hp < 0 || hp > 65535 ||
                    cp < 1 || cp > 65535) {
                        r = -EINVAL;
                        break;
                }
                ep.ports[i].proto = strcmp(proto, "udp") == 0 ? HUSK_PROTO_UDP : HUSK_PROTO_TCP;
                ep.ports[i].host_port = (uint16_t) hp;
                ep.ports[i].port = (uint16_t) cp;
        }
        json_decref(o);
        if (r < 0) {
                husk_net_endpoint_done(&ep);
                return r;
        }
        *ret = ep;
        return 0;
}

static int read_endpoint(int dirfd, const char *network, const char *ctr_id, struct husk_net_endpoint *ret,
                         struct husk_error *err)
{
        char path[HUSK_NET_NAME_MAX + 128];
        (void) snprintf(path, sizeof(path), "%s/endpoints/%s.json", network, ctr_id);
        _cleanup_free_ char *data = NULL;
        int r = husk_read_file_at(dirfd, path, &data, NULL, NULL);
        if (r == -ENOENT)
                return husk_error_set(err, ENOENT, "container %.12s is not connected to network %s", ctr_id, network);
        if (r < 0)
                return husk_error_errno(err, -r, "read networks/%s", path);
        if (endpoint_from_json(data, ret) < 0)
                return husk_error_set(err, EINVAL, "networks/%s: invalid record", path);
        return 0;
}

static int cmp_ep(const void *a, const void *b)
{
        return strcmp(((const struct husk_net_endpoint *) a)->ctr_id, ((const struct husk_net_endpoint *) b)->ctr_id);
}

int husk_net_endpoints(int dirfd, const char *network, struct husk_net_endpoint **ret, size_t *ret_n,
                       struct husk_error *err)
{
        char path[HUSK_NET_NAME_MAX + 32];
        (void) snprintf(path, sizeof(path), "%s/endpoints", network);
        int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return husk_error_errno(err, errno, "open networks/%s", path);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(err, errno, "open networks/%s", path);
        }
        struct husk_net_endpoint *v = NULL;
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l != 64 + 5 || strcmp(de->d_name + 64, ".json") != 0)
                        continue;
                char id[65];
                memcpy(id, de->d_name, 64);
                id[64] = '\0';
                struct husk_net_endpoint ep;
                int r = read_endpoint(dirfd, network, id, &ep, err);
                if (r == -ENOENT)
                        continue;
                struct husk_net_endpoint *nv = r < 0 ? NULL : realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        if (r == 0)
                                husk_net_endpoint_done(&ep);
                        husk_net_endpoints_free(v, n);
                        return r < 0 ? r : husk_error_errno(err, ENOMEM, "endpoints");
                }
                v = nv;
                v[n++] = ep;
        }
        if (n)
                qsort(v, n, sizeof(*v), cmp_ep);
        *ret = v;
        *ret_n = n;
        return 0;
}

int husk_net_ctr_networks(int dirfd, const char *ctr_id, char ***ret, struct husk_error *err)
{
        _cleanup_strv_ char **names = NULL;
        int r = husk_net_list(dirfd, &names, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        size_t n = 0;
        if (!v)
                return husk_error_errno(err, ENOMEM, "networks");
        for (char **p = names; *p; p++) {
                char path[HUSK_NET_NAME_MAX + 128];
                (void) snprintf(path, sizeof(path), "%s/endpoints/%s.json", *p, ctr_id);
                if (faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                char **nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv)
                        return husk_error_errno(err, ENOMEM, "networks");
                v = nv;
                if (!(v[n] = strdup(*p)))
                        return husk_error_errno(err, ENOMEM, "networks");
                v[++n] = NULL;
        }
        *ret = steal_ptr(v);
        return 0;
}

static int write_endpoint(int dirfd, const struct husk_net_endpoint *ep, struct husk_error *err)
{
        _cleanup_free_ char *json = NULL;
        if (husk_net_endpoint_to_json(ep, &json) < 0)
                return husk_error_errno(err, ENOMEM, "endpoint");
        char path[HUSK_NET_NAME_MAX + 128];
        (void) snprintf(path, sizeof(path), "%s/endpoints/%s.json", ep->network, ep->ctr_id);
        /* Not synced: a record describes a veth, rules and qdiscs that a reboot removes anyway, and
         * after a crash short of one, the rename is in place before anything it names is made. */
        return husk_write_file_atomic_at(dirfd, path, json, strlen(json), 0600, false, err);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
        unsigned b[6];
        char end;
        if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6 ||
            strlen(s) != 17)
                return -EINVAL;
        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t) b[i];
        /* A multicast address cannot be a NIC's. */
        return (mac[0] & 1) ? -EINVAL : 0;
}

/* The ports other containers publish (husk's map, every network's), for a host port picked in a range:
 * "" when there is no table yet. */
static int list_published(char **ret, struct husk_error *err)
{
        _cleanup_(husk_nft_closep) struct husk_nft *nft = NULL;
        int r = husk_nft_open(&nft, err);
        if (r < 0)
                return r;
        char *out = NULL;
        if (husk_nft_run_output(nft, "list map " HUSK_NFT_TABLE " ports", &out, NULL) < 0) {
                free(out);
                out = NULL;
        }
        *ret = out ? out : strdup("");
        return *ret ? 0 : husk_error_errno(err, ENOMEM, "ports");
}

/* Under the network's lock: the addresses, names and ports of a new endpoint, and its record. */
static int reserve(int dirfd, const struct husk_network *n, const char *ctr_id, const struct husk_attach_opts *o,
                   struct husk_net_endpoint *ep, struct husk_error *err)
{
        struct husk_net_endpoint *eps = NULL;
        size_t n_eps = 0;
        int r = husk_net_endpoints(dirfd, n->name, &eps, &n_eps, err);
        if (r < 0)
                return r;
        _cleanup_free_ uint64_t *used = calloc(n_eps + 1, sizeof(*used));
        for (size_t i = 0; used && i < n_eps; i++) {
                uint8_t a[16];
                int family;
                if (strcmp(eps[i].ctr_id, ctr_id) == 0)
                        r = husk_error_set(err, EEXIST, "container %.12s is already connected to network %s", ctr_id,
                                           n->name);
                else if (husk_addr_parse(eps[i].ip, &family, a) == 0 && family == AF_INET)
                        used[i] = (uint64_t) husk_prefix_host_number(&n->subnet, a);
        }
        husk_net_endpoints_free(eps, n_eps);
        if (!used)
                return husk_error_errno(err, ENOMEM, "ipam");
        if (r < 0)
                return r;
        uint64_t want = 0, num = 0;
        if (o->ip) {
                uint8_t a[16];
                int family;
                if (husk_addr_parse(o->ip, &family, a) < 0 || family != AF_INET)
                        return husk_error_set(err, EINVAL, "--ip %s: not an IPv4 address", o->ip);
                int64_t h = husk_prefix_host_number(&n->subnet, a);
                if (h <= 0) {
                        char s[HUSK_PREFIX_STRLEN];
                        husk_prefix_format(&n->subnet, s);
                        return husk_error_set(err, EINVAL, "--ip %s: not in network %s's subnet %s", o->ip, n->name, s);
                }
                want = (uint64_t) h;
        }
        r = husk_ipam_pick(&n->subnet, used, n_eps, want, &num, err);
        if (r < 0)
                return o->ip ? husk_error_prefix(err, "%s: ", o->ip) : r;
        uint8_t a[16];
        (void) husk_prefix_host(&n->subnet, num, a);
        husk_addr_format(AF_INET, a, ep->ip);
        if (n->has_ipv6 && husk_prefix_host(&n->subnet6, num, a) == 0)
                husk_addr_format(AF_INET6, a, ep->ip6);
        if (o->mac) {
                uint8_t m[6];
                if (parse_mac(o->mac, m) < 0)
                        return husk_error_set(err, EINVAL, "--mac-address %s: not a unicast MAC address (xx:xx:xx:xx:xx:xx)",
                                              o->mac);
                (void) snprintf(ep->mac, sizeof(ep->mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
        } else {
                (void) husk_prefix_host(&n->subnet, num, a);
                (void) snprintf(ep->mac, sizeof(ep->mac), "02:42:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3]);
        }
        _cleanup_free_ char *published = NULL;
        for (size_t i = 0; i < ep->n_ports; i++) {
                if (ep->ports[i].host_port_end && !published && (r = list_published(&published, err)) < 0)
                        return r;
                if (ep->ports[i].host_port_end)
                        r = husk_port_pick_in_range(&ep->ports[i], published, err);
                else if (ep->ports[i].host_port == 0)
                        r = husk_port_pick_free(&ep->ports[i], err);
                else
                        r = husk_port_check_host(&ep->ports[i], err);
                if (r < 0)
                        return r;
        }
        return write_endpoint(dirfd, ep, err);
}

/* The container's side: lo and the interface up, addresses, default routes. */
static int setup_inside(int netns_fd, const struct husk_network *n, const struct husk_net_endpoint *ep,
                        struct husk_error *err)
{
        struct husk_nl nl;
        int r = husk_nl_open(&nl, netns_fd, err);
        if (r < 0)
                return r;
        int lo = husk_nl_link_index(&nl, "lo"), idx = husk_nl_link_index(&nl, ep->ifname);
        uint8_t a[16], gw[16];
        int family;
        if (lo < 0 || idx < 0)
                r = husk_error_errno(err, -(lo < 0 ? lo : idx), "find %s in the container", lo < 0 ? "lo" : ep->ifname);
        if (r == 0)
                r = husk_nl_link_up(&nl, lo, 0, err);
        if (r == 0 && (r = husk_addr_parse(ep->ip, &family, a)) == 0)
                r = husk_nl_addr_add(&nl, idx, AF_INET, a, n->subnet.len, err);
        if (r == 0 && ep->ip6[0] && (r = husk_addr_parse(ep->ip6, &family, a)) == 0)
                r = husk_nl_addr_add(&nl, idx, AF_INET6, a, n->subnet6.len, err);
        if (r == 0)
                r = husk_nl_link_up(&nl, idx, 0, err);
        /* A second network adds no default route: the first one keeps it, as with Docker. */
        bool first = strcmp(ep->ifname, "eth0") == 0;
        if (r == 0 && first && husk_prefix_host(&n->subnet, 1, gw) == 0)
                r = husk_nl_route_default(&nl, idx, AF_INET, gw, err);
        if (r == 0 && first && ep->ip6[0] && husk_prefix_host(&n->subnet6, 1, gw) == 0)
                r = husk_nl_route_default(&nl, idx, AF_INET6, gw, err);
        husk_nl_close(&nl);
        return r;
}

/* The ifb shaping what the container sends: hb + the veth's hash. */
static void ifb_name(const struct husk_network *n, const char *ctr_id, char ret[static 16])
{
        husk_net_hash_name(n->name, ctr_id, ret, "hb");
}

/* --network-bandwidth, both directions on the host side, out of reach of anything in the container
 * (even with CAP_NET_ADMIN there): a tbf on the veth's host end shapes what goes to the container; what
 * the container sends arrives on that end's ingress, where a qdisc cannot queue, so it is redirected to
 * an ifb of its own whose tbf shapes it (a policer would drop instead of queueing, and TCP through a
 * policer runs well under the rate). */
static int limit_host_side(struct husk_nl *nl, const struct husk_network *n, const struct husk_net_endpoint *ep,
                           int veth_index, struct husk_error *err)
{
        char ifb[16];
        ifb_name(n, ep->ctr_id, ifb);
        int r = husk_nl_tbf(nl, veth_index, ep->bandwidth, err);
        if (r == 0)
                r = husk_nl_ifb_add(nl, ifb, err);
        int fi = r == 0 ? husk_nl_link_index(nl, ifb) : 0;
        if (r == 0 && fi < 0)
                r = husk_error_errno(err, -fi, "find %s", ifb);
        if (r == 0)
                r = husk_nl_tbf(nl, fi, ep->bandwidth, err);
        if (r == 0)
                r = husk_nl_link_up(nl, fi, 0, err);
        if (r == 0)
                r = husk_nl_ingress_redirect(nl, veth_index, fi, err);
        return r;
}

/* The first ethN the container's namespace does not have yet. */
static int free_ifname(int netns_fd, char ret[16], struct husk_error *err)
{
        struct husk_nl nl;
        int r = husk_nl_open(&nl, netns_fd, err);
        if (r < 0)
                return r;
        for (int i = 0; i < 100; i++) {
                (void) snprintf(ret, 16, "eth%d", i);
                if (husk_nl_link_index(&nl, ret) == -ENODEV) {
                        husk_nl_close(&nl);
                        return 0;
                }
        }
        husk_nl_close(&nl);
        return husk_error_set(err, ENOSPC, "no free ethN name in the container");
}

static int publish(const struct husk_network *n, const struct husk_net_endpoint *ep, struct husk_error *err)
{
        if (ep->n_ports == 0)
                return 0;
        _cleanup_(husk_nft_closep) struct husk_nft *nft = NULL;
        int r = husk_nft_open(&nft, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = husk_nft_publish_text(n->bridge, ep->ctr_id, ep->ip, ep->ip6[0] ? ep->ip6 : NULL,
                                                          ep->ports, ep->n_ports);
        if (!text)
                return husk_error_errno(err, ENOMEM, "publish");
        r = husk_nft_run(nft, text, err);
        if (r != -EEXIST)
                return r;
        /* Name the port another container holds. */
        for (size_t i = 0; i < ep->n_ports; i++) {
                char cmd[128];
                husk_nft_port_cmd("get", &ep->ports[i], cmd);
                if (husk_nft_run(nft, cmd, NULL) == 0)
                        return husk_error_set(err, EADDRINUSE, "publish %u/%s: the host port is already published by another container",
                                              (unsigned) ep->ports[i].host_port, husk_port_proto_name(ep->ports[i].proto));
        }
        return r;
}

/* Ports, veth (and with it the qdiscs, the redirect and the container's side), the ifb, whatever of them exists. */
static void unmake(const struct husk_network *n, const struct husk_net_endpoint *ep)
{
        struct husk_nl nl;
        struct husk_error ignored;
        if (husk_nl_open(&nl, -1, &ignored) == 0) {
                (void) husk_nl_link_del(&nl, ep->veth, &ignored);
                if (ep->bandwidth) {
                        char ifb[16];
                        ifb_name(n, ep->ctr_id, ifb);
                        (void) husk_nl_link_del(&nl, ifb, &ignored);
                }
                husk_nl_close(&nl);
        }
        if (ep->n_ports == 0)
                return;
        _cleanup_(husk_nft_closep) struct husk_nft *nft = NULL;
        if (husk_nft_open(&nft, &ignored) < 0)
                return;
        char chain[128];
        husk_nft_port_chain(n->bridge, ep->ctr_id, chain);
        /* Only our own elements: after a failed publish a port may be another container's. One listing
         * and one transaction, whatever the number of ports. */
        _cleanup_free_ char *map = NULL;
        if (husk_nft_run_output(nft, "list map " HUSK_NFT_TABLE " ports", &map, &ignored) < 0)
                return;
        char *cmds = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&cmds, &len);
        if (!f)
                return;
        for (size_t i = 0; map && i < ep->n_ports; i++) {
                char elem[200], cmd[128];
                (void) snprintf(elem, sizeof(elem), "%s . %u : jump %s", husk_port_proto_name(ep->ports[i].proto),
                                (unsigned) ep->ports[i].host_port, chain);
                if (!strstr(map, elem))
                        continue;
                husk_nft_port_cmd("delete", &ep->ports[i], cmd);
                fprintf(f, "%s\n", cmd);
        }
        fprintf(f, "delete chain " HUSK_NFT_TABLE " %s\n", chain);
        if (fclose(f) != 0) {
                free(cmds);
                return;
        }
        _cleanup_free_ char *text = cmds;
        /* A chain already gone (a second detach) fails the transaction: each line then on its own. */
        if (husk_nft_run(nft, text, &ignored) < 0)
                husk_nft_run_each(nft, text);
}

static int hosts_update_locked(int dirfd, const struct husk_network *n)
{
        if (strcmp(n->name, HUSK_NET_DEFAULT) == 0)
                return 0;       /* Docker's default bridge has no name resolution either */
        struct husk_net_endpoint *eps = NULL;
        size_t n_eps = 0;
        if (husk_net_endpoints(dirfd, n->name, &eps, &n_eps, NULL) < 0)
                return 0;
        husk_hosts_update(n->name, eps, n_eps);
        husk_net_endpoints_free(eps, n_eps);
        return 0;
}

static int detach_locked(int dirfd, const struct husk_network *n, const struct husk_net_endpoint *ep, struct husk_error *err)
{
        unmake(n, ep);
        char path[HUSK_NET_NAME_MAX + 128];
        (void) snprintf(path, sizeof(path), "%s/endpoints/%s.json", n->name, ep->ctr_id);
        if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "remove networks/%s", path);
        if (ep->hosts_path)
                husk_hosts_remove_network(ep->hosts_path, n->name);
        return hosts_update_locked(dirfd, n);
}

int husk_net_attach(int dirfd, const char *network, const char *ctr_id, int netns_fd,
                    const struct husk_attach_opts *o, struct husk_net_endpoint *ret, struct husk_error *err)
{
        struct husk_network n;
        int r = husk_net_get_or_default(dirfd, network, &n, err);
        if (r < 0)
                return r;
        if (strlen(ctr_id) != 64)
                return husk_error_set(err, EINVAL, "attach: container id must be 64 characters");
        struct husk_net_endpoint ep = { 0 };
        strcpy(ep.network, n.name);
        strcpy(ep.ctr_id, ctr_id);
        if (o->name && copy_field(ep.name, sizeof(ep.name), o->name) < 0)
                return husk_error_set(err, EINVAL, "attach: container name too long");
        husk_net_hash_name(n.name, ctr_id, ep.veth, "hk");
        if (o->ifname) {
                if (copy_field(ep.ifname, sizeof(ep.ifname), o->ifname) < 0)
                        return husk_error_set(err, EINVAL, "attach: interface name %s too long", o->ifname);
        } else if ((r = free_ifname(netns_fd, ep.ifname, err)) < 0) {
                return r;
        }
        ep.bandwidth = o->bandwidth;
        ep.n_ports = o->n_ports;
        ep.ports = calloc(o->n_ports + 1, sizeof(*ep.ports));
        if (!ep.ports)
                return husk_error_errno(err, ENOMEM, "attach");
        if (o->n_ports)
                memcpy(ep.ports, o->ports, o->n_ports * sizeof(*ep.ports));
        if (o->hosts_path && !(ep.hosts_path = strdup(o->hosts_path))) {
                husk_net_endpoint_done(&ep);
                return husk_error_errno(err, ENOMEM, "attach");
        }
        char lock_path[HUSK_NET_NAME_MAX + 32];
        (void) snprintf(lock_path, sizeof(lock_path), "%s/lock", n.name);
        {
                _cleanup_close_ int lock = husk_net_lock_at(dirfd, lock_path, err);
                if (lock < 0) {
                        husk_net_endpoint_done(&ep);
                        return lock;
                }
                r = reserve(dirfd, &n, ctr_id, o, &ep, err);
                if (r < 0) {
                        husk_net_endpoint_done(&ep);
                        return r;
                }
        }
        /* The record is written: from here every failure is undone by detach. The bridge may be gone
         * (a reboot: links and rules are not persistent, records are). */
        struct husk_nl nl;
        int br = -1;
        r = husk_nl_open(&nl, -1, err);
        if (r == 0) {
                br = husk_nl_link_index(&nl, n.bridge);
                if (br == -ENODEV) {
                        husk_nl_close(&nl);
                        r = husk_net_setup(&n, err);
                        if (r == 0)
                                r = husk_nl_open(&nl, -1, err);
                        if (r == 0 && (br = husk_nl_link_index(&nl, n.bridge)) < 0) {
                                husk_nl_close(&nl);
                                r = husk_error_errno(err, -br, "find bridge %s", n.bridge);
                        }
                } else if (br < 0) {
                        husk_nl_close(&nl);
                        r = husk_error_errno(err, -br, "find bridge %s", n.bridge);
                }
        }
        if (r == 0) {
                uint8_t mac[6];
                (void) parse_mac(ep.mac, mac);
                r = husk_nl_veth_add(&nl, ep.veth, ep.ifname, netns_fd, mac, err);
                int vi = r == 0 ? husk_nl_link_index(&nl, ep.veth) : 0;
                if (r == 0 && vi < 0)
                        r = husk_error_errno(err, -vi, "find %s", ep.veth);
                if (r == 0)
                        r = husk_nl_link_up(&nl, vi, br, err);
                if (r == 0 && ep.bandwidth)
                        r = limit_host_side(&nl, &n, &ep, vi, err);
                husk_nl_close(&nl);
        }
        if (r == 0)
                r = setup_inside(netns_fd, &n, &ep, err);
        if (r == 0)
                r = publish(&n, &ep, err);
        _cleanup_close_ int lock = husk_net_lock_at(dirfd, lock_path, r < 0 ? NULL : err);
        if (r < 0) {
                struct husk_error ignored;
                (void) detach_locked(dirfd, &n, &ep, &ignored);
                husk_net_endpoint_done(&ep);
                return husk_error_prefix(err, "connect to network %s: ", n.name);
        }
        if (lock >= 0)
                (void) hosts_update_locked(dirfd, &n);
        if (ret)
                *ret = ep;
        else
                husk_net_endpoint_done(&ep);
        return 0;
}

int husk_net_detach(int dirfd, const char *network, const char *ctr_id, struct husk_error *err)
{
        struct husk_network n;
        int r = husk_net_get(dirfd, network, &n, err);
        if (r < 0)
                return r;
        char lock_path[HUSK_NET_NAME_MAX + 32];
        (void) snprintf(lock_path, sizeof(lock_path), "%s/lock", n.name);
        _cleanup_close_ int lock = husk_net_lock_at(dirfd, lock_path, err);
        if (lock < 0)
                return lock;
        struct husk_net_endpoint ep;
        r = read_endpoint(dirfd, n.name, ctr_id, &ep, err);
        if (r < 0)
                return r;
        r = detach_locked(dirfd, &n, &ep, err);
        husk_net_endpoint_done(&ep);
        return r;
}

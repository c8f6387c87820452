/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink requests over libmnl (netlink.h). */
#include "network/netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Requests are small; replies (a dump part, a link with its stats) fit in libmnl's dump size. */
#define NL_BUF 32768

struct open_in_ns {
        int netns_fd;
        struct mnl_socket *sock;
        int error;
};

/* The thread's own namespace is switched, not the caller's: it ends right after making the socket. */
static void *open_in_ns_thread(void *arg)
{
        struct open_in_ns *o = arg;
        if (unshare(CLONE_FS) < 0 || setns(o->netns_fd, CLONE_NEWNET) < 0) {
                o->error = errno;
                return NULL;
        }
        o->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!o->sock)
                o->error = errno;
        return NULL;
}

int husk_nl_open(struct husk_nl *nl, int netns_fd, struct husk_error *err)
{
        memset(nl, 0, sizeof(*nl));
        if (netns_fd < 0) {
                nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
                if (!nl->sock)
                        return husk_error_errno(err, errno, "open rtnetlink socket");
        } else {
                struct open_in_ns o = { .netns_fd = netns_fd };
                pthread_t t;
                int r = pthread_create(&t, NULL, open_in_ns_thread, &o);
                if (r != 0)
                        return husk_error_errno(err, r, "start a thread to enter the network namespace");
                (void) pthread_join(t, NULL);
                if (!o.sock)
                        return husk_error_errno(err, o.error, "open rtnetlink socket in the container's network namespace");
                nl->sock = o.sock;
        }
        if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
                int e = errno;
                husk_nl_close(nl);
                return husk_error_errno(err, e, "bind rtnetlink socket");
        }
        nl->portid = mnl_socket_get_portid(nl->sock);
        nl->seq = (unsigned) time(NULL);
        return 0;
}

void husk_nl_close(struct husk_nl *nl)
{
        if (nl->sock)
                (void) mnl_socket_close(nl->sock);
        nl->sock = NULL;
}

/* Send one request and read until its ack (or, with cb, until NLMSG_DONE of a dump). 0 or -errno. */
static int nl_talk(struct husk_nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
        h->nlmsg_seq = ++nl->seq;
        if (!cb)
                h->nlmsg_flags |= NLM_F_ACK;
        if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
                return -errno;
        _cleanup_free_ char *buf = malloc(NL_BUF);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = mnl_socket_recvfrom(nl->sock, buf, NL_BUF);
                if (n < 0)
                        return -errno;
                int r = mnl_cb_run(buf, (size_t) n, h->nlmsg_seq, nl->portid, cb, data);
                if (r < 0)
                        return -errno;
                if (r == MNL_CB_STOP)
                        return 0;
        }
}

static struct nlmsghdr *put_link_header(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_REQUEST | flags;
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        return h;
}

int husk_nl_link_index(struct husk_nl *nl, const char *name)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = put_link_header(buf, RTM_GETLINK, 0, 0);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        struct ifinfomsg reply = { 0 };
        h->nlmsg_seq = ++nl->seq;
        if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
                return -errno;
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
        if (n < 0)
                return -errno;
        struct nlmsghdr *rh = (struct nlmsghdr *) buf;
        if (!mnl_nlmsg_ok(rh, (int) n))
                return -EIO;
        if (rh->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = mnl_nlmsg_get_payload(rh);
                return e->error < 0 ? e->error : -EIO;
        }
        if (rh->nlmsg_type != RTM_NEWLINK)
                return -EIO;
        memcpy(&reply, mnl_nlmsg_get_payload(rh), sizeof(reply));
        return reply.ifi_index > 0 ? reply.ifi_index : -ENODEV;
}

/* A link of a kind that needs no attributes (bridge, ifb). */
static int link_add(struct husk_nl *nl, const char *name, const char *kind, struct husk_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = put_link_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
        mnl_attr_put_strz(h, IFLA_INFO_KIND, kind);
        mnl_attr_nest_end(h, li);
        int r = nl_talk(nl, h, NULL, NULL);
        if (r < 0)
                return husk_error_errno(err, -r, "create %s %s", kind, name);
        return 0;
}

int husk_nl_bridge_add(struct husk_nl *nl, const char *name, struct husk_error *err)
{
        return link_add(nl, name, "bridge", err);
}

int husk_nl_ifb_add(struct husk_nl *nl, const char *name, struct husk_error *err)
{
        return link_add(nl, name, "ifb", err);
}

int husk_nl_veth_add(struct husk_nl *nl, const char *host_name, const char *peer_name, int peer_netns_fd,
                     const uint8_t *peer_mac, struct husk_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = put_link_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(h, IFLA_IFNAME, host_name);
        struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
        mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
        struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
        struct nlattr *peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
        struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(h, sizeof(*pifi));
        pifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(h, IFLA_IFNAME, peer_name);
        if (peer_netns_fd >= 0)
                mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t) peer_netns_fd);
        if (peer_mac)
                mnl_attr_put(h, IFLA_ADDRESS, 6, peer_mac);
        mnl_attr_nest_end(h, peer);
        mnl_attr_nest_end(h, data);
        mnl_attr_nest_end(h, li);
        int r = nl_talk(nl, h, NULL, NULL);
        if (r < 0)
                return husk_error_errno(err, -r, "create veth pair %s/%s", host_name, peer_name);
        return 0;
}

int husk_nl_link_up(struct husk_nl *nl, int ifindex, int master, struct husk_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = put_link_header(buf, RTM_NEWLINK, 0, ifindex);
        struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        if (master > 0)
                mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t) master);
        int r = nl_talk(nl, h, NULL, NULL);
        if (r < 0)
                return husk_error_errno(err, -r, "set link %d up", ifindex);
        return 0;
}

int husk_nl_link_del(struct husk_nl *nl, const char *name, struct husk_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = put_link_header(buf, RTM_DELLINK, 0, 0);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        int r = nl_talk(nl, h, NULL, NULL);
        if (r == -ENODEV)
                return r;
        if (r < 0)
                return husk_error_errno(err, -r, "delete link %s", name);
        return 0;
}

int husk_nl_addr_add(struct husk_nl *nl, int ifindex, int family, const uint8_t *addr, unsigned prefix_len,
                     struct husk_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = RTM_NEWADDR;
        h->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
        ifa->ifa_family = (uint8_t) family;
        ifa->ifa_prefixlen = (uint8_t) prefix_len;
        ifa->ifa_index = (unsigned) ifindex;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        size_t size = husk_prefix_addr_size(family);
        mnl_attr_put(h, IFA_LOCAL, size, addr);
        mnl_attr_put(h, IFA_ADDRESS, size, addr);
        if (family == AF_INET6) {
                /* DAD would keep the address tentative (unusable) for a second or more. */
                ifa->ifa_flags = IFA_F_NODAD;
                mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
        } else {
                uint8_t brd[4];
                memcpy(brd, addr, 4);
                for (unsigned i = prefix_len; i < 32; i++)
                        brd[i / 8] |= (uint8_t) (0x80 >> (i % 8));
                mnl_attr_put(h, IFA_BROADCAST, 4, brd);
        }
        int r = nl_talk(nl, h, NULL, NULL);
        if (r < 0) {
                char a[HUSK_PREFIX_STRLEN];
                husk_addr_format(family, addr, a);
                return husk_error_errno(err, -r, "add address %s/%u", a, prefix_len);
        }
        return 0;
}

int husk_nl_route_default(struct husk_nl *nl, int ifindex, int family, const uint8_t *gateway,
                          struct husk_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = RTM_NEWROUTE;
        h->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));
        rtm->rtm_family = (uint8_t) family;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_BOOT;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = RTN_UNICAST;
        mnl_attr_put(h, RTA_GATEWAY, husk_prefix_addr_size(family), gateway);
        mnl_attr_put_u32(h, RTA_OIF, (uint32_t) ifindex);
        int r = nl_talk(nl, h, NULL, NULL);
        if (r < 0) {
                char a[HUSK_PREFIX_STRLEN];
                husk_addr_format(family, gateway, a);
                return husk_error_errno(err, -r, "add default route via %s", a);
        }
        return 0;
}

struct routes {
        int family;
        struct husk_prefix *v;
        size_t n, cap;
        int error;
};

static int route_attr_cb(const struct nlattr *a, void *data)
{
        const struct nlattr **tb = data;
        unsigned type = mnl_attr_get_type(a);
        if (type <= RTA_MAX)
                tb[type] = a;
        return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *h, void *data)
{
        struct routes *rs = data;
        const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
        const struct nlattr *tb[RTA_MAX + 1] = { 0 };
        if (rtm->rtm_family != rs->family || rtm->rtm_type == RTN_LOCAL || rtm->rtm_type == RTN_BROADCAST ||
            rtm->rtm_type == RTN_MULTICAST)
                return MNL_CB_OK;
        (void) mnl_attr_parse(h, sizeof(*rtm), route_attr_cb, tb);
        struct husk_prefix p = { .family = rs->family, .len = rtm->rtm_dst_len };
        size_t size = husk_prefix_addr_size(rs->family);
        if (tb[RTA_DST]) {
                if (mnl_attr_get_payload_len(tb[RTA_DST]) != size)
                        return MNL_CB_OK;
                memcpy(p.addr, mnl_attr_get_payload(tb[RTA_DST]), size);
        }
        if (rs->n == rs->cap) {
                size_t cap = rs->cap ? rs->cap * 2 : 16;
                struct husk_prefix *v = realloc(rs->v, cap * sizeof(*v));
                if (!v) {
                        rs->error = ENOMEM;
                        return MNL_CB_ERROR;
                }
                rs->v = v;
                rs->cap = cap;
        }
        rs->v[rs->n++] = p;
        return MNL_CB_OK;
}

int husk_nl_routes(struct husk_nl *nl, int family, struct husk_prefix **ret, size_t *ret_n, struct husk_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = RTM_GETROUTE;
        h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));
        rtm->rtm_family = (uint8_t) family;
        struct routes rs = { .family = family };
        int r = nl_talk(nl, h, route_cb, &rs);
        if (r < 0 || rs.error) {
                free(rs.v);
                return husk_error_errno(err, rs.error ? rs.error : -r, "list the host's routes");
        }
        *ret = rs.v;
        *ret_n = rs.n;
        return 0;
}

static struct nlmsghdr *put_tc_header(char *buf, uint16_t type, uint16_t flags, int ifindex, uint32_t handle,
                                      uint32_t parent, uint32_t info)
{
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_REQUEST | flags;
        struct tcmsg *tcm = mnl_nlmsg_put_extra_header(h, sizeof(*tcm));
        tcm->tcm_family = AF_UNSPEC;
        tcm->tcm_ifindex = ifindex;
        tcm->tcm_handle = handle;
        tcm->tcm_parent = parent;
        tcm->tcm_info = info;
        return h;
}

int husk_nl_tbf(struct husk_nl *nl, int ifindex, uint64_t rate, struct husk_error *err)
{
        char buf[NL_BUF];
        /* handle 1: */
        struct nlmsghdr *h = put_tc_header(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, 0x10000, TC_H_ROOT, 0);
        mnl_attr_put_strz(h, TCA_KIND, "tbf");
        /* Burst: 20 ms at the rate, at least 16 KiB (a few full frames): a smaller bucket than that
         * undershoots on a busy timer, a larger one lets a short transfer run over the rate. Queue:
         * 100 ms at the rate and at least two bursts, so TCP sees delay before it sees drops. */
        uint64_t burst = rate / 50, limit = rate / 10;
        if (burst < 16384)
                burst = 16384;
        if (limit < 2 * burst)
                limit = 2 * burst;
        /* A veth hands over TSO packets of up to 64 KiB; tbf cuts them into segments that all enter
         * the queue at once, and a queue shorter than two of them drops on every other one (TCP out of
         * a container at 4 mbit ran at a fifth of the rate through the ifb). */
        if (limit < 2 * 65536)
                limit = 2 * 65536;
        if (burst > UINT32_MAX)
                burst = UINT32_MAX;
        if (limit > UINT32_MAX)
                limit = UINT32_MAX;
        struct tc_tbf_qopt q = { 0 };
        /* An Ethernet link layer: the kernel computes transmission times itself, no rate table needed. */
        q.rate.linklayer = TC_LINKLAYER_ETHERNET;
        q.rate.rate = rate >= UINT32_MAX ? UINT32_MAX : (uint32_t) rate;
        q.limit = (uint32_t) limit;
        struct nlattr *opts = mnl_attr_nest_start(h, TCA_OPTIONS);
        mnl_attr_put(h, TCA_TBF_PARMS, sizeof(q), &q);
        if (rate >= UINT32_MAX)
                mnl_attr_put_u64(h, TCA_TBF_RATE64, rate);
        mnl_attr_put_u32(h, TCA_TBF_BURST, (uint32_t) burst);
        mnl_attr_nest_end(h, opts);
        int r = nl_talk(nl, h, NULL, NULL);
        if (r < 0)
                return husk_error_errno(err, -r, "add tbf qdisc (rate %llu bytes/s) on link %d",
                                        (unsigned long long) rate, ifindex);
        return 0;
}

int husk_nl_ingress_redirect(struct husk_nl *nl, int ifindex, int to_ifindex, struct husk_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *h = put_tc_header(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_MAKE(TC_H_INGRESS, 0), TC_H_INGRESS, 0);
        mnl_attr_put_strz(h, TCA_KIND, "ingress");
        int r = nl_talk(nl, h, NULL, NULL);
        if (r < 0)
                return husk_error_errno(err, -r, "add ingress qdisc on link %d", ifindex);
        /* `tc filter add dev X parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress
         * redirect dev IFB`: one key matching every packet (mask 0), terminal, its action the redirect.
         * The kernel has neither matchall nor police everywhere (this host's has neither); u32 and
         * mirred are in every distribution kernel. */
        h = put_tc_header(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, 0, TC_H_MAKE(TC_H_INGRESS, 0),
                          TC_H_MAKE(1U << 16, htons(ETH_P_ALL)));
        mnl_attr_put_strz(h, TCA_KIND, "u32");
        struct nlattr *opts = mnl_attr_nest_start(h, TCA_OPTIONS);
        /* struct tc_u32_sel ends in a flexible array of keys: the one key follows it. */
        char sel[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)] = { 0 };
        struct tc_u32_sel s = { .flags = TC_U32_TERMINAL, .nkeys = 1 };
        memcpy(sel, &s, sizeof(s));
        mnl_attr_put(h, TCA_U32_SEL, sizeof(sel), sel);
        struct nlattr *acts = mnl_attr_nest_start(h, TCA_U32_ACT);
        struct nlattr *act = mnl_attr_nest_start(h, 1);
        mnl_attr_put_strz(h, TCA_ACT_KIND, "mirred");
        struct nlattr *aopts = mnl_attr_nest_start(h, TCA_ACT_OPTIONS);
        struct tc_mirred m = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = (uint32_t) to_ifindex };
        mnl_attr_put(h, TCA_MIRRED_PARMS, sizeof(m), &m);
        mnl_attr_nest_end(h, aopts);
        mnl_attr_nest_end(h, act);
        mnl_attr_nest_end(h, acts);
        mnl_attr_nest_end(h, opts);
        r = nl_talk(nl, h, NULL, NULL);
        if (r < 0)
                return husk_error_errno(err, -r, "add u32 filter redirecting link %d to link %d", ifindex, to_ifindex);
        return 0;
}

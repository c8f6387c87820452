/* SPDX-License-Identifier: Apache-2.0 */
/* `husk network create|ls|inspect|rm|connect|disconnect`: bridge networks (src/network/). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/husk/containers.h"
#include "cli/husk/template.h"
#include "engine/ctr_network.h"
#include "network/network.h"
#include "util/cleanup.h"

/* The engine (for its storage root) and its networks directory. */
static int open_networks(const struct husk_ctx *ctx, struct husk_engine *e, bool create, int *ret_fd)
{
        struct husk_error err = { 0 };
        if (husk_cli_engine_open(ctx, e, true, &err) < 0 || husk_ctr_net_dir(e, create, ret_fd, &err) < 0)
                return husk_fail(ctx, &err);
        return 0;
}

struct create_flags {
        const char *subnet, *gateway, *driver;
        bool no_ipv6, ipv6, internal;
        struct arg_strings opts;
};

static const struct arg_opt create_opts[] = {
        ARG_OPT("subnet", NULL, ARG_STRING, struct create_flags, subnet,
                "Subnet in CIDR format (default: the first free 10.88-255.0.0/16 or 172.16-31.0.0/16)"),
        ARG_OPT("no-ipv6", NULL, ARG_BOOL, struct create_flags, no_ipv6,
                "No IPv6 (default: a ULA /64 derived from the network's name)"),
        ARG_OPT("internal", NULL, ARG_BOOL, struct create_flags, internal,
                "Restrict external access to the network (no traffic off its bridge)"),
        ARG_OPT("ipv6", NULL, ARG_BOOL, struct create_flags, ipv6, "Enable IPv6 networking (the default)"),
        ARG_OPT("gateway", NULL, ARG_STRING, struct create_flags, gateway,
                "IPv4 gateway for the subnet (its first address, the only one husk uses)"),
        ARG_OPT("driver", "d", ARG_STRING, struct create_flags, driver, "Driver to manage the Network (bridge)"),
        ARG_OPT("opt", "o", ARG_STRINGS, struct create_flags, opts,
                "Set driver specific options (com.docker.network.bridge.name=NAME)"),
};

/* Docker's flags of `network create` that husk's bridge networks can honour; the others named. */
static int create_options(const struct husk_ctx *ctx, const struct create_flags *f, struct husk_net_create_opts *o)
{
        if (f->ipv6 && f->no_ipv6)
                return husk_usage_error(ctx, "conflicting options: --ipv6 and --no-ipv6");
        if (f->driver && strcmp(f->driver, "bridge") != 0)
                return husk_usage_error(ctx, "network driver \"%s\" is not supported: husk's networks are bridge networks",
                                        f->driver);
        for (size_t i = 0; i < f->opts.n; i++) {
                const char *v = f->opts.v[i], *eq = strchr(v, '=');
                if (eq && strncmp(v, "com.docker.network.bridge.name=", (size_t) (eq - v) + 1) == 0)
                        o->bridge = eq + 1;
                else
                        return husk_usage_error(ctx, "--opt %s: unsupported driver option (husk knows "
                                                "com.docker.network.bridge.name=NAME)", v);
        }
        if (!f->gateway)
                return 0;
        /* Containers, the bridge and the routes all take the subnet's first address as the gateway. */
        struct husk_prefix p;
        uint8_t first[16], g[16];
        int family;
        char want[HUSK_PREFIX_STRLEN];
        if (!f->subnet)
                return husk_usage_error(ctx, "--gateway %s: needs --subnet", f->gateway);
        if (husk_prefix_parse(f->subnet, true, true, "--subnet", &p, NULL) < 0 || husk_prefix_host(&p, 1, first) < 0)
                return husk_usage_error(ctx, "invalid subnet %s", f->subnet);
        husk_addr_format(p.family, first, want);
        if (husk_addr_parse(f->gateway, &family, g) < 0 || family != p.family)
                return husk_usage_error(ctx, "--gateway %s: not an address of subnet %s", f->gateway, f->subnet);
        if (memcmp(g, first, family == AF_INET ? 4 : 16) != 0)
                return husk_usage_error(ctx, "--gateway %s: husk's gateway is the subnet's first address, %s", f->gateway,
                                        want);
        return 0;
}

static int run_create(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        const struct create_flags *f = flags;
        struct husk_net_create_opts o = { .subnet = f->subnet, .no_ipv6 = f->no_ipv6, .internal = f->internal };
        int r = create_options(ctx, f, &o);
        if (r != 0)
                return r;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_close_ int dirfd = -1;
        r = open_networks(ctx, &e, true, &dirfd);
        if (r != 0)
                return r;
        struct husk_error err = { 0 };
        struct husk_network n;
        if (husk_net_create(dirfd, argv[0], &o, &n, &err) < 0)
                return husk_fail(ctx, &err);
        printf("%s\n", n.name);
        return 0;
}

static int run_ls(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags, (void) argc, (void) argv;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_close_ int dirfd = -1;
        int r = open_networks(ctx, &e, true, &dirfd);
        if (r != 0)
                return r;
        struct husk_error err = { 0 };
        _cleanup_strv_ char **names = NULL;
        if (husk_net_list(dirfd, &names, &err) < 0)
                return husk_fail(ctx, &err);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                return husk_failf(ctx, "out of memory");
        fprintf(f, "NAME\tDRIVER\tBRIDGE\tSUBNET\tIPV6 SUBNET\n");
        for (char **p = names; *p; p++) {
                struct husk_network n;
                if (husk_net_get(dirfd, *p, &n, NULL) < 0)
                        continue;
                char s4[HUSK_PREFIX_STRLEN], s6[HUSK_PREFIX_STRLEN] = "";
                husk_prefix_format(&n.subnet, s4);
                if (n.has_ipv6)
                        husk_prefix_format(&n.subnet6, s6);
                fprintf(f, "%s\tbridge\t%s\t%s\t%s\n", n.name, n.bridge, s4, s6);
        }
        (void) fclose(f);
        _cleanup_free_ char *t = text;
        return husk_tabwrite(t, len, stdout) < 0 ? husk_failf(ctx, "write: %s", strerror(errno)) : 0;
}

/* Docker's shape: Name, Driver, IPAM.Config, Containers by id, Options. */
static json_t *inspect_one(int dirfd, const struct husk_network *n, struct husk_error *err)
{
        _cleanup_free_ char *rec = NULL;
        if (husk_net_to_json(n, &rec) < 0)
                return NULL;
        json_t *r = json_loads(rec, 0, NULL);
        if (!r)
                return NULL;
        json_t *cfg = json_array();
        (void) json_array_append_new(cfg, json_pack("{s:O, s:O}", "Subnet", json_object_get(r, "subnet"), "Gateway",
                                                     json_object_get(r, "gateway")));
        if (n->has_ipv6)
                (void) json_array_append_new(cfg, json_pack("{s:O, s:O}", "Subnet", json_object_get(r, "subnet6"),
                                                             "Gateway", json_object_get(r, "gateway6")));
        json_t *ctrs = json_object();
        struct husk_net_endpoint *eps = NULL;
        size_t count = 0;
        if (husk_net_endpoints(dirfd, n->name, &eps, &count, err) < 0) {
                json_decref(r);
                json_decref(cfg);
                json_decref(ctrs);
                return NULL;
        }
        for (size_t i = 0; i < count; i++) {
                char v4[80], v6[80] = "";
                (void) snprintf(v4, sizeof(v4), "%s/%u", eps[i].ip, n->subnet.len);
                if (eps[i].ip6[0])
                        (void) snprintf(v6, sizeof(v6), "%s/%u", eps[i].ip6, n->subnet6.len);
                json_t *ports = json_array();
                for (size_t j = 0; j < eps[i].n_ports; j++) {
                        const struct husk_port *p = &eps[i].ports[j];
                        char s[96];
                        (void) snprintf(s, sizeof(s), "%s%s%u->%u/%s", p->host_ip, p->host_ip[0] ? ":" : "0.0.0.0:",
                                        (unsigned) p->host_port, (unsigned) p->port, husk_port_proto_name(p->proto));
                        (void) json_array_append_new(ports, json_string(s));
                }
                (void) json_object_set_new(ctrs, eps[i].ctr_id,
                                           json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I}", "Name", eps[i].name,
                                                     "MacAddress", eps[i].mac, "IPv4Address", v4, "IPv6Address", v6,
                                                     "EndpointInterface", eps[i].veth, "Ports", ports, "Bandwidth",
                                                     (json_int_t) eps[i].bandwidth));
        }
        husk_net_endpoints_free(eps, count);
        char created[64];
        time_t secs = (time_t) (n->created / 1000000000);
        struct tm tm;
        (void) strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&secs, &tm));
        json_t *out = json_pack("{s:s, s:s, s:s, s:b, s:b, s:{s:s, s:o}, s:o, s:{s:s}}", "Name", n->name, "Created",
                                created, "Driver", "bridge", "EnableIPv6", n->has_ipv6, "Internal", n->internal, "IPAM",
                                "Driver", "default", "Config", cfg, "Containers", ctrs, "Options",
                                "com.docker.network.bridge.name", n->bridge);
        json_decref(r);
        return out;
}

static int run_inspect(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_close_ int dirfd = -1;
        int r = open_networks(ctx, &e, true, &dirfd);
        if (r != 0)
                return r;
        _cleanup_(json_decrefp) json_t *all = json_array();
        int rc = 0;
        for (int i = 0; i < argc; i++) {
                struct husk_error err = { 0 };
                struct husk_network n;
                json_t *one = husk_net_get(dirfd, argv[i], &n, &err) < 0 ? NULL : inspect_one(dirfd, &n, &err);
                if (!one) {
                        rc = husk_fail(ctx, &err);
                        continue;
                }
                (void) json_array_append_new(all, one);
        }
        _cleanup_free_ char *text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        if (text)
                printf("%s\n", text);
        return rc;
}

static int run_rm(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags;
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        _cleanup_close_ int dirfd = -1;
        int r = open_networks(ctx, &e, true, &dirfd);
        if (r != 0)
                return r;
        int rc = 0;
        for (int i = 0; i < argc; i++) {
                struct husk_error err = { 0 };
                if (husk_net_remove(dirfd, argv[i], &err) < 0)
                        rc = husk_fail(ctx, &err);
                else
                        printf("%s\n", argv[i]);
        }
        return rc;
}

struct connect_flags {
        const char *ip;
};

static const struct arg_opt connect_opts[] = {
        ARG_OPT("ip", NULL, ARG_STRING, struct connect_flags, ip, "IPv4 address (e.g., 172.30.100.104)"),
};

/* NETWORK CONTAINER: the container word resolved to its id. */
static int connect_or_disconnect(struct husk_ctx *ctx, const char *ip, char **argv, bool connect)
{
        _cleanup_(husk_cli_engine_closep) struct husk_engine e = { 0 };
        struct husk_error err = { 0 };
        char id[HUSK_CTR_ID_LEN + 1];
        if (husk_cli_engine_open(ctx, &e, true, &err) < 0 || husk_ctr_lookup(e.ctrs, argv[1], id, &err) < 0)
                return husk_fail(ctx, &err);
        int r = connect ? husk_ctr_net_connect(&e, id, argv[0], ip, &err) : husk_ctr_net_disconnect(&e, id, argv[0], &err);
        return r < 0 ? husk_fail(ctx, &err) : 0;
}

static int run_connect(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) argc;
        return connect_or_disconnect(ctx, ((const struct connect_flags *) flags)->ip, argv, true);
}

static int run_disconnect(struct husk_ctx *ctx, void *flags, int argc, char **argv)
{
        (void) flags, (void) argc;
        return connect_or_disconnect(ctx, NULL, argv, false);
}

const struct husk_cmd husk_cmd_network_create = {
        .names = { "network create" },
        .summary = "Create a network",
        .usage = "[OPTIONS] NETWORK",
        .opts = create_opts,
        .n_opts = HUSK_ARRAY_SIZE(create_opts),
        .flags_size = sizeof(struct create_flags),
        .min_args = 1,
        .max_args = 1,
        .run = run_create,
};

const struct husk_cmd husk_cmd_network_ls = {
        .names = { "network ls", "network list" },
        .summary = "List networks",
        .max_args = 0,
        .run = run_ls,
};

const struct husk_cmd husk_cmd_network_inspect = {
        .names = { "network inspect" },
        .summary = "Display detailed information on one or more networks",
        .usage = "NETWORK [NETWORK...]",
        .min_args = 1,
        .max_args = -1,
        .run = run_inspect,
};

const struct husk_cmd husk_cmd_network_rm = {
        .names = { "network rm", "network remove" },
        .summary = "Remove one or more networks",
        .usage = "NETWORK [NETWORK...]",
        .min_args = 1,
        .max_args = -1,
        .run = run_rm,
};

const struct husk_cmd husk_cmd_network_connect = {
        .names = { "network connect" },
        .summary = "Connect a container to a network",
        .usage = "[OPTIONS] NETWORK CONTAINER",
        .opts = connect_opts,
        .n_opts = HUSK_ARRAY_SIZE(connect_opts),
        .flags_size = sizeof(struct connect_flags),
        .min_args = 2,
        .max_args = 2,
        .run = run_connect,
};

const struct husk_cmd husk_cmd_network_disconnect = {
        .names = { "network disconnect" },
        .summary = "Disconnect a container from a network",
        .usage = "NETWORK CONTAINER",
        .min_args = 2,
        .max_args = 2,
        .run = run_disconnect,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's containers on networks: network.json, attach at start, detach at release (ctr_network.h). */
#include "engine/ctr_network.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/prepare.h"
#include "network/network.h"
#include "util/cleanup.h"
#include "util/fs.h"

static bool is_container_mode(const char *mode)
{
        return strncmp(mode, "container:", 10) == 0;
}

/* The network a mode names, or NULL for none, host and container:X. */
static const char *mode_network(const char *mode)
{
        if (!mode || strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0 || is_container_mode(mode))
                return NULL;
        return strcmp(mode, "bridge") == 0 ? HUSK_NET_DEFAULT : mode;
}

/* <storage root>/networks: the containers/ directory's sibling. */
int husk_ctr_net_dir(struct husk_engine *e, bool create, int *ret_fd, struct husk_error *err)
{
        const char *ctrs = husk_ctr_store_path(e->ctrs);
        const char *slash = strrchr(ctrs, '/');
        _cleanup_free_ char *root = slash ? strndup(ctrs, (size_t) (slash - ctrs)) : NULL;
        if (!root)
                return husk_error_set(err, EINVAL, "no storage root above %s", ctrs);
        return husk_net_dir_open(root[0] ? root : "/", create, ret_fd, err);
}

int husk_ctr_net_check(struct husk_engine *e, const char *mode, struct husk_error *err)
{
        if (is_container_mode(mode)) {
                char id[HUSK_CTR_ID_LEN + 1];
                int r = husk_ctr_lookup(e->ctrs, mode + 10, id, err);
                return r < 0 ? husk_error_prefix(err, "--network %s: ", mode) : 0;
        }
        const char *net = mode_network(mode);
        if (!net || strcmp(net, HUSK_NET_DEFAULT) == 0)
                return 0;
        _cleanup_close_ int dirfd = -1;
        struct husk_network n;
        if (husk_ctr_net_dir(e, false, &dirfd, NULL) < 0)
                return husk_error_set(err, ENOENT, "network %s not found", net);
        return husk_net_get(dirfd, net, &n, err);
}

static json_t *strv_json(char *const *v, size_t n)
{
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++)
                (void) json_array_append_new(a, json_string(v[i]));
        return a;
}

/* "NAME:IP" of --add-host, IP of either family (IPv6 has colons: the name ends at the first). */
static int check_add_host(const char *s, struct husk_error *err)
{
        const char *c = strchr(s, ':');
        int family;
        uint8_t a[16];
        if (!c || c == s || husk_addr_parse(c + 1, &family, a) < 0)
                return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--add-host\" flag: not HOST:IP", s);
        for (const char *p = s; p < c; p++)
                if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '#')
                        return husk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--add-host\" flag: bad host name", s);
        return 0;
}

int husk_ctr_net_save(struct husk_engine *e, const struct husk_ctr *c, const struct husk_ctr_net_opts *o,
                      struct husk_error *err)
{
        const char *mode = c->cfg.network ? c->cfg.network : "none";
        const char *net = mode_network(mode);
        bool net_opts = o->n_publish || o->publish_all || o->ip || o->mac || o->bandwidth;
        if (net_opts && !net)
                return husk_error_set(err, EINVAL,
                                      "conflicting options: port publishing, --ip, --mac-address and --network-bandwidth "
                                      "need a bridge network, not --network %s", mode);
        if (!net_opts && !o->n_dns && !o->n_add_host)
                return 0;
        _cleanup_(json_decrefp) json_t *ports = json_array();
        if (!ports)
                return husk_error_errno(err, ENOMEM, "network.json");
        for (size_t i = 0; i < o->n_publish; i++) {
                _cleanup_free_ struct husk_port *v = NULL;
                size_t n = 0;
                int r = husk_port_parse_all(o->publish[i], &v, &n, err);
                if (r < 0)
                        return r;
                (void) json_array_append_new(ports, json_string(o->publish[i]));
        }
        if (o->publish_all && !c->rootfs) {
                struct husk_store *s = NULL;
                struct husk_image_config img = { 0 };
                int r = husk_engine_store(e, &s, err);
                if (r >= 0)
                        r = husk_engine_image_config(s, c->image_id, NULL, &img, err);
                if (r < 0)
                        return r;
                for (char **p = img.exposed_ports; p && *p && r >= 0; p++) {
                        struct husk_port port;
                        r = husk_port_parse_exposed(*p, &port, err);
                        if (r >= 0)
                                (void) json_array_append_new(ports, json_string(*p));
                }
                husk_image_config_free(&img);
                if (r < 0)
                        return r;
        }
        uint64_t rate = 0;
        if (o->bandwidth) {
                int r = husk_rate_parse(o->bandwidth, &rate, err);
                if (r < 0)
                        return r;
        }
        int family;
        uint8_t a[16];
        if (o->ip && (husk_addr_parse(o->ip, &family, a) < 0 || family != AF_INET))
                return husk_error_set(err, EINVAL, "--ip %s: not an IPv4 address", o->ip);
        for (size_t i = 0; i < o->n_dns; i++)
                if (husk_addr_parse(o->dns[i], &family, a) < 0)
                        return husk_error_set(err, EINVAL, "--dns %s: not an IP address", o->dns[i]);
        for (size_t i = 0; i < o->n_add_host; i++) {
                int r = check_add_host(o->add_host[i], err);
                if (r < 0)
                        return r;
        }
        _cleanup_(json_decrefp) json_t *doc = json_pack("{s:O, s:s?, s:s?, s:I, s:o, s:o}", "ports", ports, "ip", o->ip,
                                                        "mac", o->mac, "bandwidth", (json_int_t) rate, "dns",
                                                        strv_json(o->dns, o->n_dns), "add_host",
                                                        strv_json(o->add_host, o->n_add_host));
        _cleanup_free_ char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        if (!text)
                return husk_error_errno(err, ENOMEM, "network.json");
        _cleanup_close_ int dirfd = husk_ctr_dir_open(e->ctrs, c->id, err);
        if (dirfd < 0)
                return dirfd;
        return husk_write_file_atomic_at(dirfd, "network.json", text, strlen(text), 0600, true, err);
}

/* Append lines to one of the container's /etc files in place (a bind mount pins its inode). */
static int append_at(int dirfd, const char *name, const char *text, struct husk_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || husk_write_all(fd, text, strlen(text)) < 0)
                return husk_error_errno(err, errno, "update the container's %s", name);
        return 0;
}

/* --dns: resolv.conf's nameservers replaced, its search and options kept. */
static int set_dns(int dirfd, json_t *dns, struct husk_error *err)
{
        _cleanup_free_ char *old = NULL;
        int r = husk_read_file_at(dirfd, "resolv.conf", &old, NULL, err);
        if (r < 0)
                return r;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return husk_error_errno(err, ENOMEM, "resolv.conf");
        size_t i;
        json_t *v;
        json_array_foreach(dns, i, v)
                fprintf(f, "nameserver %s\n", json_string_value(v));
        for (const char *p = old; *p;) {
                const char *nl = strchr(p, '\n');
                size_t l = nl ? (size_t) (nl - p) : strlen(p);
                if (strncmp(p, "nameserver", 10) != 0)
                        fprintf(f, "%.*s\n", (int) l, p);
                p += l + (nl ? 1 : 0);
        }
        if (fclose(f) != 0) {
                free(buf);
                return husk_error_errno(err, ENOMEM, "resolv.conf");
        }
        _cleanup_free_ char *text = buf;
        _cleanup_close_ int fd = openat(dirfd, "resolv.conf", O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || husk_write_all(fd, text, strlen(text)) < 0)
                return husk_error_errno(err, errno, "update the container's resolv.conf");
        return 0;
}

static int attach(struct husk_engine *e, const struct husk_ctr *c, int ctr_dirfd, pid_t init_pid, const char *net,
                  json_t *doc, struct husk_error *err)
{
        json_t *jports = json_object_get(doc, "ports");
        _cleanup_free_ struct husk_port *ports = calloc(1, sizeof(*ports));
        size_t n = 0;
        if (!ports)
                return husk_error_errno(err, ENOMEM, "attach");
        /* -p values (ranges expanded) and ExposedPorts keys ("80/tcp") alike. */
        for (size_t i = 0; i < json_array_size(jports); i++) {
                const char *s = json_string_value(json_array_get(jports, i));
                int r = husk_port_parse_all(s ? s : "", &ports, &n, err);
                if (r < 0)
                        return r;
        }
        char hosts[4200], ns[64];
        (void) snprintf(hosts, sizeof(hosts), "%s/%s/hosts", husk_ctr_store_path(e->ctrs), c->id);
        (void) snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int) init_pid);
        _cleanup_close_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return husk_error_errno(err, errno, "open %s", ns);
        json_t *bw = json_object_get(doc, "bandwidth");
        struct husk_attach_opts o = {
                .name = c->name, .ip = json_string_value(json_object_get(doc, "ip")),
                .mac = json_string_value(json_object_get(doc, "mac")), .ports = ports, .n_ports = n,
                .bandwidth = json_is_integer(bw) && json_integer_value(bw) > 0 ? (uint64_t) json_integer_value(bw) : 0,
                .hosts_path = hosts,
        };
        _cleanup_close_ int dirfd = -1;
        int r = husk_ctr_net_dir(e, true, &dirfd, err);
        if (r < 0)
                return r;
        struct husk_net_endpoint ep;
        r = husk_net_attach(dirfd, net, c->id, nsfd, &o, &ep, err);
        if (r < 0)
                return r;
        /* Docker's entry for the container itself: its address and hostname. */
        _cleanup_free_ char *hostname = NULL, *line = NULL;
        if (husk_read_file_at(ctr_dirfd, "hostname", &hostname, NULL, NULL) == 0)
                hostname[strcspn(hostname, "\n")] = '\0';
        if (asprintf(&line, "%s\t%s\n", ep.ip, hostname ? hostname : c->name) < 0)
                line = NULL;
        husk_net_endpoint_done(&ep);
        if (!line)
                return husk_error_errno(err, ENOMEM, "hosts");
        return append_at(ctr_dirfd, "hosts", line, err);
}

int husk_ctr_net_start(struct husk_engine *e, const struct husk_ctr *c, int ctr_dirfd, pid_t init_pid,
                       struct husk_error *err)
{
        const char *net = mode_network(c->cfg.network);
        _cleanup_free_ char *text = NULL;
        int r = husk_read_file_at(ctr_dirfd, "network.json", &text, NULL, NULL);
        if (r == -ENOENT && !net)
                return 0;       /* --network none/host without options: nothing to do, nothing loaded */
        if (r < 0 && r != -ENOENT)
                return husk_error_errno(err, -r, "read the container's network.json");
        _cleanup_(json_decrefp) json_t *doc = text ? json_loads(text, 0, NULL) : json_object();
        if (!json_is_object(doc))
                return husk_error_set(err, EINVAL, "the container's network.json is not a JSON object");
        if (net && (r = attach(e, c, ctr_dirfd, init_pid, net, doc, err)) < 0)
                return r;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(doc, "add_host"), i, v) {
                const char *s = json_string_value(v), *colon = s ? strchr(s, ':') : NULL;
                _cleanup_free_ char *line = NULL;
                if (!colon)
                        continue;
                if (asprintf(&line, "%s\t%.*s\n", colon + 1, (int) (colon - s), s) < 0)
                        return husk_error_errno(err, ENOMEM, "hosts");
                if ((r = append_at(ctr_dirfd, "hosts", line, err)) < 0)
                        return r;
        }
        json_t *dns = json_object_get(doc, "dns");
        if (json_array_size(dns) > 0 && (r = set_dns(ctr_dirfd, dns, err)) < 0)
                return r;
        return 0;
}

void husk_ctr_net_release(struct husk_engine *e, const struct husk_ctr *c)
{
        if (!mode_network(c->cfg.network))
                return;
        _cleanup_close_ int dirfd = -1;
        _cleanup_strv_ char **nets = NULL;
        if (husk_ctr_net_dir(e, false, &dirfd, NULL) < 0 || husk_net_ctr_networks(dirfd, c->id, &nets, NULL) < 0)
                return;
        for (char **p = nets; *p; p++) {
                struct husk_error ignored;
                (void) husk_net_detach(dirfd, *p, c->id, &ignored);
        }
}

int husk_ctr_net_ns_path(struct husk_engine *e, const char *mode, char ret[static 64], struct husk_error *err)
{
        char id[HUSK_CTR_ID_LEN + 1];
        int r = husk_ctr_lookup(e->ctrs, mode + 10, id, err);
        if (r < 0)
                return husk_error_prefix(err, "--network %s: ", mode);
        _cleanup_(husk_ctr_done) struct husk_ctr other = { 0 };
        r = husk_ctr_load(e->ctrs, id, &other, err);
        if (r < 0)
                return r;
        if (other.state != HUSK_CTR_RUNNING || other.monitor_dead || other.pid <= 0)
                return husk_error_set(err, EINVAL, "--network %s: cannot join the network of a container that is not running",
                                      mode);
        (void) snprintf(ret, 64, "/proc/%d/ns/net", (int) other.pid);
        return 0;
}

int husk_ctr_net_connect(struct husk_engine *e, const char *id, const char *network, const char *ip,
                         struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        if (c.state != HUSK_CTR_RUNNING || c.monitor_dead || c.pid <= 0)
                return husk_error_set(err, EINVAL, "container %s is not running", c.name);
        if (!mode_network(c.cfg.network))
                return husk_error_set(err, EINVAL, "container %s: --network %s cannot be connected to other networks",
                                      c.name, c.cfg.network ? c.cfg.network : "none");
        char hosts[4200], ns[64];
        (void) snprintf(hosts, sizeof(hosts), "%s/%s/hosts", husk_ctr_store_path(e->ctrs), c.id);
        (void) snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int) c.pid);
        _cleanup_close_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return husk_error_errno(err, errno, "open %s", ns);
        _cleanup_close_ int dirfd = -1;
        r = husk_ctr_net_dir(e, true, &dirfd, err);
        if (r < 0)
                return r;
        struct husk_attach_opts o = { .name = c.name, .ip = ip, .hosts_path = hosts };
        return husk_net_attach(dirfd, strcmp(network, "bridge") == 0 ? HUSK_NET_DEFAULT : network, c.id, nsfd, &o,
                               NULL, err);
}

int husk_ctr_net_disconnect(struct husk_engine *e, const char *id, const char *network, struct husk_error *err)
{
        _cleanup_close_ int dirfd = -1;
        int r = husk_ctr_net_dir(e, false, &dirfd, err);
        if (r < 0)
                return r;
        return husk_net_detach(dirfd, strcmp(network, "bridge") == 0 ? HUSK_NET_DEFAULT : network, id, err);
}

json_t *husk_ctr_net_settings_json(struct husk_engine *e, const struct husk_ctr *c)
{
        json_t *nets = json_object(), *ports = json_object();
        json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o}", "IPAddress", "", "GlobalIPv6Address", "",
                                "MacAddress", "", "Gateway", "", "IPPrefixLen", 0, "Ports", ports, "Networks", nets);
        _cleanup_close_ int dirfd = -1;
        _cleanup_strv_ char **names = NULL;
        if (!out || husk_ctr_net_dir(e, false, &dirfd, NULL) < 0 || husk_net_ctr_networks(dirfd, c->id, &names, NULL) < 0)
                return out;
        for (char **p = names; *p; p++) {
                struct husk_network n;
                struct husk_net_endpoint *eps = NULL;
                size_t count = 0;
                if (husk_net_get(dirfd, *p, &n, NULL) < 0 || husk_net_endpoints(dirfd, *p, &eps, &count, NULL) < 0)
                        continue;
                for (size_t i = 0; i < count; i++) {
                        if (strcmp(eps[i].ctr_id, c->id) != 0)
                                continue;
                        uint8_t g[16];
                        char gw[HUSK_PREFIX_STRLEN] = "";
                        if (husk_prefix_host(&n.subnet, 1, g) == 0)
                                husk_addr_format(AF_INET, g, gw);
                        json_t *one = json_pack("{s:s, s:i, s:s, s:s, s:s}", "IPAddress", eps[i].ip, "IPPrefixLen",
                                                (int) n.subnet.len, "Gateway", gw, "GlobalIPv6Address", eps[i].ip6,
                                                "MacAddress", eps[i].mac);
                        /* The first network gives the top-level fields, as Docker's default network does. */
                        if (json_object_size(nets) == 0)
                                (void) json_object_update(out, one);
                        (void) json_object_set_new(nets, *p, one);
                        for (size_t j = 0; j < eps[i].n_ports; j++) {
                                const struct husk_port *pt = &eps[i].ports[j];
                                char key[32], hp[8];
                                (void) snprintf(key, sizeof(key), "%u/%s", (unsigned) pt->port, husk_port_proto_name(pt->proto));
                                (void) snprintf(hp, sizeof(hp), "%u", (unsigned) pt->host_port);
                                json_t *list = json_object_get(ports, key);
                                if (!list) {
                                        list = json_array();
                                        (void) json_object_set_new(ports, key, list);
                                }
                                (void) json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp",
                                                                             pt->host_ip[0] ? pt->host_ip : "0.0.0.0",
                                                                             "HostPort", hp));
                        }
                }
                husk_net_endpoints_free(eps, count);
        }
        return out;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Network records, their bridges and rules (network.h). */
#include "network/network.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "network/netlink.h"
#include "network/network_internal.h"
#include "network/nft.h"
#include "network/nft_rules.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/sha256.h"

int husk_net_dir_open(const char *storage_root, bool create, int *ret_fd, struct husk_error *err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/networks", storage_root) < 0)
                return husk_error_errno(err, ENOMEM, "networks");
        if (create) {
                int r = husk_mkdir_p(path, 0700, err);
                if (r < 0)
                        return r;
        }
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        *ret_fd = fd;
        return 0;
}

int husk_net_lock_at(int dirfd, const char *path, struct husk_error *err)
{
        int fd = openat(dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return husk_error_errno(err, errno, "open %s", path);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int e = errno;
                        (void) close(fd);
                        return husk_error_errno(err, e, "lock %s", path);
                }
        }
        return fd;
}

int husk_net_name_validate(const char *name, struct husk_error *err)
{
        size_t l = strlen(name);
        if (l == 0 || l > HUSK_NET_NAME_MAX)
                return husk_error_set(err, EINVAL, "invalid network name \"%s\": 1 to %d characters", name, HUSK_NET_NAME_MAX);
        for (size_t i = 0; i < l; i++) {
                char c = name[i];
                bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
                        return husk_error_set(err, EINVAL,
                                              "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
        }
        if (strcmp(name, "none") == 0 || strcmp(name, "host") == 0 || strcmp(name, "bridge") == 0)
                return husk_error_set(err, EINVAL, "network name \"%s\" is reserved", name);
        return 0;
}

static int bridge_validate(const char *b, struct husk_error *err)
{
        size_t l = strlen(b);
        if (l == 0 || l > 15)
                return husk_error_set(err, EINVAL, "--bridge %s: an interface name is 1 to 15 characters", b);
        for (size_t i = 0; i < l; i++)
                if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= 'A' && b[i] <= 'Z') || (b[i] >= '0' && b[i] <= '9') ||
                      b[i] == '-' || b[i] == '_' || b[i] == '.'))
                        return husk_error_set(err, EINVAL, "--bridge %s: only [a-zA-Z0-9_.-] are allowed", b);
        return 0;
}

void husk_net_hash_name(const char *a, const char *b, char prefix_and_hex[static 16], const char *prefix)
{
        struct husk_sha256 s;
        uint8_t d[HUSK_SHA256_SIZE];
        char hex[2 * HUSK_SHA256_SIZE + 1];
        husk_sha256_init(&s);
        husk_sha256_update(&s, a, strlen(a) + 1);
        if (b)
                husk_sha256_update(&s, b, strlen(b) + 1);
        husk_sha256_final(&s, d);
        husk_sha256_hex(d, hex);
        size_t pl = strlen(prefix);
        if (pl > 4)
                pl = 4;
        memcpy(prefix_and_hex, prefix, pl);
        memcpy(prefix_and_hex + pl, hex, 15 - pl);
        prefix_and_hex[15] = '\0';
}

int husk_net_to_json(const struct husk_network *n, char **ret)
{
        char s4[HUSK_PREFIX_STRLEN], g4[HUSK_PREFIX_STRLEN], s6[HUSK_PREFIX_STRLEN] = "", g6[HUSK_PREFIX_STRLEN] = "";
        uint8_t g[16];
        husk_prefix_format(&n->subnet, s4);
        (void) husk_prefix_host(&n->subnet, 1, g);
        husk_addr_format(AF_INET, g, g4);
        if (n->has_ipv6) {
                husk_prefix_format(&n->subnet6, s6);
                (void) husk_prefix_host(&n->subnet6, 1, g);
                husk_addr_format(AF_INET6, g, g6);
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "name", n->name, "bridge", n->bridge, "subnet",
                              s4, "gateway", g4, "subnet6", s6, "gateway6", g6, "created", (json_int_t) n->created,
                              "internal", n->internal);
        if (!o)
                return -ENOMEM;
        *ret = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(o);
        return *ret ? 0 : -ENOMEM;
}

static int net_from_json(const char *data, const char *name, struct husk_network *ret, struct husk_error *err)
{
        json_error_t je;
        json_t *o = json_loads(data, 0, &je);
        if (!o)
                return husk_error_set(err, EINVAL, "networks/%s/network.json: %s", name, je.text);
        const char *n = NULL, *b = NULL, *s4 = NULL, *s6 = NULL;
        json_int_t created = 0;
        int internal = 0;
        struct husk_network net = { 0 };
        int r = json_unpack(o, "{s:s, s:s, s:s, s?:s, s?:I, s?:b}", "name", &n, "bridge", &b, "subnet", &s4, "subnet6",
                            &s6, "created", &created, "internal", &internal);
        if (r < 0 || strlen(n) > HUSK_NET_NAME_MAX || strlen(b) > 15)
                r = husk_error_set(err, EINVAL, "networks/%s/network.json: invalid record", name);
        else
                r = husk_prefix_parse(s4, true, true, "subnet", &net.subnet, err);
        if (r == 0 && s6 && s6[0]) {
                net.has_ipv6 = true;
                r = husk_prefix_parse(s6, true, true, "subnet6", &net.subnet6, err);
        }
        if (r == 0) {
                strcpy(net.name, n);
                strcpy(net.bridge, b);
                net.created = created;
                net.internal = internal;
                *ret = net;
        }
        json_decref(o);
        return r;
}

int husk_net_get(int dirfd, const char *name, struct husk_network *ret, struct husk_error *err)
{
        int r = husk_net_name_validate(name, err);
        if (r < 0)
                return r;
        char path[HUSK_NET_NAME_MAX + 32];
        (void) snprintf(path, sizeof(path), "%s/network.json", name);
        _cleanup_free_ char *data = NULL;
        r = husk_read_file_at(dirfd, path, &data, NULL, NULL);
        if (r == -ENOENT)
                return husk_error_set(err, ENOENT, "network %s not found", name);
        if (r < 0)
                return husk_error_errno(err, -r, "read networks/%s", path);
        return net_from_json(data, name, ret, err);
}

int husk_net_list(int dirfd, char ***ret, struct husk_error *err)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "open networks");
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return husk_error_errno(err, errno, "open networks");
        }
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        size_t n = 0;
        if (!v)
                return husk_error_errno(err, ENOMEM, "networks");
        for (struct dirent *de; (de = readdir(d));) {
                char path[300];
                struct stat st;
                (void) snprintf(path, sizeof(path), "%s/network.json", de->d_name);
                if (de->d_name[0] == '.' || fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                char **nv = realloc(v, (n + 2) * sizeof(char *));
                if (!nv)
                        return husk_error_errno(err, ENOMEM, "networks");
                v = nv;
                if (!(v[n] = strdup(de->d_name)))
                        return husk_error_errno(err, ENOMEM, "networks");
                v[++n] = NULL;
        }
        qsort(v, n, sizeof(char *), husk_net_strcmp);
        *ret = steal_ptr(v);
        return 0;
}

int husk_net_strcmp(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* What a new subnet must not overlap: the host's routes and the other networks' subnets. */
static int used_prefixes(int dirfd, int family, struct husk_prefix **ret, size_t *ret_n, struct husk_error *err)
{
        struct husk_nl nl;
        int r = husk_nl_open(&nl, -1, err);
        if (r < 0)
                return r;
        _cleanup_free_ struct husk_prefix *v = NULL;
        size_t n = 0;
        r = husk_nl_routes(&nl, family, &v, &n, err);
        husk_nl_close(&nl);
        if (r < 0)
                return r;
        _cleanup_strv_ char **names = NULL;
        r = husk_net_list(dirfd, &names, err);
        if (r < 0)
                return r;
        for (char **p = names; *p; p++) {
                struct husk_network o;
                if (husk_net_get(dirfd, *p, &o, NULL) < 0)
                        continue;
                struct husk_prefix *nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv)
                        return husk_error_errno(err, ENOMEM, "networks");
                v = nv;
                if (family == AF_INET)
                        v[n++] = o.subnet;
                else if (o.has_ipv6)
                        v[n++] = o.subnet6;
        }
        *ret = steal_ptr(v);
        *ret_n = n;
        return 0;
}

/* "" or " (the route to X)" / " (network Y)" for an overlap error. */
static int check_overlap(const struct husk_prefix *p, const struct husk_prefix *used, size_t n, const char *what,
                         struct husk_error *err)
{
        for (size_t i = 0; i < n; i++) {
                if (used[i].len == 0 || !husk_prefix_overlap(p, &used[i]))
                        continue;
                char a[HUSK_PREFIX_STRLEN], b[HUSK_PREFIX_STRLEN];
                husk_prefix_format(p, a);
                husk_prefix_format(&used[i], b);
                return husk_error_set(err, EADDRINUSE, "%s %s overlaps %s (a route of the host or another network)",
                                      what, a, b);
        }
        return 0;
}

static int write_record(int dirfd, const struct husk_network *n, struct husk_error *err)
{
        _cleanup_free_ char *json = NULL;
        if (husk_net_to_json(n, &json) < 0)
                return husk_error_errno(err, ENOMEM, "network %s", n->name);
        if (mkdirat(dirfd, n->name, 0700) < 0 && errno != EEXIST)
                return husk_error_errno(err, errno, "mkdir networks/%s", n->name);
        char path[HUSK_NET_NAME_MAX + 32];
        (void) snprintf(path, sizeof(path), "%s/endpoints", n->name);
        if (mkdirat(dirfd, path, 0700) < 0 && errno != EEXIST)
                return husk_error_errno(err, errno, "mkdir networks/%s", path);
        (void) snprintf(path, sizeof(path), "%s/network.json", n->name);
        return husk_write_file_atomic_at(dirfd, path, json, strlen(json), 0600, true, err);
}

static int create_locked(int dirfd, const char *name, const struct husk_net_create_opts *o, struct husk_network *ret,
                         struct husk_error *err)
{
        struct husk_network n = { 0 };
        char path[HUSK_NET_NAME_MAX + 32];
        (void) snprintf(path, sizeof(path), "%s/network.json", name);
        if (faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return husk_error_set(err, EEXIST, "network with name %s already exists", name);
        strcpy(n.name, name);
        n.internal = o->internal;
        if (o->bridge) {
                int r = bridge_validate(o->bridge, err);
                if (r < 0)
                        return r;
                strcpy(n.bridge, o->bridge);
        } else if (strcmp(name, HUSK_NET_DEFAULT) == 0) {
                strcpy(n.bridge, HUSK_NET_DEFAULT_BRIDGE);
        } else {
                husk_net_hash_name(name, NULL, n.bridge, "hk-");
        }
        _cleanup_strv_ char **names = NULL;
        int r = husk_net_list(dirfd, &names, err);
        if (r < 0)
                return r;
        for (char **p = names; *p; p++) {
                struct husk_network other;
                if (husk_net_get(dirfd, *p, &other, NULL) == 0 && strcmp(other.bridge, n.bridge) == 0)
                        return husk_error_set(err, EEXIST, "bridge %s is already used by network %s", n.bridge, *p);
        }
        /* Held from the subnet choice until the bridge and its route exist: husk instances with other
         * storage roots choose among the same host routes. */
        _cleanup_(husk_nft_closep) struct husk_nft *nft = NULL;
        r = husk_nft_open(&nft, err);
        if (r < 0)
                return r;
        _cleanup_free_ struct husk_prefix *used = NULL;
        size_t n_used = 0;
        r = used_prefixes(dirfd, AF_INET, &used, &n_used, err);
        if (r < 0)
                return r;
        if (o->subnet) {
                r = husk_prefix_parse(o->subnet, true, true, "--subnet", &n.subnet, err);
                if (r == 0 && n.subnet.family != AF_INET)
                        r = husk_error_set(err, EINVAL, "--subnet %s: an IPv4 subnet (the IPv6 one is a ULA made from the name)",
                                           o->subnet);
                if (r == 0 && (n.subnet.len < 8 || n.subnet.len > 29))
                        r = husk_error_set(err, EINVAL, "--subnet %s: the prefix length must be 8 to 29", o->subnet);
                if (r == 0)
                        r = check_overlap(&n.subnet, used, n_used, "--subnet", err);
        } else {
                r = husk_subnet_pick(used, n_used, &n.subnet, err);
        }
        if (r < 0)
                return r;
        if (!o->no_ipv6) {
                _cleanup_free_ struct husk_prefix *used6 = NULL;
                size_t n_used6 = 0;
                r = used_prefixes(dirfd, AF_INET6, &used6, &n_used6, err);
                if (r < 0)
                        return r;
                husk_ula_for_name(name, &n.subnet6);
                n.has_ipv6 = true;
                r = check_overlap(&n.subnet6, used6, n_used6, "the network's IPv6 subnet", err);
                if (r < 0)
                        return r;
        }
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        n.created = (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
        /* The record first: a husk killed while making the bridge leaves a network `network rm` removes. */
        r = write_record(dirfd, &n, err);
        if (r < 0)
                return r;
        r = husk_net_setup_with(&n, nft, err);
        if (r < 0) {
                struct husk_error ignored;
                (void) husk_net_teardown(dirfd, &n, nft, &ignored);
                return r;
        }
        *ret = n;
        return 0;
}

int husk_net_create(int dirfd, const char *name, const struct husk_net_create_opts *o, struct husk_network *ret,
                    struct husk_error *err)
{
        int r = husk_net_name_validate(name, err);
        if (r < 0)
                return r;
        _cleanup_close_ int lock = husk_net_lock_at(dirfd, "lock", err);
        if (lock < 0)
                return lock;
        return create_locked(dirfd, name, o, ret, err);
}

int husk_net_get_or_default(int dirfd, const char *name, struct husk_network *ret, struct husk_error *err)
{
        int r = husk_net_get(dirfd, name, ret, err);
        if (r != -ENOENT || strcmp(name, HUSK_NET_DEFAULT) != 0)
                return r;
        _cleanup_close_ int lock = husk_net_lock_at(dirfd, "lock", err);
        if (lock < 0)
                return lock;
        /* Another husk may have made it while we waited for the lock. */
        if (husk_net_get(dirfd, name, ret, NULL) == 0)
                return 0;
        struct husk_net_create_opts o = { 0 };
        return create_locked(dirfd, name, &o, ret, err);
}

static int write_sysctl(const char *path, const char *value, struct husk_error *err)
{
        _cleanup_free_ char *cur = NULL;
        if (husk_read_file_at(AT_FDCWD, path, &cur, NULL, NULL) == 0 && strncmp(cur, value, strlen(value)) == 0)
                return 0;
        return husk_write_file_at(AT_FDCWD, path, value, strlen(value), err);
}

int husk_net_setup(const struct husk_network *n, struct husk_error *err)
{
        _cleanup_(husk_nft_closep) struct husk_nft *nft = NULL;
        int r = husk_nft_open(&nft, err);
        if (r < 0)
                return r;
        return husk_net_setup_with(n, nft, err);
}

int husk_net_setup_with(const struct husk_network *n, struct husk_nft *nft, struct husk_error *err)
{
        struct husk_nl nl;
        int r = husk_nl_open(&nl, -1, err);
        if (r < 0)
                return r;
        int idx = husk_nl_link_index(&nl, n->bridge);
        if (idx == -ENODEV) {
                r = husk_nl_bridge_add(&nl, n->bridge, err);
                if (r == -EEXIST)
                        r = 0;
                if (r == 0 && (idx = husk_nl_link_index(&nl, n->bridge)) < 0)
                        r = husk_error_errno(err, -idx, "find bridge %s", n->bridge);
        } else if (idx < 0) {
                r = husk_error_errno(err, -idx, "find bridge %s", n->bridge);
        }
        uint8_t gw[16];
        if (r == 0 && husk_prefix_host(&n->subnet, 1, gw) == 0)
                r = husk_nl_addr_add(&nl, idx, AF_INET, gw, n->subnet.len, err);
        if (r == 0 && n->has_ipv6 && husk_prefix_host(&n->subnet6, 1, gw) == 0)
                r = husk_nl_addr_add(&nl, idx, AF_INET6, gw, n->subnet6.len, err);
        if (r == 0)
                r = husk_nl_link_up(&nl, idx, 0, err);
        husk_nl_close(&nl);
        if (r < 0)
                return husk_error_prefix(err, "network %s: ", n->name);
        char path[128];
        (void) snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge);
        /* Forwarding: without it no container reaches beyond the host (an internal network never does). */
        if ((r = write_sysctl(path, "1", err)) < 0 || (!n->internal && (r = husk_net_forwarding_on(n->has_ipv6, err)) < 0))
                return husk_error_prefix(err, "network %s: ", n->name);
        _cleanup_free_ char *base = husk_nft_base_text();
        _cleanup_free_ char *net = husk_nft_network_text(n->bridge, &n->subnet, n->has_ipv6 ? &n->subnet6 : NULL,
                                                         n->internal);
        _cleanup_free_ char *all = NULL;
        if (!base || !net || asprintf(&all, "%s%s", base, net) < 0)
                return husk_error_errno(err, ENOMEM, "network %s", n->name);
        r = husk_nft_run(nft, all, err);
        if (r < 0)
                return husk_error_prefix(err, "network %s: ", n->name);
        return 0;
}

int husk_net_teardown(int dirfd, const struct husk_network *n, struct husk_nft *nft, struct husk_error *err)
{
        _cleanup_free_ char *del = husk_nft_network_del_text(n->bridge);
        if (!del)
                return husk_error_errno(err, ENOMEM, "network %s", n->name);
        husk_nft_run_each(nft, del);
        /* The last network of every husk on the host gone: the table goes too, leaving the ruleset as
         * it was before husk (a port or bridge element left means another network still needs it). */
        _cleanup_free_ char *ports = NULL, *bridges = NULL;
        if (husk_nft_run_output(nft, "list map " HUSK_NFT_TABLE " ports", &ports, NULL) == 0 &&
            husk_nft_run_output(nft, "list map " HUSK_NFT_TABLE " from_bridge", &bridges, NULL) == 0 &&
            !(ports && strstr(ports, "elements")) && !(bridges && strstr(bridges, "elements"))) {
                (void) husk_nft_run(nft, "delete table " HUSK_NFT_TABLE, NULL);
                husk_net_forwarding_restore();
        }
        struct husk_nl nl;
        int r = husk_nl_open(&nl, -1, err);
        if (r < 0)
                return r;
        r = husk_nl_link_del(&nl, n->bridge, err);
        husk_nl_close(&nl);
        if (r < 0 && r != -ENODEV)
                return r;
        return husk_rm_rf_at(dirfd, n->name, err);
}

int husk_net_remove(int dirfd, const char *name, struct husk_error *err)
{
        struct husk_network n;
        int r = husk_net_get(dirfd, name, &n, err);
        if (r < 0)
                return r;
        _cleanup_close_ int lock = husk_net_lock_at(dirfd, "lock", err);
        if (lock < 0)
                return lock;
        char path[HUSK_NET_NAME_MAX + 32];
        (void) snprintf(path, sizeof(path), "%s/lock", name);
        _cleanup_close_ int nlock = husk_net_lock_at(dirfd, path, err);
        if (nlock < 0)
                return nlock;
        struct husk_net_endpoint *eps = NULL;
        size_t n_eps = 0;
        r = husk_net_endpoints(dirfd, name, &eps, &n_eps, err);
        if (r < 0)
                return r;
        if (n_eps > 0) {
                char ids[200] = "";
                for (size_t i = 0; i < n_eps && strlen(ids) < 150; i++)
                        (void) snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%.12s", i ? ", " : "",
                                        eps[i].ctr_id);
                husk_net_endpoints_free(eps, n_eps);
                return husk_error_set(err, EBUSY, "error while removing network: network %s has active endpoints (%s)",
                                      name, ids);
        }
        husk_net_endpoints_free(eps, n_eps);
        _cleanup_(husk_nft_closep) struct husk_nft *nft = NULL;
        r = husk_nft_open(&nft, err);
        if (r < 0)
                return r;
        return husk_net_teardown(dirfd, &n, nft, err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * husk-net: the network layer (src/network/) driven by hand, for tests/integration/network*.bats until
 * and beside the engine's commands. STORAGE is a storage root (networks/ under it).
 *   husk-net STORAGE create NAME [--subnet CIDR] [--bridge NAME] [--no-ipv6] [--internal]
 *   husk-net STORAGE inspect NAME | ls | rm NAME | endpoints NAME
 *   husk-net STORAGE attach NAME CTR_ID NETNS_PATH [--ip A] [--mac M] [--name N] [--hosts FILE]
 *                          [--bandwidth RATE] [-p SPEC]... [--ifname IF]
 *   husk-net STORAGE detach NAME CTR_ID
 * Prints the record as JSON; errors on stderr, exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "network/network.h"
#include "util/cleanup.h"

static int fail(const struct husk_error *err)
{
        fprintf(stderr, "husk-net: %s\n", err->msg);
        return 1;
}

static int print_json(int r, char *json)
{
        if (r < 0)
                return 1;
        puts(json);
        free(json);
        return 0;
}

static const char *opt(int argc, char **argv, int *i)
{
        if (*i + 1 >= argc) {
                fprintf(stderr, "husk-net: %s needs a value\n", argv[*i]);
                exit(2);
        }
        return argv[++*i];
}

static int cmd_attach(int dirfd, int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "husk-net: attach NAME CTR_ID NETNS_PATH [options]\n");
                return 2;
        }
        struct husk_error err = { 0 };
        struct husk_attach_opts o = { 0 };
        _cleanup_free_ struct husk_port *ports = calloc((size_t) argc, sizeof(*ports));
        if (!ports)
                return 1;
        for (int i = 3; i < argc; i++) {
                if (strcmp(argv[i], "--ip") == 0)
                        o.ip = opt(argc, argv, &i);
                else if (strcmp(argv[i], "--mac") == 0)
                        o.mac = opt(argc, argv, &i);
                else if (strcmp(argv[i], "--name") == 0)
                        o.name = opt(argc, argv, &i);
                else if (strcmp(argv[i], "--hosts") == 0)
                        o.hosts_path = opt(argc, argv, &i);
                else if (strcmp(argv[i], "--ifname") == 0)
                        o.ifname = opt(argc, argv, &i);
                else if (strcmp(argv[i], "--bandwidth") == 0) {
                        if (husk_rate_parse(opt(argc, argv, &i), &o.bandwidth, &err) < 0)
                                return fail(&err);
                } else if (strcmp(argv[i], "-p") == 0) {
                        if (husk_port_parse_all(opt(argc, argv, &i), &ports, &o.n_ports, &err) < 0)
                                return fail(&err);
                } else {
                        fprintf(stderr, "husk-net: unknown option %s\n", argv[i]);
                        return 2;
                }
        }
        o.ports = ports;
        _cleanup_close_ int ns = open(argv[2], O_RDONLY | O_CLOEXEC);
        if (ns < 0) {
                fprintf(stderr, "husk-net: open %s: %s\n", argv[2], strerror(errno));
                return 1;
        }
        struct husk_net_endpoint ep;
        if (husk_net_attach(dirfd, argv[0], argv[1], ns, &o, &ep, &err) < 0)
                return fail(&err);
        char *json = NULL;
        int r = husk_net_endpoint_to_json(&ep, &json);
        husk_net_endpoint_done(&ep);
        return print_json(r, json);
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: husk-net STORAGE create|inspect|ls|rm|endpoints|attach|detach ...\n");
                return 2;
        }
        struct husk_error err = { 0 };
        const char *cmd = argv[2];
        _cleanup_close_ int dirfd = -1;
        if (husk_net_dir_open(argv[1], true, &dirfd, &err) < 0)
                return fail(&err);
        char **rest = argv + 3;
        int n = argc - 3;
        struct husk_network net;
        char *json = NULL;
        if (strcmp(cmd, "create") == 0 && n >= 1) {
                struct husk_net_create_opts o = { 0 };
                for (int i = 1; i < n; i++) {
                        if (strcmp(rest[i], "--subnet") == 0)
                                o.subnet = opt(n, rest, &i);
                        else if (strcmp(rest[i], "--bridge") == 0)
                                o.bridge = opt(n, rest, &i);
                        else if (strcmp(rest[i], "--internal") == 0)
                                o.internal = true;
                        else if (strcmp(rest[i], "--no-ipv6") == 0)
                                o.no_ipv6 = true;
                        else
                                return fprintf(stderr, "husk-net: unknown option %s\n", rest[i]), 2;
                }
                if (husk_net_create(dirfd, rest[0], &o, &net, &err) < 0)
                        return fail(&err);
                {
                        int r = husk_net_to_json(&net, &json);
                        return print_json(r, json);
                }
        }
        if (strcmp(cmd, "inspect") == 0 && n == 1) {
                if (husk_net_get(dirfd, rest[0], &net, &err) < 0)
                        return fail(&err);
                {
                        int r = husk_net_to_json(&net, &json);
                        return print_json(r, json);
                }
        }
        if (strcmp(cmd, "ls") == 0 && n == 0) {
                _cleanup_strv_ char **names = NULL;
                if (husk_net_list(dirfd, &names, &err) < 0)
                        return fail(&err);
                for (char **p = names; *p; p++)
                        puts(*p);
                return 0;
        }
        if (strcmp(cmd, "rm") == 0 && n == 1)
                return husk_net_remove(dirfd, rest[0], &err) < 0 ? fail(&err) : 0;
        if (strcmp(cmd, "endpoints") == 0 && n == 1) {
                struct husk_net_endpoint *eps = NULL;
                size_t count = 0;
                if (husk_net_endpoints(dirfd, rest[0], &eps, &count, &err) < 0)
                        return fail(&err);
                for (size_t i = 0; i < count; i++)
                        printf("%s %s %s\n", eps[i].ctr_id, eps[i].ip, eps[i].ip6);
                husk_net_endpoints_free(eps, count);
                return 0;
        }
        if (strcmp(cmd, "attach") == 0)
                return cmd_attach(dirfd, n, rest);
        if (strcmp(cmd, "detach") == 0 && n == 2)
                return husk_net_detach(dirfd, rest[0], rest[1], &err) < 0 ? fail(&err) : 0;
        fprintf(stderr, "husk-net: bad command line\n");
        return 2;
}

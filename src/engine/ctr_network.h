/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's containers on networks (the "network" engineer's glue; libhusk_network does the work).
 * --network none|host|bridge|NAME|container:NAME, and the options of a bridge network (-p, -P, --ip,
 * --mac-address, --network-bandwidth) plus --dns and --add-host are kept in the container's directory
 * as network.json (written at create, read at each start), not in container.json.
 *
 * A start attaches the container's netns (its init's /proc/PID/ns/net, between the runtime's create
 * and start, so the process starts with its network up) and edits its hosts and resolv.conf in place
 * (bind-mounted already). The container's exit and rm detach it: veth, rules, qdiscs and the address go,
 * as Docker releases an address at stop.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <sys/types.h>

#include "engine/engine.h"

struct husk_ctr_net_opts {
        char *const *publish;           /* -p values */
        size_t n_publish;
        bool publish_all;               /* -P */
        const char *ip, *mac;           /* --ip, --mac-address */
        char *const *dns;               /* --dns */
        size_t n_dns;
        char *const *add_host;          /* --add-host NAME:IP */
        size_t n_add_host;
        const char *bandwidth;          /* --network-bandwidth RATE */
};

/* Check the network mode before a container is made: "none", "host", "bridge" (the default network
 * "husk", made on first use), a network's name (-ENOENT "network X not found"), or container:NAME|ID
 * (a container that exists). */
int husk_ctr_net_check(struct husk_engine *e, const char *mode, struct husk_error *err);

/* Validate the options against the mode and write network.json into the new container's directory
 * (-P: the image's ExposedPorts). The caller removes the container when this fails. */
int husk_ctr_net_save(struct husk_engine *e, const struct husk_ctr *c, const struct husk_ctr_net_opts *o,
                      struct husk_error *err);

/* At start, the init created (init_pid) but not started: attach, and the /etc files. */
int husk_ctr_net_start(struct husk_engine *e, const struct husk_ctr *c, int ctr_dirfd, pid_t init_pid,
                       struct husk_error *err);

/* Detach from every network (errors ignored: called while releasing). */
void husk_ctr_net_release(struct husk_engine *e, const struct husk_ctr *c);

/* <storage root>/networks of the engine (made when create). */
int husk_ctr_net_dir(struct husk_engine *e, bool create, int *ret_fd, struct husk_error *err);

/* `network connect`: a running container (id) to one more network (ethN); `disconnect`. */
int husk_ctr_net_connect(struct husk_engine *e, const char *id, const char *network, const char *ip,
                         struct husk_error *err);
int husk_ctr_net_disconnect(struct husk_engine *e, const char *id, const char *network, struct husk_error *err);

/* inspect's NetworkSettings as Docker shows them (IPAddress, MacAddress, Ports, Networks by name...):
 * what the container's endpoints say now (empty while it is not running). A new reference. */
json_t *husk_ctr_net_settings_json(struct husk_engine *e, const struct husk_ctr *c);

/* container:NAME: the path of that container's network namespace for the spec (-EINVAL when it is not
 * running). */
int husk_ctr_net_ns_path(struct husk_engine *e, const char *mode, char ret[static 64], struct husk_error *err);

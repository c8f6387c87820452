/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Name resolution on user-defined networks by /etc/hosts entries kept current (chosen over a DNS
 * responder: no daemon to keep alive beside daemon-less husk, nothing listening on the bridge, and the
 * container's own resolver reads the file; docs/network.md). Each container's hosts file (the one the
 * engine bind-mounts at /etc/hosts) gets a line per other container on the network, tagged
 * "# husk:NETWORK", rewritten under the network's lock whenever one joins or leaves. The file is
 * rewritten in place, not renamed over: a bind mount pins the inode.
 */
#pragma once

#include <stddef.h>

#include "network/network.h"

/* Pure: text with the lines of network replaced by entries for eps (except self_id). */
char *husk_hosts_text(const char *text, const char *network, const char *self_id, const struct husk_net_endpoint *eps,
                      size_t n);
/* Rewrite every endpoint's hosts file (errors ignored: a container's file may be gone with it). */
void husk_hosts_update(const char *network, const struct husk_net_endpoint *eps, size_t n);
/* Drop the lines of network from one file. */
void husk_hosts_remove_network(const char *path, const char *network);

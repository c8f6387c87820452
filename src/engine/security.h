/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security and namespace options of `husk run/create` (--cap-add, --cap-drop, --privileged,
 * --security-opt, --device, --device-cgroup-rule, --read-only, --group-add, --sysctl, --shm-size,
 * --pid, --ipc, --uts, --userns, --cgroupns, --init), kept in the record's host_config by Docker's
 * HostConfig names (CapAdd, CapDrop, Privileged, SecurityOpt, Devices, DeviceCgroupRules,
 * ReadonlyRootfs, GroupAdd, Sysctls, ShmSize, PidMode, IpcMode, UTSMode, UsernsMode, CgroupnsMode,
 * Init) and applied to the OCI config at each start (spec_security.c).
 *
 * The parsers here are pure (no host access unless said); their errors name the flag and the value
 * as Docker's do, so the command line reports them before a container is made.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct husk_ctr;
struct husk_engine;
struct husk_engine_spec_in;

/* ---- capabilities ---- */
/* A capability as Docker takes it ("NET_ADMIN", "cap_net_admin", "CAP_NET_ADMIN"): its number, or
 * HUSK_CAP_ALL for "ALL"; -EINVAL for a name this build does not know. */
#define HUSK_CAP_ALL 64
int husk_sec_cap_parse(const char *name);
/* Every capability the running kernel has, this build knows and our bounding set holds. */
uint64_t husk_sec_caps_all(void);
/* moby's TweakCapabilities: ALL in adds = everything but the drops; ALL in drops = the adds only;
 * else the defaults less the drops plus the adds. Names already checked by husk_sec_cap_parse. */
int husk_sec_caps_tweak(uint64_t defaults, const json_t *adds, const json_t *drops, uint64_t *ret,
                        struct husk_error *err);

/* ---- --security-opt ---- */
struct husk_sec_opts {
        bool seccomp_unconfined;
        const char *seccomp_profile;    /* the profile's JSON text (Docker keeps the content) */
        int no_new_privileges;          /* -1: not said, 0, 1 */
        const char *apparmor;           /* NULL or "unconfined": none */
        char selinux_label[256];        /* "" : none; "user:role:type:level" */
        bool label_disable;
        bool systempaths_unconfined;
        bool writable_cgroups;
        const char *mask, *unmask;      /* "/a:/b" (podman), unmask "ALL" */
};
/* One SecurityOpt value ("seccomp=unconfined", "no-new-privileges", "apparmor=P", "label=type:T",
 * "systempaths=unconfined", "mask=/p:/q", "unmask=ALL"; "key:value" too, Docker's old spelling) into
 * *o (pointers into opt). -EINVAL "invalid --security-opt: ..." otherwise. */
int husk_sec_opt_parse(const char *opt, struct husk_sec_opts *o, struct husk_error *err);

/* ---- devices ---- */
struct husk_sec_device {
        char host[4096], ctr[4096];
        char perms[4];  /* "rwm" subset */
};
/* --device HOST[:CONTAINER][:PERMS] (Docker's parseDevice; CONTAINER defaults to HOST). */
int husk_sec_device_parse(const char *spec, struct husk_sec_device *ret, struct husk_error *err);
/* --device-cgroup-rule "c 1:3 rwm", "a *:* rwm", "b 8:* r" as an OCI linux.resources.devices entry. */
int husk_sec_cgroup_rule_parse(const char *rule, json_t **ret, struct husk_error *err);

/* ---- --sysctl ---- */
/* Docker's namespaced sysctls only: kernel.msg{max,mnb,mni}, kernel.sem, kernel.shm{all,max,mni},
 * kernel.shm_rmid_forced and fs.mqueue.* (IPC namespace: not with --ipc host), net.* (network
 * namespace: not with --network host or container:X). kv is "KEY=VALUE". */
int husk_sec_sysctl_check(const char *kv, const char *ipc_mode, const char *network, struct husk_error *err);

/* ---- namespace modes ---- */
/* --uts host: the container has the host's hostname (its /etc/hostname and $HOSTNAME say so too). */
bool husk_sec_uts_host(const struct husk_ctr *c);
/* --pid host|container:X, --ipc private|shareable|host|none|container:X, --uts host,
 * --cgroupns host|private, --userns host|auto. flag names the option for errors. */
int husk_sec_mode_check(const char *flag, const char *value, struct husk_error *err);

/* ---- --userns (userns.c) ---- */
struct husk_sec_idmap {
        uint32_t container, host, size;
};
/* "0:1073741824:65536" (podman's IDMappings entries). */
int husk_sec_idmap_parse(const char *s, struct husk_sec_idmap *ret);
/* HostConfig.IDMappings: 1 and the maps, 0 when none, -EINVAL when malformed. */
/* HostConfig.UsernsMode asks for a user namespace of the container's own ("auto[:...]"). */
bool husk_sec_wants_userns(const json_t *hc);
int husk_sec_userns_maps(const json_t *hc, struct husk_sec_idmap *ret_uid, struct husk_sec_idmap *ret_gid);
/* Before the root is mounted: for --userns auto, the container's range (chosen and saved in its record
 * at its first start), the way into its directory (dirfd) for that root, and a user namespace fd with
 * the range for the idmapped layers; *ret_fd -1 otherwise. */
int husk_sec_userns_prepare(struct husk_engine *e, struct husk_ctr *c, int dirfd, int *ret_fd,
                            struct husk_error *err);
/* linux.namespaces gets "user", linux.uidMappings/gidMappings the recorded range. */
int husk_sec_apply_userns(const json_t *hc, json_t *doc, struct husk_error *err);

/* ---- --init ---- */
/* Where the built-in init appears in a container started with --init (docker-init's role). */
#define HUSK_INIT_DEST "/dev/init"
/* husk-init on this host: $HUSK_INIT, the installed one, else the one of the build tree. */
const char *husk_engine_init_path(void);

/* ---- the config ---- */
/* Apply the security options of in->ctr's host_config to the OCI document (spec.c calls it once).
 * e resolves container:X modes (NULL: refused). */
int husk_spec_apply_security(const struct husk_engine_spec_in *in, json_t *doc, struct husk_error *err);

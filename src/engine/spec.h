/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI config of an engine container: made from the image's config (Env, Entrypoint, Cmd,
 * WorkingDir, User) and the run options, with Docker's defaults (capabilities, seccomp, masked and
 * read-only /proc paths, a private /dev, no_new_privs off, generated /etc/hosts, /etc/hostname and
 * /etc/resolv.conf bound in).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct husk_engine;

#include "engine/container.h"
#include "image/manifest.h"
#include "util/error.h"

/* ---- the user (user.c) ---- */
struct husk_exec_user {
        uid_t uid;
        gid_t gid;
        gid_t *gids;    /* supplementary groups from /etc/group */
        size_t n_gids;
        char *home;
};
void husk_exec_user_free_contents(struct husk_exec_user *u);

/* Resolve "NAME|UID[:GROUP|GID]" (empty: root) against the texts of passwd and group (either may be
 * NULL: missing file). Docker's rules: a name must exist, a uid need not; an explicit group replaces
 * the supplementary groups. Errors name the user or group. */
int husk_exec_user_resolve_text(const char *spec, const char *passwd, const char *group, struct husk_exec_user *ret,
                                struct husk_error *err);
/* The same with the image's /etc/passwd and /etc/group read through root_fd (in-root resolution,
 * regular files only, nothing executed). */
int husk_exec_user_resolve(int root_fd, const char *spec, struct husk_exec_user *ret, struct husk_error *err);

/* ---- process (spec_process.c) ---- */
/* Entrypoint + Cmd as Docker combines them: --entrypoint replaces the image's entrypoint and drops its
 * Cmd; a CMD given replaces the image's Cmd. Empty: "no command specified". */
int husk_engine_args(const struct husk_ctr_config *cfg, const struct husk_image_config *img, char ***ret,
                     struct husk_error *err);
/* The environment: PATH (default when the image has none), HOSTNAME, the image's Env, the -e values
 * (replacing the image's of the same name), HOME from the user when still unset. */
int husk_engine_env(const struct husk_ctr_config *cfg, const struct husk_image_config *img, const char *hostname,
                    const char *home, char ***ret, struct husk_error *err);
/* -w, else the image's WorkingDir, else "/"; must be absolute. */
int husk_engine_cwd(const struct husk_ctr_config *cfg, const struct husk_image_config *img, char **ret,
                    struct husk_error *err);

/* ---- /etc files (etc_files.c) ---- */
/* The container's resolv.conf from the host's text (NULL: none): nameservers on loopback addresses
 * are dropped (they do not answer inside another network namespace), and Google's public servers are
 * used when none is left, as Docker does. host_network keeps the host's text as it is. */
char *husk_resolv_conf(const char *host_text, bool host_network);
/* Docker's /etc/hosts for a container without a network of its own (localhost entries). */
char *husk_hosts_file(const char *hostname);
/* Write hosts, hostname and resolv.conf into the container directory. */
int husk_etc_files_write(int ctr_dirfd, const char *hostname, bool host_network, struct husk_error *err);

/* ---- the whole config (spec.c) ---- */
struct husk_engine_spec_in {
        const struct husk_ctr *ctr;
        const struct husk_image_config *img;
        const struct husk_exec_user *user;
        const char *hostname;
        const char *ctr_dir;            /* absolute: the sources of the /etc binds */
        const char *rootfs;             /* root.path, relative to the bundle (the container dir) */
        bool cgroupns;                  /* a cgroup namespace of its own (cgroup v2 hosts, as Docker) */
        const char *netns_path;         /* --network container:X: that container's netns, else NULL */
        struct husk_engine *engine;     /* resolves --pid/--ipc container:X (NULL: refused) */
};
/* config.json text. */
int husk_engine_spec_json(const struct husk_engine_spec_in *in, char **ret, struct husk_error *err);

/* -t (Config.Tty): process.terminal and TERM=xterm (spec_tty.c). */
struct json_t;
int husk_spec_apply_tty(const struct husk_engine_spec_in *in, struct json_t *doc, struct husk_error *err);

/* Docker's default capability set, as a mask over capability numbers. */
uint64_t husk_engine_default_caps(void);
/* linux.seccomp of a Docker-format profile (NULL: husk's default) resolved for the bounding set caps
 * on this host. */
struct husk_seccomp_profile;
int husk_engine_seccomp_json(const struct husk_seccomp_profile *profile, uint64_t caps, struct json_t **ret,
                             struct husk_error *err);

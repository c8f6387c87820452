/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp profiles in the Docker/podman JSON format, and their resolution into the runtime-spec's
 * linux.seccomp (struct husk_seccomp of oci/spec.h).
 *
 * A profile is a linux.seccomp object plus what Docker added to it:
 *  - "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": [...]}], of which the
 *    native architecture's entry becomes linux.seccomp.architectures (exclusive with
 *    "architectures", which is passed on unchanged);
 *  - per rule "includes"/"excludes": {"caps": [...], "arches": [...], "minKernel": "4.8"}: a rule
 *    is kept when every included cap is in the bounding set, the architecture is one of "arches"
 *    and the kernel is at least minKernel; it is dropped when any excluded cap is in the bounding
 *    set, the architecture is listed, or the kernel is at least the excluded minKernel;
 *  - per rule "name" (one syscall, the old format) and "comment" (ignored).
 * The semantics are those of moby/profiles (seccomp_linux.go), so a profile written for Docker
 * resolves to what Docker would hand to runc. One difference: unknown capability and architecture
 * names are errors here (Docker silently never matches them, which turns a typo into a hole).
 *
 * Errors name the file and the JSON path ("default.json: syscalls[3].includes.caps[0]: unknown
 * capability \"CAP_FOO\"").
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "util/error.h"

/* "includes" or "excludes" of a rule. */
struct husk_seccomp_filter {
        uint64_t caps;  /* capability bit mask; 0 when none listed */
        char **arches;  /* canonical names ("amd64", "arm64", "s390x"...), NULL-terminated; NULL when none */
        bool has_min_kernel;
        unsigned int min_kernel_major, min_kernel_minor;
};

/* What Docker's format adds to one rule of linux.seccomp.syscalls. */
struct husk_seccomp_rule_filters {
        struct husk_seccomp_filter includes, excludes;
};

struct husk_seccomp_arch_map {
        char *arch;        /* "SCMP_ARCH_X86_64" */
        char **sub_arches; /* NULL-terminated, may be NULL */
};

struct husk_seccomp_profile {
        /* Everything linux.seccomp has; base.syscalls holds every rule of the profile, unfiltered. */
        struct husk_seccomp base;
        struct husk_seccomp_rule_filters *filters; /* parallel to base.syscalls */
        size_t n_filters;
        struct husk_seccomp_arch_map *arch_map;
        size_t n_arch_map;
};

/* What a profile is resolved for. */
struct husk_seccomp_target {
        uint64_t caps;              /* the container's bounding set (Docker checks that one too) */
        const char *arch;           /* "amd64", "x86_64", "arm64"...; NULL: the arch husk was built for */
        const char *kernel_release; /* "6.1.0-18-amd64"; NULL: the running kernel's (uname) */
};

/* Parse a profile from memory; `name` prefixes errors ("default.json"). */
int husk_seccomp_profile_parse(const char *data, size_t len, const char *name, struct husk_seccomp_profile **ret,
                               struct husk_error *err);
/* Read and parse a file. */
int husk_seccomp_profile_load(const char *path, struct husk_seccomp_profile **ret, struct husk_error *err);
/* husk's default profile (data/seccomp/default.json, compiled into the library). */
int husk_seccomp_profile_default(struct husk_seccomp_profile **ret, struct husk_error *err);
/* The text of that default profile (minified JSON, NUL-terminated). */
const char *husk_seccomp_default_profile_json(size_t *ret_len);

void husk_seccomp_profile_free(struct husk_seccomp_profile *p);
static inline void husk_seccomp_profile_freep(struct husk_seccomp_profile **p)
{
        if (*p)
                husk_seccomp_profile_free(*p);
}

/* Resolve for a target into *ret (a struct husk_seccomp to put into husk_linux.seccomp). On success
 * *ret owns copies of everything (release with husk_seccomp_free_contents()); on failure *ret is
 * untouched. Fails on an unknown target arch or an unparsable kernel release. */
int husk_seccomp_profile_resolve(const struct husk_seccomp_profile *p, const struct husk_seccomp_target *t,
                                 struct husk_seccomp *ret, struct husk_error *err);

/* Resolve for the container `spec` describes (the bounding set of process.capabilities, none when
 * absent; this machine's architecture and kernel) and make the result its linux.seccomp, replacing
 * what was there. On failure the spec is unchanged. */
int husk_spec_set_seccomp_profile(struct husk_spec *spec, const struct husk_seccomp_profile *p,
                                  struct husk_error *err);

/* linux.seccomp as a JSON object of config.json. Integer values above INT64_MAX cannot be written by
 * jansson and are refused (ERANGE) rather than written wrong. */
int husk_seccomp_to_json(const struct husk_seccomp *s, json_t **ret, struct husk_error *err);

/* Architecture names. Profiles name architectures as Docker does ("amd64", "arm64", "x86", "s390x",
 * libseccomp's names for the rest); "x86_64", "aarch64", "i386", "loong64" are accepted as aliases.
 * The canonical name of a name or alias, or NULL when unknown. */
const char *husk_seccomp_arch_canonical(const char *name);
/* "amd64" -> "SCMP_ARCH_X86_64" and back; NULL when unknown. */
const char *husk_seccomp_arch_scmp(const char *canonical);
const char *husk_seccomp_arch_from_scmp(const char *scmp);
/* The canonical name of the architecture this build runs as; NULL on one husk does not know. */
const char *husk_seccomp_arch_native(void);

/* "6.1.0-18-amd64" -> 6, 1. -EINVAL (err filled) when it does not start with <major>.<minor>. */
int husk_kernel_release_parse(const char *release, unsigned int *ret_major, unsigned int *ret_minor,
                              struct husk_error *err);

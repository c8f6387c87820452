/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp-profile: resolve a Docker-format seccomp profile (husk's default when no file is given)
 * for a capability set, an architecture and a kernel release, and print the linux.seccomp object of
 * config.json. For the tests and for looking at a profile by hand:
 *
 *   seccomp-profile --config bundle/config.json > seccomp.json
 *   jq --slurpfile s seccomp.json '.linux.seccomp = $s[0]' bundle/config.json
 *
 * A test tool rather than a husk-runtime command: runc's command line has no such command and the
 * runtime only loads what config.json says; choosing a profile is the engine's job.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/capabilities.h"
#include "oci/config.h"
#include "oci/seccomp_profile.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static void usage(FILE *f)
{
        fprintf(f, "usage: seccomp-profile [--caps CAP,CAP... | --config CONFIG.json] [--arch ARCH]\n"
                   "                       [--kernel RELEASE] [--compact] [PROFILE.json]\n"
                   "Resolves PROFILE (husk's built-in default when absent) for the bounding capabilities\n"
                   "given (none when neither --caps nor --config), ARCH (this build's when absent) and\n"
                   "the kernel RELEASE (the running kernel's when absent), and prints linux.seccomp.\n");
}

static int parse_caps(const char *list, uint64_t *ret, struct husk_error *err)
{
        _cleanup_free_ char *copy = strdup(list);
        if (!copy)
                return husk_error_errno(err, ENOMEM, "--caps");
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int cap = husk_cap_from_name(t);
                if (cap < 0 || cap > 63)
                        return husk_error_set(err, EINVAL, "--caps: unknown capability \"%s\"", t);
                *ret |= UINT64_C(1) << cap;
        }
        return 0;
}

static int caps_of_config(const char *path, uint64_t *ret, struct husk_error *err)
{
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        int r = husk_config_load(path, &spec, err);
        if (r < 0)
                return r;
        const struct husk_capabilities *c = &spec->process.capabilities;
        *ret = spec->has_process && spec->process.has_capabilities && c->has_bounding ? c->bounding : 0;
        return 0;
}

static int run(const char *profile_path, const struct husk_seccomp_target *t, size_t flags, struct husk_error *err)
{
        _cleanup_(husk_seccomp_profile_freep) struct husk_seccomp_profile *p = NULL;
        int r = profile_path ? husk_seccomp_profile_load(profile_path, &p, err) : husk_seccomp_profile_default(&p, err);
        if (r < 0)
                return r;
        _cleanup_(husk_seccomp_free_contents) struct husk_seccomp s = { 0 };
        if ((r = husk_seccomp_profile_resolve(p, t, &s, err)) < 0)
                return r;
        _cleanup_json_ json_t *j = NULL;
        if ((r = husk_seccomp_to_json(&s, &j, err)) < 0)
                return r;
        if (json_dumpf(j, stdout, flags) < 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0)
                return husk_error_errno(err, errno ? errno : EIO, "write standard output");
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "caps", required_argument, NULL, 'c' },   { "config", required_argument, NULL, 'C' },
                { "arch", required_argument, NULL, 'a' },   { "kernel", required_argument, NULL, 'k' },
                { "compact", no_argument, NULL, 'o' },      { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        struct husk_seccomp_target t = { 0 };
        struct husk_error err = { 0 };
        const char *caps = NULL, *config = NULL;
        size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (o) {
                case 'c': caps = optarg; break;
                case 'C': config = optarg; break;
                case 'a': t.arch = optarg; break;
                case 'k': t.kernel_release = optarg; break;
                case 'o': flags = JSON_COMPACT | JSON_PRESERVE_ORDER; break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        }
        if (argc - optind > 1 || (caps && config)) {
                usage(stderr);
                return 2;
        }
        int r = 0;
        if (caps)
                r = parse_caps(caps, &t.caps, &err);
        else if (config)
                r = caps_of_config(config, &t.caps, &err);
        if (r == 0)
                r = run(optind < argc ? argv[optind] : NULL, &t, flags, &err);
        if (r < 0) {
                fprintf(stderr, "seccomp-profile: %s\n", err.msg);
                return 1;
        }
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark (not a test): the seccomp step of create alone, in-process, for the linux.seccomp of a
 * config.json: compile with libseccomp (the miss: dlopen, rules, export) vs the cache hit (key,
 * lookup, read). Prints the median and minimum of N runs of each.
 *
 *   cc -O2 -D_GNU_SOURCE -Isrc bench/seccomp_prepare.c build/libhusk.a -ljansson -o /tmp/seccomp-prepare
 *   /tmp/seccomp-prepare BUNDLE/config.json [N]      (bench/seccomp.sh makes such a bundle)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "oci/config.h"
#include "runtime/seccomp.h"
#include "util/fs.h"

static double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
        qsort(t, (size_t) n, sizeof(*t), cmp);
        printf("%s: median %.1f us, min %.1f us (%d runs)\n", what, t[n / 2], t[0], n);
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: seccomp-prepare CONFIG.JSON [N]\n");
                return 2;
        }
        int n = argc > 2 ? atoi(argv[2]) : 100;
        struct husk_error err = { 0 };
        char *raw;
        size_t len;
        struct husk_spec *spec;
        if (husk_read_file_at(AT_FDCWD, argv[1], &raw, &len, &err) < 0 ||
            husk_config_parse(raw, len, "config.json", &spec, &err) < 0 || !spec->linux_.has_seccomp) {
                fprintf(stderr, "seccomp-prepare: %s\n", err.msg[0] ? err.msg : "no linux.seccomp");
                return 1;
        }
        char root[] = "/tmp/seccomp-prepare.XXXXXX";
        if (!mkdtemp(root))
                return 1;
        int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        double *t = calloc((size_t) n, sizeof(double));
        struct husk_seccomp_prog p;

        for (int i = 0; i < n; i++) {
                double t0 = now_us();
                if (husk_seccomp_prepare(&spec->linux_.seccomp, -1, &p, &err) < 0) {
                        fprintf(stderr, "seccomp-prepare: %s\n", err.msg);
                        return 1;
                }
                t[i] = now_us() - t0;
                husk_seccomp_prog_free(&p);
        }
        report("compile (cache miss, libseccomp dlopen()ed)", t, n);

        (void) husk_seccomp_prepare(&spec->linux_.seccomp, root_fd, &p, &err);
        printf("program: %zu instructions\n", p.n_insns);
        husk_seccomp_prog_free(&p);
        for (int i = 0; i < n; i++) {
                double t0 = now_us();
                if (husk_seccomp_prepare(&spec->linux_.seccomp, root_fd, &p, &err) < 0 || !p.from_cache) {
                        fprintf(stderr, "seccomp-prepare: no cache hit: %s\n", err.msg);
                        return 1;
                }
                t[i] = now_us() - t0;
                husk_seccomp_prog_free(&p);
        }
        report("cache hit (sha256 key, lookup, read)", t, n);
        (void) husk_rm_rf_at(AT_FDCWD, root, NULL);
        (void) close(root_fd);
        free(t);
        husk_spec_free(spec);
        free(raw);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container roots from layer directories, without a store's records (tests and measurements of
 * src/image/rootfs*.c):
 *
 *   rootfs-tool mount [OPTIONS] CONTAINER_DIR [LAYER...]   layers base first, as an image lists them
 *   rootfs-tool bench N [OPTIONS] CONTAINER_DIR [LAYER...] N mount/remove cycles: mean and min times
 *   rootfs-tool unmount|remove|usage CONTAINER_DIR    usage: bytes on disk, inodes, apparent bytes
 *   rootfs-tool probe SCRATCH_DIR
 *   rootfs-tool image [OPTIONS] CONTAINER_DIR STORE_ROOT IMAGE   husk_rootfs_mount of a stored image
 *   rootfs-tool store-probe STORE_ROOT                       husk_rootfs_probe of a store
 * OPTIONS: --driver auto|overlay|copy, --volatile, --rootless, --legacy (mount(2) with l/ names),
 *          --store ROOT (each LAYER is then a short name under ROOT/l/, which overlayfs gets as such
 *          on the mount(2) path), --scratch DIR (where AUTO probes).
 * mount prints the driver used; errors go to stderr with exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/rootfs_layers.h"
#include "util/cleanup.h"

static const char *const driver_names[] = { "auto", "overlay", "copy" };

struct args {
        struct husk_rootfs_opts opts;
        const char *store, *scratch, *dir;
        char **layers;
        size_t n;
};

static int usage(void)
{
        fprintf(stderr, "usage: rootfs-tool mount|bench N|unmount|remove|usage|probe [OPTIONS] DIR [LAYER...]\n");
        return 2;
}

static int parse(int argc, char **argv, struct args *a)
{
        int i = 0;
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strcmp(argv[i], "--volatile") == 0) {
                        a->opts.volatile_upper = true;
                } else if (strcmp(argv[i], "--rootless") == 0) {
                        a->opts.rootless = true;
                } else if (strcmp(argv[i], "--legacy") == 0) {
                        a->opts.legacy_mount = true;
                } else if (i + 1 < argc && strcmp(argv[i], "--store") == 0) {
                        a->store = argv[++i];
                } else if (i + 1 < argc && strcmp(argv[i], "--scratch") == 0) {
                        a->scratch = argv[++i];
                } else if (i + 1 < argc && strcmp(argv[i], "--driver") == 0) {
                        i++;
                        size_t d = 0;
                        while (d < HUSK_ARRAY_SIZE(driver_names) && strcmp(argv[i], driver_names[d]) != 0)
                                d++;
                        if (d == HUSK_ARRAY_SIZE(driver_names))
                                return usage();
                        a->opts.driver = (enum husk_rootfs_driver) d;
                } else {
                        return usage();
                }
        }
        if (i >= argc)
                return usage();
        a->dir = argv[i++];
        a->layers = argv + i;
        a->n = (size_t) (argc - i);
        return 0;
}

static int fail(const char *what, const struct husk_error *err)
{
        fprintf(stderr, "rootfs-tool: %s: %s\n", what, err->msg);
        return 1;
}

static int open_dir(int at, const char *path)
{
        int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                fprintf(stderr, "rootfs-tool: open %s: %s\n", path, strerror(errno));
        return fd;
}

struct stack {
        struct husk_rootfs_layer *l;
        char **links;
        size_t n;
        int links_fd, scratch_fd, dir_fd;
};

static void stack_free(struct stack *s)
{
        for (size_t i = 0; s->l && i < s->n; i++) {
                if (s->l[i].fd >= 0)
                        (void) close(s->l[i].fd);
                free(s->links[i]);
        }
        free(s->l);
        free(s->links);
        for (int *fd = &s->links_fd; fd <= &s->dir_fd; fd++)
                if (*fd >= 0)
                        (void) close(*fd);
}

static int stack_open(const struct args *a, struct stack *s)
{
        s->links_fd = s->scratch_fd = s->dir_fd = -1;
        s->l = calloc(a->n + 1, sizeof(*s->l));
        s->links = calloc(a->n + 1, sizeof(*s->links));
        if (!s->l || !s->links)
                return -1;
        if (a->store && (s->links_fd = open_dir(AT_FDCWD, a->store)) < 0)
                return -1;
        if (a->scratch && (s->scratch_fd = open_dir(AT_FDCWD, a->scratch)) < 0)
                return -1;
        if ((s->dir_fd = open_dir(AT_FDCWD, a->dir)) < 0)
                return -1;
        /* Top first for overlayfs; the arguments are base first. */
        for (size_t i = 0; i < a->n; i++, s->n++) {
                const char *arg = a->layers[a->n - 1 - i];
                s->l[i].what = arg;
                s->l[i].fd = -1;
                if (a->store) {
                        if (asprintf(&s->links[i], "l/%s", arg) < 0) {
                                s->links[i] = NULL;
                                return -1;
                        }
                        s->l[i].link = arg;
                        s->l[i].fd = open_dir(s->links_fd, s->links[i]);
                } else {
                        s->l[i].fd = open_dir(AT_FDCWD, arg);
                }
                if (s->l[i].fd < 0)
                        return -1;
        }
        return 0;
}

static double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int cmd_mount(const struct args *a, int repeat)
{
        _cleanup_(stack_free) struct stack s = { 0 };
        if (stack_open(a, &s) < 0)
                return 1;
        struct husk_rootfs_stack st = { .layers = s.l, .n = s.n, .links_fd = s.links_fd };
        struct husk_error err = { 0 };
        enum husk_rootfs_driver d = HUSK_ROOTFS_AUTO;
        if (repeat == 0) {
                if (husk_rootfs_mount_stack(&st, s.dir_fd, s.scratch_fd, &a->opts, &d, &err) < 0)
                        return fail("mount", &err);
                printf("%s\n", driver_names[d]);
                return 0;
        }
        double sum_m = 0, min_m = 1e18, sum_r = 0, min_r = 1e18;
        for (int i = 0; i < repeat; i++) {
                double t0 = now_us();
                if (husk_rootfs_mount_stack(&st, s.dir_fd, s.scratch_fd, &a->opts, &d, &err) < 0)
                        return fail("mount", &err);
                double t1 = now_us();
                if (husk_rootfs_remove(s.dir_fd, &err) < 0)
                        return fail("remove", &err);
                double t2 = now_us();
                sum_m += t1 - t0;
                sum_r += t2 - t1;
                min_m = t1 - t0 < min_m ? t1 - t0 : min_m;
                min_r = t2 - t1 < min_r ? t2 - t1 : min_r;
        }
        printf("%s, %zu layers, %d runs: mount mean %.0f us (min %.0f), remove mean %.0f us (min %.0f)\n",
               driver_names[d], s.n, repeat, sum_m / repeat, min_m, sum_r / repeat, min_r);
        return 0;
}

/* Through the store's records: what the engine calls. a->layers[0] is the store root, [1] the image. */
static int cmd_image(const struct args *a)
{
        struct husk_error err = { 0 };
        if (a->n != 2)
                return usage();
        struct husk_store_opts so = { .root = a->layers[0] };
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        if (husk_store_open(&so, &s, &err) < 0)
                return fail("open the store", &err);
        struct husk_image img = { 0 };
        if (husk_store_image_lookup(s, a->layers[1], &img, &err) < 0)
                return fail("image", &err);
        _cleanup_close_ int fd = open_dir(AT_FDCWD, a->dir);
        enum husk_rootfs_driver d = HUSK_ROOTFS_AUTO;
        int r = fd < 0 ? -1 : husk_rootfs_mount(s, &img, fd, &a->opts, &d, &err);
        husk_image_free(&img);
        if (r < 0)
                return fd < 0 ? 1 : fail("mount", &err);
        printf("%s\n", driver_names[d]);
        return 0;
}

static int cmd_store_probe(const char *root)
{
        struct husk_error err = { 0 };
        struct husk_store_opts so = { .root = root };
        _cleanup_(husk_store_closep) struct husk_store *s = NULL;
        if (husk_store_open(&so, &s, &err) < 0)
                return fail("open the store", &err);
        enum husk_rootfs_driver d;
        char why[256];
        if (husk_rootfs_probe(s, &d, why, sizeof(why), &err) < 0)
                return fail("probe", &err);
        printf("%s\n%s\n", driver_names[d], why);
        return 0;
}

int main(int argc, char **argv)
{
        struct args a = { 0 };
        struct husk_error err = { 0 };

        if (argc < 3)
                return usage();
        const char *cmd = argv[1];
        if (strcmp(cmd, "bench") == 0) {
                int n = atoi(argv[2]);
                if (n <= 0 || parse(argc - 3, argv + 3, &a) != 0)
                        return usage();
                return cmd_mount(&a, n);
        }
        if (strcmp(cmd, "store-probe") == 0)
                return cmd_store_probe(argv[2]);
        if (parse(argc - 2, argv + 2, &a) != 0)
                return 2;
        if (strcmp(cmd, "mount") == 0)
                return cmd_mount(&a, 0);
        if (strcmp(cmd, "image") == 0)
                return cmd_image(&a);
        _cleanup_close_ int fd = open_dir(AT_FDCWD, a.dir);
        if (fd < 0)
                return 1;
        if (strcmp(cmd, "probe") == 0) {
                enum husk_rootfs_driver d;
                char why[256];
                if (husk_rootfs_probe_at(fd, &a.opts, &d, why, sizeof(why), &err) < 0)
                        return fail("probe", &err);
                printf("%s\n%s\n", driver_names[d], why);
                return 0;
        }
        if (strcmp(cmd, "unmount") == 0)
                return husk_rootfs_unmount(fd, &err) < 0 ? fail("unmount", &err) : 0;
        if (strcmp(cmd, "remove") == 0)
                return husk_rootfs_remove(fd, &err) < 0 ? fail("remove", &err) : 0;
        if (strcmp(cmd, "usage") == 0) {
                struct husk_rootfs_usage u;
                if (husk_rootfs_usage(fd, &u, &err) < 0)
                        return fail("usage", &err);
                printf("%llu %llu %llu\n", (unsigned long long) u.bytes, (unsigned long long) u.inodes,
                       (unsigned long long) u.apparent);
                return 0;
        }
        return usage();
}

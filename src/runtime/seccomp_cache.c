/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compiled-filter cache: one file per program under <state root>/~seccomp-cache, named by the
 * sha256 of everything the program depends on. sha256, not a fast hash: profiles come from config.json,
 * and a profile crafted to collide with another container's key would hand that container its filter.
 * An entry is "HUSKBPF1", the instruction count (u32, host order: entries never leave the machine),
 * then the instructions. The kernel checks any program it is given, so a damaged entry cannot do more
 * than fail; the directory is the state root's owner's alone, so nobody else can plant one.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/sha256.h"

#define CACHE_MAGIC      "HUSKBPF1"
#define CACHE_MAGIC_SIZE 8
#define CACHE_HEADER     (CACHE_MAGIC_SIZE + 4)
#define MAX_INSNS        4096

/* The architecture the filter's "native" means: fixed when this binary was built. */
#if defined(__x86_64__) && defined(__ILP32__)
#define NATIVE_ARCH "x32"
#elif defined(__x86_64__)
#define NATIVE_ARCH "x86_64"
#elif defined(__i386__)
#define NATIVE_ARCH "x86"
#elif defined(__aarch64__)
#define NATIVE_ARCH "aarch64"
#elif defined(__arm__)
#define NATIVE_ARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "ppc64le"
#elif defined(__powerpc64__)
#define NATIVE_ARCH "ppc64"
#elif defined(__s390x__)
#define NATIVE_ARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH "riscv64"
#else
/* Still correct: the library's identity is in the key too, and a build is for one architecture. */
#define NATIVE_ARCH "other-" __VERSION__
#endif

int husk_seccomp_lib_id_get(const char *path, struct husk_seccomp_lib_id *ret, struct husk_error *err)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return husk_error_errno(err, errno, "seccomp: libseccomp %s", path);
        *ret = (struct husk_seccomp_lib_id){
                .dev = st.st_dev,
                .ino = st.st_ino,
                .size = (uint64_t) st.st_size,
                .mtime_sec = st.st_mtim.tv_sec,
                .mtime_nsec = st.st_mtim.tv_nsec,
        };
        return 0;
}

/* Every field length-prefixed (or marked absent), so that no two profiles serialise alike. */
static void put_u64(struct husk_sha256 *h, uint64_t v)
{
        uint8_t b[8];
        for (int i = 0; i < 8; i++)
                b[i] = (uint8_t) (v >> (8 * i));
        husk_sha256_update(h, b, sizeof(b));
}

static void put_str(struct husk_sha256 *h, const char *s)
{
        if (!s) {
                put_u64(h, UINT64_MAX);
                return;
        }
        size_t n = strlen(s);
        put_u64(h, n);
        husk_sha256_update(h, s, n);
}

static void put_strv(struct husk_sha256 *h, char **v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        put_u64(h, v ? n : UINT64_MAX);
        for (size_t i = 0; i < n; i++)
                put_str(h, v[i]);
}

void husk_seccomp_cache_key(const struct husk_seccomp *s, const struct husk_seccomp_lib_id *lib,
                            char ret[HUSK_SECCOMP_KEY_SIZE])
{
        struct husk_sha256 h;
        husk_sha256_init(&h);
        put_str(&h, CACHE_MAGIC);
        put_str(&h, NATIVE_ARCH);
        put_u64(&h, SCMP_VER_MAJOR);
        put_u64(&h, SCMP_VER_MINOR);
        put_u64(&h, SCMP_VER_MICRO);
        put_u64(&h, lib->dev);
        put_u64(&h, lib->ino);
        put_u64(&h, lib->size);
        put_u64(&h, (uint64_t) lib->mtime_sec);
        put_u64(&h, (uint64_t) lib->mtime_nsec);

        put_str(&h, s->default_action);
        put_u64(&h, s->has_default_errno_ret);
        put_u64(&h, s->default_errno_ret);
        put_strv(&h, s->architectures);
        put_strv(&h, s->flags);
        put_u64(&h, s->n_syscalls);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const struct husk_seccomp_syscall *sc = &s->syscalls[i];
                put_strv(&h, sc->names);
                put_str(&h, sc->action);
                put_u64(&h, sc->has_errno_ret);
                put_u64(&h, sc->errno_ret);
                put_u64(&h, sc->n_args);
                for (size_t j = 0; j < sc->n_args; j++) {
                        put_u64(&h, sc->args[j].index);
                        put_u64(&h, sc->args[j].value);
                        put_u64(&h, sc->args[j].value_two);
                        put_str(&h, sc->args[j].op);
                }
        }
        uint8_t digest[HUSK_SHA256_SIZE];
        husk_sha256_final(&h, digest);
        husk_sha256_hex(digest, ret);
}

int husk_seccomp_cache_open(int root_fd, struct husk_error *err)
{
        if (mkdirat(root_fd, HUSK_SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST)
                return husk_error_errno(err, errno, "seccomp cache: create %s", HUSK_SECCOMP_CACHE_DIR);
        int fd = openat(root_fd, HUSK_SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return husk_error_errno(err, errno, "seccomp cache: open %s", HUSK_SECCOMP_CACHE_DIR);
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                (void) close(fd);
                return husk_error_errno(err, e, "seccomp cache: stat %s", HUSK_SECCOMP_CACHE_DIR);
        }
        /* Whoever can write here chooses the filters of our containers. */
        if (st.st_uid != geteuid() || (st.st_mode & 022)) {
                (void) close(fd);
                return husk_error_set(err, EPERM, "seccomp cache %s: must be owned by uid %u and not writable by "
                                      "others (owner %u, mode %04o)",
                                      HUSK_SECCOMP_CACHE_DIR, (unsigned) geteuid(), (unsigned) st.st_uid,
                                      (unsigned) (st.st_mode & 07777));
        }
        return fd;
}

int husk_seccomp_cache_read(int dirfd, const char *key, struct sock_filter **ret, size_t *ret_n)
{
        _cleanup_close_ int fd = openat(dirfd, key, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -ENOENT;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
            st.st_size <= CACHE_HEADER || st.st_size > CACHE_HEADER + MAX_INSNS * (off_t) sizeof(struct sock_filter))
                return -ENOENT;
        size_t size = (size_t) st.st_size;
        _cleanup_free_ uint8_t *buf = malloc(size);
        if (!buf || read(fd, buf, size) != (ssize_t) size)
                return -ENOENT;
        uint32_t n;
        memcpy(&n, buf + CACHE_MAGIC_SIZE, sizeof(n));
        if (memcmp(buf, CACHE_MAGIC, CACHE_MAGIC_SIZE) != 0 || n == 0 ||
            size != CACHE_HEADER + (size_t) n * sizeof(struct sock_filter))
                return -ENOENT;
        struct sock_filter *insns = malloc(size - CACHE_HEADER);
        if (!insns)
                return -ENOENT;
        memcpy(insns, buf + CACHE_HEADER, size - CACHE_HEADER);
        *ret = insns;
        *ret_n = n;
        return 0;
}

int husk_seccomp_cache_write(int dirfd, const char *key, const struct sock_filter *insns, size_t n,
                             struct husk_error *err)
{
        if (n == 0 || n > MAX_INSNS)
                return husk_error_set(err, EINVAL, "seccomp cache: %zu instructions", n);
        size_t size = CACHE_HEADER + n * sizeof(*insns);
        _cleanup_free_ char *buf = malloc(size);
        if (!buf)
                return husk_error_errno(err, ENOMEM, "seccomp cache");
        uint32_t count = (uint32_t) n;
        memcpy(buf, CACHE_MAGIC, CACHE_MAGIC_SIZE);
        memcpy(buf + CACHE_MAGIC_SIZE, &count, sizeof(count));
        memcpy(buf + CACHE_HEADER, insns, n * sizeof(*insns));
        int r = husk_write_file_atomic_at(dirfd, key, buf, size, 0600, false, err);
        if (r < 0)
                return husk_error_prefix(err, "seccomp cache: ");
        return 0;
}

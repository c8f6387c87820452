/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inflate-bench zlib|isal FILE.gz: inflate a gzip file in memory with zlib or with ISA-L's igzip (the
 * decoder src/image/decompress.c uses), best of five, and print the output rate. For bench/unpack.sh:
 * the measurement behind the choice of decoder.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>
#include <zlib.h>

static unsigned char out[1 << 20];

static double now(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static long inflate_zlib(unsigned char *in, size_t len)
{
        z_stream z = { 0 };
        long total = 0;
        int r;

        if (inflateInit2(&z, 15 + 16) != Z_OK)
                return -1;
        z.next_in = in;
        z.avail_in = (uInt) len;
        do {
                z.next_out = out;
                z.avail_out = sizeof(out);
                r = inflate(&z, Z_NO_FLUSH);
                total += (long) (sizeof(out) - z.avail_out);
        } while (r == Z_OK);
        inflateEnd(&z);
        return r == Z_STREAM_END ? total : -1;
}

static long inflate_isal(unsigned char *in, size_t len)
{
        static struct inflate_state st;
        long total = 0;

        isal_inflate_init(&st);
        st.crc_flag = ISAL_GZIP;
        st.next_in = in;
        st.avail_in = (uint32_t) len;
        do {
                st.next_out = out;
                st.avail_out = sizeof(out);
                if (isal_inflate(&st) != ISAL_DECOMP_OK)
                        return -1;
                total += (long) (sizeof(out) - st.avail_out);
        } while (st.block_state != ISAL_BLOCK_FINISH);
        return total;
}

int main(int argc, char **argv)
{
        if (argc != 3 || (strcmp(argv[1], "zlib") != 0 && strcmp(argv[1], "isal") != 0)) {
                fprintf(stderr, "usage: inflate-bench zlib|isal FILE.gz\n");
                return 2;
        }
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                perror(argv[2]);
                return 1;
        }
        unsigned char *in = malloc((size_t) st.st_size);
        if (!in || read(fd, in, (size_t) st.st_size) != st.st_size) {
                perror("read");
                return 1;
        }
        close(fd);
        long (*fn)(unsigned char *, size_t) = strcmp(argv[1], "zlib") == 0 ? inflate_zlib : inflate_isal;
        double best = 1e9;
        long n = 0;
        for (int i = 0; i < 5; i++) {
                double t = now();
                n = fn(in, (size_t) st.st_size);
                t = now() - t;
                if (n < 0) {
                        fprintf(stderr, "%s: corrupt gzip\n", argv[1]);
                        return 1;
                }
                if (t < best)
                        best = t;
        }
        printf("%s: %ld bytes in %.3f s, %.0f MB/s\n", argv[1], n, best, (double) n / best / 1e6);
        free(in);
        return 0;
}

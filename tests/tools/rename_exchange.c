/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for the CVE-2021-30465 race (tests/integration/defences.bats): swaps two paths with
 * renameat2(RENAME_EXCHANGE) in a tight loop until SECONDS have passed or the file STOP exists, then
 * puts them back in their original places. Prints the number of swaps.
 *
 *   rename_exchange PATH_A PATH_B SECONDS [STOP]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        if (argc < 4 || argc > 5) {
                fprintf(stderr, "usage: %s PATH_A PATH_B SECONDS [STOP]\n", argv[0]);
                return 2;
        }
        const char *a = argv[1], *b = argv[2], *stop = argc == 5 ? argv[4] : NULL;
        double end = now() + atof(argv[3]);
        unsigned long swaps = 0;

        while (now() < end) {
                /* Checking the stop file every swap would slow the race down: every 1024th. */
                if (stop && (swaps & 1023) == 0 && access(stop, F_OK) == 0)
                        break;
                if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0) {
                        perror("renameat2 RENAME_EXCHANGE");
                        return 1;
                }
                swaps++;
        }
        /* An odd count leaves the two swapped: undo the last one. */
        if ((swaps & 1) && renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0) {
                perror("renameat2 RENAME_EXCHANGE (restore)");
                return 1;
        }
        printf("%lu\n", swaps);
        return 0;
}

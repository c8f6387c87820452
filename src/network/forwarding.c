/* SPDX-License-Identifier: Apache-2.0 */
/* The host's forwarding sysctls, switched on when a network needs them and put back with the last
 * network (network_internal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "network/network_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* What husk changed: one "PATH ORIGINAL" line per sysctl, appended before the sysctl is written (a husk
 * killed in between leaves a line whose restore is a no-op). On tmpfs: a reboot resets the sysctls
 * and the record together. */
#define HUSK_SYSCTL_RECORD "/run/husk-net-sysctls"

static int record(const char *path, const char *original, struct husk_error *err)
{
        _cleanup_close_ int fd = open(HUSK_SYSCTL_RECORD, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        char line[300];
        int l = snprintf(line, sizeof(line), "%s %s\n", path, original);
        if (fd < 0 || husk_write_all(fd, line, (size_t) l) < 0)
                return husk_error_errno(err, errno, "record %s in %s", path, HUSK_SYSCTL_RECORD);
        return 0;
}

/* path set to value unless it already is; a change is recorded with the value it replaces. */
static int set_recorded(const char *path, const char *value, struct husk_error *err)
{
        _cleanup_free_ char *cur = NULL;
        int r = husk_read_file_at(AT_FDCWD, path, &cur, NULL, NULL);
        if (r == 0 && strncmp(cur, value, strlen(value)) == 0 && cur[strlen(value)] == '\n')
                return 0;
        if (r == 0) {
                cur[strcspn(cur, "\n")] = '\0';
                if ((r = record(path, cur, err)) < 0)
                        return r;
        }
        return husk_write_file_at(AT_FDCWD, path, value, strlen(value), err);
}

/* With forwarding on, the kernel ignores router advertisements on an interface whose accept_ra is 1:
 * a host that takes its IPv6 default route from RAs would lose it when the route expires. accept_ra=2
 * takes them even when forwarding, which keeps the host as it was. */
static int keep_router_advertisements(struct husk_error *err)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/sys/net/ipv6/conf");
        if (!d)
                return husk_error_errno(err, errno, "open /proc/sys/net/ipv6/conf");
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.' || strcmp(de->d_name, "all") == 0)
                        continue;
                char path[300];
                (void) snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", de->d_name);
                _cleanup_free_ char *cur = NULL;
                if (husk_read_file_at(AT_FDCWD, path, &cur, NULL, NULL) < 0 || strcmp(cur, "1\n") != 0)
                        continue;
                int r = set_recorded(path, "2", err);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int husk_net_forwarding_on(bool ipv6, struct husk_error *err)
{
        int r = set_recorded("/proc/sys/net/ipv4/ip_forward", "1", err);
        if (r < 0 || !ipv6)
                return r;
        _cleanup_free_ char *cur = NULL;
        r = husk_read_file_at(AT_FDCWD, "/proc/sys/net/ipv6/conf/all/forwarding", &cur, NULL, NULL);
        if (r == -ENOENT)
                return 0;       /* IPv6 disabled on the host (ipv6.disable=1) */
        if (r < 0)
                return husk_error_errno(err, -r, "read /proc/sys/net/ipv6/conf/all/forwarding");
        if (strcmp(cur, "1\n") == 0)
                return 0;
        r = keep_router_advertisements(err);
        if (r < 0)
                return r;
        return set_recorded("/proc/sys/net/ipv6/conf/all/forwarding", "1", err);
}

void husk_net_forwarding_restore(void)
{
        _cleanup_free_ char *text = NULL;
        if (husk_read_file_at(AT_FDCWD, HUSK_SYSCTL_RECORD, &text, NULL, NULL) < 0)
                return;
        /* Forwarding off before accept_ra goes back to 1: never the pair that ignores RAs. In the file
         * accept_ra lines precede the forwarding line, so lines are restored last first. */
        size_t n = 0;
        for (char *p = text; *p; p++)
                n += *p == '\n';
        _cleanup_free_ char **lines = calloc(n + 1, sizeof(char *));
        if (!lines)
                return;
        n = 0;
        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                lines[n++] = l;
        while (n-- > 0) {
                char *sp = strrchr(lines[n], ' ');
                if (!sp || strncmp(lines[n], "/proc/sys/net/", 14) != 0 || strstr(lines[n], ".."))
                        continue;
                *sp = '\0';
                (void) husk_write_file_at(AT_FDCWD, lines[n], sp + 1, strlen(sp + 1), NULL);
        }
        (void) unlink(HUSK_SYSCTL_RECORD);
}

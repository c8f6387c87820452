/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/hosts, /etc/hostname and /etc/resolv.conf of a container, generated into its directory and
 * bound over the image's (never written into the image's files, which may be symlinks anywhere). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"

static const char default_dns[] = "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";

/* A nameserver line whose address is on loopback (127.0.0.0/8 or ::1). */
static bool loopback_nameserver(const char *line, size_t len)
{
        static const char kw[] = "nameserver";
        if (len < sizeof(kw) || strncmp(line, kw, sizeof(kw) - 1) != 0 || (line[sizeof(kw) - 1] != ' ' &&
                                                                             line[sizeof(kw) - 1] != '\t'))
                return false;
        const char *a = line + sizeof(kw) - 1;
        while (*a == ' ' || *a == '\t')
                a++;
        size_t alen = len - (size_t) (a - line);
        return (alen >= 4 && strncmp(a, "127.", 4) == 0) || (alen >= 3 && strncmp(a, "::1", 3) == 0 &&
                                                              (alen == 3 || a[3] == ' ' || a[3] == '\t'));
}

char *husk_resolv_conf(const char *host_text, bool host_network)
{
        if (!host_text)
                return strdup(default_dns);
        if (host_network)
                return strdup(host_text);
        size_t cap = strlen(host_text) + sizeof(default_dns) + 2;
        char *out = malloc(cap);
        if (!out)
                return NULL;
        size_t n = 0;
        bool any = false;
        for (const char *p = host_text; *p;) {
                const char *end = strchr(p, '\n');
                size_t len = end ? (size_t) (end - p) : strlen(p);
                if (!loopback_nameserver(p, len)) {
                        memcpy(out + n, p, len);
                        n += len;
                        out[n++] = '\n';
                        if (strncmp(p, "nameserver", 10) == 0)
                                any = true;
                }
                p = end ? end + 1 : p + len;
        }
        if (!any) {
                memcpy(out + n, default_dns, sizeof(default_dns) - 1);
                n += sizeof(default_dns) - 1;
        }
        out[n] = '\0';
        return out;
}

char *husk_hosts_file(const char *hostname)
{
        (void) hostname;
        /* Docker's entries for a container without an address of its own: its hostname is not listed
         * (the bridge network, another issue, adds "IP hostname"). */
        return strdup("127.0.0.1\tlocalhost\n"
                      "::1\tlocalhost ip6-localhost ip6-loopback\n"
                      "fe00::0\tip6-localnet\n"
                      "ff00::0\tip6-mcastprefix\n"
                      "ff02::1\tip6-allnodes\n"
                      "ff02::2\tip6-allrouters\n");
}

int husk_etc_files_write(int ctr_dirfd, const char *hostname, bool host_network, struct husk_error *err)
{
        _cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = NULL, *hn = NULL;
        if (host_network) {
                /* The host's network: its name resolution as it is, as Docker does. */
                if (husk_read_file_at(AT_FDCWD, "/etc/hosts", &hosts, NULL, NULL) < 0)
                        hosts = husk_hosts_file(hostname);
        } else {
                hosts = husk_hosts_file(hostname);
        }
        (void) husk_read_file_at(AT_FDCWD, "/etc/resolv.conf", &host_resolv, NULL, NULL);
        resolv = husk_resolv_conf(host_resolv, host_network);
        char *t;
        if (!hosts || !resolv || asprintf(&t, "%s\n", hostname) < 0)
                return husk_error_errno(err, ENOMEM, "container /etc files");
        hn = t;
        int r = husk_write_file_atomic_at(ctr_dirfd, "hosts", hosts, strlen(hosts), 0644, false, err);
        if (r >= 0)
                r = husk_write_file_atomic_at(ctr_dirfd, "hostname", hn, strlen(hn), 0644, false, err);
        if (r >= 0)
                r = husk_write_file_atomic_at(ctr_dirfd, "resolv.conf", resolv, strlen(resolv), 0644, false, err);
        return r;
}

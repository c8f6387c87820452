/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/hosts entries of the containers of a network (hosts.h). */
#include "network/hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

static bool tagged(const char *line, size_t len, const char *tag)
{
        size_t tl = strlen(tag);
        return len >= tl && memcmp(line + len - tl, tag, tl) == 0;
}

char *husk_hosts_text(const char *text, const char *network, const char *self_id, const struct husk_net_endpoint *eps,
                      size_t n)
{
        _cleanup_free_ char *tag = NULL;
        if (asprintf(&tag, "\t# husk:%s", network) < 0)
                return NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t l = nl ? (size_t) (nl - p) : strlen(p);
                if (!tagged(p, l, tag))
                        fprintf(f, "%.*s\n", (int) l, p);
                p += l + (nl ? 1 : 0);
        }
        for (size_t i = 0; i < n; i++) {
                if (!eps[i].name[0] || (self_id && strcmp(eps[i].ctr_id, self_id) == 0))
                        continue;
                fprintf(f, "%s\t%s %.12s%s\n", eps[i].ip, eps[i].name, eps[i].ctr_id, tag);
                if (eps[i].ip6[0])
                        fprintf(f, "%s\t%s %.12s%s\n", eps[i].ip6, eps[i].name, eps[i].ctr_id, tag);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static void rewrite(const char *path, const char *network, const char *self_id, const struct husk_net_endpoint *eps,
                    size_t n)
{
        _cleanup_close_ int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return;
        /* A hosts file is small: the engine writes a few lines, we add two per container. */
        _cleanup_free_ char *old = malloc(1 << 20);
        if (!old)
                return;
        ssize_t got = pread(fd, old, (1 << 20) - 1, 0);
        if (got < 0 || got == (1 << 20) - 1)
                return;
        old[got] = '\0';
        _cleanup_free_ char *text = husk_hosts_text(old, network, self_id, eps, n);
        if (!text || strcmp(text, old) == 0)
                return;
        size_t l = strlen(text);
        if (pwrite(fd, text, l, 0) == (ssize_t) l)
                (void) ftruncate(fd, (off_t) l);
}

void husk_hosts_update(const char *network, const struct husk_net_endpoint *eps, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (eps[i].hosts_path)
                        rewrite(eps[i].hosts_path, network, eps[i].ctr_id, eps, n);
}

void husk_hosts_remove_network(const char *path, const char *network)
{
        rewrite(path, network, NULL, NULL, 0);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libnftables, loaded when needed (nft.h). */
#include "network/nft.h"

#include <dlfcn.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <fcntl.h>

#include "util/cleanup.h"

/* Every husk on the host shares `table inet husk` (its storage roots do not), so changes to it are
 * serialised by this lock, as iptables does with /run/xtables.lock: dropping the table when the last
 * network leaves must not race another husk adding one. */
#define HUSK_NFT_LOCK "/run/husk-nft.lock"

struct husk_nft {
        int lock_fd;
        void *dl;
        struct nft_ctx *ctx;
        struct nft_ctx *(*ctx_new)(uint32_t);
        void (*ctx_free)(struct nft_ctx *);
        int (*buffer_output)(struct nft_ctx *);
        int (*buffer_error)(struct nft_ctx *);
        const char *(*get_output)(struct nft_ctx *);
        const char *(*get_error)(struct nft_ctx *);
        int (*run)(struct nft_ctx *, const char *);
};

int husk_nft_open(struct husk_nft **ret, struct husk_error *err)
{
        _cleanup_free_ struct husk_nft *n = calloc(1, sizeof(*n));
        if (!n)
                return husk_error_errno(err, ENOMEM, "nftables");
        n->lock_fd = open(HUSK_NFT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (n->lock_fd < 0)
                return husk_error_errno(err, errno, "open %s", HUSK_NFT_LOCK);
        while (flock(n->lock_fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int e = errno;
                        (void) close(n->lock_fd);
                        return husk_error_errno(err, e, "lock %s", HUSK_NFT_LOCK);
                }
        }
        n->dl = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!n->dl) {
                (void) close(n->lock_fd);
                return husk_error_set(err, ENOENT, "load libnftables.so.1 (Debian's libnftables1): %s", dlerror());
        }
#define SYM(field, name)                                                                                      \
        do {                                                                                                  \
                *(void **) &n->field = dlsym(n->dl, name);                                                    \
                if (!n->field) {                                                                              \
                        (void) dlclose(n->dl);                                                                \
                        (void) close(n->lock_fd);                                                             \
                        return husk_error_set(err, ENOENT, "libnftables.so.1 has no %s", name);               \
                }                                                                                             \
        } while (0)
        SYM(ctx_new, "nft_ctx_new");
        SYM(ctx_free, "nft_ctx_free");
        SYM(buffer_output, "nft_ctx_buffer_output");
        SYM(buffer_error, "nft_ctx_buffer_error");
        SYM(get_output, "nft_ctx_get_output_buffer");
        SYM(get_error, "nft_ctx_get_error_buffer");
        SYM(run, "nft_run_cmd_from_buffer");
#undef SYM
        n->ctx = n->ctx_new(NFT_CTX_DEFAULT);
        if (!n->ctx || n->buffer_output(n->ctx) < 0 || n->buffer_error(n->ctx) < 0) {
                if (n->ctx)
                        n->ctx_free(n->ctx);
                (void) dlclose(n->dl);
                (void) close(n->lock_fd);
                return husk_error_set(err, ENOMEM, "nftables context");
        }
        *ret = steal_ptr(n);
        return 0;
}

void husk_nft_close(struct husk_nft *n)
{
        n->ctx_free(n->ctx);
        (void) dlclose(n->dl);
        (void) close(n->lock_fd);
        free(n);
}

/* nft's error text, first line of each message, joined. */
static int nft_error(struct husk_nft *n, struct husk_error *err)
{
        const char *e = n->get_error(n->ctx);
        int code = EIO;
        if (e && strstr(e, "File exists"))
                code = EEXIST;
        else if (e && strstr(e, "No such file or directory"))
                code = ENOENT;
        else if (e && strstr(e, "Operation not permitted"))
                code = EPERM;
        char msg[512] = "";
        if (e) {
                /* Only the "Error: ..." lines: the rest repeats the command with carets. */
                for (const char *p = e; *p;) {
                        const char *nl = strchr(p, '\n');
                        size_t l = nl ? (size_t) (nl - p) : strlen(p);
                        if (l > 7 && strncmp(p, "Error: ", 7) == 0 && strlen(msg) + l + 3 < sizeof(msg)) {
                                if (msg[0])
                                        strcat(msg, "; ");
                                strncat(msg, p + 7, l - 7);
                        }
                        p += l + (nl ? 1 : 0);
                }
        }
        return husk_error_set(err, code, "nftables: %s", msg[0] ? msg : "the command failed");
}

int husk_nft_run_output(struct husk_nft *n, const char *cmds, char **ret_out, struct husk_error *err)
{
        if (n->run(n->ctx, cmds) != 0)
                return nft_error(n, err);
        if (ret_out) {
                const char *o = n->get_output(n->ctx);
                *ret_out = o && o[0] ? strdup(o) : NULL;
        }
        return 0;
}

int husk_nft_run(struct husk_nft *n, const char *cmds, struct husk_error *err)
{
        return husk_nft_run_output(n, cmds, NULL, err);
}

void husk_nft_run_each(struct husk_nft *n, const char *cmds)
{
        _cleanup_free_ char *copy = strdup(cmds);
        if (!copy)
                return;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                (void) n->run(n->ctx, line);
}

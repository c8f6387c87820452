/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp agent handover (config-linux.md "The Container Process State"): one connection to
 * listenerPath per container, the state as JSON with the listener fd attached to the first sendmsg,
 * then the connection is closed. Runs in the runtime, which is not under the container's filter. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "util/cleanup.h"

/* jansson's own cleanup helper (json_auto_t). */
#define _cleanup_json_ _cleanup_(json_decrefp)

static int process_state_json(const struct husk_seccomp *s, const struct husk_state *state, char **ret,
                              struct husk_error *err)
{
        _cleanup_free_ char *state_text = NULL;
        int r = husk_state_to_json(state, false, &state_text, err);
        if (r < 0)
                return r;
        json_error_t je;
        _cleanup_json_ json_t *st = json_loads(state_text, 0, &je);
        _cleanup_json_ json_t *o = json_object();
        _cleanup_json_ json_t *fds = json_array();
        if (!st || !o || !fds || json_array_append_new(fds, json_string("seccompFd")) < 0 ||
            json_object_set_new(o, "ociVersion", json_string(state->oci_version ? state->oci_version : "1.0.2")) < 0 ||
            json_object_set(o, "fds", fds) < 0 || json_object_set_new(o, "pid", json_integer(state->pid)) < 0 ||
            (s->listener_metadata && json_object_set_new(o, "metadata", json_string(s->listener_metadata)) < 0) ||
            json_object_set(o, "state", st) < 0)
                return husk_error_errno(err, ENOMEM, "seccomp: container process state");
        char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!text)
                return husk_error_errno(err, ENOMEM, "seccomp: container process state");
        *ret = text;
        return 0;
}

static int send_all(int sock, const char *data, size_t len, int fd, const char *path, struct husk_error *err)
{
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        memset(&control, 0, sizeof(control));
        bool first = true;
        while (len) {
                struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
                /* The spec: with several sendmsg calls, the fds go with the first. */
                if (first) {
                        mh.msg_control = control.buf;
                        mh.msg_controllen = sizeof(control.buf);
                        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                        c->cmsg_level = SOL_SOCKET;
                        c->cmsg_type = SCM_RIGHTS;
                        c->cmsg_len = CMSG_LEN(sizeof(int));
                        memcpy(CMSG_DATA(c), &fd, sizeof(int));
                }
                ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return husk_error_errno(err, n < 0 ? errno : EIO, "seccomp: send the container state to listenerPath %s",
                                                path);
                first = false;
                data += n;
                len -= (size_t) n;
        }
        return 0;
}

int husk_seccomp_notify_send(const struct husk_seccomp *s, const struct husk_state *state, int listener_fd,
                             struct husk_error *err)
{
        const char *path = s->listener_path;
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        if (!path || strlen(path) >= sizeof(addr.sun_path))
                return husk_error_set(err, ENAMETOOLONG, "config.json: linux.seccomp.listenerPath: \"%s\" is longer than a unix socket "
                                      "path may be (%zu bytes)",
                                      path ? path : "", sizeof(addr.sun_path) - 1);
        memcpy(addr.sun_path, path, strlen(path) + 1);

        _cleanup_free_ char *text = NULL;
        int r = process_state_json(s, state, &text, err);
        if (r < 0)
                return r;
        _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return husk_error_errno(err, errno, "seccomp: socket");
        if (connect(sock, (struct sockaddr *) &addr, sizeof(addr)) < 0)
                return husk_error_errno(err, errno, "seccomp: connect to listenerPath %s", path);
        return send_all(sock, text, strlen(text), listener_fd, path, err);
}

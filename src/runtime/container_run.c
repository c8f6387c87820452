/* SPDX-License-Identifier: Apache-2.0 */
/* run: create + start, and in the foreground be the container's parent until its init exits. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/config.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "runtime/console.h"
#include "runtime/foreground.h"
#include "runtime/runtime.h"
#include "runtime/state_store_internal.h"
#include "util/cleanup.h"

/* Removes a container whose run failed half-way; the original error is what the caller reports. */
static void discard_container(const struct husk_runtime *rt, const char *id)
{
        struct husk_error ignored = { 0 };
        (void) husk_container_delete(rt, id, true, &ignored);
}

static int load_bundle_config(const struct husk_create_opts *o, struct husk_spec **ret, struct husk_error *err)
{
        char path[PATH_MAX];
        int n = snprintf(path, sizeof(path), "%s/config.json", o->bundle ? o->bundle : ".");
        if (n < 0 || (size_t) n >= sizeof(path))
                return husk_error_set(err, ENAMETOOLONG, "bundle path too long: %s", o->bundle);
        return husk_config_load(path, ret, err);
}

static int run_detached(const struct husk_runtime *rt, const struct husk_create_opts *o, bool terminal,
                        int *ret_exit, struct husk_error *err)
{
        if (terminal && !o->console_socket && !o->has_console_fd)
                return husk_error_set(err, EINVAL,
                                      "run container \"%s\": a detached container with process.terminal needs "
                                      "a console socket",
                                      o->id);
        int r = husk_container_create(rt, o, err);
        if (r < 0)
                return r;
        r = husk_container_start(rt, o->id, err);
        if (r < 0) {
                discard_container(rt, o->id);
                return r;
        }
        *ret_exit = 0;
        return 0;
}

int husk_container_run(const struct husk_runtime *rt, const struct husk_create_opts *o, bool detach,
                       int *ret_exit, struct husk_error *err)
{
        int r = husk_validate_id(o->id, err);
        if (r < 0)
                return r;
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        r = load_bundle_config(o, &spec, err);
        if (r < 0)
                return r;
        bool terminal = spec->has_process && spec->process.terminal;
        if (detach)
                return run_detached(rt, o, terminal, ret_exit, err);

        bool relay = terminal && !o->console_socket && !o->has_console_fd;
        struct husk_create_opts co = *o;
        _cleanup_close_ int sock = -1;
        _cleanup_close_ int sock_child = -1;
        if (relay) {
                int sv[2];
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                        return husk_error_errno(err, errno, "run container \"%s\": console socketpair", o->id);
                sock = sv[0];
                sock_child = sv[1];
                co.has_console_fd = true;
                co.console_fd = sock_child;
        }

        /* create's intermediate process exits once the init is set up; as subreaper we inherit the
         * init, so we can wait for it and get its exit status. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return husk_error_errno(err, errno, "run container \"%s\": PR_SET_CHILD_SUBREAPER", o->id);

        _cleanup_(husk_fg_sigmask_restore) struct husk_fg_sigmask mask = { 0 };
        _cleanup_close_ int sig_fd = husk_fg_block_signals(&mask, err);
        if (sig_fd < 0)
                return husk_error_prefix(err, "run container \"%s\": ", o->id);

        r = husk_container_create(rt, &co, err);
        if (r < 0)
                return r;
        husk_closep(&sock_child);
        sock_child = -1;

        _cleanup_close_ int master = -1;
        if (relay) {
                r = husk_console_recv_fd(sock, &master, err);
                if (r < 0) {
                        discard_container(rt, o->id);
                        return husk_error_prefix(err, "run container \"%s\": receive the terminal: ", o->id);
                }
        }

        _cleanup_(husk_state_freep) struct husk_state *s = NULL;
        r = husk_container_state(rt, o->id, &s, err);
        if (r < 0) {
                discard_container(rt, o->id);
                return r;
        }
        _cleanup_close_ int init_pidfd = husk_init_pidfd(s->pid, s->pid_start_time, err);
        if (init_pidfd < 0) {
                discard_container(rt, o->id);
                return husk_error_prefix(err, "run container \"%s\": ", o->id);
        }

        _cleanup_(husk_fg_tty_restore) struct husk_fg_tty tty = { .fd = STDIN_FILENO };
        if (relay)
                husk_fg_tty_raw(&tty, master);

        r = husk_container_start(rt, o->id, err);
        if (r < 0) {
                discard_container(rt, o->id);
                return r;
        }

        struct husk_fg f = {
                .init_pid = s->pid,
                .init_pidfd = init_pidfd,
                .sig_fd = sig_fd,
                .master = master,
                .stdin_open = relay,
                .master_open = relay,
        };
        int status = 0;
        r = husk_fg_loop(&f, &status, err);
        husk_fg_tty_restore(&tty);
        if (r < 0) {
                discard_container(rt, o->id);
                return husk_error_prefix(err, "run container \"%s\": ", o->id);
        }

        /* delete may leave a poststop warning in err with code 0, for the caller to show. */
        r = husk_container_delete(rt, o->id, true, err);
        if (r < 0)
                return r;
        *ret_exit = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        return 0;
}

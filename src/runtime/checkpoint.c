/* SPDX-License-Identifier: Apache-2.0 */
/* checkpoint: `criu dump` of a running container's process tree (runc's Checkpoint, over the CLI). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/spec.h"
#include "oci/state.h"
#include "runtime/checkpoint.h"
#include "runtime/runtime.h"
#include "runtime/state_store.h"
#include "runtime/state_store_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

static void criu_argv_donep(struct criu_argv *a)
{
        criu_argv_done(a);
}

/* What CRIU cannot take from a container husk made, refused before criu runs. */
static int check_dumpable(const struct husk_spec *spec, struct husk_error *err)
{
        const struct husk_namespace *net = husk_spec_namespace(spec, HUSK_NS_NETWORK);
        /* A joined network namespace must be passed to criu as external and handed back as an
         * inherited fd on restore; husk does not do that yet. */
        if (net && net->path)
                return husk_error_set(err, ENOTSUP,
                                      "the container joins the network namespace %s: checkpoint of a joined "
                                      "network namespace is not supported",
                                      net->path);
        if (spec->process.terminal)
                return husk_error_set(err, ENOTSUP,
                                      "process.terminal is true: checkpoint of a container with a terminal is not "
                                      "supported (its pty's master is outside the container)");
        return 0;
}

static int dump(const struct husk_state *s, const struct husk_spec *spec, const struct husk_checkpoint_opts *o,
                struct husk_error *err)
{
        _cleanup_(criu_argv_donep) struct criu_argv a = { 0 };
        int r = criu_argv_common(&a, o->pre_dump ? "pre-dump" : "dump", o, s->rootfs, err);
        if (r >= 0)
                r = criu_argv_add(&a, err, "--tree=%d", (int) s->pid);
        if (r >= 0 && o->parent_path)
                r = criu_argv_add(&a, err, "--prev-images-dir=%s", o->parent_path);
        /* Memory tracking lets a later dump with --prev-images-dir write only what changed. */
        if (r >= 0 && (o->pre_dump || o->parent_path))
                r = criu_argv_add(&a, err, "--track-mem");
        if (r >= 0 && o->leave_running && !o->pre_dump)
                r = criu_argv_add(&a, err, "--leave-running");
        if (r >= 0)
                r = criu_argv_external_mounts(&a, spec, false, err);
        if (r < 0)
                return r;
        return criu_run(&a, NULL, o->work_path ? o->work_path : o->image_path, o->pre_dump ? "pre-dump.log" : "dump.log",
                        err);
}

/*
 * What the init's fds 0-2 were (readlink of /proc/PID/fd/N), one per line, beside the images: a pipe
 * to the outside (a shim's, a caller's) cannot be restored by criu itself, so restore hands its own
 * fd N in its place (--inherit-fd), as runc does with its descriptors.json.
 */
static int save_stdio(pid_t pid, const char *image_dir, struct husk_error *err)
{
        char buf[3 * 256 + 3];
        size_t used = 0;
        for (int fd = 0; fd < 3; fd++) {
                char link[64], target[256];
                (void) snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int) pid, fd);
                ssize_t n = readlink(link, target, sizeof(target) - 1);
                if (n < 0)
                        n = 0; /* a closed fd: nothing to hand back */
                target[n] = '\0';
                used += (size_t) snprintf(buf + used, sizeof(buf) - used, "%s\n", target);
        }
        _cleanup_close_ int dir_fd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return husk_error_errno(err, errno, "image path \"%s\"", image_dir);
        return husk_write_file_atomic_at(dir_fd, HUSK_CKPT_STDIO, buf, used, 0600, false, err);
}

/* The container's directory stays locked while criu runs: no start, kill or delete meanwhile. */
static int checkpoint_locked(const struct husk_runtime *rt, const char *id, const struct husk_checkpoint_opts *o,
                             struct husk_error *err)
{
        int r = husk_validate_id(id, err);
        if (r < 0)
                return r;
        _cleanup_close_ int root_fd = husk_store_open_root_existing(rt->root, err);
        if (root_fd < 0)
                return root_fd == -ENOENT ? husk_error_set(err, ENOENT, "container \"%s\" does not exist", id) : root_fd;
        _cleanup_close_ int dir_fd = husk_store_open_dir(root_fd, id, true, err);
        if (dir_fd < 0)
                return dir_fd;
        _cleanup_(husk_state_freep) struct husk_state *s = NULL;
        r = husk_store_read_state(dir_fd, &s, err);
        if (r == -ENOENT)
                return husk_error_set(err, ENOENT, "container \"%s\" does not exist", id);
        if (r >= 0)
                r = husk_state_refresh(dir_fd, s, err);
        if (r < 0)
                return r;
        if (s->status != HUSK_STATUS_RUNNING)
                return husk_error_set(err, EINVAL, "container \"%s\" is not running: %s", id,
                                      husk_status_to_string(s->status));
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        r = husk_store_read_config(dir_fd, &spec, err);
        if (r < 0)
                return r;
        r = check_dumpable(spec, err);
        if (r < 0)
                return husk_error_prefix(err, "checkpoint container \"%s\": ", id);
        /* Only now: a checkpoint that cannot start leaves no directory behind. */
        struct husk_checkpoint_opts abs = *o;
        _cleanup_free_ char *image = NULL, *work = NULL;
        r = criu_prepare_dir(o->image_path ? o->image_path : "checkpoint", "image path", &image, err);
        if (r < 0)
                return r;
        abs.image_path = image;
        if (o->work_path) {
                r = criu_prepare_dir(o->work_path, "work path", &work, err);
                if (r < 0)
                        return r;
                abs.work_path = work;
        }
        r = save_stdio(s->pid, abs.image_path, err);
        if (r >= 0)
                r = dump(s, spec, &abs, err);
        if (r < 0)
                return husk_error_prefix(err, "checkpoint container \"%s\": ", id);
        return 0;
}

int husk_container_checkpoint(const struct husk_runtime *rt, const char *id, const struct husk_checkpoint_opts *o,
                              struct husk_error *err)
{
        if (geteuid() != 0)
                return husk_error_set(err, EPERM, "checkpoint needs root (CRIU does)");
        int r = checkpoint_locked(rt, id, o, err);
        if (r < 0 || o->leave_running || o->pre_dump)
                return r;
        /* As runc: the dumped processes are gone, so is the container; restore makes it again. */
        r = husk_container_delete(rt, id, true, err);
        if (r < 0)
                return husk_error_prefix(err, "checkpoint container \"%s\": dumped, but delete failed: ", id);
        husk_error_clear(err);
        return 0;
}

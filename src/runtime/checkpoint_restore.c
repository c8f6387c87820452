/* SPDX-License-Identifier: Apache-2.0 */
/*
 * restore: a new container from a bundle and a checkpoint's images. criu restores the process tree
 * detached (its namespaces, mounts over the bundle's rootfs, memory) inside the cgroup husk made from
 * the config; the restored init becomes the container's init and the state is written for it, so
 * state, kill and delete act on it as on any container.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "oci/config.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/checkpoint.h"
#include "runtime/create_internal.h"
#include "runtime/init.h"
#include "runtime/runtime.h"
#include "runtime/state_store.h"
#include "runtime/state_store_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define RESTORE_PIDFILE "restore.pid"

struct restore_undo {
        int root_fd, dir_fd;
        const char *id;
        struct husk_cgroup *cg;
        int init_pidfd;
        bool committed;
};

static void restore_undo_run(struct restore_undo *u)
{
        /* Everything criu restored is in the cgroup, the init's children too: the release kills it. */
        if (!u->committed && u->init_pidfd >= 0)
                (void) pidfd_send_signal(u->init_pidfd, SIGKILL, NULL, 0);
        husk_create_release(u->cg, u->root_fd, u->dir_fd, u->init_pidfd, u->id, u->committed);
}

static void criu_argv_donep(struct criu_argv *a)
{
        criu_argv_done(a);
}

struct restore_inputs {
        const struct husk_create_opts *c;
        const struct husk_checkpoint_opts *o; /* image_path and work_path absolute */
        const struct husk_spec *spec;
        const char *raw_config;
        size_t raw_len;
        const char *bundle, *rootfs;
};

static int criu_restore(const struct restore_inputs *in, struct husk_cgroup *cg, struct husk_error *err)
{
        const char *work = in->o->work_path ? in->o->work_path : in->o->image_path;
        _cleanup_(criu_argv_donep) struct criu_argv a = { 0 };
        int r = criu_argv_common(&a, "restore", in->o, in->rootfs, err);
        /* Detached: the restored init is not criu's child, criu exits once it runs. */
        if (r >= 0)
                r = criu_argv_add(&a, err, "--restore-detached");
        if (r >= 0)
                r = criu_argv_add(&a, err, "--pidfile=%s/" RESTORE_PIDFILE, work);
        /* The tree's cgroups are re-created beneath the container's new one. */
        if (r >= 0 && cg)
                r = criu_argv_add(&a, err, "--cgroup-root=%s", husk_cgroup_path(cg));
        if (r >= 0)
                r = criu_argv_external_mounts(&a, in->spec, true, err);
        if (r >= 0)
                r = criu_argv_inherit_stdio(&a, in->o->image_path, err);
        if (r < 0)
                return r;
        /* criu refuses to overwrite a pid file: one left by an earlier restore from this work dir goes. */
        _cleanup_close_ int work_fd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (work_fd < 0)
                return husk_error_errno(err, errno, "work path \"%s\"", work);
        if (unlinkat(work_fd, RESTORE_PIDFILE, 0) < 0 && errno != ENOENT)
                return husk_error_errno(err, errno, "%s/%s", work, RESTORE_PIDFILE);
        return criu_run(&a, cg, work, "restore.log", err);
}

static int read_restored_pid(const char *work, pid_t *ret, struct husk_error *err)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        if (asprintf(&path, "%s/" RESTORE_PIDFILE, work) < 0)
                return husk_error_errno(err, ENOMEM, "restore");
        size_t len = 0;
        int r = husk_read_file_at(AT_FDCWD, path, &data, &len, err);
        if (r < 0)
                return husk_error_prefix(err, "criu restore: pid file: ");
        char *end = NULL;
        long pid = strtol(data, &end, 10);
        if (pid <= 0 || end == data)
                return husk_error_set(err, EIO, "criu restore: pid file %s: no pid in \"%.32s\"", path, data);
        *ret = (pid_t) pid;
        return 0;
}

static int commit(const struct restore_inputs *in, struct restore_undo *u, pid_t pid, struct husk_error *err)
{
        struct husk_state s;
        husk_init_hook_state(in->spec, in->c->id, in->bundle, in->rootfs, pid, HUSK_STATUS_RUNNING, &s);
        char created[80];
        husk_rfc3339_now(created);
        s.created = created;
        s.owner = getuid();
        const struct husk_namespace *pidns = husk_spec_namespace(in->spec, HUSK_NS_PID);
        s.own_pid_ns = pidns && !pidns->path;
        s.cgroup_path = u->cg ? (char *) husk_cgroup_path(u->cg) : NULL;
        s.systemd_unit = u->cg ? (char *) husk_cgroup_systemd_unit(u->cg) : NULL;
        int r = husk_proc_start_time(pid, &s.pid_start_time, err);
        if (r < 0)
                return husk_error_prefix(err, "restored init pid %d: ", (int) pid);
        r = husk_write_file_atomic_at(u->dir_fd, HUSK_STORE_CONFIG, in->raw_config, in->raw_len, 0600, false, err);
        if (r >= 0)
                r = husk_store_write_state(u->dir_fd, &s, err);
        if (r >= 0 && in->c->pid_file)
                r = husk_write_pid_file(in->c->pid_file, pid, err);
        return r;
}

static int restore_in_store(const struct husk_runtime *rt, const struct restore_inputs *in, struct husk_error *err)
{
        _cleanup_(restore_undo_run) struct restore_undo u = {
                .root_fd = -1, .dir_fd = -1, .id = in->c->id, .init_pidfd = -1,
        };
        u.root_fd = husk_store_open_root(rt->root, err);
        if (u.root_fd < 0)
                return u.root_fd;
        int r = husk_store_create_dir(u.root_fd, in->c->id, err);
        if (r < 0)
                return r;
        u.dir_fd = r;

        r = husk_create_cgroup(rt, in->spec, in->c->id, &u.cg, err);
        if (r < 0)
                return r;

        r = criu_restore(in, u.cg, err);
        if (r < 0)
                return r;
        pid_t pid = 0;
        r = read_restored_pid(in->o->work_path ? in->o->work_path : in->o->image_path, &pid, err);
        if (r < 0)
                return r;
        u.init_pidfd = pidfd_open(pid, 0);
        if (u.init_pidfd < 0)
                return husk_error_errno(err, errno, "restored init pid %d", (int) pid);
        r = commit(in, &u, pid, err);
        if (r < 0)
                return r;
        u.committed = true;
        return 0;
}

static int resolve_dirs(const struct husk_checkpoint_opts *o, struct husk_checkpoint_opts *ret, char **ret_image,
                        char **ret_work, struct husk_error *err)
{
        const char *image = o->image_path ? o->image_path : "checkpoint";
        *ret = *o;
        *ret_image = realpath(image, NULL);
        if (!*ret_image)
                return husk_error_errno(err, errno, "image path \"%s\"", image);
        ret->image_path = *ret_image;
        /* criu's own test of a checkpoint: without inventory.img there is nothing to restore. */
        _cleanup_free_ char *inv = NULL;
        if (asprintf(&inv, "%s/inventory.img", *ret_image) < 0)
                return husk_error_errno(err, ENOMEM, "image path");
        if (access(inv, R_OK) < 0)
                return husk_error_errno(err, errno, "image path \"%s\": no checkpoint there (inventory.img)",
                                        image);
        if (o->work_path) {
                int r = criu_prepare_dir(o->work_path, "work path", ret_work, err);
                if (r < 0)
                        return r;
                ret->work_path = *ret_work;
        }
        return 0;
}

int husk_container_restore(const struct husk_runtime *rt, const struct husk_create_opts *c,
                           const struct husk_checkpoint_opts *o, struct husk_error *err)
{
        int r = husk_validate_id(c->id, err);
        if (r < 0)
                return r;
        if (geteuid() != 0)
                return husk_error_set(err, EPERM, "restore needs root (CRIU does)");
        struct husk_checkpoint_opts dirs;
        _cleanup_free_ char *image = NULL, *work = NULL;
        r = resolve_dirs(o, &dirs, &image, &work, err);
        if (r < 0)
                return r;

        _cleanup_free_ char *bundle = realpath(c->bundle ? c->bundle : ".", NULL);
        if (!bundle)
                return husk_error_errno(err, errno, "bundle \"%s\"", c->bundle ? c->bundle : ".");
        _cleanup_free_ char *config_path = NULL, *raw = NULL, *rootfs = NULL;
        if (asprintf(&config_path, "%s/config.json", bundle) < 0)
                return husk_error_errno(err, ENOMEM, "bundle");
        size_t raw_len = 0;
        r = husk_read_file_at(AT_FDCWD, config_path, &raw, &raw_len, err);
        if (r < 0)
                return r;
        _cleanup_(husk_spec_freep) struct husk_spec *spec = NULL;
        r = husk_config_parse(raw, raw_len, "config.json", &spec, err);
        if (r < 0)
                return r;
        r = husk_resolve_rootfs(bundle, spec->root.path, &rootfs, err);
        if (r < 0)
                return r;

        struct restore_inputs in = {
                .c = c, .o = &dirs, .spec = spec, .raw_config = raw, .raw_len = raw_len,
                .bundle = bundle, .rootfs = rootfs,
        };
        r = restore_in_store(rt, &in, err);
        if (r < 0)
                return husk_error_prefix(err, "restore container \"%s\": ", c->id);
        return 0;
}

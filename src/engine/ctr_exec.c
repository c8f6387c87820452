/* SPDX-License-Identifier: Apache-2.0 */
/* `husk exec`'s engine side: the record checked, the user resolved in the container's root, then
 * libhusk's exec in-process (never a runtime binary: the caller re-executed sealed, as start does). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "engine/ctr_exec.h"
#include "engine/spec.h"
#include "oci/capabilities.h"
#include "util/cleanup.h"

/* The container must be running and not frozen: Docker's words, with the full id as Docker has. */
static int check_running(struct husk_engine *e, const char *id, struct husk_ctr *ret, struct husk_error *err)
{
        int r = husk_ctr_load(e->ctrs, id, ret, err);
        if (r < 0)
                return r;
        if (ret->state != HUSK_CTR_RUNNING || ret->monitor_dead)
                return husk_error_set(err, EINVAL, "container %s is not running", ret->id);
        if (ret->paused)
                return husk_error_set(err, EBUSY, "Container %s is paused, unpause the container before exec", ret->id);
        return 0;
}

/* -u in the container's root as it is now (its overlay, or the --rootfs directory): /etc/passwd and
 * /etc/group read with in-root resolution, nothing of the container run (user.c). */
static int resolve_user(struct husk_engine *e, const struct husk_ctr *c, const char *spec, struct husk_exec_user *ret,
                        struct husk_error *err)
{
        _cleanup_close_ int dirfd = husk_ctr_dir_open(e->ctrs, c->id, err);
        if (dirfd < 0)
                return dirfd;
        _cleanup_close_ int root_fd = c->rootfs ? open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)
                                                : openat(dirfd, "merged", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (root_fd < 0)
                return husk_error_errno(err, errno, "container %s: open its root", c->name);
        int r = husk_exec_user_resolve(root_fd, spec, ret, err);
        if (r < 0)
                return r;
        /* Docker's exec -u: the user's groups and the container's --group-add ones (HostConfig.GroupAdd,
         * names resolved in the same /etc/group). */
        json_t *add = c->cfg.host_config ? json_object_get(c->cfg.host_config, "GroupAdd") : NULL;
        size_t n = json_array_size(add);
        if (n == 0)
                return 0;
        gid_t *gids = realloc(ret->gids, (ret->n_gids + n) * sizeof(gid_t));
        if (!gids)
                return husk_error_errno(err, ENOMEM, "exec -u");
        ret->gids = gids;
        for (size_t i = 0; i < n; i++) {
                const char *g = json_string_value(json_array_get(add, i));
                char gspec[300];
                (void) snprintf(gspec, sizeof(gspec), "0:%s", g ? g : "");
                _cleanup_(husk_exec_user_free_contents) struct husk_exec_user gu = { 0 };
                r = husk_exec_user_resolve(root_fd, gspec, &gu, err);
                if (r < 0)
                        return husk_error_prefix(err, "container %s: --group-add %s: ", c->name, g ? g : "");
                ret->gids[ret->n_gids++] = gu.gid;
        }
        return 0;
}

/* Every capability the kernel and husk know that our own bounding set holds, by name: Docker's exec
 * --privileged. A capability we lack could not be given (capset fails), as podman limits its
 * --privileged to what it has when nested. */
static int all_caps(char ***ret, struct husk_error *err)
{
        int last = husk_cap_last_kernel();
        if (last < 0 || last > husk_cap_last_known())
                last = husk_cap_last_known();
        _cleanup_strv_ char **v = calloc((size_t) last + 2, sizeof(char *));
        if (!v)
                return husk_error_errno(err, ENOMEM, "--privileged");
        for (int cap = 0, n = 0; cap <= last; cap++) {
                const char *name = husk_cap_to_name(cap);
                if (name && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 && !(v[n++] = strdup(name)))
                        return husk_error_errno(err, ENOMEM, "--privileged");
        }
        *ret = steal_ptr(v);
        return 0;
}

int husk_engine_exec(struct husk_engine *e, const char *id, const struct husk_engine_exec_opts *o, int *ret_exit,
                     struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = check_running(e, id, &c, err);
        if (r < 0)
                return r;
        struct husk_exec_opts x = {
                .id = c.id,
                .args = o->args,
                .env = o->env,
                .cwd = o->workdir,
                .no_new_privs = -1,
                .tty = o->tty,
                .console_socket = o->console_socket,
                .console_rows = o->console_rows,
                .console_cols = o->console_cols,
                .pid_file = o->pid_file,
                .detach = o->detach,
        };
        _cleanup_(husk_exec_user_free_contents) struct husk_exec_user user = { 0 };
        if (o->user) {
                r = resolve_user(e, &c, o->user, &user, err);
                if (r < 0)
                        return r;
                /* Docker's exec -u: the user's uid, gid and groups, not the container user's groups. */
                x.has_user = true;
                x.uid = user.uid;
                x.gid = user.gid;
                x.additional_gids = user.gids;
                x.n_additional_gids = user.n_gids;
                x.replace_additional_gids = true;
        }
        _cleanup_strv_ char **caps = NULL;
        if (o->privileged) {
                r = all_caps(&caps, err);
                if (r < 0)
                        return r;
                x.caps = caps;
        }
        r = husk_container_exec(&e->rt, &x, ret_exit, err);
        if (r < 0)
                return husk_error_prefix(err, "exec failed: ");
        return 0;
}

int husk_engine_pids(struct husk_engine *e, const char *id, pid_t **ret, size_t *ret_n, struct husk_error *err)
{
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        if (c.state != HUSK_CTR_RUNNING || c.monitor_dead)
                return husk_error_set(err, EINVAL, "container %s is not running", c.id);
        return husk_container_ps(&e->rt, c.id, ret, ret_n, err);
}

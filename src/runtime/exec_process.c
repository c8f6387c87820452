/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process an exec runs, from the container's own process (config.json) and the command line, or
 * from a process.json (exec --process), by runc's rules (exec.go getProcess, container_linux.go
 * newInitConfig): what the process.json leaves out (capabilities, rlimits, noNewPrivileges, the LSM
 * labels, scheduler, ioPriority) stays the container's, so an exec'd process is confined as the
 * container is unless it says otherwise.
 */
#include "runtime/exec_process.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/capabilities.h"
#include "util/cleanup.h"

#define SWAP(a, b)                          \
        do {                                \
                __typeof__(a) tmp_ = (a);   \
                (a) = (b);                  \
                (b) = tmp_;                 \
        } while (0)

static size_t strv_len(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

/* *v (n entries, NULL-terminated) with copies of extra appended. */
static int strv_append(char ***v, size_t *n, char *const *extra, const char *what, struct husk_error *err)
{
        size_t add = strv_len(extra);
        if (!add)
                return 0;
        char **nv = realloc(*v, (*n + add + 1) * sizeof(char *));
        if (!nv)
                return husk_error_errno(err, ENOMEM, "%s", what);
        *v = nv;
        for (size_t i = 0; i < add; i++) {
                nv[*n] = strdup(extra[i]);
                if (!nv[*n])
                        return husk_error_errno(err, ENOMEM, "%s", what);
                nv[++*n] = NULL;
        }
        return 0;
}

static int set_string(char **dst, const char *value, const char *what, struct husk_error *err)
{
        char *copy = strdup(value);
        if (!copy)
                return husk_error_errno(err, ENOMEM, "%s", what);
        free(*dst);
        *dst = copy;
        return 0;
}

/* The length of the key of "KEY=value" (the whole entry without '='). */
static size_t env_key_len(const char *kv)
{
        const char *eq = strchr(kv, '=');
        return eq ? (size_t) (eq - kv) : strlen(kv);
}

/* *v (n entries) with each of extra set: an entry with the same key is replaced in place, others
 * appended. As runc's prepareEnv (the last value of a key wins): with the key twice in envp, getenv()
 * would return the container's value and hide the one asked for. */
static int env_set(char ***v, size_t *n, char *const *extra, struct husk_error *err)
{
        for (char *const *e = extra; e && *e; e++) {
                size_t klen = env_key_len(*e);
                size_t i = 0;
                while (i < *n && !(env_key_len((*v)[i]) == klen && strncmp((*v)[i], *e, klen) == 0))
                        i++;
                if (i == *n) {
                        char *const one[] = { *e, NULL };
                        int r = strv_append(v, n, one, "--env", err);
                        if (r < 0)
                                return r;
                        continue;
                }
                int r = set_string(&(*v)[i], *e, "--env", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Move the fields a process.json sets from `file` into `p` (the container's), keeping p's where the
 * file leaves them out. What moves out of p lands in file, freed with it. */
static void merge_file(struct husk_process *p, struct husk_process *file)
{
        p->terminal = file->terminal;
        p->has_console_size = file->has_console_size;
        p->console_height = file->console_height;
        p->console_width = file->console_width;
        SWAP(p->user, file->user);
        SWAP(p->args, file->args);
        SWAP(p->n_args, file->n_args);
        SWAP(p->env, file->env);
        SWAP(p->n_env, file->n_env);
        SWAP(p->cwd, file->cwd);
        if (file->has_capabilities) {
                p->has_capabilities = true;
                p->capabilities = file->capabilities;
        }
        if (file->n_rlimits) {
                SWAP(p->rlimits, file->rlimits);
                SWAP(p->n_rlimits, file->n_rlimits);
        }
        if (file->has_no_new_privileges)
                p->no_new_privileges = file->no_new_privileges;
        if (file->apparmor_profile)
                SWAP(p->apparmor_profile, file->apparmor_profile);
        if (file->selinux_label)
                SWAP(p->selinux_label, file->selinux_label);
        p->has_oom_score_adj = file->has_oom_score_adj;
        p->oom_score_adj = file->oom_score_adj;
        if (file->has_scheduler) {
                SWAP(p->scheduler, file->scheduler);
                p->has_scheduler = true;
        }
        if (file->has_io_priority) {
                SWAP(p->io_priority, file->io_priority);
                p->has_io_priority = true;
        }
        SWAP(p->exec_cpu_affinity_initial, file->exec_cpu_affinity_initial);
        SWAP(p->exec_cpu_affinity_final, file->exec_cpu_affinity_final);
}

static int add_caps(struct husk_capabilities *c, char *const *names, struct husk_error *err)
{
        for (char *const *n = names; n && *n; n++) {
                int cap = husk_cap_from_name(*n);
                if (cap < 0)
                        return husk_error_set(err, EINVAL, "--cap: unknown capability \"%s\" (expected a name such as CAP_NET_ADMIN)",
                                              *n);
                uint64_t bit = UINT64_C(1) << cap;
                c->bounding |= bit;
                c->effective |= bit;
                c->permitted |= bit;
                c->has_bounding = c->has_effective = c->has_permitted = true;
                /* As runc: ambient needs the capability in the inheritable set, which --cap does not
                 * touch; so only a container that has inheritable capabilities gets it ambient too. */
                if (c->has_inheritable) {
                        c->ambient |= bit;
                        c->has_ambient = true;
                }
        }
        return 0;
}

static int add_gids(struct husk_user *u, const gid_t *gids, size_t n, struct husk_error *err)
{
        if (!n)
                return 0;
        gid_t *nv = realloc(u->additional_gids, (u->n_additional_gids + n) * sizeof(gid_t));
        if (!nv)
                return husk_error_errno(err, ENOMEM, "--additional-gids");
        memcpy(nv + u->n_additional_gids, gids, n * sizeof(gid_t));
        u->additional_gids = nv;
        u->n_additional_gids += n;
        return 0;
}

int husk_exec_build_process(struct husk_process *p, struct husk_process *file, const struct husk_exec_opts *o,
                            struct husk_error *err)
{
        int r;
        if (file) {
                if (o->args && o->args[0])
                        return husk_error_set(err, EINVAL, "--process and a command are exclusive: the command is "
                                                           "the process file's args");
                merge_file(p, file);
                p->terminal = p->terminal || o->tty;
        } else {
                if (!o->args || !o->args[0])
                        return husk_error_set(err, EINVAL, "exec needs a command (ARGS...) or --process FILE");
                husk_strv_free(p->args);
                p->args = NULL;
                p->n_args = 0;
                r = strv_append(&p->args, &p->n_args, o->args, "exec args", err);
                if (r < 0)
                        return r;
                /* As runc: a terminal only when asked, whatever the container's process has. */
                p->terminal = o->tty;
                p->has_console_size = false;
        }
        if (o->console_rows && o->console_cols) {
                p->has_console_size = true;
                p->console_height = o->console_rows;
                p->console_width = o->console_cols;
        }

        r = env_set(&p->env, &p->n_env, o->env, err);
        if (r < 0)
                return r;
        if (o->cwd && (r = set_string(&p->cwd, o->cwd, "--cwd", err)) < 0)
                return r;
        if (!p->cwd || p->cwd[0] != '/')
                return husk_error_set(err, EINVAL, "cwd \"%s\": must be an absolute path", p->cwd ? p->cwd : "");
        if (o->has_user) {
                p->user.uid = o->uid;
                p->user.gid = o->gid;
        }
        if (o->replace_additional_gids) {
                free(p->user.additional_gids);
                p->user.additional_gids = NULL;
                p->user.n_additional_gids = 0;
        }
        r = add_gids(&p->user, o->additional_gids, o->n_additional_gids, err);
        if (r < 0)
                return r;
        r = add_caps(&p->capabilities, o->caps, err);
        if (r < 0)
                return r;
        if (o->caps && o->caps[0])
                p->has_capabilities = true;
        if (o->no_new_privs >= 0)
                p->no_new_privileges = o->no_new_privs != 0;
        if (o->apparmor && (r = set_string(&p->apparmor_profile, o->apparmor, "--apparmor", err)) < 0)
                return r;
        if (o->process_label && (r = set_string(&p->selinux_label, o->process_label, "--process-label", err)) < 0)
                return r;
        return 0;
}

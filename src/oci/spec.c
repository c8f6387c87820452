/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/spec.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"
#include "util/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static void kv_free(struct husk_kv *kv, size_t n)
{
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

void husk_process_free_contents(struct husk_process *p)
{
        free(p->user.additional_gids);
        free(p->user.username);
        husk_strv_free(p->args);
        husk_strv_free(p->env);
        free(p->cwd);
        for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
                free(p->rlimits[i].type);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p->scheduler.policy);
        husk_strv_free(p->scheduler.flags);
        free(p->io_priority.class_name);
        free(p->exec_cpu_affinity_initial);
        free(p->exec_cpu_affinity_final);
}

static void hook_list_free(struct husk_hook_list *l)
{
        for (size_t i = 0; l->hooks && i < l->n; i++) {
                free(l->hooks[i].path);
                husk_strv_free(l->hooks[i].args);
                husk_strv_free(l->hooks[i].env);
        }
        free(l->hooks);
}

/* Also used by `update -r` (oci/config.h), which parses a resources object on its own. */
void husk_resources_free_contents(struct husk_resources *r)
{
        for (size_t i = 0; r->devices && i < r->n_devices; i++)
                free(r->devices[i].access);
        free(r->devices);
        free(r->cpu.cpus);
        free(r->cpu.mems);
        free(r->blkio.weight_device);
        free(r->blkio.throttle_read_bps);
        free(r->blkio.throttle_write_bps);
        free(r->blkio.throttle_read_iops);
        free(r->blkio.throttle_write_iops);
        for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        for (size_t i = 0; r->net_priorities && i < r->n_net_priorities; i++)
                free(r->net_priorities[i].name);
        free(r->net_priorities);
        for (size_t i = 0; r->rdma && i < r->n_rdma; i++)
                free(r->rdma[i].device);
        free(r->rdma);
        kv_free(r->unified, r->n_unified);
}

void husk_seccomp_free_contents(struct husk_seccomp *s)
{
        free(s->default_action);
        husk_strv_free(s->architectures);
        husk_strv_free(s->flags);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++) {
                struct husk_seccomp_syscall *sc = &s->syscalls[i];
                husk_strv_free(sc->names);
                free(sc->action);
                for (size_t j = 0; sc->args && j < sc->n_args; j++)
                        free(sc->args[j].op);
                free(sc->args);
        }
        free(s->syscalls);
}

static void linux_free(struct husk_linux *l)
{
        for (size_t i = 0; l->namespaces && i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; l->devices && i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);
        husk_resources_free_contents(&l->resources);
        free(l->rootfs_propagation);
        husk_seccomp_free_contents(&l->seccomp);
        kv_free(l->sysctl, l->n_sysctl);
        husk_strv_free(l->masked_paths);
        husk_strv_free(l->readonly_paths);
        free(l->mount_label);
        free(l->intel_rdt.clos_id);
        free(l->intel_rdt.l3_cache_schema);
        free(l->intel_rdt.mem_bw_schema);
        husk_strv_free(l->intel_rdt.schemata);
        free(l->personality.domain);
        husk_strv_free(l->personality.flags);
        free(l->memory_policy.mode);
        free(l->memory_policy.nodes);
        husk_strv_free(l->memory_policy.flags);
        for (size_t i = 0; l->net_devices && i < l->n_net_devices; i++) {
                free(l->net_devices[i].host_name);
                free(l->net_devices[i].name);
        }
        free(l->net_devices);
}

/* Every section is freed whether or not its has_* flag is set: the parser fills fields before it
 * knows whether the section as a whole is valid, and frees a half-filled spec on error. */
void husk_spec_free(struct husk_spec *spec)
{
        if (!spec)
                return;
        free(spec->oci_version);
        husk_process_free_contents(&spec->process);
        free(spec->root.path);
        free(spec->hostname);
        free(spec->domainname);
        for (size_t i = 0; spec->mounts && i < spec->n_mounts; i++) {
                struct husk_mount *m = &spec->mounts[i];
                free(m->destination);
                free(m->source);
                free(m->type);
                husk_strv_free(m->options);
                free(m->uid_mappings);
                free(m->gid_mappings);
        }
        free(spec->mounts);
        hook_list_free(&spec->hooks.prestart);
        hook_list_free(&spec->hooks.create_runtime);
        hook_list_free(&spec->hooks.create_container);
        hook_list_free(&spec->hooks.start_container);
        hook_list_free(&spec->hooks.poststart);
        hook_list_free(&spec->hooks.poststop);
        kv_free(spec->annotations, spec->n_annotations);
        linux_free(&spec->linux_);
        free(spec);
}

const struct husk_namespace *husk_spec_namespace(const struct husk_spec *spec, enum husk_ns_type type)
{
        if (!spec || !spec->has_linux)
                return NULL;
        for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
                if (spec->linux_.namespaces[i].type == type)
                        return &spec->linux_.namespaces[i];
        return NULL;
}

static const struct {
        const char *name;
        int flag;
} ns_table[HUSK_NS_COUNT] = {
        [HUSK_NS_PID] = { "pid", CLONE_NEWPID },
        [HUSK_NS_NETWORK] = { "network", CLONE_NEWNET },
        [HUSK_NS_MOUNT] = { "mount", CLONE_NEWNS },
        [HUSK_NS_IPC] = { "ipc", CLONE_NEWIPC },
        [HUSK_NS_UTS] = { "uts", CLONE_NEWUTS },
        [HUSK_NS_USER] = { "user", CLONE_NEWUSER },
        [HUSK_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
        [HUSK_NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *husk_ns_type_to_string(enum husk_ns_type type)
{
        if ((unsigned) type >= HUSK_NS_COUNT)
                return NULL;
        return ns_table[type].name;
}

int husk_ns_type_from_string(const char *s)
{
        if (!s)
                return -1;
        for (int i = 0; i < HUSK_NS_COUNT; i++)
                if (strcmp(ns_table[i].name, s) == 0)
                        return i;
        return -1;
}

int husk_ns_type_clone_flag(enum husk_ns_type type)
{
        if ((unsigned) type >= HUSK_NS_COUNT)
                return 0;
        return ns_table[type].flag;
}

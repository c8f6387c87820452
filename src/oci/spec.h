/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime-spec model: config.json as C structures (runtime-spec config.md and config-linux.md).
 *
 * Conventions:
 *  - Strings are heap-allocated, NUL-terminated, NULL when absent.
 *  - Arrays are a pointer plus an n_* count; string lists are also NULL-terminated (char **).
 *  - Optional scalars carry a has_* flag; absent means "runtime default / do not touch".
 *  - Maps (annotations, sysctl, unified...) are arrays of struct husk_kv, in file order.
 * husk_spec_free() releases everything. The parser (oci/config.h) fills these; runtime/ reads them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct husk_kv {
        char *key;
        char *value;
};

/* ---- process ---------------------------------------------------------------------------- */

struct husk_rlimit {
        int resource; /* RLIMIT_* number, resolved from "RLIMIT_NOFILE" etc. by the parser */
        char *type;   /* the name as written */
        uint64_t soft;
        uint64_t hard;
};

/* Capability sets as bit masks over capability numbers (CAP_CHOWN = bit 0 ...). */
struct husk_capabilities {
        bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
        uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct husk_user {
        uid_t uid;
        gid_t gid;
        bool has_umask;
        mode_t umask;
        gid_t *additional_gids;
        size_t n_additional_gids;
        char *username; /* windows only; kept for completeness */
};

struct husk_scheduler {
        char *policy; /* "SCHED_OTHER" ... as written */
        int policy_num;
        bool has_nice, has_priority, has_runtime, has_deadline, has_period;
        int32_t nice;
        int32_t priority;
        char **flags; /* NULL-terminated */
        uint64_t runtime, deadline, period;
};

struct husk_io_priority {
        char *class_name; /* "IOPRIO_CLASS_RT" | "IOPRIO_CLASS_BE" | "IOPRIO_CLASS_IDLE" */
        int class_num;
        int32_t priority;
};

struct husk_process {
        bool terminal;
        bool has_console_size;
        unsigned int console_height, console_width;
        struct husk_user user;
        char **args; /* NULL-terminated, at least one element */
        size_t n_args;
        char **env;  /* NULL-terminated "KEY=value" */
        size_t n_env;
        char *cwd;   /* absolute */
        bool has_capabilities;
        struct husk_capabilities capabilities;
        struct husk_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        bool has_no_new_privileges; /* the field was given (exec: absent means the container's) */
        char *apparmor_profile;
        char *selinux_label;
        bool has_oom_score_adj;
        int oom_score_adj;
        bool has_scheduler;
        struct husk_scheduler scheduler;
        bool has_io_priority;
        struct husk_io_priority io_priority;
        char *exec_cpu_affinity_initial; /* cpu list strings, e.g. "0-3,7" */
        char *exec_cpu_affinity_final;
};

/* ---- root, mounts, hooks ------------------------------------------------------------------ */

struct husk_root {
        char *path; /* as written; may be relative to the bundle */
        bool readonly;
};

struct husk_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

struct husk_mount {
        char *destination; /* absolute path inside the container */
        char *source;      /* may be NULL (tmpfs, proc ...) */
        char *type;        /* may be NULL: then "bind" if options contain bind/rbind */
        char **options;    /* NULL-terminated, as written */
        size_t n_options;
        struct husk_id_mapping *uid_mappings; /* idmapped mounts */
        size_t n_uid_mappings;
        struct husk_id_mapping *gid_mappings;
        size_t n_gid_mappings;
};

struct husk_hook {
        char *path; /* absolute */
        char **args; /* NULL-terminated; may be NULL */
        char **env;  /* NULL-terminated; may be NULL */
        bool has_timeout;
        int timeout; /* seconds, > 0 */
};

struct husk_hook_list {
        struct husk_hook *hooks;
        size_t n;
};

struct husk_hooks {
        struct husk_hook_list prestart;        /* deprecated, runs with createRuntime */
        struct husk_hook_list create_runtime;
        struct husk_hook_list create_container;
        struct husk_hook_list start_container;
        struct husk_hook_list poststart;
        struct husk_hook_list poststop;
};

/* ---- linux -------------------------------------------------------------------------------- */

enum husk_ns_type {
        HUSK_NS_PID,
        HUSK_NS_NETWORK,
        HUSK_NS_MOUNT,
        HUSK_NS_IPC,
        HUSK_NS_UTS,
        HUSK_NS_USER,
        HUSK_NS_CGROUP,
        HUSK_NS_TIME,
        HUSK_NS_COUNT
};

struct husk_namespace {
        enum husk_ns_type type;
        char *path; /* NULL: create a new one; otherwise join this one */
};

struct husk_device {
        char type;     /* 'c', 'b', 'u' or 'p' */
        char *path;    /* absolute, inside the container */
        int64_t major, minor; /* required for c/b/u */
        bool has_file_mode;
        mode_t file_mode;
        bool has_uid, has_gid;
        uid_t uid;
        gid_t gid;
};

struct husk_device_cgroup_rule {
        bool allow;
        char type;       /* 'a', 'c', 'b'; 'a' when absent */
        bool has_major, has_minor;  /* absent = wildcard */
        int64_t major, minor;
        char *access;    /* subset of "rwm"; NULL = "rwm" */
};

struct husk_memory {
        bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
        int64_t limit, reservation, swap, kernel, kernel_tcp; /* -1 = unlimited */
        uint64_t swappiness;
        bool has_disable_oom_killer, disable_oom_killer;
        bool has_use_hierarchy, use_hierarchy;
        bool has_check_before_update, check_before_update;
};

struct husk_cpu {
        bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period, has_idle;
        uint64_t shares;
        int64_t quota;
        uint64_t burst;
        uint64_t period;
        int64_t realtime_runtime;
        uint64_t realtime_period;
        int64_t idle;
        char *cpus;
        char *mems;
};

struct husk_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
};

struct husk_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

struct husk_blkio {
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
        struct husk_weight_device *weight_device;
        size_t n_weight_device;
        struct husk_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops, *throttle_write_iops;
        size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops, n_throttle_write_iops;
};

struct husk_hugepage_limit {
        char *page_size; /* "2MB" */
        uint64_t limit;
};

struct husk_net_priority {
        char *name;
        uint32_t priority;
};

struct husk_rdma_limit {
        char *device;
        bool has_hca_handles, has_hca_objects;
        uint32_t hca_handles, hca_objects;
};

struct husk_resources {
        struct husk_device_cgroup_rule *devices;
        size_t n_devices;
        bool has_memory;
        struct husk_memory memory;
        bool has_cpu;
        struct husk_cpu cpu;
        bool has_blkio;
        struct husk_blkio blkio;
        struct husk_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        bool has_network;
        bool has_class_id;
        uint32_t class_id;
        struct husk_net_priority *net_priorities;
        size_t n_net_priorities;
        bool has_pids;
        int64_t pids_limit; /* <= 0 means unlimited (runc semantics for 0 and -1) */
        struct husk_rdma_limit *rdma;
        size_t n_rdma;
        struct husk_kv *unified;
        size_t n_unified;
};

struct husk_seccomp_arg {
        unsigned int index;
        uint64_t value;
        uint64_t value_two;
        char *op; /* "SCMP_CMP_EQ" ... */
};

struct husk_seccomp_syscall {
        char **names; /* NULL-terminated */
        size_t n_names;
        char *action; /* "SCMP_ACT_ERRNO" ... */
        bool has_errno_ret;
        uint32_t errno_ret;
        struct husk_seccomp_arg *args;
        size_t n_args;
};

struct husk_seccomp {
        char *default_action;
        bool has_default_errno_ret;
        uint32_t default_errno_ret;
        char **architectures; /* NULL-terminated, may be NULL */
        char **flags;         /* NULL-terminated, may be NULL */
        char *listener_path;
        char *listener_metadata;
        struct husk_seccomp_syscall *syscalls;
        size_t n_syscalls;
};

struct husk_time_offset {
        bool set;
        int64_t secs;
        uint32_t nanosecs;
};

struct husk_intel_rdt {
        char *clos_id;
        char *l3_cache_schema;
        char *mem_bw_schema;
        char **schemata;
        bool enable_cmt, enable_mbm, enable_monitoring;
};

struct husk_personality {
        char *domain; /* "LINUX" | "LINUX32" */
        unsigned long domain_num;
        char **flags;
};

struct husk_memory_policy {
        char *mode; /* "MPOL_BIND" ... */
        int mode_num;
        char *nodes;
        char **flags;
};

struct husk_net_device {
        char *host_name;
        char *name; /* may be NULL: keep host name */
};

struct husk_linux {
        struct husk_namespace *namespaces;
        size_t n_namespaces;
        struct husk_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct husk_id_mapping *gid_mappings;
        size_t n_gid_mappings;
        struct husk_time_offset time_monotonic, time_boottime;
        struct husk_device *devices;
        size_t n_devices;
        char *cgroups_path;
        bool has_resources;
        struct husk_resources resources;
        char *rootfs_propagation; /* "private", "rshared", ... or NULL */
        bool has_seccomp;
        struct husk_seccomp seccomp;
        struct husk_kv *sysctl;
        size_t n_sysctl;
        char **masked_paths; /* NULL-terminated, may be NULL */
        size_t n_masked_paths;
        char **readonly_paths;
        size_t n_readonly_paths;
        char *mount_label;
        bool has_intel_rdt;
        struct husk_intel_rdt intel_rdt;
        bool has_personality;
        struct husk_personality personality;
        bool has_memory_policy;
        struct husk_memory_policy memory_policy;
        struct husk_net_device *net_devices;
        size_t n_net_devices;
};

/* ---- the whole config --------------------------------------------------------------------- */

struct husk_spec {
        char *oci_version;
        bool has_process;
        struct husk_process process;
        struct husk_root root;
        char *hostname;
        char *domainname;
        struct husk_mount *mounts;
        size_t n_mounts;
        struct husk_hooks hooks;
        struct husk_kv *annotations;
        size_t n_annotations;
        bool has_linux;
        struct husk_linux linux_;
};

void husk_spec_free(struct husk_spec *spec);
/* Free what a struct husk_process points to (not the struct itself). */
void husk_process_free_contents(struct husk_process *p);
/* Free what a struct husk_seccomp points to (not the struct itself). */
void husk_seccomp_free_contents(struct husk_seccomp *s);
static inline void husk_spec_freep(struct husk_spec **spec)
{
        if (*spec)
                husk_spec_free(*spec);
}

/* The namespace entry of a type, or NULL when the config does not list it. */
const struct husk_namespace *husk_spec_namespace(const struct husk_spec *spec, enum husk_ns_type type);

/* "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" <-> enum; -1 when unknown. */
const char *husk_ns_type_to_string(enum husk_ns_type type);
int husk_ns_type_from_string(const char *s);
/* CLONE_NEW* flag of a type. */
int husk_ns_type_clone_flag(enum husk_ns_type type);

/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

/* Join order after the user namespace. The mount namespace goes last: setns() into it also resets
 * the caller's root and cwd to that namespace's, and nothing after it should depend on the host's. */
static const enum husk_ns_type join_order[] = {
        HUSK_NS_USER, HUSK_NS_PID, HUSK_NS_NETWORK, HUSK_NS_IPC, HUSK_NS_UTS, HUSK_NS_CGROUP, HUSK_NS_TIME, HUSK_NS_MOUNT,
};

int husk_ns_plan_build(const struct husk_spec *spec, struct husk_ns_plan *ret, struct husk_error *err)
{
        const struct husk_linux *lx = &spec->linux_;
        const struct husk_namespace *by_type[HUSK_NS_COUNT] = { 0 };
        struct husk_ns_plan p = { 0 };

        for (size_t i = 0; spec->has_linux && i < lx->n_namespaces; i++) {
                const struct husk_namespace *ns = &lx->namespaces[i];
                if ((unsigned) ns->type >= HUSK_NS_COUNT)
                        return husk_error_set(err, EINVAL, "linux.namespaces[%zu]: unknown type", i);
                if (by_type[ns->type])
                        return husk_error_set(err, EINVAL, "linux.namespaces: \"%s\" listed twice",
                                              husk_ns_type_to_string(ns->type));
                if (ns->path && ns->path[0] != '/')
                        return husk_error_set(err, EINVAL, "linux.namespaces: %s path \"%s\" is not absolute",
                                              husk_ns_type_to_string(ns->type), ns->path);
                by_type[ns->type] = ns;
        }

        for (size_t i = 0; i < HUSK_ARRAY_SIZE(join_order); i++) {
                enum husk_ns_type t = join_order[i];
                const struct husk_namespace *ns = by_type[t];
                if (!ns)
                        continue;
                if (ns->path) {
                        p.joins[p.n_joins++] = (struct husk_ns_join){ t, ns->path };
                        if (t == HUSK_NS_USER)
                                p.join_user = true;
                } else if (t == HUSK_NS_USER) {
                        p.new_user = true;
                } else {
                        p.unshare_flags |= husk_ns_type_clone_flag(t);
                }
        }

        /* The rootfs is built with mounts that must not reach the host, and joining another
         * container's mount namespace would build it in theirs. */
        if (!(p.unshare_flags & CLONE_NEWNS))
                return husk_error_set(err, EINVAL, "linux.namespaces: a new mount namespace is required");

        p.has_uts = by_type[HUSK_NS_UTS] != NULL;
        if ((spec->hostname && spec->hostname[0]) && !p.has_uts)
                return husk_error_set(err, EINVAL, "hostname requires a uts namespace in linux.namespaces");
        if ((spec->domainname && spec->domainname[0]) && !p.has_uts)
                return husk_error_set(err, EINVAL, "domainname requires a uts namespace in linux.namespaces");

        bool maps = spec->has_linux && (lx->n_uid_mappings || lx->n_gid_mappings);
        if (p.new_user && (!lx->n_uid_mappings || !lx->n_gid_mappings))
                return husk_error_set(err, EINVAL,
                                      "linux.uidMappings and linux.gidMappings are required with a new user namespace");
        if (maps && !p.new_user)
                return husk_error_set(err, EINVAL,
                                      "linux.uidMappings/gidMappings need a new user namespace in linux.namespaces");

        p.time_offsets = spec->has_linux && (lx->time_monotonic.set || lx->time_boottime.set);
        if (p.time_offsets && !(p.unshare_flags & CLONE_NEWTIME))
                return husk_error_set(err, EINVAL, "linux.timeOffsets requires a new time namespace");

        *ret = p;
        return 0;
}

int husk_ns_open_joins(const struct husk_ns_plan *plan, int fds[HUSK_NS_COUNT], struct husk_error *err)
{
        for (size_t i = 0; i < HUSK_NS_COUNT; i++)
                fds[i] = -1;
        for (size_t i = 0; i < plan->n_joins; i++) {
                fds[i] = open(plan->joins[i].path, O_RDONLY | O_CLOEXEC);
                if (fds[i] < 0) {
                        int e = errno;
                        for (size_t j = 0; j < i; j++)
                                (void) close(fds[j]);
                        return husk_error_errno(err, e, "open %s namespace \"%s\"",
                                                husk_ns_type_to_string(plan->joins[i].type), plan->joins[i].path);
                }
        }
        return 0;
}

int husk_ns_enter_joins(const struct husk_ns_plan *plan, int fds[HUSK_NS_COUNT], struct husk_error *err)
{
        int r = 0;
        for (size_t i = 0; i < plan->n_joins; i++) {
                if (r == 0 && setns(fds[i], husk_ns_type_clone_flag(plan->joins[i].type)) < 0)
                        r = husk_error_errno(err, errno, "join %s namespace \"%s\"",
                                             husk_ns_type_to_string(plan->joins[i].type), plan->joins[i].path);
                (void) close(fds[i]);
                fds[i] = -1;
        }
        return r;
}

int husk_idmap_format(const struct husk_id_mapping *m, size_t n, char *buf, size_t size)
{
        if (n == 0)
                return -EINVAL;
        size_t off = 0;
        for (size_t i = 0; i < n; i++) {
                int w = snprintf(buf + off, size - off, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id,
                                 m[i].host_id, m[i].size);
                if (w < 0 || (size_t) w >= size - off)
                        return -ENOSPC;
                off += (size_t) w;
        }
        return (int) off;
}

int husk_idmap_to_host(const struct husk_id_mapping *m, size_t n, uint32_t id, uint32_t *ret)
{
        for (size_t i = 0; i < n; i++) {
                if (id >= m[i].container_id && (uint64_t) id - m[i].container_id < m[i].size) {
                        *ret = m[i].host_id + (id - m[i].container_id);
                        return 0;
                }
        }
        return -ENOENT;
}

/* The kernel caps a map at 340 lines (5.x); each line is at most 33 bytes. */
#define IDMAP_TEXT_MAX (340 * 33 + 1)

static int write_idmap(pid_t pid, const char *file, const struct husk_id_mapping *m, size_t n,
                       struct husk_error *err)
{
        _cleanup_free_ char *buf = malloc(IDMAP_TEXT_MAX);
        if (!buf)
                return husk_error_errno(err, ENOMEM, "%s", file);
        int len = husk_idmap_format(m, n, buf, IDMAP_TEXT_MAX);
        if (len < 0)
                return husk_error_set(err, -len, "%s: too many mappings", file);
        char path[64];
        (void) snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        return husk_write_file_at(AT_FDCWD, path, buf, (size_t) len, err);
}

int husk_ns_write_idmaps(pid_t pid, const struct husk_linux *lx, bool deny_setgroups, struct husk_error *err)
{
        int r = write_idmap(pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, err);
        if (r < 0)
                return r;
        if (deny_setgroups) {
                char path[64];
                (void) snprintf(path, sizeof(path), "/proc/%d/setgroups", (int) pid);
                r = husk_write_file_at(AT_FDCWD, path, "deny", 4, err);
                if (r < 0)
                        return r;
        }
        return write_idmap(pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err);
}

int husk_timens_offsets_format(const struct husk_linux *lx, char *buf, size_t size)
{
        /* Numeric clock ids: every kernel with time namespaces accepts them (names came later). */
        static const struct {
                int clock;
                size_t off;
        } clocks[] = {
                { 1 /* CLOCK_MONOTONIC */, offsetof(struct husk_linux, time_monotonic) },
                { 7 /* CLOCK_BOOTTIME */, offsetof(struct husk_linux, time_boottime) },
        };
        size_t off = 0;
        if (size)
                buf[0] = '\0';
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(clocks); i++) {
                const struct husk_time_offset *t =
                        (const struct husk_time_offset *) ((const char *) lx + clocks[i].off);
                if (!t->set)
                        continue;
                int w = snprintf(buf + off, size - off, "%d %" PRId64 " %" PRIu32 "\n", clocks[i].clock, t->secs,
                                 t->nanosecs);
                if (w < 0 || (size_t) w >= size - off)
                        return -ENOSPC;
                off += (size_t) w;
        }
        return (int) off;
}

int husk_ns_write_time_offsets(const struct husk_linux *lx, struct husk_error *err)
{
        char buf[128];
        int len = husk_timens_offsets_format(lx, buf, sizeof(buf));
        if (len < 0)
                return husk_error_set(err, -len, "linux.timeOffsets: too long");
        if (len == 0)
                return 0;
        int r = husk_write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, (size_t) len, err);
        if (r < 0)
                return husk_error_prefix(err, "linux.timeOffsets: ");
        return 0;
}

int husk_ns_loopback_up(struct husk_error *err)
{
        _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return husk_error_errno(err, errno, "bring up lo: socket");
        struct ifreq ifr = { 0 };
        memcpy(ifr.ifr_name, "lo", 3);
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return husk_error_errno(err, errno, "bring up lo: get flags");
        if (ifr.ifr_flags & IFF_UP)
                return 0;
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                return husk_error_errno(err, errno, "bring up lo");
        return 0;
}

bool husk_idmap_is_initial(const char *uid_map)
{
        unsigned long inside, outside, len;
        int used = 0;
        if (sscanf(uid_map, " %lu %lu %lu %n", &inside, &outside, &len, &used) != 3)
                return false;
        return inside == 0 && outside == 0 && len == 4294967295UL && uid_map[used] == '\0';
}

int husk_ns_in_user_namespace(bool *ret, struct husk_error *err)
{
        _cleanup_free_ char *map = NULL;
        int r = husk_read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, NULL, err);
        if (r == -ENOENT) {
                /* A kernel without user namespaces: there is only the initial one. */
                *ret = false;
                return 0;
        }
        if (r < 0)
                return r;
        *ret = !husk_idmap_is_initial(map);
        return 0;
}

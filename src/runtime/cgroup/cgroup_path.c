/* SPDX-License-Identifier: Apache-2.0 */
/* The host's cgroup layout (/proc/self/mountinfo) and the container's cgroup path. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "runtime/cgroup/systemd_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

static const char *const ctrl_names[HUSK_CG1_COUNT] = {
        [HUSK_CG1_CPU] = "cpu",         [HUSK_CG1_CPUACCT] = "cpuacct",       [HUSK_CG1_CPUSET] = "cpuset",
        [HUSK_CG1_MEMORY] = "memory",   [HUSK_CG1_DEVICES] = "devices",       [HUSK_CG1_FREEZER] = "freezer",
        [HUSK_CG1_BLKIO] = "blkio",     [HUSK_CG1_PIDS] = "pids",             [HUSK_CG1_HUGETLB] = "hugetlb",
        [HUSK_CG1_NET_CLS] = "net_cls", [HUSK_CG1_NET_PRIO] = "net_prio",     [HUSK_CG1_RDMA] = "rdma",
        [HUSK_CG1_PERF_EVENT] = "perf_event", [HUSK_CG1_MISC] = "misc", [HUSK_CG1_NAME_SYSTEMD] = "name=systemd",
};

const char *husk_cg1_ctrl_name(enum husk_cg1_ctrl c)
{
        return c < HUSK_CG1_COUNT ? ctrl_names[c] : "?";
}

static unsigned ctrl_bit(const char *name, size_t len)
{
        for (size_t i = 0; i < HUSK_CG1_COUNT; i++)
                if (strlen(ctrl_names[i]) == len && strncmp(ctrl_names[i], name, len) == 0)
                        return HUSK_CG1_BIT(i);
        return 0;
}

/* The next space-separated field of a mountinfo line; mountinfo escapes spaces and the like as \ooo. */
static const char *field(const char *p, const char *end, char *buf, size_t size)
{
        while (p < end && *p == ' ')
                p++;
        size_t n = 0;
        while (p < end && *p != ' ') {
                char c = *p++;
                if (c == '\\' && end - p >= 3 && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '7' &&
                    p[2] >= '0' && p[2] <= '7') {
                        c = (char) (((p[0] - '0') << 6) | ((p[1] - '0') << 3) | (p[2] - '0'));
                        p += 3;
                }
                if (n + 1 < size)
                        buf[n++] = c;
        }
        if (size)
                buf[n] = '\0';
        return p;
}

static void parse_line(const char *line, const char *end, struct husk_cg_layout *l, bool *v2_at_root)
{
        char root[HUSK_CG_MOUNT_MAX], mnt[HUSK_CG_MOUNT_MAX], tmp[HUSK_CG_MOUNT_MAX];
        const char *p = line;
        p = field(p, end, tmp, sizeof(tmp)); /* mount id */
        p = field(p, end, tmp, sizeof(tmp)); /* parent id */
        p = field(p, end, tmp, sizeof(tmp)); /* major:minor */
        p = field(p, end, root, sizeof(root));
        p = field(p, end, mnt, sizeof(mnt));
        /* Optional fields up to the lone "-". */
        for (;;) {
                p = field(p, end, tmp, sizeof(tmp));
                if (!tmp[0])
                        return;
                if (strcmp(tmp, "-") == 0)
                        break;
        }
        char fstype[32], opts[HUSK_CG_MOUNT_MAX];
        p = field(p, end, fstype, sizeof(fstype));
        p = field(p, end, tmp, sizeof(tmp)); /* source */
        (void) field(p, end, opts, sizeof(opts));
        /* A mount of a sub-cgroup (bind mounts, a container's view) does not show the hierarchy. */
        if (strcmp(root, "/") != 0)
                return;
        if (strcmp(fstype, "cgroup2") == 0) {
                if (strcmp(mnt, "/sys/fs/cgroup") == 0) {
                        *v2_at_root = true;
                        (void) snprintf(l->v2_mount, sizeof(l->v2_mount), "%s", mnt);
                } else if (!l->v2_mount[0]) {
                        (void) snprintf(l->v2_mount, sizeof(l->v2_mount), "%s", mnt);
                }
                return;
        }
        if (strcmp(fstype, "cgroup") != 0)
                return;
        unsigned ctrls = 0;
        for (const char *o = opts; *o;) {
                const char *comma = strchr(o, ',');
                size_t len = comma ? (size_t) (comma - o) : strlen(o);
                ctrls |= ctrl_bit(o, len);
                o += len + (comma ? 1 : 0);
        }
        if (!ctrls)
                return;
        for (size_t i = 0; i < l->n_v1; i++)
                if (l->v1[i].ctrls & ctrls)
                        return;
        if (l->n_v1 == HUSK_CG1_MAX_HIER)
                return;
        l->v1[l->n_v1].ctrls = ctrls;
        (void) snprintf(l->v1[l->n_v1].mount, sizeof(l->v1[l->n_v1].mount), "%s", mnt);
        l->n_v1++;
}

void husk_cg_parse_mountinfo(const char *mountinfo, struct husk_cg_layout *ret)
{
        memset(ret, 0, sizeof(*ret));
        bool v2_at_root = false;
        for (const char *line = mountinfo; line && *line;) {
                const char *nl = strchr(line, '\n');
                const char *end = nl ? nl : line + strlen(line);
                parse_line(line, end, ret, &v2_at_root);
                line = nl ? nl + 1 : NULL;
        }
        if (v2_at_root) {
                /* A unified host: v1 hierarchies mounted elsewhere are not the container's business. */
                ret->mode = HUSK_CGROUP_V2;
                ret->n_v1 = 0;
        } else if (ret->n_v1) {
                ret->mode = ret->v2_mount[0] ? HUSK_CGROUP_HYBRID : HUSK_CGROUP_V1;
        } else {
                ret->mode = ret->v2_mount[0] ? HUSK_CGROUP_V2 : HUSK_CGROUP_NONE;
        }
}

int husk_cg_read_layout(struct husk_cg_layout *ret, struct husk_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = husk_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, &len, err);
        if (r < 0)
                return r;
        husk_cg_parse_mountinfo(text, ret);
        return 0;
}

static bool list_has(const char *list, size_t len, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = list, *end = list + len; p < end;) {
                const char *comma = memchr(p, ',', (size_t) (end - p));
                size_t l = comma ? (size_t) (comma - p) : (size_t) (end - p);
                if (l == n && strncmp(p, name, n) == 0)
                        return true;
                p += l + 1;
        }
        return false;
}

int husk_cg_own_path(const char *proc_self_cgroup, bool unified, char *buf, size_t size, struct husk_error *err)
{
        /* On v1 the memory hierarchy decides, as in runc; pids where memory is not mounted. */
        static const char *const v1_pref[] = { "memory", "pids" };
        for (size_t k = 0; k < (unified ? 1 : HUSK_ARRAY_SIZE(v1_pref)); k++) {
                for (const char *line = proc_self_cgroup; line && *line;) {
                        const char *start = line, *nl = strchr(line, '\n');
                        const char *end = nl ? nl : line + strlen(line);
                        const char *c1 = memchr(start, ':', (size_t) (end - start));
                        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t) (end - c1 - 1)) : NULL;
                        line = nl ? nl + 1 : NULL;
                        if (!c2)
                                continue;
                        bool match = unified ? (c1 == start + 1 && start[0] == '0' && c2 == c1 + 1)
                                             : list_has(c1 + 1, (size_t) (c2 - c1 - 1), v1_pref[k]);
                        if (!match)
                                continue;
                        size_t n = (size_t) (end - c2 - 1);
                        if (n + 1 > size)
                                return husk_error_set(err, ENAMETOOLONG, "/proc/self/cgroup: path too long");
                        memcpy(buf, c2 + 1, n);
                        buf[n] = '\0';
                        return 0;
                }
        }
        return husk_error_set(err, ENOENT, "/proc/self/cgroup: no %s entry", unified ? "cgroup2 (0::)" : "memory or pids");
}

void husk_cg_path_parent(char *path)
{
        char *slash = strrchr(path, '/');
        if (!slash)
                return;
        if (slash == path)
                slash[1] = '\0';
        else
                *slash = '\0';
}

/* slice:prefix:name, the systemd driver's form. */
static bool systemd_form(const char *p)
{
        const char *a = strchr(p, ':');
        return a && strchr(a + 1, ':') && !strchr(p, '/');
}

int husk_cg_resolve_path(const char *id, const char *cgroups_path, bool systemd, const char *own, char **ret,
                         struct husk_error *err)
{
        if (systemd) {
                /* The unit's cgroup: where systemd will put it (systemd_path.c). */
                struct husk_sd_unit u;
                int r = husk_sd_parse_path(id, cgroups_path, &u, err);
                if (r < 0)
                        return r;
                *ret = steal_ptr(u.path);
                husk_sd_unit_done(&u);
                return 0;
        }
        _cleanup_free_ char *joined = NULL;
        if (!cgroups_path || !cgroups_path[0]) {
                if (asprintf(&joined, "/husk/%s", id) < 0)
                        joined = NULL;
        } else {
                if (systemd_form(cgroups_path))
                        return husk_error_set(err, EINVAL,
                                              "linux.cgroupsPath \"%s\": the systemd form slice:prefix:name needs --systemd-cgroup",
                                              cgroups_path);
                /* ".." could climb out of the parent, even to another container's cgroup or the root. */
                for (const char *p = cgroups_path; *p;) {
                        size_t n = strcspn(p, "/");
                        if (n == 2 && p[0] == '.' && p[1] == '.')
                                return husk_error_set(err, EINVAL, "linux.cgroupsPath \"%s\": \"..\" is not allowed",
                                                      cgroups_path);
                        p += n;
                        p += strspn(p, "/");
                }
                if (cgroups_path[0] == '/') {
                        joined = strdup(cgroups_path);
                } else {
                        if (!own)
                                return husk_error_set(err, EINVAL, "linux.cgroupsPath \"%s\": relative, but the runtime's own cgroup is unknown",
                                                      cgroups_path);
                        if (asprintf(&joined, "%s/%s", own, cgroups_path) < 0)
                                joined = NULL;
                }
        }
        if (!joined)
                return husk_error_errno(err, ENOMEM, "cgroup path");
        char *clean = husk_path_clean(joined);
        if (!clean)
                return husk_error_errno(err, ENOMEM, "cgroup path");
        if (clean[0] != '/' || strcmp(clean, "/") == 0 || strcmp(clean, "/.") == 0) {
                int e = husk_error_set(err, EINVAL, "linux.cgroupsPath \"%s\": resolves to the root cgroup",
                                       cgroups_path ? cgroups_path : "");
                free(clean);
                return e;
        }
        *ret = clean;
        return 0;
}

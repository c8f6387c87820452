/* SPDX-License-Identifier: Apache-2.0 */
/* What this host can enforce of a container's resource options (resources.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/resources.h"
#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

static enum husk_cgroup_mode cgroup_mode(void)
{
        enum husk_cgroup_mode mode = HUSK_CGROUP_NONE;
        struct husk_error ignored = { 0 };
        (void) husk_cgroup_detect_mode(&mode, &ignored);
        return mode;
}

bool husk_res_memory_v2(void)
{
        return cgroup_mode() == HUSK_CGROUP_V2;
}

/* v2: the root cgroup has no memory.swap.max, so look in a cgroup below it: our own, else the first
 * child that has the memory controller enabled. */
static bool v2_swap_accounting(void)
{
        _cleanup_free_ char *self = NULL;
        struct husk_error ignored = { 0 };
        char path[4096];
        if (husk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &self, NULL, &ignored) == 0 &&
            strncmp(self, "0::/", 4) == 0 && self[4] != '\n' && self[4] != '\0') {
                self[strcspn(self, "\n")] = '\0';
                (void) snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", self + 3);
                if (access(path, F_OK) == 0) {
                        (void) snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.swap.max", self + 3);
                        return access(path, F_OK) == 0;
                }
        }
        _cleanup_closedir_ DIR *d = opendir("/sys/fs/cgroup");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                (void) snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/memory.current", de->d_name);
                if (access(path, F_OK) != 0)
                        continue;
                (void) snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/memory.swap.max", de->d_name);
                return access(path, F_OK) == 0;
        }
        /* No cgroup to look at (we run in the root one, which has none below it yet): the kernel
         * accounts swap unless it has no swap at all or was booted with swapaccount=0. */
        _cleanup_free_ char *cmdline = NULL;
        if (access("/proc/swaps", F_OK) != 0)
                return false;
        return husk_read_file_at(AT_FDCWD, "/proc/cmdline", &cmdline, NULL, &ignored) < 0 ||
               !strstr(cmdline, "swapaccount=0");
}

bool husk_res_swap_accounting(void)
{
        switch (cgroup_mode()) {
        case HUSK_CGROUP_V1:
        case HUSK_CGROUP_HYBRID:
                return access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
        case HUSK_CGROUP_V2:
                return v2_swap_accounting();
        case HUSK_CGROUP_NONE:
                break;
        }
        return false;
}

int husk_res_num_cpus(void)
{
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return (int) sysconf(_SC_NPROCESSORS_ONLN);
        return CPU_COUNT(&set);
}

int husk_res_online(bool mems, char *buf, size_t size)
{
        const char *path = mems ? "/sys/devices/system/node/online" : "/sys/devices/system/cpu/online";
        _cleanup_free_ char *text = NULL;
        struct husk_error ignored = { 0 };
        if (husk_read_file_at(AT_FDCWD, path, &text, NULL, &ignored) < 0) {
                /* A kernel without NUMA has one memory node. */
                if (!mems)
                        return -ENOENT;
                text = strdup("0");
                if (!text)
                        return -ENOMEM;
        }
        text[strcspn(text, "\n")] = '\0';
        (void) snprintf(buf, size, "%s", text);
        return 0;
}

int husk_res_block_device(const char *path, int64_t *ret_major, int64_t *ret_minor, struct husk_error *err)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return husk_error_errno(err, errno, "%s", path);
        if (!S_ISBLK(st.st_mode))
                return husk_error_set(err, EINVAL, "%s is not a block device", path);
        *ret_major = major(st.st_rdev);
        *ret_minor = minor(st.st_rdev);
        return 0;
}

static bool have_cap_sys_resource(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[2] = { 0 };
        if (syscall(SYS_capget, &h, d) < 0)
                return false;
        return (d[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective & CAP_TO_MASK(CAP_SYS_RESOURCE)) != 0;
}

int husk_res_ulimit_settable(const char *name, int64_t soft, int64_t hard, struct husk_error *err)
{
        int resource = husk_res_ulimit_resource(name);
        struct rlimit cur;
        if (resource < 0 || getrlimit(resource, &cur) < 0)
                return 0;
        (void) soft;
        rlim_t want = hard < 0 ? RLIM_INFINITY : (rlim_t) hard;
        char hard_s[32];
        if (hard < 0)
                (void) snprintf(hard_s, sizeof(hard_s), "unlimited");
        else
                (void) snprintf(hard_s, sizeof(hard_s), "%" PRId64, hard);
        if (resource == RLIMIT_NOFILE) {
                /* Not even CAP_SYS_RESOURCE raises nofile past fs.nr_open. */
                _cleanup_free_ char *text = NULL;
                struct husk_error ignored = { 0 };
                if (husk_read_file_at(AT_FDCWD, "/proc/sys/fs/nr_open", &text, NULL, &ignored) == 0) {
                        unsigned long long nr_open = strtoull(text, NULL, 10);
                        if (nr_open > 0 && want > nr_open)
                                return husk_error_set(err, EPERM,
                                                      "--ulimit nofile: the hard limit %s is above the kernel's "
                                                      "fs.nr_open (%llu)",
                                                      hard_s, nr_open);
                }
        }
        /* The container's init is our child: it may lower its limits but raise the hard one only with
         * CAP_SYS_RESOURCE, which the caller may lack even as root (a container, a restricted service). */
        if (want > cur.rlim_max && !have_cap_sys_resource()) {
                char have[32];
                if (cur.rlim_max == RLIM_INFINITY)
                        (void) snprintf(have, sizeof(have), "unlimited");
                else
                        (void) snprintf(have, sizeof(have), "%llu", (unsigned long long) cur.rlim_max);
                return husk_error_set(err, EPERM,
                                      "--ulimit %s: the hard limit %s is above husk's own hard limit (%s), "
                                      "and raising it needs CAP_SYS_RESOURCE, which husk does not have",
                                      name, hard_s, have);
        }
        return 0;
}

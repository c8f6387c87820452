/* SPDX-License-Identifier: Apache-2.0 */
/* Finding the container's executable in its own PATH, and the final execve. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/process.h"
#include "util/cleanup.h"

/* The PATH runc (and Go's os/exec in a container without one) uses. */
#define HUSK_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(char *const *env, const char *key)
{
        size_t klen = strlen(key);
        for (char *const *e = env; e && *e; e++)
                if (strncmp(*e, key, klen) == 0 && (*e)[klen] == '=')
                        return *e + klen + 1;
        return NULL;
}

/* 0 when path is a regular file with an x bit, as Go's exec.LookPath decides (root passes
 * access(X_OK) for any file with one x bit, so the mode is what matters). */
static int check_executable(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
                return -EACCES;
        return 0;
}

int husk_process_resolve_exec(const struct husk_process *p, char **ret_path, struct husk_error *err)
{
        const char *name = p->args ? p->args[0] : NULL;
        if (!name || !*name)
                return husk_error_set(err, ENOENT, "exec: \"\": executable file not found in $PATH");

        if (strchr(name, '/')) {
                int r = check_executable(name);
                if (r == -ENOENT || r == -ENOTDIR)
                        return husk_error_set(err, -r, "exec: \"%s\": no such file or directory", name);
                if (r == -EACCES)
                        return husk_error_set(err, EACCES, "exec: \"%s\": permission denied", name);
                if (r < 0)
                        return husk_error_errno(err, -r, "exec: \"%s\"", name);
                char *copy = strdup(name);
                if (!copy)
                        return husk_error_errno(err, ENOMEM, "exec: \"%s\"", name);
                *ret_path = copy;
                return 0;
        }

        const char *path_env = env_get(p->env, "PATH");
        if (!path_env)
                path_env = HUSK_DEFAULT_PATH;
        _cleanup_free_ char *dirs = strdup(path_env);
        if (!dirs)
                return husk_error_errno(err, ENOMEM, "exec: \"%s\"", name);

        char *save = NULL;
        for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *candidate = NULL;
                /* asprintf leaves the pointer undefined on failure: keep the cleanup's NULL. */
                char *tmp;
                if (asprintf(&tmp, "%s/%s", dir, name) < 0)
                        return husk_error_errno(err, ENOMEM, "exec: \"%s\"", name);
                candidate = tmp;
                /* Like Go's LookPath: a non-executable match does not stop the search. */
                if (check_executable(candidate) == 0) {
                        *ret_path = steal_ptr(candidate);
                        return 0;
                }
        }
        return husk_error_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

/* The home directory of uid in the container's /etc/passwd, or NULL. Parsed by hand on purpose:
 * getpwuid() goes through NSS, which would dlopen libraries from the container's rootfs into a
 * process that is still root. */
static char *passwd_home(uid_t uid)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
        if (!f)
                return NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                /* name:password:uid:gid:gecos:home:shell */
                char *fields[7] = { 0 };
                char *s = line;
                size_t n = 0;
                line[strcspn(line, "\n")] = '\0';
                while (n < HUSK_ARRAY_SIZE(fields)) {
                        fields[n++] = s;
                        s = strchr(s, ':');
                        if (!s)
                                break;
                        *s++ = '\0';
                }
                if (n < 6)
                        continue;
                char *end;
                errno = 0;
                unsigned long u = strtoul(fields[2], &end, 10);
                if (errno != 0 || *end != '\0' || end == fields[2] || u != (unsigned long) uid)
                        continue;
                return fields[5][0] ? strdup(fields[5]) : NULL;
        }
        return NULL;
}

int husk_process_exec(const struct husk_process *p, const char *path, struct husk_error *err)
{
        size_t n_env = 0;
        for (char *const *e = p->env; e && *e; e++)
                n_env++;

        _cleanup_free_ char **envp = calloc(n_env + 2, sizeof(char *));
        if (!envp)
                return husk_error_errno(err, ENOMEM, "exec \"%s\"", path);
        for (size_t i = 0; i < n_env; i++)
                envp[i] = p->env[i];

        _cleanup_free_ char *home_var = NULL;
        if (!env_get(p->env, "HOME")) {
                _cleanup_free_ char *home = passwd_home(p->user.uid);
                char *tmp;
                if (asprintf(&tmp, "HOME=%s", home ? home : "/") < 0)
                        return husk_error_errno(err, ENOMEM, "exec \"%s\"", path);
                home_var = tmp;
                envp[n_env] = home_var;
        }

        execve(path, p->args, envp);
        return husk_error_errno(err, errno, "exec \"%s\"", path);
}

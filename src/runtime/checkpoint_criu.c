/* SPDX-License-Identifier: Apache-2.0 */
/* Building and running criu command lines, and turning its log into an error a user can act on. */
#include "runtime/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"

void criu_argv_done(struct criu_argv *a)
{
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i]);
        free(a->v);
        *a = (struct criu_argv) { 0 };
}

int criu_argv_add(struct criu_argv *a, struct husk_error *err, const char *fmt, ...)
{
        if (a->n + 2 > a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 32;
                char **v = realloc(a->v, cap * sizeof(*v));
                if (!v)
                        return husk_error_errno(err, ENOMEM, "criu arguments");
                a->v = v;
                a->cap = cap;
        }
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&a->v[a->n], fmt, ap);
        va_end(ap);
        if (n < 0)
                return husk_error_errno(err, ENOMEM, "criu arguments");
        a->v[++a->n] = NULL;
        return 0;
}

static bool valid_cgroups_mode(const char *m)
{
        return strcmp(m, "soft") == 0 || strcmp(m, "full") == 0 || strcmp(m, "strict") == 0 ||
               strcmp(m, "ignore") == 0;
}

int criu_argv_common(struct criu_argv *a, const char *action, const struct husk_checkpoint_opts *o,
                     const char *rootfs, struct husk_error *err)
{
        const char *mode = o->manage_cgroups_mode;
        if (mode && !valid_cgroups_mode(mode))
                return husk_error_set(err, EINVAL,
                                      "--manage-cgroups-mode \"%s\": expected soft, full, strict or ignore", mode);
        /* criu keeps its log in the work directory; -v4 as runc, so a failure can be read later. */
        int r = criu_argv_add(a, err, "%s", o->criu ? o->criu : "criu");
        if (r >= 0)
                r = criu_argv_add(a, err, "%s", action);
        if (r >= 0)
                r = criu_argv_add(a, err, "--images-dir=%s", o->image_path);
        if (r >= 0)
                r = criu_argv_add(a, err, "--work-dir=%s", o->work_path ? o->work_path : o->image_path);
        if (r >= 0)
                r = criu_argv_add(a, err, "--log-file=%s.log", action);
        if (r >= 0)
                r = criu_argv_add(a, err, "-v4");
        if (r >= 0)
                r = criu_argv_add(a, err, "--root=%s", rootfs);
        if (r >= 0)
                r = criu_argv_add(a, err, "--manage-cgroups=%s", mode ? mode : "soft");
        const struct {
                bool on;
                const char *flag;
        } flags[] = {
                { o->tcp_established, "--tcp-established" },
                { o->file_locks, "--file-locks" },
                { o->ext_unix_sk, "--ext-unix-sk" },
                { o->shell_job, "--shell-job" },
        };
        for (size_t i = 0; r >= 0 && i < HUSK_ARRAY_SIZE(flags); i++)
                if (flags[i].on)
                        r = criu_argv_add(a, err, "%s", flags[i].flag);
        return r;
}

static bool has_option(const struct husk_mount *m, const char *opt)
{
        for (size_t i = 0; i < m->n_options; i++)
                if (strcmp(m->options[i], opt) == 0)
                        return true;
        return false;
}

static bool is_bind(const struct husk_mount *m)
{
        if (m->type && strcmp(m->type, "bind") == 0)
                return true;
        return has_option(m, "bind") || has_option(m, "rbind");
}

int criu_argv_external_mounts(struct criu_argv *a, const struct husk_spec *spec, bool restore,
                              struct husk_error *err)
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < spec->n_mounts; i++) {
                const struct husk_mount *m = &spec->mounts[i];
                if (!is_bind(m) || !m->source)
                        continue;
                r = criu_argv_add(a, err, "--external=mnt[%s]:%s", m->destination,
                                  restore ? m->source : m->destination);
        }
        return r;
}

/* CRIU's first "Error (file:line): ..." lines, joined, the source location cut off: the first error
 * is the cause, what follows it the failure spreading. A helper's "exited, status=N" says nothing. */
static void log_errors(int log_dir_fd, const char *log_name, char *buf, size_t size, bool *ret_kernel)
{
        buf[0] = '\0';
        *ret_kernel = false;
        _cleanup_close_ int fd = openat(log_dir_fd, log_name, O_RDONLY | O_CLOEXEC);
        _cleanup_fclose_ FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
        if (!f)
                return;
        (void) steal_fd(fd);
        char line[512];
        size_t used = 0, n = 0;
        while (fgets(line, sizeof(line), f)) {
                char *e = strstr(line, "Error (");
                if (!e)
                        continue;
                /* kerndat is criu's probe of the kernel's features: failing there means criu
                 * cannot work on this kernel at all, whatever the container. */
                if (strstr(e, "kerndat") || strstr(e, "Could not initialize kernel features"))
                        *ret_kernel = true;
                char *msg = strstr(e, "): ");
                msg = msg ? msg + 3 : e;
                msg[strcspn(msg, "\n")] = '\0';
                if (strncmp(msg, "exited, status=", 15) == 0 || n >= 3 || used >= size)
                        continue;
                int w = snprintf(buf + used, size - used, "%s%s", n ? "; " : "", msg);
                if (w > 0)
                        used += (size_t) w;
                n++;
        }
}

static void reap(pid_t pid, int *ret_status)
{
        while (waitpid(pid, ret_status, 0) < 0 && errno == EINTR)
                ;
}

int criu_run(const struct criu_argv *a, struct husk_cgroup *cg, const char *work_dir, const char *log_name,
             struct husk_error *err)
{
        /* With a cgroup, the child waits on this pipe until it has been moved there. */
        int sync[2] = { -1, -1 };
        if (cg && pipe2(sync, O_CLOEXEC) < 0)
                return husk_error_errno(err, errno, "pipe");
        _cleanup_close_ int sync_r = sync[0], sync_w = sync[1];

        pid_t pid = fork();
        if (pid < 0)
                return husk_error_errno(err, errno, "fork criu");
        if (pid == 0) {
                char c;
                if (cg) {
                        (void) close(sync_w);
                        if (read(sync_r, &c, 1) != 1)
                                _exit(126);
                }
                execvp(a->v[0], a->v);
                _exit(errno == ENOENT ? 127 : 126);
        }
        if (cg) {
                (void) close(steal_fd(sync_r));
                int r = husk_cgroup_attach_pid(cg, pid, err);
                if (r < 0) {
                        (void) kill(pid, SIGKILL);
                        reap(pid, NULL);
                        return husk_error_prefix(err, "criu %s: ", a->v[1]);
                }
                if (write(sync_w, "x", 1) != 1) {
                        int e = errno;
                        (void) kill(pid, SIGKILL);
                        reap(pid, NULL);
                        return husk_error_errno(err, e, "criu %s: release child", a->v[1]);
                }
        }
        int status = 0;
        reap(pid, &status);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return husk_error_set(err, ENOENT, "criu %s: %s not found (install Debian's criu, or give --criu)",
                                      a->v[1], a->v[0]);

        char errors[700];
        bool kernel = false;
        _cleanup_close_ int dir_fd = open(work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0)
                log_errors(dir_fd, log_name, errors, sizeof(errors), &kernel);
        else
                errors[0] = '\0';
        const char *how = WIFEXITED(status) ? "exited with status" : "killed by signal";
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
        if (kernel)
                return husk_error_set(err, ENOTSUP,
                                      "criu %s: CRIU cannot work on this kernel (its kernel feature detection "
                                      "failed, see `criu check`): %s (log: %s/%s)",
                                      a->v[1], errors, work_dir, log_name);
        return husk_error_set(err, EIO, "criu %s %s %d: %s (log: %s/%s)", a->v[1], how, code,
                              errors[0] ? errors : "no error in its log", work_dir, log_name);
}

int criu_prepare_dir(const char *path, const char *what, char **ret, struct husk_error *err)
{
        int r = husk_mkdir_p(path, 0700, err);
        if (r < 0)
                return husk_error_prefix(err, "%s \"%s\": ", what, path);
        char *real = realpath(path, NULL);
        if (!real)
                return husk_error_errno(err, errno, "%s \"%s\"", what, path);
        struct stat st;
        if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
                free(real);
                return husk_error_errno(err, ENOTDIR, "%s \"%s\"", what, path);
        }
        *ret = real;
        return 0;
}

int criu_argv_inherit_stdio(struct criu_argv *a, const char *image_dir, struct husk_error *err)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        if (asprintf(&path, "%s/" HUSK_CKPT_STDIO, image_dir) < 0)
                return husk_error_errno(err, ENOMEM, "restore");
        size_t len = 0;
        int r = husk_read_file_at(AT_FDCWD, path, &data, &len, err);
        if (r < 0)
                return husk_error_prefix(err, "image path \"%s\" (not made by husk checkpoint?): ", image_dir);
        /* Line N is fd N; an empty line, a closed fd. One pipe on two fds (2>&1) is inherited once,
         * from the first: criu gives the other fd the same file. */
        char *line = data, *seen[3] = { NULL };
        for (int fd = 0; fd < 3 && line && *line; fd++) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                bool dup = false;
                for (int k = 0; k < fd; k++)
                        dup = dup || (seen[k] && strcmp(seen[k], line) == 0);
                seen[fd] = line;
                if (!dup && strncmp(line, "pipe:[", 6) == 0 &&
                    (r = criu_argv_add(a, err, "--inherit-fd=fd[%d]:%s", fd, line)) < 0)
                        return r;
                line = nl ? nl + 1 : NULL;
        }
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* config.json "process" (config.md "Process"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "oci/capabilities.h"
#include "oci/config_json.h"
#include "util/cleanup.h"

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
        { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_FSIZE", RLIMIT_FSIZE },
        { "RLIMIT_DATA", RLIMIT_DATA },       { "RLIMIT_STACK", RLIMIT_STACK },
        { "RLIMIT_CORE", RLIMIT_CORE },       { "RLIMIT_RSS", RLIMIT_RSS },
        { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_NOFILE", RLIMIT_NOFILE },
        { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
        { "RLIMIT_LOCKS", RLIMIT_LOCKS },     { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
        { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
        { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

/* Indexed by policy number (SCHED_OTHER = 0 ... SCHED_DEADLINE = 6; 4 is SCHED_ISO, reserved). */
static const char *const sched_policies[] = {
        "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};

static const char *const sched_flags[] = {
        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",        "SCHED_FLAG_DL_OVERRUN",
        "SCHED_FLAG_KEEP_POLICY",   "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
        "SCHED_FLAG_UTIL_CLAMP_MAX", NULL,
};

/* Indexed by IOPRIO_CLASS_* number. */
static const char *const ioprio_classes[] = {
        "IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL,
};

static int parse_user(struct husk_jctx *c, json_t *v, struct husk_user *u)
{
        uint32_t id = 0;
        int r = husk_juint32(c, v, "uid", false, &id, NULL);
        if (r < 0)
                return r;
        u->uid = id;
        id = 0;
        r = husk_juint32(c, v, "gid", false, &id, NULL);
        if (r < 0)
                return r;
        u->gid = id;
        int64_t umask;
        r = husk_jint64(c, v, "umask", false, 0, 0777, &umask, &u->has_umask);
        if (r < 0)
                return r;
        if (u->has_umask)
                u->umask = (mode_t) umask;
        r = husk_jstring(c, v, "username", false, &u->username);
        if (r < 0)
                return r;

        json_t *gids = NULL;
        r = husk_jarray(c, v, "additionalGids", false, &gids);
        if (r < 0 || !gids)
                return r;
        size_t n = json_array_size(gids);
        if (n == 0)
                return 0;
        u->additional_gids = calloc(n, sizeof(gid_t));
        if (!u->additional_gids)
                return husk_error_errno(c->err, ENOMEM, "%s: additionalGids", c->name);
        u->n_additional_gids = n;
        for (size_t i = 0; i < n; i++) {
                size_t old = husk_jpush_key(c, "additionalGids");
                (void) husk_jpush_index(c, i);
                int64_t g;
                r = husk_jval_int64(c, json_array_get(gids, i), 0, UINT32_MAX, &g);
                husk_jpop(c, old);
                if (r < 0)
                        return r;
                u->additional_gids[i] = (gid_t) g;
        }
        return 0;
}

static int parse_cap_set(struct husk_jctx *c, json_t *v, const char *key, uint64_t *mask, bool *has)
{
        json_t *a = husk_jget(v, key);
        if (!a)
                return 0;
        if (!json_is_array(a))
                return husk_jfail_key(c, key, "must be an array of strings");
        size_t old = husk_jpush_key(c, key);
        for (size_t i = 0; i < json_array_size(a); i++) {
                json_t *e = json_array_get(a, i);
                size_t o2 = husk_jpush_index(c, i);
                int r = 0;
                if (!json_is_string(e)) {
                        r = husk_jfail(c, "must be a string");
                } else {
                        int cap = husk_cap_from_name(json_string_value(e));
                        if (cap < 0)
                                r = husk_jfail(c, "unknown capability \"%s\"", json_string_value(e));
                        else
                                *mask |= UINT64_C(1) << cap;
                }
                husk_jpop(c, o2);
                if (r < 0) {
                        husk_jpop(c, old);
                        return r;
                }
        }
        husk_jpop(c, old);
        *has = true;
        return 0;
}

static int parse_capabilities(struct husk_jctx *c, json_t *v, struct husk_capabilities *caps)
{
        int r;
        if ((r = parse_cap_set(c, v, "bounding", &caps->bounding, &caps->has_bounding)) < 0 ||
            (r = parse_cap_set(c, v, "effective", &caps->effective, &caps->has_effective)) < 0 ||
            (r = parse_cap_set(c, v, "inheritable", &caps->inheritable, &caps->has_inheritable)) < 0 ||
            (r = parse_cap_set(c, v, "permitted", &caps->permitted, &caps->has_permitted)) < 0 ||
            (r = parse_cap_set(c, v, "ambient", &caps->ambient, &caps->has_ambient)) < 0)
                return r;
        return 0;
}

static int parse_rlimit(struct husk_jctx *c, json_t *e, struct husk_rlimit *rl, const struct husk_rlimit *prev,
                        size_t n_prev)
{
        if (!json_is_object(e))
                return husk_jfail(c, "must be an object");
        int r = husk_jstring(c, e, "type", true, &rl->type);
        if (r < 0)
                return r;
        rl->resource = -1;
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(rlimit_table); i++)
                if (strcmp(rlimit_table[i].name, rl->type) == 0)
                        rl->resource = rlimit_table[i].resource;
        if (rl->resource < 0)
                return husk_jfail_key(c, "type", "unknown rlimit \"%s\"", rl->type);
        for (size_t i = 0; i < n_prev; i++)
                if (prev[i].resource == rl->resource)
                        return husk_jfail_key(c, "type", "duplicate rlimit \"%s\"", rl->type);
        if ((r = husk_juint64(c, e, "soft", true, &rl->soft, NULL)) < 0 ||
            (r = husk_juint64(c, e, "hard", true, &rl->hard, NULL)) < 0)
                return r;
        if (rl->soft > rl->hard)
                return husk_jfail_key(c, "soft", "must not exceed hard (%llu > %llu)", (unsigned long long) rl->soft,
                                      (unsigned long long) rl->hard);
        return 0;
}

static int parse_rlimits(struct husk_jctx *c, json_t *v, struct husk_process *p)
{
        json_t *a = NULL;
        int r = husk_jarray(c, v, "rlimits", false, &a);
        if (r < 0 || !a || json_array_size(a) == 0)
                return r;
        size_t n = json_array_size(a);
        p->rlimits = calloc(n, sizeof(*p->rlimits));
        if (!p->rlimits)
                return husk_error_errno(c->err, ENOMEM, "%s: process.rlimits", c->name);
        p->n_rlimits = n;
        size_t old = husk_jpush_key(c, "rlimits");
        for (size_t i = 0; i < n && r == 0; i++) {
                size_t o2 = husk_jpush_index(c, i);
                r = parse_rlimit(c, json_array_get(a, i), &p->rlimits[i], p->rlimits, i);
                husk_jpop(c, o2);
        }
        husk_jpop(c, old);
        return r;
}

static int parse_scheduler(struct husk_jctx *c, json_t *v, struct husk_scheduler *s)
{
        int r = husk_jstring(c, v, "policy", true, &s->policy);
        if (r < 0)
                return r;
        s->policy_num = husk_name_index(sched_policies, s->policy);
        if (s->policy_num < 0)
                return husk_jfail_key(c, "policy", "unknown scheduler policy \"%s\"", s->policy);
        if ((r = husk_jint32(c, v, "nice", false, &s->nice, &s->has_nice)) < 0 ||
            (r = husk_jint32(c, v, "priority", false, &s->priority, &s->has_priority)) < 0 ||
            (r = husk_jstrv(c, v, "flags", sched_flags, &s->flags, NULL)) < 0 ||
            (r = husk_juint64(c, v, "runtime", false, &s->runtime, &s->has_runtime)) < 0 ||
            (r = husk_juint64(c, v, "deadline", false, &s->deadline, &s->has_deadline)) < 0 ||
            (r = husk_juint64(c, v, "period", false, &s->period, &s->has_period)) < 0)
                return r;
        if (s->has_nice && (s->nice < -20 || s->nice > 19))
                return husk_jfail_key(c, "nice", "must be an integer between -20 and 19");
        return 0;
}

static int parse_io_priority(struct husk_jctx *c, json_t *v, struct husk_io_priority *io)
{
        int r = husk_jstring(c, v, "class", true, &io->class_name);
        if (r < 0)
                return r;
        io->class_num = husk_name_index(ioprio_classes, io->class_name);
        if (io->class_num <= 0)
                return husk_jfail_key(c, "class", "unknown I/O priority class \"%s\"", io->class_name);
        int64_t prio = 0;
        r = husk_jint64(c, v, "priority", false, 0, 7, &prio, NULL);
        if (r < 0)
                return r;
        io->priority = (int32_t) prio;
        return 0;
}

/* "0-3,7": the pattern of the schema, ^[0-9, -]*$. */
static int parse_cpu_list(struct husk_jctx *c, json_t *v, const char *key, char **ret)
{
        int r = husk_jstring(c, v, key, false, ret);
        if (r < 0 || !*ret)
                return r;
        if ((*ret)[strspn(*ret, "0123456789, -")] != '\0')
                return husk_jfail_key(c, key, "invalid CPU list \"%s\"", *ret);
        return 0;
}

static int parse_console_size(struct husk_jctx *c, json_t *v, struct husk_process *p)
{
        int64_t h, w;
        int r;
        if ((r = husk_jint64(c, v, "height", true, 0, UINT32_MAX, &h, NULL)) < 0 ||
            (r = husk_jint64(c, v, "width", true, 0, UINT32_MAX, &w, NULL)) < 0)
                return r;
        p->console_height = (unsigned int) h;
        p->console_width = (unsigned int) w;
        p->has_console_size = true;
        return 0;
}

int husk_parse_process(struct husk_jctx *c, json_t *v, struct husk_process *p)
{
        int r;
        json_t *args = husk_jget(v, "args");
        if (!json_is_array(args) || json_array_size(args) == 0)
                return husk_jfail_key(c, "args", "must be a non-empty array of strings");
        if ((r = husk_jstrv(c, v, "args", NULL, &p->args, &p->n_args)) < 0)
                return r;
        if ((r = husk_jbool(c, v, "terminal", &p->terminal, NULL)) < 0 ||
            (r = husk_jstrv(c, v, "env", NULL, &p->env, &p->n_env)) < 0 ||
            (r = husk_jstring(c, v, "cwd", true, &p->cwd)) < 0)
                return r;
        if (p->cwd[0] != '/')
                return husk_jfail_key(c, "cwd", "must be an absolute path");
        if ((r = HUSK_JSECTION(c, v, "consoleSize", parse_console_size, p)) < 0 ||
            (r = HUSK_JSECTION(c, v, "user", parse_user, &p->user)) < 0)
                return r;
        json_t *caps = NULL;
        if ((r = husk_jobject(c, v, "capabilities", false, &caps)) < 0)
                return r;
        if (caps) {
                size_t old = husk_jpush_key(c, "capabilities");
                r = parse_capabilities(c, caps, &p->capabilities);
                husk_jpop(c, old);
                if (r < 0)
                        return r;
                p->has_capabilities = true;
        }
        if ((r = parse_rlimits(c, v, p)) < 0 ||
            (r = husk_jbool(c, v, "noNewPrivileges", &p->no_new_privileges, &p->has_no_new_privileges)) < 0 ||
            (r = husk_jstring(c, v, "apparmorProfile", false, &p->apparmor_profile)) < 0 ||
            (r = husk_jstring(c, v, "selinuxLabel", false, &p->selinux_label)) < 0)
                return r;
        int64_t oom;
        if ((r = husk_jint64(c, v, "oomScoreAdj", false, -1000, 1000, &oom, &p->has_oom_score_adj)) < 0)
                return r;
        if (p->has_oom_score_adj)
                p->oom_score_adj = (int) oom;
        if ((r = HUSK_JSECTION(c, v, "scheduler", parse_scheduler, &p->scheduler)) < 0)
                return r;
        p->has_scheduler = husk_jget(v, "scheduler") != NULL;
        if ((r = HUSK_JSECTION(c, v, "ioPriority", parse_io_priority, &p->io_priority)) < 0)
                return r;
        p->has_io_priority = husk_jget(v, "ioPriority") != NULL;
        json_t *aff = NULL;
        if ((r = husk_jobject(c, v, "execCPUAffinity", false, &aff)) < 0)
                return r;
        if (aff) {
                size_t old = husk_jpush_key(c, "execCPUAffinity");
                r = parse_cpu_list(c, aff, "initial", &p->exec_cpu_affinity_initial);
                if (r == 0)
                        r = parse_cpu_list(c, aff, "final", &p->exec_cpu_affinity_final);
                husk_jpop(c, old);
        }
        return r;
}

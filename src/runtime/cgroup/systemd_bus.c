/* SPDX-License-Identifier: Apache-2.0 */
/*
 * systemd's manager over sd-bus. libsystemd is loaded with dlopen() here, on the first use of the
 * systemd driver: the normal start path never maps it (it costs a few milliseconds and a dependency
 * nobody else needs). <systemd/sd-bus.h> is used for the types only; every function is reached
 * through the table below.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup/systemd_internal.h"
#include "util/cleanup.h"

#define LIBSYSTEMD "libsystemd.so.0"
/* Root talks to systemd directly, as systemctl does: no dbus-daemon needed (a minimal system may have
 * none), and systemd sends its signals to every direct connection without a Subscribe(). */
#define PRIVATE_BUS "unix:path=/run/systemd/private"
#define DEST "org.freedesktop.systemd1"
#define OBJ "/org/freedesktop/systemd1"
#define IFACE "org.freedesktop.systemd1.Manager"
/* How long a job may take: a scope starts in milliseconds, but the v2 test VM emulates the CPU. */
#define JOB_TIMEOUT_USEC (60ull * 1000 * 1000)

#define SYM(name) __typeof__(&name) name
struct sd_api {
        SYM(sd_bus_open_system);
        SYM(sd_bus_new);
        SYM(sd_bus_set_address);
        SYM(sd_bus_start);
        SYM(sd_bus_flush_close_unref);
        SYM(sd_bus_message_new_method_call);
        SYM(sd_bus_message_append);
        SYM(sd_bus_message_append_array);
        SYM(sd_bus_message_open_container);
        SYM(sd_bus_message_close_container);
        SYM(sd_bus_message_read);
        SYM(sd_bus_message_unref);
        SYM(sd_bus_call);
        SYM(sd_bus_error_free);
        SYM(sd_bus_error_has_name);
        SYM(sd_bus_match_signal);
        SYM(sd_bus_slot_unref);
        SYM(sd_bus_process);
        SYM(sd_bus_wait);
};
#undef SYM

struct husk_sd_bus {
        void *lib;
        struct sd_api f;
        sd_bus *bus;
};

/* The job a caller waits for, filled by the JobRemoved handler. */
struct job_wait {
        const struct sd_api *f;
        const char *job; /* its object path, once the method returned it */
        char result[32]; /* "done", "failed", "canceled", "timeout", "dependency", "skipped" */
        bool removed;
};

static int load(struct husk_sd_bus *b, struct husk_error *err)
{
        b->lib = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
        if (!b->lib)
                return husk_error_set(err, ENOTSUP, "--systemd-cgroup: cannot load %s: %s", LIBSYSTEMD, dlerror());
        static const struct {
                const char *name;
                size_t off;
        } syms[] = {
#define S(n) { #n, offsetof(struct sd_api, n) }
                S(sd_bus_open_system), S(sd_bus_new), S(sd_bus_set_address), S(sd_bus_start),
                S(sd_bus_flush_close_unref), S(sd_bus_message_new_method_call), S(sd_bus_message_append),
                S(sd_bus_message_append_array), S(sd_bus_message_open_container),
                S(sd_bus_message_close_container), S(sd_bus_message_read), S(sd_bus_message_unref),
                S(sd_bus_call), S(sd_bus_error_free), S(sd_bus_error_has_name), S(sd_bus_match_signal),
                S(sd_bus_slot_unref), S(sd_bus_process), S(sd_bus_wait),
#undef S
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(syms); i++) {
                void *p = dlsym(b->lib, syms[i].name);
                if (!p)
                        return husk_error_set(err, ENOTSUP, "--systemd-cgroup: %s has no %s", LIBSYSTEMD, syms[i].name);
                /* A data pointer to a function pointer: what dlsym() is for (POSIX guarantees it). */
                memcpy((char *) &b->f + syms[i].off, &p, sizeof(p));
        }
        return 0;
}

void husk_sd_bus_close(struct husk_sd_bus *b)
{
        if (!b)
                return;
        if (b->bus)
                (void) b->f.sd_bus_flush_close_unref(b->bus);
        if (b->lib)
                (void) dlclose(b->lib);
        free(b);
}

static void bus_closep(struct husk_sd_bus **b)
{
        husk_sd_bus_close(*b);
}

static int connect_private(struct husk_sd_bus *b)
{
        int r = b->f.sd_bus_new(&b->bus);
        if (r < 0)
                return r;
        r = b->f.sd_bus_set_address(b->bus, PRIVATE_BUS);
        if (r >= 0)
                r = b->f.sd_bus_start(b->bus);
        if (r < 0) {
                b->bus = b->f.sd_bus_flush_close_unref(b->bus);
                return r;
        }
        return 0;
}

static int call_simple(struct husk_sd_bus *b, const char *member, struct husk_error *err);

int husk_sd_bus_open(struct husk_sd_bus **ret, struct husk_error *err)
{
        /* sd_booted()'s test: systemd creates this directory early in its boot, nobody else does. */
        if (access("/run/systemd/system", F_OK) < 0)
                return husk_error_set(err, ENOTSUP,
                                      "--systemd-cgroup: systemd is not running as init on this host (no /run/systemd/system)");
        _cleanup_(bus_closep) struct husk_sd_bus *b = calloc(1, sizeof(*b));
        if (!b)
                return husk_error_errno(err, ENOMEM, "systemd bus");
        int r = load(b, err);
        if (r < 0)
                return r;
        bool direct = geteuid() == 0 && connect_private(b) == 0;
        if (!direct) {
                r = b->f.sd_bus_open_system(&b->bus);
                if (r < 0)
                        return husk_error_errno(err, -r, "--systemd-cgroup: connect to the system bus");
                /* On the bus, systemd sends job signals only to subscribers. */
                r = call_simple(b, "Subscribe", err);
                if (r < 0)
                        return r;
        }
        *ret = steal_ptr(b);
        return 0;
}

static void msg_unrefp(struct husk_sd_bus *b, sd_bus_message **m)
{
        if (*m)
                *m = b->f.sd_bus_message_unref(*m);
}

static int bus_error(struct husk_sd_bus *b, sd_bus_error *e, int r, struct husk_error *err, const char *what,
                     const char *unit)
{
        const char *sep = unit[0] ? " " : "";
        if (e->message)
                r = husk_error_set(err, -r, "systemd: %s%s%s: %s", what, sep, unit, e->message);
        else
                r = husk_error_errno(err, -r, "systemd: %s%s%s", what, sep, unit);
        b->f.sd_bus_error_free(e);
        return r;
}

/* A new method call on the manager. */
static int new_call(struct husk_sd_bus *b, const char *member, sd_bus_message **ret)
{
        return b->f.sd_bus_message_new_method_call(b->bus, ret, DEST, OBJ, IFACE, member);
}

static int call_simple(struct husk_sd_bus *b, const char *member, struct husk_error *err)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        int r = new_call(b, member, &m);
        if (r >= 0)
                r = b->f.sd_bus_call(b->bus, m, 0, &e, &reply);
        msg_unrefp(b, &m);
        msg_unrefp(b, &reply);
        if (r < 0)
                return bus_error(b, &e, r, err, member, "");
        return 0;
}

static int append_value(struct husk_sd_bus *b, sd_bus_message *m, const struct husk_sd_prop *p)
{
        const struct sd_api *f = &b->f;
        if (strcmp(p->sig, "t") == 0)
                return f->sd_bus_message_append(m, "t", p->u64);
        if (strcmp(p->sig, "b") == 0)
                return f->sd_bus_message_append(m, "b", (int) p->b);
        if (strcmp(p->sig, "s") == 0)
                return f->sd_bus_message_append(m, "s", p->str);
        if (strcmp(p->sig, "as") == 0)
                return f->sd_bus_message_append(m, "as", 1, p->str);
        if (strcmp(p->sig, "au") == 0)
                return f->sd_bus_message_append(m, "au", 1, (uint32_t) p->u64);
        if (strcmp(p->sig, "ay") == 0)
                return f->sd_bus_message_append_array(m, 'y', p->bytes, p->n_bytes);
        return -EINVAL;
}

/* a(sv) */
static int append_props(struct husk_sd_bus *b, sd_bus_message *m, const struct husk_sd_props *props)
{
        const struct sd_api *f = &b->f;
        int r = f->sd_bus_message_open_container(m, 'a', "(sv)");
        for (size_t i = 0; r >= 0 && i < props->n; i++) {
                const struct husk_sd_prop *p = &props->v[i];
                r = f->sd_bus_message_open_container(m, 'r', "sv");
                if (r >= 0)
                        r = f->sd_bus_message_append(m, "s", p->name);
                if (r >= 0)
                        r = f->sd_bus_message_open_container(m, 'v', p->sig);
                if (r >= 0)
                        r = append_value(b, m, p);
                if (r >= 0)
                        r = f->sd_bus_message_close_container(m);
                if (r >= 0)
                        r = f->sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = f->sd_bus_message_close_container(m);
        return r;
}

/* JobRemoved(u id, o job, s unit, s result) */
static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        (void) ret_error;
        struct job_wait *w = userdata;
        uint32_t id;
        const char *job, *unit, *result;
        if (w->f->sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        if (w->job && strcmp(job, w->job) == 0) {
                w->removed = true;
                size_t n = strnlen(result, sizeof(w->result) - 1);
                memcpy(w->result, result, n);
                w->result[n] = '\0';
        }
        return 0;
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Call m (a method that returns a job's object path) and wait until systemd reports the job gone. */
static int call_job(struct husk_sd_bus *b, sd_bus_message *m, const char *what, const char *unit,
                    bool missing_ok, struct husk_error *err)
{
        const struct sd_api *f = &b->f;
        struct job_wait w = { .f = f };
        sd_bus_slot *slot = NULL;
        /* The match goes first: a fast job can be removed before the method's reply is read. */
        int r = f->sd_bus_match_signal(b->bus, &slot, DEST, OBJ, IFACE, "JobRemoved", on_job_removed, &w);
        if (r < 0)
                return husk_error_errno(err, -r, "systemd: %s %s: watch JobRemoved", what, unit);
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        r = f->sd_bus_call(b->bus, m, JOB_TIMEOUT_USEC, &e, &reply);
        if (r < 0) {
                (void) f->sd_bus_slot_unref(slot);
                if (missing_ok && (f->sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit") ||
                                   f->sd_bus_error_has_name(&e, "org.freedesktop.systemd1.LoadFailed"))) {
                        f->sd_bus_error_free(&e);
                        return 0;
                }
                return bus_error(b, &e, r, err, what, unit);
        }
        _cleanup_free_ char *job = NULL;
        const char *path;
        r = f->sd_bus_message_read(reply, "o", &path);
        if (r >= 0 && !(job = strdup(path)))
                r = -ENOMEM;
        msg_unrefp(b, &reply);
        w.job = job;
        uint64_t deadline = now_usec() + JOB_TIMEOUT_USEC;
        while (r >= 0 && !w.removed) {
                r = f->sd_bus_process(b->bus, NULL);
                if (r > 0)
                        continue;
                uint64_t now = now_usec();
                if (r >= 0 && now >= deadline)
                        r = -ETIMEDOUT;
                if (r >= 0)
                        r = f->sd_bus_wait(b->bus, deadline - now);
        }
        (void) f->sd_bus_slot_unref(slot);
        if (r < 0)
                return husk_error_errno(err, -r, "systemd: %s %s: wait for the job", what, unit);
        if (strcmp(w.result, "done") != 0)
                return husk_error_set(err, EIO, "systemd: %s %s: job %s", what, unit, w.result);
        return 0;
}

int husk_sd_bus_start_unit(struct husk_sd_bus *b, const char *unit, const struct husk_sd_props *props,
                           struct husk_error *err)
{
        sd_bus_message *m = NULL;
        /* "fail": a unit of that name already running is an error, not something to replace. */
        int r = new_call(b, "StartTransientUnit", &m);
        if (r >= 0)
                r = b->f.sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = append_props(b, m, props);
        /* No auxiliary units. */
        if (r >= 0)
                r = b->f.sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0) {
                msg_unrefp(b, &m);
                return husk_error_errno(err, -r, "systemd: start %s: build the message", unit);
        }
        r = call_job(b, m, "start", unit, false, err);
        msg_unrefp(b, &m);
        return r;
}

int husk_sd_bus_set_properties(struct husk_sd_bus *b, const char *unit, const struct husk_sd_props *props,
                               struct husk_error *err)
{
        if (props->n == 0)
                return 0;
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = new_call(b, "SetUnitProperties", &m);
        /* runtime: lost at reboot, like the container. */
        if (r >= 0)
                r = b->f.sd_bus_message_append(m, "sb", unit, 1);
        if (r >= 0)
                r = append_props(b, m, props);
        if (r < 0) {
                msg_unrefp(b, &m);
                return husk_error_errno(err, -r, "systemd: set properties of %s: build the message", unit);
        }
        r = b->f.sd_bus_call(b->bus, m, JOB_TIMEOUT_USEC, &e, &reply);
        msg_unrefp(b, &m);
        msg_unrefp(b, &reply);
        if (r < 0)
                return bus_error(b, &e, r, err, "set properties of", unit);
        return 0;
}

int husk_sd_bus_stop_unit(struct husk_sd_bus *b, const char *unit, struct husk_error *err)
{
        sd_bus_message *m = NULL;
        int r = new_call(b, "StopUnit", &m);
        if (r >= 0)
                r = b->f.sd_bus_message_append(m, "ss", unit, "replace");
        if (r < 0) {
                msg_unrefp(b, &m);
                return husk_error_errno(err, -r, "systemd: stop %s: build the message", unit);
        }
        r = call_job(b, m, "stop", unit, true, err);
        msg_unrefp(b, &m);
        return r;
}

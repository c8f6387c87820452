/* SPDX-License-Identifier: Apache-2.0 */
/* `husk update`: a container's resource keys changed in its record and, when it runs, in its cgroup
 * through libhusk's update (the same call as `husk-runtime update`). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/resources.h"
#include "oci/config.h"
#include "util/cleanup.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

static void resources_done(struct husk_resources *r)
{
        husk_resources_free_contents(r);
}

/* The whole resource set of hc for libhusk's update: what is unset stays as the cgroup has it. */
static int apply_running(struct husk_engine *e, const char *id, const json_t *hc, bool pids_unlimited,
                         struct husk_error *err)
{
        _cleanup_json_ json_t *res = json_object();
        if (!res)
                return husk_error_errno(err, ENOMEM, "update");
        int r = husk_res_to_oci(hc, res, NULL, err);
        if (r < 0)
                return r;
        if (pids_unlimited && json_object_set_new(res, "pids", json_pack("{s:i}", "limit", -1)) < 0)
                return husk_error_errno(err, ENOMEM, "update");
        _cleanup_free_ char *text = json_dumps(res, JSON_COMPACT);
        if (!text)
                return husk_error_errno(err, ENOMEM, "update");
        _cleanup_(resources_done) struct husk_resources parsed = { 0 };
        r = husk_resources_parse(text, strlen(text), "update", &parsed, err);
        if (r < 0)
                return r;
        return husk_container_update(&e->rt, id, &parsed, err);
}

int husk_engine_update_res(struct husk_engine *e, const char *id, int (*edit)(json_t *hc, void *ud), void *ud,
                           bool pids_unlimited, struct husk_error *err)
{
        _cleanup_close_ int lock = husk_ctr_lock(e->ctrs, id, err);
        if (lock < 0)
                return lock;
        _cleanup_(husk_ctr_done) struct husk_ctr c = { 0 };
        int r = husk_ctr_load(e->ctrs, id, &c, err);
        if (r < 0)
                return r;
        json_t *hc = c.cfg.host_config ? json_deep_copy(c.cfg.host_config) : json_object();
        if (!hc)
                return husk_error_errno(err, ENOMEM, "update");
        if (edit(hc, ud) != 0) {
                json_decref(hc);
                return -ECANCELED;
        }
        if (c.state == HUSK_CTR_RUNNING && !c.monitor_dead && (r = apply_running(e, c.id, hc, pids_unlimited, err)) < 0) {
                json_decref(hc);
                return husk_error_prefix(err, "Cannot update container %s: ", c.id);
        }
        json_decref(c.cfg.host_config);
        c.cfg.host_config = hc;
        return husk_ctr_save(e->ctrs, &c, err);
}

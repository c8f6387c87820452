/* SPDX-License-Identifier: Apache-2.0 */
/* Address choice within a subnet and rate units (network.h; pure). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "network/network.h"
#include "util/cleanup.h"

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

int husk_ipam_pick(const struct husk_prefix *subnet, const uint64_t *used, size_t n_used, uint64_t want,
                   uint64_t *ret, struct husk_error *err)
{
        uint64_t count = husk_prefix_host_count(subnet);
        char s[HUSK_PREFIX_STRLEN];
        husk_prefix_format(subnet, s);
        if (want) {
                if (want == 1)
                        return husk_error_set(err, EADDRINUSE, "--ip: the first address of %s is the gateway's", s);
                if (want > count)
                        return husk_error_set(err, ERANGE, "--ip: not a host address of %s", s);
                for (size_t i = 0; i < n_used; i++)
                        if (used[i] == want)
                                return husk_error_set(err, EADDRINUSE, "--ip: the address is already in use on %s", s);
                *ret = want;
                return 0;
        }
        _cleanup_free_ uint64_t *v = malloc((n_used + 1) * sizeof(*v));
        if (!v)
                return husk_error_errno(err, ENOMEM, "ipam");
        if (n_used)
                memcpy(v, used, n_used * sizeof(*v));
        qsort(v, n_used, sizeof(*v), cmp_u64);
        uint64_t next = 2;
        for (size_t i = 0; i < n_used; i++) {
                if (v[i] < next)
                        continue;
                if (v[i] > next)
                        break;
                next++;
        }
        if (next > count)
                return husk_error_set(err, ENOSPC, "no free address left in %s", s);
        *ret = next;
        return 0;
}

int husk_rate_parse(const char *s, uint64_t *ret, struct husk_error *err)
{
        static const struct {
                const char *unit;
                double bytes;
        } units[] = {
                { "", 1 },          { "bps", 1 },       { "kbps", 1e3 },    { "mbps", 1e6 }, { "gbps", 1e9 },
                { "bit", 1.0 / 8 }, { "kbit", 1e3 / 8 }, { "mbit", 1e6 / 8 }, { "gbit", 1e9 / 8 },
        };
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || !(v > 0) || !isfinite(v) || s[0] == '-' || s[0] == '+')
                return husk_error_set(err, EINVAL, "--network-bandwidth %s: not a rate (e.g. 10mbit, 500kbps)", s);
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(units); i++) {
                if (strcasecmp(end, units[i].unit) != 0)
                        continue;
                double b = v * units[i].bytes;
                if (b < 1000 || b > 1e12)
                        return husk_error_set(err, ERANGE, "--network-bandwidth %s: must be 8kbit to 8000gbit", s);
                *ret = (uint64_t) b;
                return 0;
        }
        return husk_error_set(err, EINVAL, "--network-bandwidth %s: unknown unit \"%s\" (bit, kbit, mbit, gbit, bps, kbps, mbps, gbps)",
                              s, end);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* -v, --mount and --tmpfs parsed as Docker does (engine/mount_spec.h), volume names; the
 * HostConfig.Mounts JSON round trip. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mount_spec.h"
#include "engine/volume.h"
#include "test.h"
#include "util/cleanup.h"

#define _cleanup_spec_ _cleanup_(husk_mount_spec_free_contents)

TEST(volume_named_bind_anonymous)
{
        struct husk_error err = { 0 };
        _cleanup_spec_ struct husk_mount_spec a = { 0 }, b = { 0 }, c = { 0 };
        CHECK(husk_mount_parse_volume("data:/srv/data", &a, &err) == 0);
        CHECK(a.type == HUSK_MOUNT_VOLUME);
        CHECK_STR_EQ(a.source, "data");
        CHECK_STR_EQ(a.target, "/srv/data");
        CHECK(!a.readonly && !a.nocopy);
        CHECK(husk_mount_parse_volume("/host/dir:/x//y/:ro,Z,rshared", &b, &err) == 0);
        CHECK(b.type == HUSK_MOUNT_BIND);
        CHECK_STR_EQ(b.target, "/x/y");
        CHECK(b.readonly);
        CHECK_STR_EQ(b.propagation, "rshared");
        CHECK_STR_EQ(b.selinux, "Z");
        CHECK_STR_EQ(b.mode, "ro,Z,rshared");
        CHECK(husk_mount_parse_volume("/anon", &c, &err) == 0);
        CHECK(c.type == HUSK_MOUNT_VOLUME && !c.source);
        _cleanup_spec_ struct husk_mount_spec d = { 0 }, e = { 0 };
        CHECK(husk_mount_parse_volume("/h:/d", &d, &err) == 0);
        CHECK_STR_EQ(d.propagation, "rprivate");
        CHECK(husk_mount_parse_volume("v1:/d:nocopy", &e, &err) == 0);
        CHECK(e.nocopy);
}

TEST(volume_errors)
{
        static const struct {
                const char *raw, *msg;
        } bad[] = {
                { "/data:ro", "invalid volume specification: '/data:ro'" },
                { "a:b:c:d", "invalid volume specification: 'a:b:c:d'" },
                { ":/x", "invalid volume specification: ':/x'" },
                { "", "invalid volume specification: ''" },
                { "v:/x:bogus", "invalid mode: bogus" },
                { "v:/x:ro,rw", "invalid mode: ro,rw" },
                { "v:/x:z,Z", "invalid mode: z,Z" },
                { "v:/x:ro,", "invalid mode: ro," },
                { "v:rel", "invalid mount path: 'rel' mount path must be absolute" },
                { "v:/", "destination can't be '/'" },
                { "/h:/x:sideways", "invalid mode: sideways" },
                { "v:/x:rslave", "field BindOptions must not be specified" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                struct husk_error err = { 0 };
                _cleanup_spec_ struct husk_mount_spec m = { 0 };
                CHECK(husk_mount_parse_volume(bad[i].raw, &m, &err) < 0);
                CHECK_CONTAINS(err.msg, bad[i].msg);
        }
}

TEST(mount_flag)
{
        struct husk_error err = { 0 };
        _cleanup_spec_ struct husk_mount_spec a = { 0 }, b = { 0 }, c = { 0 };
        CHECK(husk_mount_parse_mount("type=bind,source=/h,target=/t,readonly,bind-propagation=RSLAVE", &a, &err) == 0);
        CHECK(a.type == HUSK_MOUNT_BIND && a.readonly && a.from_mount);
        CHECK_STR_EQ(a.propagation, "rslave");
        CHECK(husk_mount_parse_mount("dst=/v,src=vol,volume-nocopy=true,volume-label=a=b,ro=false", &b, &err) == 0);
        CHECK(b.type == HUSK_MOUNT_VOLUME && b.nocopy && !b.readonly);
        CHECK_STR_EQ(json_string_value(json_object_get(b.volume_labels, "a")), "b");
        CHECK(husk_mount_parse_mount("type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770", &c, &err) == 0);
        CHECK(c.type == HUSK_MOUNT_TMPFS && c.tmpfs_size == 64 << 20 && c.tmpfs_mode == 01770);
}

TEST(mount_errors)
{
        static const struct {
                const char *raw, *msg;
        } bad[] = {
                { "type=bind,dst=/x", "invalid mount config for type \"bind\": field Source must not be empty" },
                { "type=volume", "for \"--mount\" flag: target is required" },
                { "type=nfs,dst=/x", "invalid mount config for type \"nfs\": mount type unknown" },
                { "dst=/x,foo=bar", "unexpected key 'foo' in 'foo=bar'" },
                { "dst=/x,junk", "invalid field 'junk' must be a key=value pair" },
                { "dst=/x,readonly=maybe", "invalid value for readonly: maybe" },
                { "dst=/x,tmpfs-size=1m", "cannot mix 'tmpfs-*' options with mount type 'volume'" },
                { "type=tmpfs,dst=/x,volume-nocopy", "cannot mix 'volume-*' options with mount type 'tmpfs'" },
                { "type=tmpfs,dst=/x,bind-propagation=shared", "cannot mix 'bind-*' options with mount type 'tmpfs'" },
                { "type=tmpfs,dst=/x,tmpfs-size=lots", "invalid value for tmpfs-size: lots" },
                { "type=tmpfs,dst=/x,tmpfs-mode=9", "invalid value for tmpfs-mode: 9" },
                { "type=tmpfs,src=a,dst=/x", "field Source must not be specified" },
                { "type=bind,src=rel,dst=/x", "invalid mount path: 'rel' mount path must be absolute" },
                { "type=bind,src=/h,dst=/x,bind-propagation=up", "invalid propagation mode: up" },
                { "src=v,dst=x", "invalid mount path: 'x' mount path must be absolute" },
        };
        for (size_t i = 0; i < HUSK_ARRAY_SIZE(bad); i++) {
                struct husk_error err = { 0 };
                _cleanup_spec_ struct husk_mount_spec m = { 0 };
                CHECK(husk_mount_parse_mount(bad[i].raw, &m, &err) < 0);
                CHECK_CONTAINS(err.msg, bad[i].msg);
        }
}

TEST(mount_json_round_trip)
{
        struct husk_error err = { 0 };
        _cleanup_spec_ struct husk_mount_spec a = { 0 }, back = { 0 };
        CHECK(husk_mount_parse_mount("type=bind,src=/h,dst=/t,ro,bind-propagation=shared", &a, &err) == 0);
        _cleanup_(json_decrefp) json_t *j = husk_mount_spec_to_json(&a);
        _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        CHECK_STR_EQ(text, "{\"Type\":\"bind\",\"Source\":\"/h\",\"Target\":\"/t\",\"ReadOnly\":true,"
                           "\"BindOptions\":{\"Propagation\":\"shared\"}}");
        CHECK(husk_mount_spec_from_json(j, &back, &err) == 0);
        CHECK(back.type == HUSK_MOUNT_BIND && back.readonly && back.from_mount);
        CHECK_STR_EQ(back.propagation, "shared");
        _cleanup_(json_decrefp) json_t *bad = json_pack("{s:s}", "Type", "volume");
        _cleanup_spec_ struct husk_mount_spec m = { 0 };
        CHECK(husk_mount_spec_from_json(bad, &m, &err) < 0);
}

TEST(tmpfs_options_merge)
{
        struct husk_error err = { 0 };
        _cleanup_strv_ char **o = NULL;
        CHECK(husk_mount_tmpfs_options("exec,size=1m,size=2m,mode=700,ro", &o, &err) == 0);
        size_t n = 0;
        char joined[256] = "";
        for (; o[n]; n++) {
                strcat(joined, o[n]);
                strcat(joined, ",");
        }
        CHECK_STR_EQ(joined, "nosuid,nodev,rprivate,exec,size=2m,mode=700,ro,");
        _cleanup_strv_ char **bad = NULL;
        CHECK(husk_mount_tmpfs_options("size", &bad, &err) < 0);
        CHECK_CONTAINS(err.msg, "invalid tmpfs option \"size\"");
        _cleanup_free_ char *dst = NULL, *opts = NULL;
        CHECK(husk_mount_parse_tmpfs("/run//x/:size=64k", &dst, &opts, &err) == 0);
        CHECK_STR_EQ(dst, "/run/x");
        CHECK_STR_EQ(opts, "size=64k");
        CHECK(husk_mount_parse_tmpfs("rel", &dst, &opts, &err) < 0);
}

TEST(volume_names)
{
        struct husk_error err = { 0 };
        CHECK(husk_vol_name_validate("ab", &err) == 0);
        CHECK(husk_vol_name_validate("a_b.c-d9", &err) == 0);
        CHECK(husk_vol_name_validate("a", &err) < 0);
        CHECK_CONTAINS(err.msg, "too short");
        CHECK(husk_vol_name_validate("_ab", &err) < 0);
        CHECK(husk_vol_name_validate("a/b", &err) < 0);
        CHECK_CONTAINS(err.msg, "If you intended to pass a host directory, use absolute path");
        CHECK(husk_vol_name_validate(".tmp-x", &err) < 0);
        CHECK(husk_vol_option_validate("o", &err) == 0);
        CHECK(husk_vol_option_validate("uid", &err) < 0);
}

RUN_TESTS()

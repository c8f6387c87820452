/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the store's unit tests: a temporary store root removed at scope exit, small images. */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/manifest.h"
#include "image/store.h"
#include "util/fs.h"

struct tmp_root {
        char path[64];
};

static inline void tmp_root_cleanup(struct tmp_root *t)
{
        if (t->path[0])
                (void) husk_rm_rf_at(AT_FDCWD, t->path, NULL);
}
#define _cleanup_tmp_root_ __attribute__((cleanup(tmp_root_cleanup)))

static inline int tmp_root_make(struct tmp_root *t)
{
        strcpy(t->path, "/tmp/husk-store-test-XXXXXX");
        if (!mkdtemp(t->path)) {
                t->path[0] = '\0';
                return -1;
        }
        return 0;
}

static inline struct husk_store *open_store(const char *root)
{
        struct husk_store_opts o = { .root = root };
        struct husk_store *s = NULL;
        struct husk_error err = { 0 };

        if (husk_store_open(&o, &s, &err) < 0) {
                printf("# open %s: %s\n", root, err.msg);
                return NULL;
        }
        return s;
}

/* Put a config (with these diff_ids and a distinguishing "created") and a manifest naming these layer
   blobs into the store; the manifest's digest goes to ret_manifest, the config's to ret_config. */
static inline int put_image(struct husk_store *s, const char *created, const char *const *diff_ids,
                            const char *const *layer_blobs, char ret_manifest[static HUSK_DIGEST_LEN],
                            char ret_config[static HUSK_DIGEST_LEN])
{
        char cfg[8192], man[8192];
        size_t off;
        struct husk_error err = { 0 };

        off = (size_t) snprintf(cfg, sizeof(cfg),
                                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"%s\","
                                "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[", created);
        for (size_t i = 0; diff_ids && diff_ids[i]; i++)
                off += (size_t) snprintf(cfg + off, sizeof(cfg) - off, "%s\"%s\"", i ? "," : "", diff_ids[i]);
        off += (size_t) snprintf(cfg + off, sizeof(cfg) - off, "]}}");
        if (husk_blob_put(s, cfg, off, NULL, "config", ret_config, &err) < 0) {
                printf("# %s\n", err.msg);
                return -1;
        }
        off = (size_t) snprintf(man, sizeof(man),
                                "{\"schemaVersion\":2,\"mediaType\":\"" HUSK_MT_OCI_MANIFEST "\","
                                "\"config\":{\"mediaType\":\"" HUSK_MT_OCI_CONFIG "\",\"digest\":\"%s\",\"size\":%zu},"
                                "\"layers\":[", ret_config, strlen(cfg));
        for (size_t i = 0; layer_blobs && layer_blobs[i]; i++)
                off += (size_t) snprintf(man + off, sizeof(man) - off,
                                         "%s{\"mediaType\":\"" HUSK_MT_OCI_LAYER_GZIP "\",\"digest\":\"%s\",\"size\":1}",
                                         i ? "," : "", layer_blobs[i]);
        off += (size_t) snprintf(man + off, sizeof(man) - off, "]}");
        if (husk_blob_put(s, man, off, NULL, "manifest", ret_manifest, &err) < 0) {
                printf("# %s\n", err.msg);
                return -1;
        }
        return 0;
}

static inline bool path_exists(const char *root, const char *rel)
{
        char p[1024];
        if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int) sizeof(p))
                return false;
        return faccessat(AT_FDCWD, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static inline int count_entries(const char *root, const char *rel)
{
        char p[1024];
        if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int) sizeof(p))
                return -1;
        DIR *d = opendir(p);
        int n = 0;
        if (!d)
                return -1;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

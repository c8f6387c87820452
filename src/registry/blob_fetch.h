/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Downloading one blob (GET /v2/<name>/blobs/<digest>) through its digest check: the bytes go to the
 * caller's sink in order, exactly once each, while a running sha256 and byte count check them. A dropped
 * connection or a transient answer is retried with backoff and resumed with a Range request from the
 * first byte not yet delivered (a server that ignores Range and sends 200 has its first bytes skipped).
 * A digest mismatch, more bytes than the manifest says, or fewer once the retries are spent fail with
 * -EBADMSG naming the blob: the sink's consumer must then discard what it got.
 */
#pragma once

#include <stdint.h>

#include "registry/http.h"
#include "registry/session.h"

struct husk_blob_fetch {
        const char *digest;             /* "sha256:..." (validated) */
        int64_t size;                   /* from the descriptor; -1: unknown */
        const char *what;               /* "layer sha256:ab12..." for messages */
        /* the verified stream */
        int (*sink)(void *ctx, const void *data, size_t len);
        void *sink_ctx;
        /* bytes delivered so far (from any thread; may be NULL) */
        void (*progress)(void *ctx, uint64_t done);
        void *progress_ctx;
        uint64_t max_size;              /* refuse a blob larger than this when size is unknown (0: no limit) */
};

int husk_blob_fetch(struct husk_session *s, const struct husk_blob_fetch *f, struct husk_error *err);

/* A small blob (manifest, config) into memory, verified; at most max bytes. */
int husk_blob_fetch_buf(struct husk_session *s, const char *digest, int64_t size, size_t max, const char *what,
                        char **ret, size_t *ret_len, struct husk_error *err);

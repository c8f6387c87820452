/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references, normalised as Docker does (distribution/reference): "busybox" is
 * "docker.io/library/busybox:latest", "localhost:5000/x" keeps its registry, a digest reference
 * ("name@sha256:...") has no tag unless both are given.
 */
#pragma once

#include "util/error.h"

struct husk_reference {
        char *domain;   /* "docker.io", "localhost:5000", "127.0.0.1:5000" */
        char *path;     /* "library/busybox" */
        char *tag;      /* "latest"; NULL when only a digest was given */
        char *digest;   /* "sha256:..." or NULL */
};

/*
 * Parse and normalise s (a name as a user types it). The first component is a domain when it contains
 * '.' or ':' or is "localhost"; otherwise the domain is "docker.io" and a single-component path gets
 * "library/". Path components are lowercase [a-z0-9] separated by '.', '_', '__' or '-'+; tags are
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. Uppercase in the name, an empty component, or a bad tag/digest is an
 * error naming the reference. ret is written only on success.
 */
int husk_reference_parse(const char *s, struct husk_reference *ret, struct husk_error *err);

/* "docker.io/library/busybox:latest", "...@sha256:..." or "...:tag@sha256:...". NULL on ENOMEM. */
char *husk_reference_string(const struct husk_reference *r);
/* "docker.io/library/busybox" (no tag or digest). */
char *husk_reference_repository(const struct husk_reference *r);
/* A name as a user or an archive writes it, normalised ("busybox" -> "docker.io/library/busybox:latest");
 * a digest reference cannot name an image (EINVAL). */
int husk_reference_normalise(const char *name, char **ret, struct husk_error *err);

void husk_reference_free(struct husk_reference *r);
static inline void husk_reference_freep(struct husk_reference *r)
{
        husk_reference_free(r);
}

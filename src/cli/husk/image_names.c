/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/husk/image_names.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int husk_name_split(const char *name, char **ret_repo, char **ret_tag)
{
        /* Up to a digest; the tag's ':' is the last one after the last '/' (a domain may have a port). */
        const char *at = strchr(name, '@');
        size_t end = at ? (size_t) (at - name) : strlen(name);
        size_t last_slash = 0, colon = end;
        for (size_t i = 0; i < end; i++) {
                if (name[i] == '/')
                        last_slash = i, colon = end;
                else if (name[i] == ':' && i > last_slash)
                        colon = i;
        }
        char *repo = strndup(name, colon);
        char *tag = colon < end ? strndup(name + colon + 1, end - colon - 1) : strdup("<none>");
        if (!repo || !tag) {
                free(repo);
                free(tag);
                return -ENOMEM;
        }
        *ret_repo = repo;
        *ret_tag = tag;
        return 0;
}

const char *husk_name_familiar(const char *repo)
{
        if (strncmp(repo, "docker.io/", 10) != 0)
                return repo;
        const char *rest = repo + 10;
        if (strncmp(rest, "library/", 8) == 0 && !strchr(rest + 8, '/'))
                return rest + 8;
        return rest;
}

static bool match(const char *pattern, const char *repo, const char *tag)
{
        char full[1024];
        if (fnmatch(pattern, repo, FNM_PATHNAME) == 0)
                return true;
        int n = snprintf(full, sizeof(full), "%s:%s", repo, tag);
        return n > 0 && (size_t) n < sizeof(full) && fnmatch(pattern, full, FNM_PATHNAME) == 0;
}

bool husk_name_match(const char *pattern, const char *repo, const char *tag)
{
        return match(pattern, husk_name_familiar(repo), tag) || match(pattern, repo, tag);
}

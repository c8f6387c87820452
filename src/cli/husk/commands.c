/* SPDX-License-Identifier: Apache-2.0 */
/* The command table (built from commands.h) and the management groups. */
#include <string.h>

#include "cli/husk/commands.h"
#include "cli/husk/husk.h"
#include "util/cleanup.h"

#define HUSK_DECLARE(n) extern const struct husk_cmd husk_cmd_##n;
HUSK_COMMANDS(HUSK_DECLARE)
#undef HUSK_DECLARE

#define HUSK_ENTRY(n) &husk_cmd_##n,
const struct husk_cmd *const husk_commands[] = { HUSK_COMMANDS(HUSK_ENTRY) };
#undef HUSK_ENTRY
const size_t husk_n_commands = HUSK_ARRAY_SIZE(husk_commands);

/* A group is shown in help only when a command uses it. */
const struct husk_group husk_groups[] = {
        { "container", "Manage containers" },
        { "image", "Manage images" },
        { "network", "Manage networks" },
        { "system", "Manage husk" },
        { "volume", "Manage volumes" },
};
const size_t husk_n_groups = HUSK_ARRAY_SIZE(husk_groups);

const struct husk_group *husk_find_group(const char *name)
{
        for (size_t i = 0; i < husk_n_groups; i++)
                if (strcmp(husk_groups[i].name, name) == 0)
                        return &husk_groups[i];
        return NULL;
}

/* Does "image ls" equal the words a[0] a[1]? */
static bool name_matches(const char *name, int argc, char **argv, int *ret_words)
{
        const char *sp = strchr(name, ' ');
        if (!sp) {
                *ret_words = 1;
                return strcmp(name, argv[0]) == 0;
        }
        *ret_words = 2;
        size_t glen = (size_t) (sp - name);
        return argc >= 2 && strlen(argv[0]) == glen && strncmp(name, argv[0], glen) == 0 &&
               strcmp(sp + 1, argv[1]) == 0;
}

const struct husk_cmd *husk_find_command(int argc, char **argv, int *ret_words)
{
        if (argc < 1)
                return NULL;
        for (size_t i = 0; i < husk_n_commands; i++)
                for (const char *const *n = husk_commands[i]->names; *n; n++)
                        if (name_matches(*n, argc, argv, ret_words))
                                return husk_commands[i];
        return NULL;
}

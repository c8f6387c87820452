/* SPDX-License-Identifier: Apache-2.0 */
/* Container ids and names: random 64-hex ids, Docker's name rules, generated adjective_noun names. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "engine/container.h"
#include "util/cleanup.h"

static const char *const adjectives[] = {
        "admiring", "agile",   "amazing",  "blissful", "bold",     "brave",    "busy",     "calm",
        "clever",   "cool",    "crazy",    "dazzling", "eager",    "elated",   "elegant",  "epic",
        "festive",  "focused", "friendly", "gallant",  "gifted",   "gracious", "happy",    "hopeful",
        "jolly",    "keen",    "kind",     "laughing", "lucid",    "modest",   "nifty",    "nostalgic",
        "peaceful", "pensive", "quirky",   "relaxed",  "serene",   "sharp",    "stoic",    "sweet",
        "tender",   "trusting", "upbeat",  "vibrant",  "wizardly", "youthful", "zealous",  "zen",
};

static const char *const nouns[] = {
        "albattani", "archimedes", "babbage",  "bardeen",  "bell",     "bohr",     "curie",    "darwin",
        "dijkstra",  "einstein",   "euclid",   "faraday",  "fermi",    "feynman",  "galileo",  "gauss",
        "goodall",   "hamilton",   "hopper",   "hypatia",  "kepler",   "knuth",    "lamport",  "liskov",
        "lovelace",  "maxwell",    "meitner",  "mendel",   "newton",   "noether",  "pascal",   "pasteur",
        "perlman",   "raman",      "ritchie",  "sammet",   "shannon",  "tesla",    "thompson", "torvalds",
        "turing",    "volhard",    "wiles",    "wozniak",  "wright",   "yalow",    "zhukovsky", "zuse",
};

int husk_ctr_id_new(char ret[static HUSK_CTR_ID_LEN + 1], struct husk_error *err)
{
        for (;;) {
                unsigned char raw[HUSK_CTR_ID_LEN / 2];
                size_t got = 0;
                while (got < sizeof(raw)) {
                        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return husk_error_errno(err, errno, "getrandom");
                        }
                        got += (size_t) n;
                }
                for (size_t i = 0; i < sizeof(raw); i++)
                        (void) snprintf(ret + 2 * i, 3, "%02x", raw[i]);
                /* A short id that is all digits would read as a number (Docker's stringid rule). */
                if (strspn(ret, "0123456789") < 12)
                        return 0;
        }
}

bool husk_ctr_id_valid(const char *s)
{
        return s && strlen(s) == HUSK_CTR_ID_LEN && strspn(s, "0123456789abcdef") == HUSK_CTR_ID_LEN;
}

int husk_ctr_name_validate(const char *name, struct husk_error *err)
{
        static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        size_t len = name ? strlen(name) : 0;
        if (len == 0)
                return husk_error_set(err, EINVAL, "invalid container name \"\": a name may not be empty");
        if (len > 253 || !strchr(alnum, name[0]) ||
            strspn(name + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len - 1)
                return husk_error_set(err, EINVAL,
                                      "invalid container name \"%s\", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                      name);
        return 0;
}

void husk_ctr_name_generate(uint64_t seed, unsigned attempt, char *buf, size_t len)
{
        const char *adj = adjectives[seed % HUSK_ARRAY_SIZE(adjectives)];
        const char *noun = nouns[(seed / HUSK_ARRAY_SIZE(adjectives)) % HUSK_ARRAY_SIZE(nouns)];
        if (attempt == 0)
                (void) snprintf(buf, len, "%s_%s", adj, noun);
        else
                (void) snprintf(buf, len, "%s_%s%u", adj, noun, attempt % 10);
}
